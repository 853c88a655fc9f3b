/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json.c - JSON string escaping for reapctl */

#include <stdint.h>

#include "json.h"

/* Length of the valid UTF-8 sequence at @s (at most @len bytes), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
        size_t n;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xe0) == 0xc0) {
                n = 2;
                cp = s[0] & 0x1f;
        } else if ((s[0] & 0xf0) == 0xe0) {
                n = 3;
                cp = s[0] & 0x0f;
        } else if ((s[0] & 0xf8) == 0xf0) {
                n = 4;
                cp = s[0] & 0x07;
        } else
                return 0;
        if (n > len)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        /* overlong forms, surrogates and values past U+10FFFF are not valid */
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

void json_print_string(FILE *f, const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;

        fputc('"', f);
        for (size_t i = 0; i < len;) {
                size_t n;

                switch (p[i]) {
                case '"':
                        fputs("\\\"", f);
                        i++;
                        continue;
                case '\\':
                        fputs("\\\\", f);
                        i++;
                        continue;
                case '\n':
                        fputs("\\n", f);
                        i++;
                        continue;
                case '\t':
                        fputs("\\t", f);
                        i++;
                        continue;
                case '\r':
                        fputs("\\r", f);
                        i++;
                        continue;
                default:
                        break;
                }
                if (p[i] < 0x20 || p[i] == 0x7f) {
                        fprintf(f, "\\u%04x", p[i]);
                        i++;
                        continue;
                }
                n = utf8_len(p + i, len - i);
                if (n == 0) {
                        fprintf(f, "\\u%04x", p[i]);
                        i++;
                        continue;
                }
                fwrite(p + i, 1, n, f);
                i += n;
        }
        fputc('"', f);
}
