/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroupfs-memory.c - a cgroup's memory files (v2, or the v1 twin of the same path): parsers and readers */

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "cgroupfs.h"
#include "util.h"

/* v1 reports "no limit" as PAGE_COUNTER_MAX pages in bytes (0x7ffffffffffff000 with 4K pages);
 * anything from 2^62 up cannot be a real limit on any machine reapd runs on. */
#define CGROUP_V1_UNLIMITED_MIN (1ULL << 62)
/* A memory.* value file is one number or "max". */
#define CGROUP_VALUE_BUF 64
/* memory.stat: a few dozen "key value" lines, with room for the keys new kernels add. */
#define CGROUP_STAT_BUF 8192

static bool field_is(const char *s, size_t len, const char *word)
{
        return len == strlen(word) && memcmp(s, word, len) == 0;
}

int cgroup_parse_limit(const char *buf, uint64_t *ret)
{
        const char *p = buf, *e;
        uint64_t v;

        if (!buf || !ret)
                return -EINVAL;
        while (*p == ' ' || *p == '\t')
                p++;
        e = p + strcspn(p, " \t\n");
        if (e - p == 3 && memcmp(p, "max", 3) == 0) {
                for (const char *q = e; *q; q++)
                        if (*q != ' ' && *q != '\t' && *q != '\n')
                                return -EINVAL;
                *ret = CGROUP_LIMIT_MAX;
                return 0;
        }
        if (parse_u64(buf, &v) < 0)
                return -EINVAL;
        *ret = v >= CGROUP_V1_UNLIMITED_MIN ? CGROUP_LIMIT_MAX : v;
        return 0;
}

/* The memory files, by reader slot: v2 names, then v1 names. */
static const char *const memory_files[2][_CGROUP_MEMORY_FILES] = {
        {"memory.current", "memory.max", "memory.swap.current", "memory.swap.max", "memory.stat"},
        {"memory.usage_in_bytes", "memory.limit_in_bytes", "memory.memsw.usage_in_bytes",
         "memory.memsw.limit_in_bytes", "memory.stat"},
};

/* Read slot @i of @r's directory into @buf: the fd is opened on first use and kept. */
static ssize_t reader_read_file(struct cgroup_memory_reader *r, unsigned i, char *buf, size_t size)
{
        ssize_t n;

        if (r->fd[i] < 0) {
                r->fd[i] = openat(r->dir, memory_files[!r->v2][i], O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (r->fd[i] < 0)
                        return -errno; /* not kept: -ENOENT (no such file) is asked again next time */
        }
        n = read_file_fd(r->fd[i], buf, size);
        if (n < 0)
                r->fd[i] = safe_close(r->fd[i]);
        return n;
}

/* One value file: 0, -ENOENT if absent, -EINVAL if garbled. */
static int read_value(struct cgroup_memory_reader *r, unsigned i, uint64_t *ret)
{
        char buf[CGROUP_VALUE_BUF];
        ssize_t n;

        n = reader_read_file(r, i, buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        return cgroup_parse_limit(buf, ret);
}

static int memory_read_v2(struct cgroup_memory_reader *rd, struct cgroup_memory *ret)
{
        struct cgroup_memory m = {.swap_max = CGROUP_LIMIT_MAX};
        int r;

        r = read_value(rd, CGROUP_MEMORY_CURRENT, &m.current);
        if (r == -ENOENT)
                return -EOPNOTSUPP; /* the root group, or memory not enabled for this subtree */
        if (r < 0)
                return r;
        r = read_value(rd, CGROUP_MEMORY_MAX, &m.max);
        if (r == -ENOENT)
                m.max = CGROUP_LIMIT_MAX;
        else if (r < 0)
                return r;
        if (rd->no_swap)
                goto done;
        r = read_value(rd, CGROUP_MEMORY_SWAP_CURRENT, &m.swap_current);
        if (r < 0 && r != -ENOENT) /* no swap accounting: 0 */
                return r;
        r = read_value(rd, CGROUP_MEMORY_SWAP_MAX, &m.swap_max);
        if (r == -ENOENT)
                m.swap_max = CGROUP_LIMIT_MAX;
        else if (r < 0)
                return r;
done:
        *ret = m;
        return 0;
}

static int memory_read_v1(struct cgroup_memory_reader *rd, struct cgroup_memory *ret)
{
        struct cgroup_memory m = {.swap_max = CGROUP_LIMIT_MAX, .v1 = true};
        uint64_t memsw_usage, memsw_limit;
        int r;

        r = read_value(rd, CGROUP_MEMORY_CURRENT, &m.current);
        if (r == -ENOENT)
                return -EOPNOTSUPP;
        if (r < 0)
                return r;
        r = read_value(rd, CGROUP_MEMORY_MAX, &m.max);
        if (r < 0)
                return r == -ENOENT ? -EOPNOTSUPP : r;

        /* memsw.* exist only with swap accounting (swapaccount=1); they count memory + swap. */
        r = rd->no_swap ? -ENOENT : read_value(rd, CGROUP_MEMORY_SWAP_CURRENT, &memsw_usage);
        if (r == 0) {
                m.swap_current = memsw_usage > m.current ? memsw_usage - m.current : 0;
                r = read_value(rd, CGROUP_MEMORY_SWAP_MAX, &memsw_limit);
                if (r == 0 && memsw_limit != CGROUP_LIMIT_MAX && m.max != CGROUP_LIMIT_MAX)
                        m.swap_max = memsw_limit > m.max ? memsw_limit - m.max : 0;
                else if (r < 0 && r != -ENOENT)
                        return r;
        } else if (r != -ENOENT)
                return r;

        *ret = m;
        return 0;
}

/* Open the directory holding @path's memory files: v2 with the memory controller, else v1. */
static int memory_dir_open(const struct cgroup_roots *roots, const char *path, bool *ret_v2)
{
        char dir[PATH_MAX];
        bool v2;
        int r, fd;

        if (!roots)
                return -EINVAL;
        if (roots->v2[0] && roots->v2_has_memory)
                v2 = true;
        else if (roots->v1_memory[0])
                v2 = false;
        else
                return -EOPNOTSUPP;

        r = cgroup_path_join(dir, sizeof(dir), v2 ? roots->v2 : roots->v1_memory, path ?: "", NULL);
        if (r < 0)
                return r;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret_v2 = v2;
        return fd;
}

void cgroup_memory_reader_close(struct cgroup_memory_reader *r)
{
        if (!r)
                return;
        for (unsigned i = 0; i < _CGROUP_MEMORY_FILES; i++)
                r->fd[i] = safe_close(r->fd[i]);
        r->dir = safe_close(r->dir);
}

/*
 * Run @op over @r's directory, opening it first if needed. With fds kept from earlier reads,
 * an error (a removed cgroup's files say -ENODEV) closes them and tries once more from the
 * path, so the caller sees what a fresh read would say (-ENOENT for a removed cgroup).
 */
static int reader_run(struct cgroup_memory_reader *r, const struct cgroup_roots *roots, const char *path,
                      int (*op)(struct cgroup_memory_reader *r, void *ret), void *ret)
{
        bool fresh = r->dir < 0;
        int k;

        for (;;) {
                if (r->dir < 0) {
                        r->dir = memory_dir_open(roots, path, &r->v2);
                        if (r->dir < 0)
                                return r->dir;
                }
                k = op(r, ret);
                if (k >= 0 || k == -EINVAL || k == -EOPNOTSUPP || fresh)
                        return k;
                cgroup_memory_reader_close(r);
                fresh = true;
        }
}

static int op_memory(struct cgroup_memory_reader *r, void *ret)
{
        return r->v2 ? memory_read_v2(r, ret) : memory_read_v1(r, ret);
}

int cgroup_memory_reader_read(struct cgroup_memory_reader *r, const struct cgroup_roots *roots,
                              const char *path, struct cgroup_memory *ret)
{
        if (!r || !ret)
                return -EINVAL;
        return reader_run(r, roots, path, op_memory, ret);
}

int cgroup_memory_read(const struct cgroup_roots *roots, const char *path, struct cgroup_memory *ret)
{
        struct cgroup_memory_reader r = CGROUP_MEMORY_READER_INIT;
        int k;

        k = cgroup_memory_reader_read(&r, roots, path, ret);
        cgroup_memory_reader_close(&r);
        return k;
}

int cgroup_parse_memory_stat_file(const char *buf, bool v1, uint64_t *ret)
{
        const char *keys[2] = {v1 ? "total_active_file" : "active_file",
                               v1 ? "total_inactive_file" : "inactive_file"};
        uint64_t val[2];
        bool seen[2] = {};
        const char *line;

        if (!buf || !ret)
                return -EINVAL;
        for (line = buf; *line;) {
                const char *eol = strchrnul(line, '\n'), *sp = memchr(line, ' ', (size_t)(eol - line));

                for (unsigned i = 0; sp && i < 2; i++) {
                        char num[24];
                        size_t n = (size_t)(eol - sp - 1);

                        if (seen[i] || !field_is(line, (size_t)(sp - line), keys[i]))
                                continue;
                        if (n == 0 || n >= sizeof(num))
                                return -EINVAL;
                        memcpy(num, sp + 1, n);
                        num[n] = '\0';
                        if (parse_u64(num, &val[i]) < 0)
                                return -EINVAL;
                        seen[i] = true;
                }
                line = *eol ? eol + 1 : eol;
        }
        if (!seen[0] || !seen[1] || val[0] > UINT64_MAX - val[1])
                return -EINVAL;
        *ret = val[0] + val[1];
        return 0;
}

static int op_file(struct cgroup_memory_reader *r, void *ret)
{
        char buf[CGROUP_STAT_BUF];
        ssize_t n;

        n = reader_read_file(r, CGROUP_MEMORY_STAT, buf, sizeof(buf));
        if (n < 0)
                return n == -ENOENT ? -EOPNOTSUPP : (int)n;
        /* a text that fills the buffer may go on: never parsed as if it ended there */
        if ((size_t)n == sizeof(buf) - 1)
                return -EFBIG;
        return cgroup_parse_memory_stat_file(buf, !r->v2, ret);
}

int cgroup_memory_reader_file(struct cgroup_memory_reader *r, const struct cgroup_roots *roots,
                              const char *path, uint64_t *ret)
{
        if (!r || !ret)
                return -EINVAL;
        return reader_run(r, roots, path, op_file, ret);
}

int cgroup_memory_file_read(const struct cgroup_roots *roots, const char *path, uint64_t *ret)
{
        struct cgroup_memory_reader r = CGROUP_MEMORY_READER_INIT;
        int k;

        k = cgroup_memory_reader_file(&r, roots, path, ret);
        cgroup_memory_reader_close(&r);
        return k;
}
