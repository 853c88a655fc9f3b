/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-proc-cgroup.c - /proc/<pid>/cgroup: proc_cgroup_parse(), whole and streamed in pieces */

#include <limits.h>
#include <string.h>

#include "fuzz.h"
#include "procfs.h"

/* Small output buffers as well as PATH_MAX ones, so the too-long paths are reached too. */
static const size_t sizes[] = {1, 2, 8, PATH_MAX};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = fuzz_strdup(data, size);
        size_t len = strlen(buf);
        static char v2[PATH_MAX], v1[PATH_MAX], sv2[PATH_MAX], sv1[PATH_MAX];
        static struct proc_cgroup_parser p;
        int whole, streamed;

        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                char *out = malloc(sizes[i]);
                int r;

                FUZZ_ASSERT(out);
                memset(out, 'x', sizes[i]);
                r = proc_cgroup_parse(buf, out, sizes[i], NULL, 0);
                FUZZ_ASSERT(r == 0 || r == -ENAMETOOLONG || r == -EINVAL);
                if (r == 0)
                        FUZZ_ASSERT(memchr(out, '\0', sizes[i]) != NULL);
                else
                        FUZZ_ASSERT(out[0] == 'x'); /* nothing written on failure */
                free(out);
        }

        /* the reader streams the file in pieces: the same paths whatever the cut (here: 7 bytes) */
        whole = proc_cgroup_parse(buf, v2, sizeof(v2), v1, sizeof(v1));
        proc_cgroup_parser_init(&p, sv2, sizeof(sv2), sv1, sizeof(sv1));
        for (size_t off = 0; off < len; off += 7)
                (void)proc_cgroup_parser_feed(&p, buf + off, len - off < 7 ? len - off : 7);
        streamed = proc_cgroup_parser_finish(&p);
        FUZZ_ASSERT(whole == streamed);
        if (whole == 0)
                FUZZ_ASSERT(strcmp(v2, sv2) == 0 && strcmp(v1, sv1) == 0);
        free(buf);
        return 0;
}
