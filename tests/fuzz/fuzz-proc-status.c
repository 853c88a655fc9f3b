/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-proc-status.c - /proc/<pid>/status: proc_status_parse(), kill_parse_status_uid(), caps_parse_status() */

#include <string.h>

#include "caps.h"
#include "fuzz.h"
#include "kill.h"
#include "proc.h"

/*
 * The snapshot and the kill path both take the real uid from "Uid:"; if they disagreed the
 * identity check would refuse every victim (or accept a stranger): check they agree.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const fields[] = {"CapEff", "CapPrm", "CapBnd", "CapInh", "CapAmb", "", "Cap"};
        char *buf = fuzz_strdup(data, size);
        struct proc_status st, untouched;
        uid_t uid = 4242;
        int a, b;

        memset(&st, 0x5a, sizeof(st));
        untouched = st;
        a = proc_status_parse(buf, &st);
        FUZZ_ASSERT(a == 0 || a == -EINVAL);
        if (a != 0)
                FUZZ_ASSERT(memcmp(&st, &untouched, sizeof(st)) == 0);

        b = kill_parse_status_uid(buf, &uid);
        FUZZ_ASSERT(b <= 0);
        if (b != 0)
                FUZZ_ASSERT(uid == 4242);
        if (a == 0 && b == 0)
                FUZZ_ASSERT(uid == st.uid);

        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
                uint64_t mask = 99;
                int r = caps_parse_status(buf, fields[i], &mask);

                FUZZ_ASSERT(r == 0 || r == -ENOENT || r == -EINVAL);
                if (r != 0)
                        FUZZ_ASSERT(mask == 99);
        }
        free(buf);
        return 0;
}
