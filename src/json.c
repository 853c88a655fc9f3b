/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json.c - JSON string escaping for reapctl */

#include <errno.h>
#include <stdint.h>
#include <string.h>

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

/*
 * The escaped form of the character at @p (of @len bytes left) into @out (at least 7 bytes, not
 * terminated); returns its length and the bytes it took in *@ret_used.
 */
static size_t escape_one(const unsigned char *p, size_t len, char *out, size_t *ret_used)
{
        static const char hex[] = "0123456789abcdef";
        const char *e = NULL;
        size_t n;

        *ret_used = 1;
        switch (p[0]) {
        case '"':
                e = "\\\"";
                break;
        case '\\':
                e = "\\\\";
                break;
        case '\n':
                e = "\\n";
                break;
        case '\t':
                e = "\\t";
                break;
        case '\r':
                e = "\\r";
                break;
        default:
                break;
        }
        if (e) {
                memcpy(out, e, 2);
                return 2;
        }
        n = p[0] < 0x20 || p[0] == 0x7f ? 0 : utf8_len(p, len);
        if (n == 0) {
                memcpy(out, "\\u00", 4);
                out[4] = hex[p[0] >> 4];
                out[5] = hex[p[0] & 15];
                return 6;
        }
        memcpy(out, p, n);
        *ret_used = n;
        return n;
}

void json_print_string(FILE *f, const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;
        char e[8];

        fputc('"', f);
        for (size_t i = 0, used; i < len; i += used)
                fwrite(e, 1, escape_one(p + i, len - i, e, &used), f);
        fputc('"', f);
}

ssize_t json_format_string(char *buf, size_t size, const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t n = 0;
        char e[8];

        if (size < 3)
                return -ENOBUFS;
        buf[n++] = '"';
        for (size_t i = 0, used, l; i < len; i += used) {
                l = escape_one(p + i, len - i, e, &used);
                if (n + l + 2 > size)
                        return -ENOBUFS;
                memcpy(buf + n, e, l);
                n += l;
        }
        buf[n++] = '"';
        buf[n] = '\0';
        return (ssize_t)n;
}
