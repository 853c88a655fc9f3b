/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proc.c - /proc/<pid> parsers (pure, fuzzable) and the thin readers next to them */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cgroup.h"
#include "proc.h"
#include "snapshot.h"
#include "util.h"

/*
 * Buffer sizes. stat is one line of 52 numbers (< 400 bytes) plus a 15-byte comm; status is
 * about 1.5 KB on 6.x kernels (longer with many CPUs in Cpus_allowed_list, but the fields reapd
 * needs come in the first 40 lines); cgroup is one line per v1 hierarchy.
 */
#define PROC_STAT_BUF 1024
#define PROC_STATUS_BUF 4096
#define PROC_CGROUP_BUF 4096
#define PROC_ADJ_BUF 32
/* A pid directory name: "4194304/oom_score_adj" and friends fit easily. */
#define PROC_PATH_MAX 64

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\n';
}

/* Parses an unsigned decimal at *p (no sign, no blanks), advances *p. Refuses overflow. */
static int take_u64(const char **p, uint64_t *ret)
{
        const char *s = *p;
        uint64_t v = 0;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
                unsigned d = (unsigned)(*s - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *p = s;
        *ret = v;
        return 0;
}

/* Like take_u64() with an optional '-' and an int64 range. */
static int take_i64(const char **p, int64_t *ret)
{
        const char *s = *p;
        bool neg = false;
        uint64_t v;
        int r;

        if (*s == '-') {
                neg = true;
                s++;
        }
        r = take_u64(&s, &v);
        if (r < 0)
                return r;
        if (v > (uint64_t)INT64_MAX)
                return -ERANGE;
        *p = s;
        *ret = neg ? -(int64_t)v : (int64_t)v;
        return 0;
}

/*
 * Moves *p to the start of the next space-separated stat token; fails at the end of the text.
 * Only ' ' separates (the kernel prints single spaces): a tab inside a token is part of it, as
 * kill_parse_stat() reads it too, so both parsers count the same fields.
 */
static int next_token(const char **p)
{
        const char *s = *p;

        while (*s && *s != ' ' && *s != '\n')
                s++;
        while (*s == ' ')
                s++;
        if (!*s || *s == '\n')
                return -EINVAL;
        *p = s;
        return 0;
}

static int take_pid(const char **p, pid_t *ret)
{
        int64_t v;
        int r = take_i64(p, &v);

        if (r < 0)
                return r;
        if (v < INT32_MIN || v > INT32_MAX)
                return -ERANGE;
        *ret = (pid_t)v;
        return 0;
}

int proc_stat_parse(const char *buf, struct proc_stat *ret)
{
        struct proc_stat st = {};
        const char *open, *close, *p;
        uint64_t v;
        int field, r;

        if (!buf)
                return -EINVAL;
        p = buf;
        r = take_pid(&p, &st.pid);
        if (r < 0 || st.pid <= 0)
                return -EINVAL;
        open = strchr(buf, '(');
        close = strrchr(buf, ')');
        if (!open || !close || close < open || open != p + 1 || *p != ' ')
                return -EINVAL;
        memcpy(st.comm, open + 1, MIN((size_t)(close - open - 1), sizeof(st.comm) - 1));

        /* field 3 (state) follows ") "; then count fields up to 24 */
        p = close + 1;
        if (*p != ' ' || !p[1] || is_blank(p[1]))
                return -EINVAL;
        p++;
        st.state = *p;
        for (field = 4; field <= 24; field++) {
                r = next_token(&p);
                if (r < 0)
                        return r;
                switch (field) {
                case 4:
                        r = take_pid(&p, &st.ppid);
                        break;
                case 5:
                        r = take_pid(&p, &st.pgid);
                        break;
                case 9:
                        r = take_u64(&p, &v);
                        if (r >= 0 && v > UINT32_MAX)
                                r = -EINVAL;
                        st.flags = (unsigned)v;
                        break;
                case 22:
                        r = take_u64(&p, &st.starttime);
                        break;
                case 24:
                        r = take_u64(&p, &st.rss_pages);
                        break;
                default:
                        break;
                }
                /* a number must fill its field: "12x" is not 12, and must not shift the fields after it */
                if (r >= 0 && (field == 4 || field == 5 || field == 9 || field == 22 || field == 24) && *p &&
                    *p != ' ' && *p != '\n')
                        r = -EINVAL;
                if (r < 0)
                        return -EINVAL;
        }
        *ret = st;
        return 0;
}

/* If @line starts with "@key:", returns the value after blanks, else NULL. */
static const char *status_value(const char *line, const char *key, size_t keylen)
{
        if (strncmp(line, key, keylen) != 0 || line[keylen] != ':')
                return NULL;
        line += keylen + 1;
        while (*line == ' ' || *line == '\t')
                line++;
        return line;
}

#define STATUS_KEY(line, lit) status_value(line, lit, sizeof(lit) - 1)

static unsigned hex_digit(char c)
{
        return c >= '0' && c <= '9' ? (unsigned)(c - '0') : ((unsigned)(c | 0x20) - 'a' + 10) & 0xf;
}

int proc_status_parse(const char *buf, struct proc_status *ret)
{
        struct proc_status st = {};
        uint64_t anon = 0, file = 0, shmem = 0, v;
        bool have_tgid = false, have_uid = false, have_vmrss = false, have_rssanon = false;
        const char *line, *val;

        if (!buf)
                return -EINVAL;
        for (line = buf; *line; line = strchrnul(line, '\n'), line += *line ? 1 : 0) {
                const char *p;
                uint64_t *dst = NULL;
                int64_t i;

                if ((val = STATUS_KEY(line, "State"))) {
                        if (!*val || is_blank(*val))
                                return -EINVAL;
                        st.state = *val;
                        continue;
                }
                if ((val = STATUS_KEY(line, "Tgid")) || (val = STATUS_KEY(line, "PPid")) ||
                    (val = STATUS_KEY(line, "Uid"))) {
                        p = val;
                        if (take_i64(&p, &i) < 0 || i < 0 || i > UINT32_MAX)
                                return -EINVAL;
                        if (line[0] == 'T') {
                                st.tgid = (pid_t)i;
                                have_tgid = true;
                        } else if (line[0] == 'P') {
                                st.ppid = (pid_t)i;
                        } else if (!have_uid) {
                                /* the first "Uid:" line, as kill_parse_status_uid() takes it */
                                st.uid = (uid_t)i;
                                have_uid = true;
                        }
                        continue;
                }
                if ((val = STATUS_KEY(line, "ShdPnd")) || (val = STATUS_KEY(line, "SigPnd"))) {
                        /* a pending SIGKILL (bit 8 of the hex mask) means the task is already dying */
                        size_t n = strspn(val, "0123456789abcdefABCDEF");
                        const char *d =
                                val + n - 3; /* SIGKILL is bit 8: the third hex digit from the right */

                        if (n >= 3 && (hex_digit(*d) & 1))
                                st.sigkill_pending = true;
                        continue;
                }
                if ((val = STATUS_KEY(line, "VmRSS"))) {
                        dst = &st.rss_kb;
                        have_vmrss = true;
                } else if ((val = STATUS_KEY(line, "VmSwap")))
                        dst = &st.swap_kb;
                else if ((val = STATUS_KEY(line, "VmPTE")))
                        dst = &st.pgtables_kb;
                else if ((val = STATUS_KEY(line, "RssAnon"))) {
                        dst = &anon;
                        have_rssanon = true;
                } else if ((val = STATUS_KEY(line, "RssFile")))
                        dst = &file;
                else if ((val = STATUS_KEY(line, "RssShmem")))
                        dst = &shmem;
                if (!dst)
                        continue;
                p = val;
                if (take_u64(&p, &v) < 0)
                        return -EINVAL;
                *dst = v;
        }
        if (!have_tgid || !have_uid)
                return -EINVAL;
        st.has_mm = have_vmrss || have_rssanon;
        if (!have_vmrss && have_rssanon) {
                /* saturate: garbage values must not wrap into a small number */
                st.rss_kb = anon;
                st.rss_kb = st.rss_kb + file < st.rss_kb ? UINT64_MAX : st.rss_kb + file;
                st.rss_kb = st.rss_kb + shmem < st.rss_kb ? UINT64_MAX : st.rss_kb + shmem;
        }
        *ret = st;
        return 0;
}

int proc_oom_score_adj_parse(const char *buf, int *ret)
{
        const char *p = buf;
        int64_t v;
        int r;

        if (!buf)
                return -EINVAL;
        while (is_blank(*p))
                p++;
        r = take_i64(&p, &v);
        if (r < 0)
                return -EINVAL;
        while (is_blank(*p))
                p++;
        if (*p)
                return -EINVAL;
        if (v < -1000 || v > 1000)
                return -ERANGE;
        *ret = (int)v;
        return 0;
}

int proc_oom_score_parse(const char *buf, unsigned *ret)
{
        const char *p = buf;
        uint64_t v;
        int r;

        if (!buf)
                return -EINVAL;
        while (is_blank(*p))
                p++;
        r = take_u64(&p, &v);
        if (r < 0)
                return r;
        while (is_blank(*p))
                p++;
        if (*p)
                return -EINVAL;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (unsigned)v;
        return 0;
}

size_t proc_cmdline_parse(const char *buf, size_t len, char *out, size_t size)
{
        size_t n;

        if (size == 0)
                return 0;
        while (len > 0 && buf[len - 1] == '\0')
                len--;
        n = MIN(len, size - 1);
        for (size_t i = 0; i < n; i++)
                out[i] = buf[i] == '\0' ? ' ' : buf[i];
        out[n] = '\0';
        return n;
}

int proc_cgroup_parse_v2(const char *buf, char *out, size_t size)
{
        int r;

        if (size == 0 || !buf)
                return -EINVAL;
        r = cgroup_parse_proc_cgroup(buf, out, size, NULL, 0);
        if (r < 0)
                return r;
        return out[0] ? 0 : PROC_NO_CGROUP2;
}

static bool xattr_true(const char *v)
{
        static const char *const yes[] = {"1", "yes", "true", "on", "y"};
        char word[8];
        size_t n;

        if (!v)
                return false;
        n = strcspn(v, " \t\n");
        if (n == 0 || n >= sizeof(word))
                return false;
        memcpy(word, v, n);
        word[n] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(word, yes[i]) == 0)
                        return true;
        return false;
}

unsigned proc_xattr_flags(uid_t owner, const char *avoid, const char *omit)
{
        unsigned flags = 0;

        if (owner != 0)
                return 0;
        if (xattr_true(avoid))
                flags |= PROC_AVOID_XATTR;
        if (xattr_true(omit))
                flags |= PROC_OMIT_XATTR;
        return flags;
}

int proc_meminfo_totalpages_parse(const char *buf, uint64_t page_size, uint64_t *ret, uint64_t *ret_swap)
{
        uint64_t mem = 0, swap = 0, v;
        bool have_mem = false;
        const char *line, *val;

        if (!buf || page_size < 1024 || page_size % 1024 != 0)
                return -EINVAL;
        for (line = buf; *line; line = strchrnul(line, '\n'), line += *line ? 1 : 0) {
                uint64_t *dst;

                if ((val = STATUS_KEY(line, "MemTotal"))) {
                        dst = &mem;
                        have_mem = true;
                } else if ((val = STATUS_KEY(line, "SwapTotal")))
                        dst = &swap;
                else
                        continue;
                if (take_u64(&val, &v) < 0)
                        return -EINVAL;
                *dst = v;
        }
        if (!have_mem)
                return -EINVAL;
        /* kB to pages per term, as the kernel keeps the two counters in pages separately */
        *ret = mem / (page_size / 1024) + swap / (page_size / 1024);
        if (ret_swap)
                *ret_swap = swap / (page_size / 1024);
        return 0;
}

static ssize_t read_pid_file(int proc_dirfd, pid_t pid, const char *file, char *buf, size_t size)
{
        char path[PROC_PATH_MAX];

        snprintf(path, sizeof(path), "%d/%s", (int)pid, file);
        return read_file_at(proc_dirfd, path, buf, size);
}

int proc_read_stat(int proc_dirfd, pid_t pid, struct proc_stat *ret)
{
        char buf[PROC_STAT_BUF];
        ssize_t n = read_pid_file(proc_dirfd, pid, "stat", buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return proc_stat_parse(buf, ret);
}

int proc_read_status(int proc_dirfd, pid_t pid, struct proc_status *ret)
{
        char buf[PROC_STATUS_BUF];
        ssize_t n = read_pid_file(proc_dirfd, pid, "status", buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return proc_status_parse(buf, ret);
}

int proc_read_oom_score_adj(int proc_dirfd, pid_t pid, int *ret)
{
        char buf[PROC_ADJ_BUF];
        ssize_t n = read_pid_file(proc_dirfd, pid, "oom_score_adj", buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return proc_oom_score_adj_parse(buf, ret) < 0 ? -EINVAL : 0;
}

/* Writes "<pid>/<file>" into @out (PROC_PATH_MAX bytes) without snprintf(): this runs once per process. */
static void pid_path(char *out, pid_t pid, const char *file)
{
        char digits[16];
        size_t n = 0;
        unsigned v = (unsigned)pid;

        do {
                digits[n++] = (char)('0' + v % 10);
                v /= 10;
        } while (v && n < sizeof(digits));
        while (n > 0)
                *out++ = digits[--n];
        *out++ = '/';
        strlcpy0(out, file, PROC_PATH_MAX - sizeof(digits) - 1);
}

int proc_read_oom_score(int proc_dirfd, pid_t pid, unsigned *ret)
{
        char path[PROC_PATH_MAX], buf[PROC_ADJ_BUF];
        _cleanup_(closep) int fd = -1;
        ssize_t n;

        pid_path(path, pid, "oom_score");
        fd = openat(proc_dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        n = read_retry(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return (int)n;
        buf[n] = '\0';
        return proc_oom_score_parse(buf, ret) < 0 ? -EINVAL : 0;
}

ssize_t proc_read_cmdline(int proc_dirfd, pid_t pid, char *out, size_t size)
{
        char path[PROC_PATH_MAX];
        _cleanup_(closep) int fd = -1;
        ssize_t n;

        if (size == 0)
                return -EINVAL;
        snprintf(path, sizeof(path), "%d/cmdline", (int)pid);
        fd = openat(proc_dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        /* one read: the parser works in place, and a longer command line is truncated anyway */
        n = read_retry(fd, out, size - 1);
        if (n < 0)
                return n;
        return (ssize_t)proc_cmdline_parse(out, (size_t)n, out, size);
}

ssize_t proc_read_exe(int proc_dirfd, pid_t pid, char *out, size_t size)
{
        char path[PROC_PATH_MAX];
        ssize_t n;

        if (size == 0)
                return -EINVAL;
        snprintf(path, sizeof(path), "%d/exe", (int)pid);
        n = readlinkat(proc_dirfd, path, out, size - 1);
        if (n < 0)
                return -errno;
        out[n] = '\0';
        return n;
}

int proc_read_cgroup(int proc_dirfd, pid_t pid, char *out, size_t size)
{
        char buf[PROC_CGROUP_BUF];
        ssize_t n = read_pid_file(proc_dirfd, pid, "cgroup", buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return proc_cgroup_parse_v2(buf, out, size);
}
