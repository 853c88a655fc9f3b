/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meminfo.c - /proc/meminfo: parser over a buffer, and its reader */

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "meminfo.h"
#include "util.h"

/* 8 KiB covers the ~60 lines of /proc/meminfo (about 1.5 KiB) with room for new fields. */
#define MEMINFO_BUF_SIZE 8192

enum {
        F_MEM_TOTAL,
        F_MEM_AVAILABLE,
        F_SWAP_TOTAL,
        F_SWAP_FREE,
        _F_MAX,
};

static const char *const field_names[_F_MAX] = {
        [F_MEM_TOTAL] = "MemTotal",
        [F_MEM_AVAILABLE] = "MemAvailable",
        [F_SWAP_TOTAL] = "SwapTotal",
        [F_SWAP_FREE] = "SwapFree",
};

/* "   123 kB" up to @end: the value in bytes. 0, -EINVAL or -ERANGE. */
static int parse_kb(const char *p, const char *end, uint64_t *ret)
{
        uint64_t v = 0;
        const char *digits;

        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        digits = p;
        while (p < end && *p >= '0' && *p <= '9') {
                unsigned d = (unsigned)(*p - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
                p++;
        }
        if (p == digits)
                return -EINVAL;
        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        if (end - p < 2 || p[0] != 'k' || p[1] != 'B')
                return -EINVAL;
        p += 2;
        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        if (p != end)
                return -EINVAL;
        if (v > UINT64_MAX / 1024)
                return -ERANGE;
        *ret = v * 1024;
        return 0;
}

int meminfo_parse(const char *buf, struct meminfo *ret)
{
        uint64_t v[_F_MAX] = {};
        bool seen[_F_MAX] = {};
        const char *line = buf;

        if (!buf || !ret)
                return -EINVAL;

        while (*line) {
                const char *eol = strchrnul(line, '\n');
                const char *colon = memchr(line, ':', (size_t)(eol - line));

                if (colon) {
                        size_t klen = (size_t)(colon - line);

                        for (unsigned i = 0; i < _F_MAX; i++) {
                                int r;

                                if (seen[i] || klen != strlen(field_names[i]) ||
                                    memcmp(line, field_names[i], klen) != 0)
                                        continue;
                                r = parse_kb(colon + 1, eol, &v[i]);
                                if (r < 0)
                                        return r;
                                seen[i] = true;
                                break;
                        }
                }
                line = *eol ? eol + 1 : eol;
        }

        if (!seen[F_MEM_TOTAL] || !seen[F_MEM_AVAILABLE])
                return -EINVAL;

        *ret = (struct meminfo){
                .mem_total = v[F_MEM_TOTAL],
                .mem_available = v[F_MEM_AVAILABLE],
                .swap_total = v[F_SWAP_TOTAL],
                /* A SwapFree above SwapTotal would be a kernel bug; never report more free than total. */
                .swap_free = seen[F_SWAP_TOTAL] ? MIN(v[F_SWAP_FREE], v[F_SWAP_TOTAL]) : 0,
        };
        return 0;
}

int meminfo_read_at(int dirfd, const char *path, struct meminfo *ret)
{
        char buf[MEMINFO_BUF_SIZE];
        ssize_t n;

        n = read_file_at(path ? dirfd : AT_FDCWD, path ?: "/proc/meminfo", buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        return meminfo_parse(buf, ret);
}
