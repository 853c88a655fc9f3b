/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-proc-stat.c - /proc/<pid>/stat with hostile comms: proc_stat_parse() */

#include <string.h>

#include "fuzz.h"
#include "procfs.h"

/*
 * The one stat parser serves the snapshot and the kill path's identity check alike: whatever
 * the text, it either fills the whole struct with a terminated comm, or refuses and leaves it.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = fuzz_strdup(data, size);
        struct proc_stat st, untouched;
        int a;

        memset(&st, 0xa5, sizeof(st));
        untouched = st;
        a = proc_stat_parse(buf, &st);
        FUZZ_ASSERT(a == 0 || a == -EINVAL);
        if (a == 0) {
                /* comm is always terminated and at most 15 bytes (TASK_COMM_LEN - 1) */
                FUZZ_ASSERT(memchr(st.comm, '\0', sizeof(st.comm)) != NULL);
                FUZZ_ASSERT(st.pid > 0);
        } else
                FUZZ_ASSERT(memcmp(&st, &untouched, sizeof(st)) == 0);
        free(buf);
        return 0;
}
