/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-proc-cmdline.c - /proc/<pid>/cmdline (raw NUL-separated bytes): proc_cmdline_parse() */

#include <string.h>

#include "fuzz.h"
#include "procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const size_t sizes[] = {0, 1, 2, 16, 1024};
        /* the raw bytes exactly, not terminated: cmdline is binary and need not end in NUL */
        char *raw = malloc(size ? size : 1);

        FUZZ_ASSERT(raw);
        memcpy(raw, data, size);
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                char *out = malloc(sizes[i] ? sizes[i] : 1);
                size_t n;

                FUZZ_ASSERT(out);
                n = proc_cmdline_parse(raw, size, out, sizes[i]);
                if (sizes[i] == 0) {
                        FUZZ_ASSERT(n == 0);
                } else {
                        FUZZ_ASSERT(n < sizes[i]);
                        FUZZ_ASSERT(out[n] == '\0');
                        FUZZ_ASSERT(n <= size);
                }
                free(out);
        }
        free(raw);
        return 0;
}
