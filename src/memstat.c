/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memstat.c - the parser of flat "key value" counter files (/proc/vmstat, memory.stat) */

#include <errno.h>
#include <string.h>

#include "memstat.h"
#include "util.h"

/* A decimal u64 spanning exactly [p, end), blanks around it allowed. */
static int parse_value(const char *p, const char *end, uint64_t *ret)
{
        uint64_t v = 0;
        const char *digits;

        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        digits = p;
        for (; p < end && *p >= '0' && *p <= '9'; p++) {
                unsigned d = (unsigned)(*p - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return -EINVAL;
                v = v * 10 + d;
        }
        if (p == digits)
                return -EINVAL;
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
                p++;
        if (p != end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int memstat_parse(const char *buf, const char *const *keys, size_t n_keys, uint64_t *vals,
                  uint64_t *ret_seen)
{
        uint64_t got[MEMSTAT_KEYS_MAX], seen = 0, all;

        if (!buf || !keys || !vals || !ret_seen || n_keys > MEMSTAT_KEYS_MAX)
                return -EINVAL;
        all = n_keys == 64 ? UINT64_MAX : (UINT64_C(1) << n_keys) - 1;
        /* the rest of the file cannot hold a key not seen yet once all are: stop there */
        for (const char *line = buf; *line && seen != all;) {
                const char *eol = strchrnul(line, '\n');
                size_t nlen = strcspn(line, " \t\n");

                if (line + nlen > eol)
                        nlen = (size_t)(eol - line);
                /* a line without a name (blank, or a value alone) names no key, not even "" */
                for (size_t i = 0; nlen > 0 && i < n_keys; i++) {
                        if ((seen >> i) & 1 || !spaneq(line, nlen, keys[i]))
                                continue;
                        if (parse_value(line + nlen, eol, &got[i]) < 0)
                                return -EINVAL;
                        seen |= UINT64_C(1) << i;
                        break;
                }
                line = *eol ? eol + 1 : eol;
        }
        for (size_t i = 0; i < n_keys; i++)
                if ((seen >> i) & 1)
                        vals[i] = got[i];
        *ret_seen = seen;
        return 0;
}
