/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-cgroup-limit.c - cgroup memory value files: cgroup_parse_limit() (memory.max, ...); memory.stat is fuzz-memstat's */

#include "cgroupfs.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = fuzz_strdup(data, size);
        uint64_t v = 12345;
        int r = cgroup_parse_limit(buf, &v);

        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE);
        if (r != 0)
                FUZZ_ASSERT(v == 12345);

        free(buf);
        return 0;
}
