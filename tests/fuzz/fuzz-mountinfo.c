/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-mountinfo.c - /proc/self/mountinfo: cgroup_roots_parse_mountinfo() */

#include <string.h>

#include "cgroupfs.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = fuzz_strdup(data, size);
        struct cgroup_roots *roots = malloc(sizeof(*roots));
        int r;

        FUZZ_ASSERT(roots);
        memset(roots, 0x41, sizeof(*roots));
        r = cgroup_roots_parse_mountinfo(buf, roots);
        FUZZ_ASSERT(r == 0 || r == -ENOENT || r == -EINVAL || r == -ENAMETOOLONG);
        if (r >= 0 || r == -ENOENT) {
                /* every root is a terminated path, so later cgroup_path_join() calls stay in bounds */
                FUZZ_ASSERT(memchr(roots->v2, '\0', sizeof(roots->v2)) != NULL);
                FUZZ_ASSERT(memchr(roots->v1_memory, '\0', sizeof(roots->v1_memory)) != NULL);
        }
        if (r == 0)
                FUZZ_ASSERT(roots->v2[0] != '\0');
        free(roots);
        free(buf);
        return 0;
}
