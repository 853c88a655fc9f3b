/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-cgroup-limit.c - cgroup memory files (memory.max, memory.limit_in_bytes, ...): cgroup_parse_limit() */

#include "cgroup.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = fuzz_strdup(data, size);
        uint64_t v = 12345;
        int r = cgroup_parse_limit(buf, &v);

        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE);
        free(buf);
        return 0;
}
