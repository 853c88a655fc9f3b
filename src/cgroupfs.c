/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup.c - finding cgroup2 and the v1 memory/freezer hierarchies, reading cgroup memory files */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "util.h"

/* v1 reports "no limit" as PAGE_COUNTER_MAX pages in bytes (0x7ffffffffffff000 with 4K pages);
 * anything from 2^62 up cannot be a real limit on any machine reapd runs on. */
#define CGROUP_V1_UNLIMITED_MIN (1ULL << 62)
/* mountinfo on a container host can run to hundreds of KiB; refuse beyond this. */
#define MOUNTINFO_SIZE_MAX (16U << 20)
/* A memory.* value file is one number or "max". */
#define CGROUP_VALUE_BUF 64
/* memory.stat: v1 about 1.3 KiB, v2 on 6.x about 2 KiB; room for new keys. */
#define CGROUP_STAT_BUF 8192
/* cgroup.controllers lists a dozen short names. */
#define CGROUP_CONTROLLERS_BUF 512

/* Next space-separated field of [*p, end); returns false when there is none. */
static bool next_field(const char **p, const char *end, const char **ret_start, size_t *ret_len)
{
        const char *s = *p, *e;

        while (s < end && *s == ' ')
                s++;
        if (s >= end)
                return false;
        e = s;
        while (e < end && *e != ' ')
                e++;
        *ret_start = s;
        *ret_len = (size_t)(e - s);
        *p = e;
        return true;
}

static bool field_is(const char *s, size_t len, const char *word)
{
        return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* true if comma-separated list [s, s+len) contains @word. */
static bool list_has(const char *s, size_t len, const char *word)
{
        const char *end = s + len;

        while (s < end) {
                const char *comma = memchr(s, ',', (size_t)(end - s));
                const char *e = comma ?: end;

                if (field_is(s, (size_t)(e - s), word))
                        return true;
                s = e + 1;
        }
        return false;
}

/* Copy a mountinfo path field, decoding the kernel's \ooo octal escapes. false if it does not fit. */
static bool unescape_path(const char *s, size_t len, char *buf, size_t size)
{
        size_t o = 0;

        for (size_t i = 0; i < len; i++) {
                char c = s[i];

                if (c == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
                    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
                        c = (char)(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
                        i += 3;
                }
                if (c == '\0' || o + 1 >= size)
                        return false;
                buf[o++] = c;
        }
        if (size == 0)
                return false;
        buf[o] = '\0';
        return true;
}

int cgroup_roots_parse_mountinfo(const char *buf, struct cgroup_roots *ret)
{
        struct cgroup_roots r = {};
        bool v2_root_is_slash = false;
        const char *line;

        if (!buf || !ret)
                return -EINVAL;

        for (line = buf; *line;) {
                const char *eol = strchrnul(line, '\n');
                const char *p = line, *f, *root = NULL, *mnt = NULL, *fstype = NULL, *opts = NULL;
                size_t flen, root_len = 0, mnt_len = 0, fstype_len = 0, opts_len = 0;
                unsigned idx = 0;
                bool after_sep = false;
                char path[PATH_MAX];

                /* id parent maj:min root mountpoint options [optional...] - fstype source superopts */
                while (next_field(&p, eol, &f, &flen)) {
                        if (!after_sep) {
                                if (idx == 3) {
                                        root = f;
                                        root_len = flen;
                                } else if (idx == 4) {
                                        mnt = f;
                                        mnt_len = flen;
                                } else if (idx >= 6 && field_is(f, flen, "-")) {
                                        after_sep = true;
                                        idx = 0;
                                        continue;
                                }
                        } else {
                                if (idx == 0) {
                                        fstype = f;
                                        fstype_len = flen;
                                } else if (idx == 2) {
                                        opts = f;
                                        opts_len = flen;
                                }
                        }
                        idx++;
                }
                line = *eol ? eol + 1 : eol;

                if (!after_sep || !root || !mnt || !fstype || !opts)
                        continue;
                if (!unescape_path(mnt, mnt_len, path, sizeof(path)))
                        continue;

                if (field_is(fstype, fstype_len, "cgroup2")) {
                        bool slash = field_is(root, root_len, "/");

                        /* Prefer a mount of the hierarchy's root over bind mounts of subgroups. */
                        if (r.v2[0] == '\0' || (slash && !v2_root_is_slash)) {
                                strlcpy0(r.v2, path, sizeof(r.v2));
                                v2_root_is_slash = slash;
                        }
                } else if (field_is(fstype, fstype_len, "cgroup") && opts) {
                        if (r.v1_memory[0] == '\0' && list_has(opts, opts_len, "memory"))
                                strlcpy0(r.v1_memory, path, sizeof(r.v1_memory));
                        if (r.v1_freezer[0] == '\0' && list_has(opts, opts_len, "freezer"))
                                strlcpy0(r.v1_freezer, path, sizeof(r.v1_freezer));
                }
        }

        *ret = r;
        return r.v2[0] ? 0 : -ENOENT;
}

/* Read a whole file of unknown size into a malloc'd NUL-terminated buffer. */
static int read_full_file(const char *path, char **ret)
{
        _cleanup_(closep) int fd = -1;
        _cleanup_(freep) char *buf = NULL;
        size_t len = 0, alloc = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n;

                if (alloc - len < 4096 + 1) {
                        size_t na = alloc ? alloc * 2 : 16384;
                        char *nb;

                        if (na > MOUNTINFO_SIZE_MAX)
                                return -EFBIG;
                        nb = realloc(buf, na);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        alloc = na;
                }
                n = read_retry(fd, buf + len, alloc - len - 1);
                if (n < 0)
                        return (int)n;
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        *ret = buf;
        buf = NULL;
        return 0;
}

int cgroup_roots_discover(const char *mountinfo_path, struct cgroup_roots *ret)
{
        _cleanup_(freep) char *buf = NULL;
        struct cgroup_roots r;
        char controllers[CGROUP_CONTROLLERS_BUF], path[PATH_MAX];
        int k;

        k = read_full_file(mountinfo_path ?: "/proc/self/mountinfo", &buf);
        if (k < 0)
                return k;
        k = cgroup_roots_parse_mountinfo(buf, &r);
        if (k < 0)
                return k;

        k = cgroup_path_join(path, sizeof(path), r.v2, "", "cgroup.controllers");
        if (k < 0)
                return k;
        if (read_file_at(AT_FDCWD, path, controllers, sizeof(controllers)) >= 0) {
                const char *p = controllers, *end = controllers + strlen(controllers), *f;
                size_t flen;

                for (char *c = controllers; *c; c++)
                        if (*c == '\n' || *c == '\t')
                                *c = ' ';
                while (next_field(&p, end, &f, &flen))
                        if (field_is(f, flen, "memory"))
                                r.v2_has_memory = true;
        }
        *ret = r;
        return 0;
}

int cgroup_parse_proc_cgroup(const char *buf, char *ret_v2, size_t v2_size, char *ret_v1_memory,
                             size_t v1_size)
{
        const char *v2 = NULL, *v1 = NULL, *line;
        size_t v2_len = 0, v1_len = 0;

        if (!buf)
                return -EINVAL;

        /* First pass validates and finds; nothing is written unless the whole text is good. */
        for (line = buf; *line;) {
                const char *eol = strchrnul(line, '\n');
                const char *c1, *c2;
                size_t len = (size_t)(eol - line);

                if (len == 0) {
                        line = *eol ? eol + 1 : eol;
                        continue;
                }
                c1 = memchr(line, ':', len);
                if (!c1 || c1 == line)
                        return -EINVAL;
                for (const char *d = line; d < c1; d++)
                        if (*d < '0' || *d > '9')
                                return -EINVAL;
                c2 = memchr(c1 + 1, ':', (size_t)(eol - c1 - 1));
                if (!c2 || c2 + 1 >= eol || c2[1] != '/')
                        return -EINVAL;

                if (c2 == c1 + 1 && c1 - line == 1 && line[0] == '0') {
                        if (!v2) {
                                v2 = c2 + 1;
                                v2_len = (size_t)(eol - v2);
                        }
                } else if (list_has(c1 + 1, (size_t)(c2 - c1 - 1), "memory")) {
                        if (!v1) {
                                v1 = c2 + 1;
                                v1_len = (size_t)(eol - v1);
                        }
                }
                line = *eol ? eol + 1 : eol;
        }

        if ((ret_v2 && v2_len >= v2_size) || (ret_v1_memory && v1_len >= v1_size))
                return -ENAMETOOLONG;
        if (ret_v2) {
                memcpy(ret_v2, v2 ?: "", v2_len);
                ret_v2[v2_len] = '\0';
        }
        if (ret_v1_memory) {
                memcpy(ret_v1_memory, v1 ?: "", v1_len);
                ret_v1_memory[v1_len] = '\0';
        }
        return 0;
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

int cgroup_dir_stat(const char *root, const char *path, struct stat *ret)
{
        char dir[PATH_MAX];
        int r;

        r = cgroup_path_join(dir, sizeof(dir), root, path, NULL);
        if (r < 0)
                return r;
        if (stat(dir, ret) < 0)
                return -errno;
        return S_ISDIR(ret->st_mode) ? 0 : -ENOTDIR;
}

int cgroup_path_join(char *buf, size_t size, const char *root, const char *path, const char *file)
{
        size_t rlen, plen, flen, need;
        char *o;

        root = root ?: "";
        path = path ?: "";
        file = file ?: "";

        rlen = strlen(root);
        while (rlen > 1 && root[rlen - 1] == '/')
                rlen--;
        if (rlen == 1 && root[0] == '/')
                rlen = 0; /* "/" + "/a" must give "/a", not "//a" */
        while (*path == '/')
                path++;
        plen = strlen(path);
        while (plen > 0 && path[plen - 1] == '/')
                plen--;
        while (*file == '/')
                file++;
        flen = strlen(file);

        need = rlen + (plen ? 1 + plen : 0) + (flen ? 1 + flen : 0);
        if (need == 0 && root[0] == '/')
                need = 1; /* just "/" */
        if (need + 1 > size)
                return -ENAMETOOLONG;

        o = buf;
        memcpy(o, root, rlen);
        o += rlen;
        if (plen) {
                *o++ = '/';
                memcpy(o, path, plen);
                o += plen;
        }
        if (flen) {
                *o++ = '/';
                memcpy(o, file, flen);
                o += flen;
        }
        if (o == buf && root[0] == '/')
                *o++ = '/';
        *o = '\0';
        return 0;
}

bool cgroup_is_descendant(const char *path, const char *ancestor)
{
        size_t alen;

        if (!path)
                return false;
        if (!ancestor)
                return true;
        while (*ancestor == '/')
                ancestor++;
        while (*path == '/')
                path++;
        alen = strlen(ancestor);
        while (alen > 0 && ancestor[alen - 1] == '/')
                alen--;
        if (alen == 0)
                return true;
        if (strncmp(path, ancestor, alen) != 0)
                return false;
        return path[alen] == '\0' || path[alen] == '/';
}

int cgroup_pressure_path(const struct cgroup_roots *roots, const char *path, char *buf, size_t size)
{
        if (!roots || !buf)
                return -EINVAL;
        if (!roots->v2[0])
                return -ENOENT;
        return cgroup_path_join(buf, size, roots->v2, path ?: "", "memory.pressure");
}
