/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-proc-stat.c - /proc/<pid>/stat with hostile comms: proc_stat_parse() and kill_parse_stat() */

#include <string.h>

#include "fuzz.h"
#include "kill.h"
#include "proc.h"

/*
 * Two parsers read the same file, one for the snapshot and one for the kill path's identity
 * check. If they ever disagreed on pgid or start time, a victim chosen from the snapshot
 * would be refused (or worse, a different process accepted) at kill time: check they agree.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = fuzz_strdup(data, size);
        struct proc_stat st, untouched;
        pid_t pgid = -7;
        uint64_t start = 7;
        int a, b;

        memset(&st, 0xa5, sizeof(st));
        untouched = st;
        a = proc_stat_parse(buf, &st);
        FUZZ_ASSERT(a == 0 || a == -EINVAL);
        if (a == 0)
                /* comm is always terminated and at most 15 bytes (TASK_COMM_LEN - 1) */
                FUZZ_ASSERT(memchr(st.comm, '\0', sizeof(st.comm)) != NULL);
        else
                FUZZ_ASSERT(memcmp(&st, &untouched, sizeof(st)) == 0);

        b = kill_parse_stat(buf, &pgid, &start);
        FUZZ_ASSERT(b == 0 || b == -EINVAL);
        if (b != 0)
                FUZZ_ASSERT(pgid == -7 && start == 7);
        if (a == 0 && b == 0)
                FUZZ_ASSERT(pgid == st.pgid && start == st.starttime);
        free(buf);
        return 0;
}
