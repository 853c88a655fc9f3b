/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-proc-cgroup.c - /proc/<pid>/cgroup: proc_cgroup_parse_v2() and cgroup_parse_proc_cgroup() */

#include <limits.h>
#include <string.h>

#include "cgroup.h"
#include "fuzz.h"
#include "proc.h"

/* Small output buffers as well as PATH_MAX ones, so the truncation paths are reached too. */
static const size_t sizes[] = {1, 2, 8, PATH_MAX};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = fuzz_strdup(data, size);
        char big_v2[PATH_MAX], v1[PATH_MAX];

        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                char *out = malloc(sizes[i]);
                int r;

                FUZZ_ASSERT(out);
                memset(out, 'x', sizes[i]);
                r = proc_cgroup_parse_v2(buf, out, sizes[i]);
                FUZZ_ASSERT(r == 0 || r == PROC_NO_CGROUP2 || r == -ENAMETOOLONG || r == -EINVAL);
                if (r >= 0)
                        FUZZ_ASSERT(memchr(out, '\0', sizes[i]) != NULL);
                if (r == PROC_NO_CGROUP2)
                        FUZZ_ASSERT(out[0] == '\0');
                free(out);

                out = malloc(sizes[i]);
                FUZZ_ASSERT(out);
                r = cgroup_parse_proc_cgroup(buf, out, sizes[i], v1, sizeof(v1));
                FUZZ_ASSERT(r <= 0);
                free(out);
        }

        /*
         * The daemon names the victim's cgroup with one parser and the snapshot filters by
         * scope with the other: when both find a cgroup2 path it must be the same one.
         */
        if (proc_cgroup_parse_v2(buf, big_v2, sizeof(big_v2)) == 0) {
                char other[PATH_MAX];

                if (cgroup_parse_proc_cgroup(buf, other, sizeof(other), NULL, 0) == 0 && other[0])
                        FUZZ_ASSERT(strcmp(other, big_v2) == 0);
        }
        free(buf);
        return 0;
}
