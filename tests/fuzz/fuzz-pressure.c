/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-pressure.c - PSI files (/proc/pressure/memory, memory.pressure): pressure_parse() */

#include <string.h>

#include "fuzz.h"
#include "pressure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = fuzz_strdup(data, size);
        struct pressure p, untouched;
        int r;

        memset(&p, 0x77, sizeof(p));
        untouched = p;
        r = pressure_parse(buf, &p);
        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE);
        if (r != 0)
                FUZZ_ASSERT(memcmp(&p, &untouched, sizeof(p)) == 0);
        else if (!p.have_full)
                FUZZ_ASSERT(p.full.avg10 == 0 && p.full.avg60 == 0 && p.full.avg300 == 0 &&
                            p.full.total == 0);
        free(buf);
        return 0;
}
