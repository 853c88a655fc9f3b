/* SPDX-License-Identifier: GPL-2.0-or-later */
/* procfs.c - the thin /proc/<pid> readers: open relative to a proc root, read whole, parse */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"

/*
 * stat is one line: a pid, a comm of at most 64 bytes (kernel threads' long names), a state
 * and 49 numbers of at most 20 digits: under 1.2 KiB, so a longer one is not a stat file.
 */
#define PROC_STAT_MAX 2048
/* oom_score_adj and oom_score: one short number. */
#define PROC_VALUE_MAX 32
/* Pieces in which status and cgroup are streamed: a usual status or cgroup in one read. */
#define PROC_CHUNK 4096
/* "4194304/oom_score_adj", "4194304/task/4194304/status" and friends. */
#define PROC_PATH_MAX 64
/* One getdents64() of a thread list: a few dozen threads, and the live one is among the first. */
#define PROC_TASK_DENTS_SIZE 1024

/* The decimal digits of @v at @out, without snprintf(): this runs once per process. Returns the end. */
static char *put_decimal(char *out, unsigned v)
{
        char digits[16];
        size_t n = 0;

        do {
                digits[n++] = (char)('0' + v % 10);
                v /= 10;
        } while (v && n < sizeof(digits));
        while (n > 0)
                *out++ = digits[--n];
        return out;
}

/*
 * Writes "<pid>/<file>", or with @tid > 0 "<pid>/task/<tid>/<file>", into @out (PROC_PATH_MAX
 * bytes: two pids of at most 10 digits leave room for any of the file names used here).
 */
static void pid_path(char *out, pid_t pid, pid_t tid, const char *file)
{
        char *p = put_decimal(out, (unsigned)pid);

        *p++ = '/';
        if (tid > 0) {
                memcpy(p, "task/", 5);
                p = put_decimal(p + 5, (unsigned)tid);
                *p++ = '/';
        }
        strlcpy0(p, file, PROC_PATH_MAX - (size_t)(p - out));
}

static int open_pid_file(int proc_dirfd, pid_t pid, pid_t tid, const char *file)
{
        char path[PROC_PATH_MAX];
        int fd;

        pid_path(path, pid, tid, file);
        fd = openat(proc_dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        return fd < 0 ? -errno : fd;
}

/*
 * Reads the whole of a small pid file into @buf, NUL-terminated; -EFBIG if it does not fit,
 * -ESRCH if it is empty (an exiting task's files can read so). A seq_file hands its record over
 * whole, so a short read that ends a line is the end: no read() that returns 0.
 */
static ssize_t read_small(int proc_dirfd, pid_t pid, pid_t tid, const char *file, char *buf, size_t size)
{
        _cleanup_(closep) int fd = open_pid_file(proc_dirfd, pid, tid, file);
        ssize_t n;

        if (fd < 0)
                return fd;
        n = read_fd_whole(fd, buf, size);
        return n == 0 ? -ESRCH : n;
}

/*
 * Streams a pid file through @feed in PROC_CHUNK pieces, stopping at a short read that ends a
 * line as read_small() does. @empty_is_gone: an empty file means the task is exiting (-ESRCH).
 */
static int read_chunks(int proc_dirfd, pid_t pid, pid_t tid, const char *file,
                       int (*feed)(void *p, const char *buf, size_t n), void *p, bool empty_is_gone)
{
        _cleanup_(closep) int fd = open_pid_file(proc_dirfd, pid, tid, file);
        char chunk[PROC_CHUNK];
        size_t total = 0;
        int r;

        if (fd < 0)
                return fd;
        for (;;) {
                ssize_t n = read_retry(fd, chunk, sizeof(chunk));

                if (n < 0)
                        return (int)n;
                if (n == 0)
                        break;
                total += (size_t)n;
                r = feed(p, chunk, (size_t)n);
                if (r < 0)
                        return r;
                if ((size_t)n < sizeof(chunk) && chunk[n - 1] == '\n')
                        break;
        }
        return total == 0 && empty_is_gone ? -ESRCH : 0;
}

int proc_read_task_stat(int proc_dirfd, pid_t pid, pid_t tid, struct proc_stat *ret)
{
        char buf[PROC_STAT_MAX];
        ssize_t n = read_small(proc_dirfd, pid, tid, "stat", buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return proc_stat_parse(buf, ret);
}

int proc_read_stat(int proc_dirfd, pid_t pid, struct proc_stat *ret)
{
        return proc_read_task_stat(proc_dirfd, pid, 0, ret);
}

static int feed_status(void *p, const char *buf, size_t n)
{
        return proc_status_parser_feed(p, buf, n);
}

int proc_read_task_status(int proc_dirfd, pid_t pid, pid_t tid, struct proc_status *ret)
{
        struct proc_status_parser p;
        int r;

        proc_status_parser_init(&p);
        r = read_chunks(proc_dirfd, pid, tid, "status", feed_status, &p, true);
        if (r < 0)
                return r;
        return proc_status_parser_finish(&p, ret);
}

int proc_read_status(int proc_dirfd, pid_t pid, struct proc_status *ret)
{
        return proc_read_task_status(proc_dirfd, pid, 0, ret);
}

int proc_read_oom_score_adj(int proc_dirfd, pid_t pid, int *ret)
{
        char buf[PROC_VALUE_MAX];
        ssize_t n = read_small(proc_dirfd, pid, 0, "oom_score_adj", buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return proc_oom_score_adj_parse(buf, ret) < 0 ? -EINVAL : 0;
}

int proc_read_oom_score(int proc_dirfd, pid_t pid, unsigned *ret)
{
        _cleanup_(closep) int fd = open_pid_file(proc_dirfd, pid, 0, "oom_score");
        char buf[PROC_VALUE_MAX];
        ssize_t n;

        if (fd < 0)
                return fd;
        n = read_retry(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return (int)n;
        if (n == 0)
                return -ESRCH;
        buf[n] = '\0';
        return proc_oom_score_parse(buf, ret) < 0 ? -EINVAL : 0;
}

ssize_t proc_read_cmdline(int proc_dirfd, pid_t pid, char *out, size_t size, bool *ret_truncated)
{
        _cleanup_(closep) int fd = -1;
        ssize_t n;
        char c;

        if (size == 0)
                return -EINVAL;
        fd = open_pid_file(proc_dirfd, pid, 0, "cmdline");
        if (fd < 0)
                return fd;
        /* the kernel copies as much as asked for: a short read is the end, a full one may not be */
        n = read_retry(fd, out, size - 1);
        if (n < 0)
                return n;
        if (ret_truncated)
                *ret_truncated = false;
        if ((size_t)n == size - 1 && size > 1) {
                ssize_t more = read_retry(fd, &c, 1);

                if (more < 0)
                        return more;
                if (ret_truncated)
                        *ret_truncated = more > 0;
        }
        return (ssize_t)proc_cmdline_parse(out, (size_t)n, out, size);
}

ssize_t proc_read_exe(int proc_dirfd, pid_t pid, char *out, size_t size)
{
        char path[PROC_PATH_MAX];
        ssize_t n;

        if (size == 0)
                return -EINVAL;
        pid_path(path, pid, 0, "exe");
        n = readlinkat(proc_dirfd, path, out, size);
        if (n < 0)
                return -errno;
        if ((size_t)n >= size)
                return -ENAMETOOLONG; /* readlink() truncates without saying so */
        out[n] = '\0';
        return n;
}

static int feed_cgroup(void *p, const char *buf, size_t n)
{
        return proc_cgroup_parser_feed(p, buf, n);
}

int proc_read_cgroup(int proc_dirfd, pid_t pid, char *ret_v2, size_t v2_size, char *ret_v1_memory,
                     size_t v1_size)
{
        struct proc_cgroup_parser p;
        int r;

        proc_cgroup_parser_init(&p, ret_v2, v2_size, ret_v1_memory, v1_size);
        if (p.error < 0)
                return p.error;
        r = read_chunks(proc_dirfd, pid, 0, "cgroup", feed_cgroup, &p, false);
        if (r < 0)
                return r;
        return proc_cgroup_parser_finish(&p);
}

/* A /proc entry that names a process: decimal digits only, 1..INT32_MAX. */
static pid_t pid_of_name(const char *name)
{
        uint64_t v = 0;

        if (!*name)
                return 0;
        for (; *name; name++) {
                if (*name < '0' || *name > '9')
                        return 0;
                v = v * 10 + (unsigned)(*name - '0');
                if (v > INT32_MAX)
                        return 0;
        }
        return (pid_t)v;
}

int proc_find_live_thread(int proc_dirfd, pid_t pid, pid_t *ret_tid)
{
        _Alignas(8) char buf[PROC_TASK_DENTS_SIZE];
        char path[PROC_PATH_MAX];
        _cleanup_(closep) int dfd = -1;

        pid_path(path, pid, 0, "task");
        dfd = openat(proc_dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        for (;;) {
                ssize_t n = getdents64(dfd, buf, sizeof(buf));

                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -ESRCH;
                for (ssize_t off = 0; off < n;) {
                        struct dirent64 *d = (struct dirent64 *)(buf + off);
                        pid_t tid = pid_of_name(d->d_name);
                        struct proc_stat st;

                        off += d->d_reclen;
                        /* a thread that exited meanwhile, or one on its way out, holds nothing for long */
                        if (tid <= 0 || proc_read_task_stat(proc_dirfd, pid, tid, &st) < 0 ||
                            proc_stat_dying(&st))
                                continue;
                        *ret_tid = tid;
                        return 0;
                }
        }
}

int proc_for_each_pid(int proc_dirfd, void *buf, size_t size, int (*fn)(pid_t pid, void *userdata),
                      void *userdata)
{
        _cleanup_(closep) int dfd = -1;
        int r;

        dfd = openat(proc_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        for (;;) {
                ssize_t n = getdents64(dfd, buf, size);

                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                for (ssize_t off = 0; off < n;) {
                        struct dirent64 *d = (struct dirent64 *)((char *)buf + off);
                        pid_t pid = pid_of_name(d->d_name);

                        off += d->d_reclen;
                        if (pid <= 0 || (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN))
                                continue;
                        r = fn(pid, userdata);
                        if (r < 0)
                                return r;
                }
        }
}
