#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz.h - shared by the libFuzzer targets: hand parsers an exactly-sized NUL-terminated copy */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The parsers take NUL-terminated text, as read_file_at() produces. The copy is allocated at
 * exactly @size + 1 bytes, so ASan flags a parser that reads one byte past the terminator,
 * which a larger stack buffer would hide. Embedded NULs are kept: the parser sees a shorter
 * string, as it would from a file read with a NUL in it.
 */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);

        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

/* Abort (a libFuzzer crash) when an invariant the parsers promise does not hold. */
#define FUZZ_ASSERT(cond)                                                                                   \
        do {                                                                                                \
                if (!(cond))                                                                                \
                        __builtin_trap();                                                                   \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
