/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meminfo.c - /proc/meminfo: parser over a buffer, and its reader */

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "meminfo.h"
#include "memstat.h"
#include "util.h"

/* 8 KiB covers the ~60 lines of /proc/meminfo (about 1.5 KiB) with room for new fields. */
#define MEMINFO_BUF_SIZE 8192

enum {
        F_MEM_TOTAL,
        F_MEM_AVAILABLE,
        F_SWAP_TOTAL,
        F_SWAP_FREE,
        F_HUGETLB,
        _F_MAX,
};

static const char *const field_names[_F_MAX] = {
        [F_MEM_TOTAL] = "MemTotal",   [F_MEM_AVAILABLE] = "MemAvailable",
        [F_SWAP_TOTAL] = "SwapTotal", [F_SWAP_FREE] = "SwapFree",
        [F_HUGETLB] = "Hugetlb",
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

                                if (seen[i] || !spaneq(line, klen, field_names[i]))
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
                .hugetlb = v[F_HUGETLB],
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

int meminfo_read_fd(int fd, struct meminfo *ret)
{
        char buf[MEMINFO_BUF_SIZE];
        ssize_t n;

        n = read_file_fd(fd, buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        return meminfo_parse(buf, ret);
}

/* 64 KiB: /proc/zoneinfo is ~5 KB on 2 CPUs and grows ~150 bytes per CPU and zone. */
#define ZONEINFO_BUF_SIZE (64 * 1024)

int meminfo_parse_zoneinfo_pcp(const char *buf, uint64_t page_size, uint64_t *ret)
{
        uint64_t pages = 0;
        bool in_pagesets = false, seen = false;

        if (!buf || !ret)
                return -EINVAL;
        for (const char *line = buf; *line;) {
                const char *eol = strchrnul(line, '\n'), *p = line;

                while (p < eol && (*p == ' ' || *p == '\t'))
                        p++;
                if (p == line)
                        in_pagesets = false; /* "Node 0, zone ..." starts a zone */
                else if ((size_t)(eol - p) >= 8 && strncmp(p, "pagesets", 8) == 0) {
                        in_pagesets = seen = true;
                } else if (in_pagesets && (size_t)(eol - p) > 6 && strncmp(p, "count:", 6) == 0) {
                        uint64_t v = 0;

                        p += 6;
                        while (p < eol && *p == ' ')
                                p++;
                        for (; p < eol && *p >= '0' && *p <= '9'; p++)
                                v = v < UINT64_MAX / 10 ? v * 10 + (uint64_t)(*p - '0') : UINT64_MAX;
                        pages = UINT64_MAX - pages < v ? UINT64_MAX : pages + v;
                } else if (in_pagesets && (size_t)(eol - p) >= 8 && strncmp(p, "node_unr", 8) == 0) {
                        in_pagesets = false;
                }
                line = *eol ? eol + 1 : eol;
        }
        if (!seen)
                return -EINVAL;
        *ret = pages > UINT64_MAX / (page_size ? page_size : 1) ? UINT64_MAX : pages * page_size;
        return 0;
}

int meminfo_read_pcp(uint64_t *ret)
{
        static char buf[ZONEINFO_BUF_SIZE]; /* static: too big for the stack of a sampling callback */
        long ps = sysconf(_SC_PAGESIZE);
        ssize_t n;

        n = read_file_at(AT_FDCWD, "/proc/zoneinfo", buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        return meminfo_parse_zoneinfo_pcp(buf, ps > 0 ? (uint64_t)ps : 4096, ret);
}

/* 16 KiB: /proc/vmstat is about 180 lines (5 KB) on 6.x, with room for the counters to come. */
#define VMSTAT_BUF_SIZE (16 * 1024)

enum {
        V_PGSCAN_KSWAPD,
        V_PGSCAN_DIRECT,
        V_PGSCAN_KHUGEPAGED,
        V_REFAULT_ANON,
        V_REFAULT_FILE,
        V_REFAULT, /* before 5.9: one counter for both */
        _V_MAX,
};

static const char *const vmstat_keys[_V_MAX] = {
        [V_PGSCAN_KSWAPD] = "pgscan_kswapd",          [V_PGSCAN_DIRECT] = "pgscan_direct",
        [V_PGSCAN_KHUGEPAGED] = "pgscan_khugepaged",  [V_REFAULT_ANON] = "workingset_refault_anon",
        [V_REFAULT_FILE] = "workingset_refault_file", [V_REFAULT] = "workingset_refault",
};

int meminfo_parse_vmstat(const char *buf, uint64_t *ret)
{
        uint64_t v[_V_MAX] = {}, seen, sum = 0;
        int r;

        r = memstat_parse(buf, vmstat_keys, _V_MAX, v, &seen);
        if (r < 0)
                return r;
        if (seen == 0)
                return -ENODATA;
        for (unsigned i = 0; i < _V_MAX; i++)
                sum = add_sat_u64(sum, v[i]);
        *ret = sum;
        return 0;
}

int meminfo_read_vmstat_fd(int fd, uint64_t *ret)
{
        char buf[VMSTAT_BUF_SIZE];
        ssize_t n;

        n = read_file_fd(fd, buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        /* a text that fills the buffer may go on: never parsed as if it ended there */
        if ((size_t)n == sizeof(buf) - 1)
                return -EFBIG;
        return meminfo_parse_vmstat(buf, ret);
}
