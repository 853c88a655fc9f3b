/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-proc-status-stream.c - the status parser fed in random pieces, against the whole text at once */

#include <string.h>

#include "fuzz.h"
#include "procfs.h"

/*
 * A reader streams status through a fixed buffer, so a line may be cut anywhere, and a status
 * may be far longer than the buffer. Whatever the cut, the answer must be the one the parser
 * gives over the whole text. The first bytes of the input choose the piece sizes.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct proc_status whole, streamed;
        struct proc_status_parser p;
        uint8_t cuts[8] = {1};
        size_t ncuts, len, off = 0;
        char *buf;
        int a, b;

        ncuts = size < sizeof(cuts) ? size : sizeof(cuts);
        memcpy(cuts, data, ncuts);
        data += ncuts;
        size -= ncuts;
        buf = fuzz_strdup(data, size);
        len = strlen(buf); /* what a NUL-terminated text holds: the pure parser stops there too */

        memset(&whole, 0, sizeof(whole));
        a = proc_status_parse(buf, &whole);

        proc_status_parser_init(&p);
        for (size_t i = 0; off < len; i++) {
                size_t piece = (size_t)cuts[i % (ncuts ? ncuts : 1)] + 1;

                if (piece > len - off)
                        piece = len - off;
                b = proc_status_parser_feed(&p, buf + off, piece);
                FUZZ_ASSERT(b == 0 || b == -EINVAL);
                off += piece;
        }
        memset(&streamed, 0, sizeof(streamed));
        b = proc_status_parser_finish(&p, &streamed);
        FUZZ_ASSERT(a == b);
        if (a == 0)
                FUZZ_ASSERT(memcmp(&whole, &streamed, sizeof(whole)) == 0);
        free(buf);
        return 0;
}
