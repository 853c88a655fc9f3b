/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.c - small helpers shared by every stage */

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

usec_t now_usec(clockid_t clock)
{
        struct timespec ts;

        if (clock_gettime(clock, &ts) < 0)
                return 0;
        return (usec_t)ts.tv_sec * USEC_PER_SEC + (usec_t)ts.tv_nsec / NSEC_PER_USEC;
}

/* One read() from the offset (@at < 0) or pread() at @at, again after EINTR; -errno on error. */
static ssize_t read_at(int fd, void *buf, size_t size, off_t at)
{
        ssize_t n;

        do
                n = at < 0 ? read(fd, buf, size) : pread(fd, buf, size, at);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : n;
}

ssize_t read_retry(int fd, void *buf, size_t size)
{
        return read_at(fd, buf, size, -1);
}

/*
 * Read from @fd's offset (@at < 0) or from @at with pread() to the end, at most @size - 1 bytes,
 * and NUL-terminate. @short_is_end: a short read that ends a line is the end of the file, which
 * holds for the single-record seq_files read through kept fds (procfs, kernfs: one read returns
 * all the text that fits), and saves the read() that would return 0 on every sample.
 */
static ssize_t read_to_end(int fd, char *buf, size_t size, bool short_is_end, off_t at)
{
        size_t len = 0;

        while (len < size - 1) {
                ssize_t n = read_at(fd, buf + len, size - 1 - len, at < 0 ? -1 : at + (off_t)len);

                if (n < 0)
                        return n;
                if (n == 0)
                        break;
                len += (size_t)n;
                if (short_is_end && len < size - 1 && buf[len - 1] == '\n')
                        break;
        }
        buf[len] = '\0';
        return (ssize_t)len;
}

ssize_t read_fd_whole(int fd, char *buf, size_t size)
{
        ssize_t n;
        char c;

        if (size == 0 || fd < 0)
                return -EINVAL;
        n = read_to_end(fd, buf, size, true, -1);
        if (n < 0 || (size_t)n < size - 1)
                return n;
        /* full: one byte more tells a file that fits exactly from one that goes on */
        c = 0;
        if (read_retry(fd, &c, 1) > 0)
                return -EFBIG;
        return n;
}

ssize_t read_file_at(int dirfd, const char *path, char *buf, size_t size)
{
        _cleanup_(closep) int fd = -1;

        if (size == 0)
                return -EINVAL;
        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_to_end(fd, buf, size, false, -1); /* a fresh fd is at 0 already */
}

ssize_t read_file_fd(int fd, char *buf, size_t size)
{
        if (size == 0 || fd < 0)
                return -EINVAL;
        /* pread() from 0, not lseek() and read(): one system call less per file and sample. A
         * seq_file asked for offset 0 starts its text afresh without walking to the old offset,
         * and a read that goes on asks for the offset where the last one ended, its own. */
        return read_to_end(fd, buf, size, true, 0);
}

int write_file_at(int dirfd, const char *path, const char *s)
{
        _cleanup_(closep) int fd = -1;
        size_t len = strlen(s);
        ssize_t n;

        fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        n = write(fd, s, len);
        if (n < 0)
                return -errno;
        if ((size_t)n != len)
                return -EIO;
        return 0;
}

static const char *skip_blanks(const char *s)
{
        while (*s == ' ' || *s == '\t' || *s == '\n')
                s++;
        return s;
}

/* Parses leading digits; returns the end pointer or NULL on no digits / overflow (errno set). */
static const char *parse_digits(const char *s, uint64_t *ret)
{
        uint64_t v = 0;
        const char *p = s;

        if (!isdigit((unsigned char)*p)) {
                errno = EINVAL;
                return NULL;
        }
        for (; isdigit((unsigned char)*p); p++) {
                unsigned d = (unsigned)(*p - '0');

                if (v > (UINT64_MAX - d) / 10) {
                        errno = ERANGE;
                        return NULL;
                }
                v = v * 10 + d;
        }
        *ret = v;
        return p;
}

int parse_u64(const char *s, uint64_t *ret)
{
        uint64_t v;
        const char *p;

        if (!s)
                return -EINVAL;
        p = parse_digits(skip_blanks(s), &v);
        if (!p)
                return -errno;
        if (*skip_blanks(p) != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

int parse_int(const char *s, int *ret)
{
        bool neg = false;
        uint64_t v;
        const char *p;

        if (!s)
                return -EINVAL;
        p = skip_blanks(s);
        if (*p == '-' || *p == '+') {
                neg = *p == '-';
                p++;
        }
        p = parse_digits(p, &v);
        if (!p)
                return -errno;
        if (*skip_blanks(p) != '\0')
                return -EINVAL;
        if (v > (uint64_t)INT_MAX + (neg ? 1 : 0))
                return -ERANGE;
        *ret = neg ? (int)(-(int64_t)v) : (int)v;
        return 0;
}

/* Parses "<digits>[.<digits>]" into a fixed-point value scaled by @scale (a power of ten). */
static const char *parse_fixed(const char *s, uint64_t scale, uint64_t *ret)
{
        uint64_t ip, frac = 0, div = 1;
        const char *p = parse_digits(s, &ip);

        if (!p)
                return NULL;
        if (*p == '.') {
                p++;
                if (!isdigit((unsigned char)*p)) {
                        errno = EINVAL;
                        return NULL;
                }
                for (; isdigit((unsigned char)*p); p++) {
                        if (div < scale) {
                                frac = frac * 10 + (uint64_t)(*p - '0');
                                div *= 10;
                        }
                }
        }
        if (ip > UINT64_MAX / scale) {
                errno = ERANGE;
                return NULL;
        }
        *ret = ip * scale + frac * (scale / div);
        return p;
}

int parse_size(const char *s, uint64_t *ret)
{
        static const struct {
                char suffix;
                unsigned shift;
        } units[] = {
                {'K', 10}, {'M', 20}, {'G', 30}, {'T', 40}, {'P', 50},
        };
        uint64_t fixed;
        unsigned shift = 0;
        const char *p;

        if (!s)
                return -EINVAL;
        /* Fixed point with 3 decimals, so "1.5G" works. */
        p = parse_fixed(skip_blanks(s), 1000, &fixed);
        if (!p)
                return -errno;
        p = skip_blanks(p);
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (toupper((unsigned char)*p) == units[i].suffix) {
                        shift = units[i].shift;
                        p++;
                        if (*p == 'i')
                                p++;
                        break;
                }
        if (*p == 'B')
                p++;
        if (*skip_blanks(p) != '\0')
                return -EINVAL;
        if (fixed % 1000 != 0 && shift == 0)
                return -EINVAL; /* fractional bytes */
        if (shift > 0 && fixed > (UINT64_MAX >> shift))
                return -ERANGE;
        *ret = (fixed << shift) / 1000;
        return 0;
}

int parse_percent(const char *s, uint32_t *ret)
{
        uint64_t v;
        const char *p;

        if (!s)
                return -EINVAL;
        p = parse_fixed(skip_blanks(s), 100, &v);
        if (!p)
                return -errno;
        p = skip_blanks(p);
        if (*p == '%')
                p++;
        if (*skip_blanks(p) != '\0')
                return -EINVAL;
        if (v > PERMYRIAD_MAX)
                return -ERANGE;
        *ret = (uint32_t)v;
        return 0;
}

int parse_duration(const char *s, usec_t *ret)
{
        static const struct {
                const char *suffix;
                usec_t usec;
        } units[] = {
                /* longest first so "ms" is not taken for "m" */
                {"usec", 1},
                {"msec", USEC_PER_MSEC},
                {"min", 60 * USEC_PER_SEC},
                {"sec", USEC_PER_SEC},
                {"us", 1},
                {"ms", USEC_PER_MSEC},
                {"s", USEC_PER_SEC},
                {"m", 60 * USEC_PER_SEC},
                {"h", 3600 * USEC_PER_SEC},
        };
        usec_t total = 0;
        const char *p;
        bool any = false;

        if (!s)
                return -EINVAL;
        p = skip_blanks(s);
        while (*p) {
                uint64_t fixed;
                usec_t unit = USEC_PER_SEC, part;
                size_t i;

                p = parse_fixed(p, 1000, &fixed);
                if (!p)
                        return -errno;
                p = skip_blanks(p);
                for (i = 0; i < ELEMENTSOF(units); i++) {
                        size_t l = strlen(units[i].suffix);

                        if (strncmp(p, units[i].suffix, l) == 0 && !isalpha((unsigned char)p[l])) {
                                unit = units[i].usec;
                                p += l;
                                break;
                        }
                }
                if (i == ELEMENTSOF(units) && isalpha((unsigned char)*p))
                        return -EINVAL;
                /* whole and thousandths apart: fixed * unit overflows long before the result does */
                if (fixed / 1000 > UINT64_MAX / unit)
                        return -ERANGE;
                part = fixed / 1000 * unit;
                if (part > UINT64_MAX - fixed % 1000 * unit / 1000)
                        return -ERANGE;
                part += fixed % 1000 * unit / 1000;
                if (total > UINT64_MAX - part)
                        return -ERANGE;
                total += part;
                any = true;
                p = skip_blanks(p);
        }
        if (!any)
                return -EINVAL;
        *ret = total;
        return 0;
}

int parse_bool(const char *s, bool *ret)
{
        static const char *const yes[] = {"1", "yes", "y", "true", "t", "on"};
        static const char *const no[] = {"0", "no", "n", "false", "f", "off"};

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        return -EINVAL;
}

char *format_size(char *buf, size_t size, uint64_t bytes)
{
        static const char suffixes[] = "KMGTP";
        unsigned i = 0;
        uint64_t div = 1024;

        if (bytes < 1024) {
                snprintf(buf, size, "%" PRIu64 "B", bytes);
                return buf;
        }
        while (i + 1 < sizeof(suffixes) - 1 && bytes >= div * 1024) {
                div *= 1024;
                i++;
        }
        if (bytes % div == 0)
                snprintf(buf, size, "%" PRIu64 "%c", bytes / div, suffixes[i]);
        else
                snprintf(buf, size, "%.1f%c", (double)bytes / (double)div, suffixes[i]);
        return buf;
}

char *format_duration(char *buf, size_t size, usec_t usec)
{
        if (usec == USEC_INFINITY)
                snprintf(buf, size, "infinity");
        else if (usec % USEC_PER_SEC == 0 && usec >= 60 * USEC_PER_SEC && usec % (60 * USEC_PER_SEC) == 0)
                snprintf(buf, size, "%" PRIu64 "min", usec / (60 * USEC_PER_SEC));
        else if (usec % USEC_PER_SEC == 0)
                snprintf(buf, size, "%" PRIu64 "s", usec / USEC_PER_SEC);
        else if (usec % USEC_PER_MSEC == 0)
                snprintf(buf, size, "%" PRIu64 "ms", usec / USEC_PER_MSEC);
        else
                snprintf(buf, size, "%" PRIu64 "us", usec);
        return buf;
}

char *format_percent(char *buf, size_t size, uint32_t permyriad)
{
        if (permyriad % 100 == 0)
                snprintf(buf, size, "%u%%", permyriad / 100);
        else if (permyriad % 10 == 0)
                snprintf(buf, size, "%u.%u%%", permyriad / 100, (permyriad % 100) / 10);
        else
                snprintf(buf, size, "%u.%02u%%", permyriad / 100, permyriad % 100);
        return buf;
}

char *strlcpy0(char *dst, const char *src, size_t size)
{
        size_t n;

        if (size == 0)
                return dst;
        n = strnlen(src, size - 1);
        memcpy(dst, src, n);
        dst[n] = '\0';
        return dst;
}

int lines_feed(struct lines *l, const char *buf, size_t n)
{
        const char *p = buf, *end = buf + n;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t seg = (size_t)((nl ?: end) - p), take;
                int r;

                if (nl && l->len == 0 && !l->overlong) {
                        r = l->fn(l->userdata, p, MIN(seg, l->cap), seg > l->cap);
                } else {
                        take = MIN(seg, l->cap - l->len);
                        memcpy(l->carry + l->len, p, take);
                        l->len += take;
                        l->overlong |= take < seg;
                        if (!nl)
                                return 0;
                        r = l->fn(l->userdata, l->carry, l->len, l->overlong);
                        l->len = 0;
                        l->overlong = false;
                }
                if (r < 0)
                        return r;
                p = nl + 1;
        }
        return 0;
}

int lines_finish(struct lines *l)
{
        int r = 0;

        if (l->len > 0 || l->overlong)
                r = l->fn(l->userdata, l->carry, l->len, l->overlong);
        l->len = 0;
        l->overlong = false;
        return r;
}

static void swap_bytes(void *a, void *b, size_t size)
{
        unsigned char *x = a, *y = b;

        for (size_t i = 0; i < size; i++) {
                unsigned char t = x[i];

                x[i] = y[i];
                y[i] = t;
        }
}

#define HEAP_AT(base, i, size) ((char *)(base) + (i) * (size))

void heap_sift_down(void *base, size_t n, size_t size, size_t i, heap_above_fn above, void *userdata)
{
        for (;;) {
                size_t l = 2 * i + 1, r = l + 1, m = i;

                if (l < n && above(HEAP_AT(base, l, size), HEAP_AT(base, m, size), userdata))
                        m = l;
                if (r < n && above(HEAP_AT(base, r, size), HEAP_AT(base, m, size), userdata))
                        m = r;
                if (m == i)
                        return;
                swap_bytes(HEAP_AT(base, i, size), HEAP_AT(base, m, size), size);
                i = m;
        }
}

void heap_sift_up(void *base, size_t size, size_t i, heap_above_fn above, void *userdata)
{
        while (i > 0) {
                size_t parent = (i - 1) / 2;

                if (!above(HEAP_AT(base, i, size), HEAP_AT(base, parent, size), userdata))
                        return;
                swap_bytes(HEAP_AT(base, i, size), HEAP_AT(base, parent, size), size);
                i = parent;
        }
}

void heap_make(void *base, size_t n, size_t size, heap_above_fn above, void *userdata)
{
        for (size_t i = n / 2; i-- > 0;)
                heap_sift_down(base, n, size, i, above, userdata);
}

void heap_pop(void *base, size_t *n, size_t size, heap_above_fn above, void *userdata)
{
        if (*n == 0)
                return;
        --*n;
        swap_bytes(HEAP_AT(base, 0, size), HEAP_AT(base, *n, size), size);
        heap_sift_down(base, *n, size, 0, above, userdata);
}

void heap_sort(void *base, size_t n, size_t size, heap_above_fn above, void *userdata)
{
        heap_make(base, n, size, above, userdata);
        while (n > 1)
                heap_pop(base, &n, size, above, userdata);
}

void textbuf_printf(struct textbuf *t, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (t->full)
                return;
        if (t->len >= t->size) {
                t->full = true;
                return;
        }
        va_start(ap, fmt);
        n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= t->size - t->len)
                t->full = true;
        else
                t->len += (size_t)n;
}
