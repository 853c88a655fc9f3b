#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.h - small helpers shared by every stage: cleanup, time, file reads, value parsers */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _pure_ __attribute__((pure))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

typedef uint64_t usec_t;
#define USEC_INFINITY UINT64_MAX
#define USEC_PER_MSEC ((usec_t)1000)
#define USEC_PER_SEC ((usec_t)1000000)
#define NSEC_PER_USEC ((usec_t)1000)

/* Percentages are carried as permyriad (1/10000) so that "12.5%" is exact without floats. */
#define PERMYRIAD_MAX 10000U

static inline void freep(void *p)
{
        free(*(void **)p);
}

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

/* safe_close() - close @fd if it is one (errno kept); returns -1, for "fd = safe_close(fd)". */
static inline int safe_close(int fd)
{
        closep(&fd);
        return -1;
}

/* sub_sat() - @a - @b, or 0 when @b is larger: headroom that is already gone is none, not 2^64. */
static inline uint64_t sub_sat(uint64_t a, uint64_t b)
{
        return a > b ? a - b : 0;
}

static inline bool streq(const char *a, const char *b)
{
        return a && b && __builtin_strcmp(a, b) == 0;
}

/*
 * spaneq() - the @len bytes at @s (no NUL among them) are the whole of @name. The first byte is
 * compared before the call, since parsers try every key on every line (an idle wakeup's hot loop).
 */
static inline bool spaneq(const char *s, size_t len, const char *name)
{
        if (len == 0)
                return name[0] == '\0';
        return name[0] == s[0] && __builtin_strncmp(s, name, len) == 0 && name[len] == '\0';
}

/* add_sat_u64(), add_sat_i64() - a + b, stuck at the type's maximum instead of wrapping (b >= 0). */
static inline uint64_t add_sat_u64(uint64_t a, uint64_t b)
{
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static inline int64_t add_sat_i64(int64_t a, int64_t b)
{
        return a > INT64_MAX - b ? INT64_MAX : a + b;
}

usec_t now_usec(clockid_t clock);

/*
 * read_retry() - one read(2), again while it fails with EINTR. Returns the bytes read (0 at
 * the end), or a negative errno.
 */
ssize_t read_retry(int fd, void *buf, size_t size);

/*
 * read_file_at() - read a whole (small) file relative to @dirfd into @buf.
 * Reads at most @size - 1 bytes and NUL-terminates. A file that does not fit is truncated
 * silently: callers size buffers for the files they read. Returns the number of bytes read
 * (>= 0), or a negative errno (-ENOENT and -ESRCH for vanished processes, among others).
 * Does not allocate.
 */
ssize_t read_file_at(int dirfd, const char *path, char *buf, size_t size);

/*
 * read_fd_whole() - read @fd from its offset to its end into @buf, NUL-terminated, and never
 * truncate: -EFBIG if the text does not fit in @size - 1 bytes. For single-record seq_files
 * (procfs, kernfs) and regular files: a short read that ends a line is taken as the end, as
 * read_file_fd() does. Returns the length or a negative errno; does not allocate.
 */
ssize_t read_fd_whole(int fd, char *buf, size_t size);

/*
 * read_file_fd() - read_file_at() of an fd kept open: reads from offset 0 with pread(), so the
 * same fd serves every sample without an open/close (a /proc or cgroupfs seq_file renders its
 * text again when read from 0). For such single-record files only: a short read ending in a
 * newline is taken as the whole text, without the read() that would return 0. Does not move the
 * fd's offset; same return values; does not allocate.
 */
ssize_t read_file_fd(int fd, char *buf, size_t size);

/*
 * write_file_at() - write @s to a file relative to @dirfd in one write(2).
 * Returns 0 or a negative errno.
 */
int write_file_at(int dirfd, const char *path, const char *s);

/*
 * parse_u64() - strict decimal parse of a whole string (leading/trailing blanks allowed).
 * Returns 0, -EINVAL on garbage, -ERANGE on overflow. @ret untouched on failure.
 */
int parse_u64(const char *s, uint64_t *ret);
int parse_int(const char *s, int *ret);

/*
 * parse_size() - parse "4096", "512K", "512M", "2G", "1T" (base 1024, optional "B"/"iB").
 * Returns 0 and bytes in @ret, -EINVAL or -ERANGE. @ret untouched on failure.
 */
int parse_size(const char *s, uint64_t *ret);

/*
 * parse_percent() - parse "10%", "10", "12.5%" (up to two decimals) into permyriad 0..10000.
 * Returns 0, -EINVAL or -ERANGE (above 100%). @ret untouched on failure.
 */
int parse_percent(const char *s, uint32_t *ret);

/*
 * parse_duration() - parse systemd-style time spans: "2s", "500ms", "100us", "1min", "1h",
 * "1s 500ms", a bare number is seconds. Returns 0, -EINVAL or -ERANGE. @ret untouched on failure.
 */
int parse_duration(const char *s, usec_t *ret);

/* parse_bool() - "1/yes/true/on" and "0/no/false/off", case-insensitive. */
int parse_bool(const char *s, bool *ret);

/* format_size() - human readable IEC size into @buf, e.g. "1.5G"; returns @buf. */
char *format_size(char *buf, size_t size, uint64_t bytes);

/* format_duration() - "2s", "500ms", "1min 30s"; returns @buf. */
char *format_duration(char *buf, size_t size, usec_t usec);

/* format_percent() - permyriad to "12.5%"; returns @buf. */
char *format_percent(char *buf, size_t size, uint32_t permyriad);

/* strscpy-like copy that always terminates; returns @dst. */
char *strlcpy0(char *dst, const char *src, size_t size);

/*
 * Lines of a text that comes in pieces, such as a file streamed through a fixed buffer. @fn
 * sees every line exactly once, without its newline, and sees the same whatever the cut: at
 * most @cap bytes of it, with @overlong set when the line is longer. A line inside one piece is
 * handed over in place; only one cut by the end of a piece is copied to @carry. Set carry, cap,
 * fn and userdata; len and overlong start at 0 and carry the cut line from one feed to the next.
 */
struct lines {
        char *carry;
        size_t cap;
        size_t len;
        bool overlong;
        int (*fn)(void *userdata, const char *line, size_t len, bool overlong);
        void *userdata;
};

/* lines_feed() - the next @n bytes. Returns 0, or @fn's negative return (then stop). */
int lines_feed(struct lines *l, const char *buf, size_t n);

/* lines_finish() - the end of the text: its last line, if it does not end with a newline. */
int lines_finish(struct lines *l);

/*
 * A binary heap over an array of @n elements of @size bytes, the element for which @above
 * says it belongs above every other on top (base[0]). In place and allocation-free: the kill
 * path and the selection sort with it, where qsort() may allocate.
 */
typedef bool (*heap_above_fn)(const void *a, const void *b, void *userdata);

/* heap_sift_down() - restore the heap below @i after base[@i] changed (or was put there). */
void heap_sift_down(void *base, size_t n, size_t size, size_t i, heap_above_fn above, void *userdata);

/* heap_sift_up() - restore the heap above @i after base[@i] was added or raised. */
void heap_sift_up(void *base, size_t size, size_t i, heap_above_fn above, void *userdata);

/* heap_make() - turn the @n elements of @base into a heap. */
void heap_make(void *base, size_t n, size_t size, heap_above_fn above, void *userdata);

/* heap_pop() - move the top element to base[*@n - 1] and take it out of the heap (*@n - 1 left). */
void heap_pop(void *base, size_t *n, size_t size, heap_above_fn above, void *userdata);

/*
 * heap_sort() - sort @base so that the element @above puts on top comes last: with @above
 * "larger", ascending. Heapsort: O(n log n) whatever the input, no allocation.
 */
void heap_sort(void *base, size_t n, size_t size, heap_above_fn above, void *userdata);

/*
 * Text formatted into a caller's buffer without allocating (the metrics file, the pre-kill line):
 * set buf and size, len and full start at 0. A piece that does not fit sets full, and nothing
 * is added after it, so the text is never cut silently: check full at the end.
 */
struct textbuf {
        char *buf;
        size_t size, len;
        bool full;
};

/* textbuf_printf() - append to @t; NUL-terminated as long as it is not full. */
_printf_(2, 3) void textbuf_printf(struct textbuf *t, const char *fmt, ...);
