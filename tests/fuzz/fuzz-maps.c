/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-maps.c - /proc/self/maps lines (memlock_trim()): memlock_parse_maps_line(), memlock_classify() */

#include <string.h>

#include "fuzz.h"
#include "memlock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* The parser takes a length, not a terminator: an exact copy, so ASan sees any overread. */
        char *buf = malloc(size ? size : 1);
        struct maps_entry e, untouched;
        int r;

        if (!buf)
                abort();
        memcpy(buf, data, size);
        memset(&e, 0x77, sizeof(e));
        untouched = e;
        r = memlock_parse_maps_line(buf, size, &e);
        FUZZ_ASSERT(r == 0 || r == -EINVAL);
        if (r != 0)
                FUZZ_ASSERT(memcmp(&e, &untouched, sizeof(e)) == 0);
        else {
                FUZZ_ASSERT(e.start <= e.end);
                FUZZ_ASSERT(e.path >= buf && e.path + e.path_len == buf + size);
                FUZZ_ASSERT(e.path_len == 0 || e.path[0] != ' ');
                /* trimmed or populated only if private, read-only and a file */
                if (memlock_classify(&e, "/usr/sbin/reapd") != MEMLOCK_KEEP)
                        FUZZ_ASSERT(!e.write && !e.shared && e.inode != 0 && e.path_len > 0 &&
                                    e.path[0] == '/');
                FUZZ_ASSERT(memlock_classify(&e, NULL) != MEMLOCK_POPULATE);
        }
        free(buf);
        return 0;
}
