/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-proc-status.c - /proc/<pid>/status: proc_status_parse() over the whole text */

#include <string.h>

#include "fuzz.h"
#include "procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = fuzz_strdup(data, size);
        struct proc_status st, untouched;
        int a;

        memset(&st, 0x5a, sizeof(st));
        untouched = st;
        a = proc_status_parse(buf, &st);
        FUZZ_ASSERT(a == 0 || a == -EINVAL);
        if (a != 0)
                FUZZ_ASSERT(memcmp(&st, &untouched, sizeof(st)) == 0);
        else
                /* an address space is what VmRSS or RssAnon said, never a guess */
                FUZZ_ASSERT(st.has_mm || st.rss_kb == 0);
        free(buf);
        return 0;
}
