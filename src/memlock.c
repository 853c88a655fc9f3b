/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memlock.c - let go of the start-up pages of shared libraries that mlockall() would keep */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memlock.h"
#include "util.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 */
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24 /* Linux 5.18 */
#endif

/* /proc/self/pagemap, one 64-bit entry per page (Documentation/admin-guide/mm/pagemap.rst). */
#define PAGEMAP_PRESENT (UINT64_C(1) << 63)
#define PAGEMAP_FILE (UINT64_C(1) << 61) /* file page or shared anon: not a private copy */

/* Mappings handled (trimmed or populated) per call: a daemon has a few dozen. */
#define TRIM_MAX_RANGES 256
/* Pagemap entries read at once (4 KiB of stack). */
#define TRIM_PAGEMAP_BATCH 512

static const char *parse_hex(const char *p, const char *end, uint64_t *ret)
{
        uint64_t v = 0;
        const char *s = p;

        for (; p < end; p++) {
                unsigned d;

                if (*p >= '0' && *p <= '9')
                        d = (unsigned)(*p - '0');
                else if (*p >= 'a' && *p <= 'f')
                        d = (unsigned)(*p - 'a' + 10);
                else
                        break;
                if (v > (UINT64_MAX >> 4))
                        return NULL;
                v = v << 4 | d;
        }
        if (p == s)
                return NULL;
        *ret = v;
        return p;
}

static const char *parse_dec(const char *p, const char *end, uint64_t *ret)
{
        uint64_t v = 0;
        const char *s = p;

        for (; p < end && *p >= '0' && *p <= '9'; p++) {
                if (v > (UINT64_MAX - 9) / 10)
                        return NULL;
                v = v * 10 + (uint64_t)(*p - '0');
        }
        if (p == s)
                return NULL;
        *ret = v;
        return p;
}

static const char *expect(const char *p, const char *end, char c)
{
        return p && p < end && *p == c ? p + 1 : NULL;
}

int memlock_parse_maps_line(const char *line, size_t len, struct maps_entry *ret)
{
        const char *p = line, *end = line + len;
        struct maps_entry e = {0};
        uint64_t start, stop, dev;

        p = parse_hex(p, end, &start);
        p = expect(p, end, '-');
        if (p)
                p = parse_hex(p, end, &stop);
        p = expect(p, end, ' ');
        if (!p || end - p < 5 || start > UINTPTR_MAX || stop > UINTPTR_MAX || stop < start)
                return -EINVAL;
        if ((p[0] != 'r' && p[0] != '-') || (p[1] != 'w' && p[1] != '-') || (p[2] != 'x' && p[2] != '-') ||
            (p[3] != 'p' && p[3] != 's'))
                return -EINVAL;
        e.read = p[0] == 'r';
        e.write = p[1] == 'w';
        e.exec = p[2] == 'x';
        e.shared = p[3] == 's';
        p = expect(p + 4, end, ' ');
        if (p)
                p = parse_hex(p, end, &e.offset);
        p = expect(p, end, ' ');
        if (p)
                p = parse_hex(p, end, &dev); /* major */
        p = expect(p, end, ':');
        if (p)
                p = parse_hex(p, end, &dev); /* minor */
        p = expect(p, end, ' ');
        if (p)
                p = parse_dec(p, end, &e.inode);
        if (!p)
                return -EINVAL;
        if (p < end && *p != ' ')
                return -EINVAL;
        while (p < end && *p == ' ')
                p++;
        e.start = (uintptr_t)start;
        e.end = (uintptr_t)stop;
        e.path = p;
        e.path_len = (size_t)(end - p);
        *ret = e;
        return 0;
}

enum memlock_action memlock_classify(const struct maps_entry *e, const char *self)
{
        if (e->write || e->shared || e->inode == 0 || e->path_len == 0 || e->path[0] != '/')
                return MEMLOCK_KEEP;
        /* the executable, also once replaced on disk (" (deleted)" follows its path) */
        if (self && *self) {
                size_t l = strlen(self);

                if (e->path_len >= l && memcmp(e->path, self, l) == 0 &&
                    (e->path_len == l || e->path[l] == ' '))
                        return MEMLOCK_POPULATE;
        }
        return MEMLOCK_TRIM;
}

static int drop(uintptr_t a, uintptr_t b, struct memlock_trim_result *res)
{
        void *p = (void *)a;
        size_t len = b - a;

        if (!res->unlocked_fallback) {
                if (madvise(p, len, MADV_DONTNEED_LOCKED) == 0)
                        goto done;
                if (errno != EINVAL)
                        return -errno;
                res->unlocked_fallback = true;
        }
        /* Before 5.18 MADV_DONTNEED refuses locked mappings: unlock, drop, lock on fault again. */
        if (munlock(p, len) < 0)
                return -errno;
        if (madvise(p, len, MADV_DONTNEED) < 0) {
                int e = -errno;

                (void)mlock2(p, len, MLOCK_ONFAULT);
                return e;
        }
        if (mlock2(p, len, MLOCK_ONFAULT) < 0)
                return -errno;
done:
        res->dropped += len;
        return 0;
}

/* Drop the runs of present file pages in [start, end). */
static int trim_range(int pagemap_fd, uintptr_t start, uintptr_t end, uintptr_t page,
                      struct memlock_trim_result *res)
{
        uint64_t ent[TRIM_PAGEMAP_BATCH];
        uintptr_t run = 0;

        for (uintptr_t a = start; a < end;) {
                size_t n = MIN((size_t)((end - a) / page), (size_t)TRIM_PAGEMAP_BATCH);
                ssize_t k = pread(pagemap_fd, ent, n * sizeof(ent[0]), (off_t)(a / page * sizeof(ent[0])));

                if (k < 0)
                        return -errno;
                if (k < (ssize_t)sizeof(ent[0]))
                        return -EIO;
                n = (size_t)k / sizeof(ent[0]);
                for (size_t i = 0; i < n; i++, a += page) {
                        bool clean = (ent[i] & PAGEMAP_PRESENT) && (ent[i] & PAGEMAP_FILE);

                        if (clean && !run)
                                run = a;
                        else if (!clean && run) {
                                int e = drop(run, a, res);

                                if (e < 0)
                                        return e;
                                run = 0;
                        }
                }
        }
        return run ? drop(run, end, res) : 0;
}

struct range {
        uintptr_t start, end;
        enum memlock_action action;
};

/* Calls @fn for each mapping of /proc/self/maps memlock_classify() does not keep; stops at a
 * negative return. Returns 0 or a negative errno. */
static int for_each_mapping(const char *self,
                            int (*fn)(const struct maps_entry *e, enum memlock_action a, void *ud), void *ud)
{
        _cleanup_(closep) int fd = -1;
        char buf[8192];
        size_t len = 0;
        bool skipping = false; /* inside a line longer than buf: not ours to judge */

        fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t k = read_retry(fd, buf + len, sizeof(buf) - len);
                char *p = buf, *nl;

                if (k < 0)
                        return (int)k;
                len += (size_t)k;
                while ((nl = memchr(p, '\n', len - (size_t)(p - buf)))) {
                        struct maps_entry e;
                        enum memlock_action a;

                        if (!skipping && memlock_parse_maps_line(p, (size_t)(nl - p), &e) == 0 &&
                            (a = memlock_classify(&e, self)) != MEMLOCK_KEEP) {
                                int r = fn(&e, a, ud);

                                if (r < 0)
                                        return r;
                        }
                        skipping = false;
                        p = nl + 1;
                }
                len -= (size_t)(p - buf);
                memmove(buf, p, len);
                if (len == sizeof(buf)) {
                        len = 0;
                        skipping = true;
                }
                if (k == 0)
                        return 0;
        }
}

struct collect {
        struct range *ranges;
        size_t n, max, trim;
        bool truncated;
};

static int collect_one(const struct maps_entry *e, enum memlock_action a, void *ud)
{
        struct collect *c = ud;

        if (c->n == c->max) {
                c->truncated = true;
                return 0;
        }
        c->ranges[c->n++] = (struct range){e->start, e->end, a};
        c->trim += a == MEMLOCK_TRIM;
        return 0;
}

static void self_path(char *buf, size_t size)
{
        ssize_t l = readlink("/proc/self/exe", buf, size - 1);

        buf[l > 0 ? l : 0] = '\0';
}

int memlock_trim(bool split, struct memlock_trim_result *ret)
{
        struct memlock_trim_result res = {0};
        struct range ranges[TRIM_MAX_RANGES];
        struct collect c = {.ranges = ranges, .max = TRIM_MAX_RANGES};
        _cleanup_(closep) int pagemap_fd = -1;
        char self[PATH_MAX];
        long ps = sysconf(_SC_PAGESIZE);
        uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;
        int e;

        self_path(self, sizeof(self));
        e = for_each_mapping(self, collect_one, &c);
        if (e < 0)
                return e;
        res.mappings = c.trim;
        res.truncated = c.truncated;
        pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (pagemap_fd < 0)
                e = -errno;
        for (size_t i = 0; i < c.n; i++) {
                const struct range *r = &ranges[i];
                int k = 0;

                if (r->action == MEMLOCK_POPULATE) {
                        /* mlock() without MLOCK_ONFAULT faults every page in now */
                        k = mlock((const void *)r->start, r->end - r->start) < 0 ? -errno : 0;
                        if (k == 0)
                                res.populated += r->end - r->start;
                } else {
                        if (pagemap_fd >= 0)
                                k = trim_range(pagemap_fd, r->start, r->end, page, &res);
                        /* Every other page flagged: one mapping per page, whose fault maps it alone. */
                        for (uintptr_t a = r->start + page; split && k == 0 && a < r->end; a += 2 * page)
                                if (madvise((void *)a, page, MADV_RANDOM) < 0)
                                        k = -errno;
                                else
                                        res.split++;
                }
                if (k < 0 && e == 0)
                        e = k;
        }
        *ret = res;
        return e;
}

static int merge_one(const struct maps_entry *e, enum memlock_action a, void *ud)
{
        size_t *n = ud;

        if (a != MEMLOCK_TRIM)
                return 0;
        if (madvise((void *)e->start, e->end - e->start, MADV_NORMAL) < 0)
                return -errno;
        (*n)++;
        return 0;
}

int memlock_merge(size_t *ret_pieces)
{
        char self[PATH_MAX];
        size_t n = 0;
        int e;

        self_path(self, sizeof(self));
        e = for_each_mapping(self, merge_one, &n);
        if (ret_pieces)
                *ret_pieces = n;
        return e;
}

void memlock_touch(const void *p, size_t len)
{
        long ps = sysconf(_SC_PAGESIZE);
        uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;

        if (!p)
                return;
        /* From the page of @p to the page of its last byte, by MADV_POPULATE_READ: a page past
         * the end of @p's mapping (a PROT_NONE gap, nothing) fails instead of faulting. */
        for (uintptr_t a = (uintptr_t)p & ~(page - 1); a < (uintptr_t)p + len; a += page)
                if (madvise((void *)a, page, MADV_POPULATE_READ) < 0) {
                        if (a <= (uintptr_t)p) /* before 5.14: @p's own page, by reading it */
                                (void)*(const volatile unsigned char *)p;
                        break;
                }
}
