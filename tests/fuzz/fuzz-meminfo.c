/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-meminfo.c - /proc/meminfo and /proc/zoneinfo: meminfo_parse(), meminfo_parse_zoneinfo_pcp() */

#include <string.h>

#include "fuzz.h"
#include "meminfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = fuzz_strdup(data, size);
        struct meminfo mi, untouched;
        uint64_t total;
        int r;

        memset(&mi, 0x33, sizeof(mi));
        untouched = mi;
        r = meminfo_parse(buf, &mi);
        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE);
        if (r != 0)
                FUZZ_ASSERT(memcmp(&mi, &untouched, sizeof(mi)) == 0);
        else
                /* SwapFree is documented to be 0 without swap */
                FUZZ_ASSERT(mi.swap_total != 0 || mi.swap_free == 0);

        total = 3;
        r = meminfo_parse_zoneinfo_pcp(buf, 4096, &total);
        FUZZ_ASSERT(r == 0 || r == -EINVAL);
        if (r != 0)
                FUZZ_ASSERT(total == 3);
        else
                FUZZ_ASSERT(total % 4096 == 0 || total == UINT64_MAX);
        free(buf);
        return 0;
}
