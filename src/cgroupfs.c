/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroupfs.c - the cgroup mounts, paths, the subtree walker, cgroup.procs, cgroup.kill and xattrs */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "util.h"

/* mountinfo on a container host can run to hundreds of KiB; refuse beyond this. */
#define MOUNTINFO_SIZE_MAX (16U << 20)
/* A cgroup xattr value is a boolean; anything longer is not one. */
#define CGROUP_XATTR_VALUE_MAX 16

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

/* true if comma-separated list [s, s+len) contains @word. */
static bool list_has(const char *s, size_t len, const char *word)
{
        const char *end = s + len;

        while (s < end) {
                const char *comma = memchr(s, ',', (size_t)(end - s));
                const char *e = comma ?: end;

                if (spaneq(s, (size_t)(e - s), word))
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
                                } else if (idx >= 6 && spaneq(f, flen, "-")) {
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

                if (spaneq(fstype, fstype_len, "cgroup2")) {
                        bool slash = spaneq(root, root_len, "/");

                        /* Prefer a mount of the hierarchy's root over bind mounts of subgroups. */
                        if (r.v2[0] == '\0' || (slash && !v2_root_is_slash)) {
                                strlcpy0(r.v2, path, sizeof(r.v2));
                                v2_root_is_slash = slash;
                        }
                } else if (spaneq(fstype, fstype_len, "cgroup") && opts) {
                        if (r.v1_memory[0] == '\0' && list_has(opts, opts_len, "memory"))
                                strlcpy0(r.v1_memory, path, sizeof(r.v1_memory));
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
        _cleanup_(freep) char *buf = NULL, *controllers = NULL;
        struct cgroup_roots r;
        char path[PATH_MAX];
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
        if (read_full_file(path, &controllers) >= 0) {
                const char *p = controllers, *end = controllers + strlen(controllers), *f;
                size_t flen;

                for (char *c = controllers; *c; c++)
                        if (*c == '\n' || *c == '\t')
                                *c = ' ';
                while (next_field(&p, end, &f, &flen))
                        if (spaneq(f, flen, "memory"))
                                r.v2_has_memory = true;
        }
        *ret = r;
        return 0;
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

/* true if @s has a ".." component: "/a/../b", "..", "a/.." */
static bool has_dotdot(const char *s)
{
        for (const char *p = s; *p;) {
                size_t len;

                p += strspn(p, "/");
                len = strcspn(p, "/");
                if (len == 2 && p[0] == '.' && p[1] == '.')
                        return true;
                p += len;
        }
        return false;
}

int cgroup_path_join(char *buf, size_t size, const char *root, const char *path, const char *file)
{
        size_t rlen, plen, flen, need;
        char *o;

        root = root ?: "";
        path = path ?: "";
        file = file ?: "";
        if (has_dotdot(path) || has_dotdot(file))
                return -EINVAL;

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

int cgroup_procs_feed(struct cgroup_procs_parser *p, const char *buf, size_t n,
                      int (*fn)(pid_t pid, void *userdata), void *userdata)
{
        for (size_t i = 0; i < n; i++) {
                char c = buf[i];
                int r;

                if (c >= '0' && c <= '9') {
                        if (p->v <= INT32_MAX) /* past it, v stays out of range without wrapping */
                                p->v = p->v * 10 + (uint64_t)(c - '0');
                        p->in_number = true;
                        continue;
                }
                r = cgroup_procs_finish(p, fn, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_procs_finish(struct cgroup_procs_parser *p, int (*fn)(pid_t pid, void *userdata), void *userdata)
{
        bool pid = p->in_number && p->v > 0 && p->v <= INT32_MAX;
        pid_t v = (pid_t)p->v;

        *p = (struct cgroup_procs_parser){};
        return pid ? fn(v, userdata) : 0;
}

/* A cgroup removed while it is walked: its files say ENOENT (or ENODEV once the kernel let go). */
static bool cgroup_gone(int r)
{
        return r == -ENOENT || r == -ENODEV;
}

static void walk_failed(struct cgroup_walk *w, int r)
{
        if (!cgroup_gone(r) && w->error == 0)
                w->error = r;
}

/* The pids of one cgroup's cgroup.procs. Returns 0 or @fn's negative return; failures go to @w. */
static int walk_procs(int dirfd, struct cgroup_walk *w)
{
        struct cgroup_procs_parser p = {};
        _cleanup_(closep) int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0) {
                walk_failed(w, -errno);
                return 0;
        }
        for (;;) {
                /* not one read: cgroup.procs is a seq_file of many records, a short read is no end */
                ssize_t n = read_retry(fd, w->buf->procs, sizeof(w->buf->procs));
                int r;

                if (n < 0) {
                        walk_failed(w, (int)n);
                        return 0;
                }
                if (n == 0)
                        return cgroup_procs_finish(&p, w->fn, w->userdata);
                r = cgroup_procs_feed(&p, w->buf->procs, (size_t)n, w->fn, w->userdata);
                if (r < 0)
                        return r;
        }
}

static int walk_level(int dirfd, unsigned depth, struct cgroup_walk *w)
{
        char *buf = w->buf->dents[depth];
        int r;

        r = walk_procs(dirfd, w);
        if (r < 0)
                return r;
        for (;;) {
                ssize_t n = getdents64(dirfd, buf, sizeof(w->buf->dents[depth]));

                if (n < 0) {
                        walk_failed(w, -errno);
                        return 0;
                }
                if (n == 0)
                        return 0;
                for (ssize_t off = 0; off < n;) {
                        struct dirent64 *d = (struct dirent64 *)(buf + off);
                        _cleanup_(closep) int sub = -1;

                        off += d->d_reclen;
                        if (d->d_type != DT_DIR || streq(d->d_name, ".") || streq(d->d_name, ".."))
                                continue;
                        if (depth + 1 >= CGROUP_WALK_MAX_DEPTH) {
                                w->truncated = true;
                                continue;
                        }
                        sub = openat(dirfd, d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (sub < 0) {
                                walk_failed(w, -errno);
                                continue;
                        }
                        r = walk_level(sub, depth + 1, w);
                        if (r < 0)
                                return r;
                }
        }
}

int cgroup_walk_procs(int dirfd, struct cgroup_walk *w)
{
        _cleanup_(closep) int fd = -1;

        w->truncated = false;
        w->error = 0;
        if (!w->buf || !w->fn)
                return -EINVAL;
        /* our own fd: the listing moves its offset, never the caller's */
        fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                walk_failed(w, -errno);
                return 0;
        }
        return walk_level(fd, 0, w);
}

int cgroup_kill(const char *root, const char *path)
{
        char file[PATH_MAX];
        int r;

        if (!root || !root[0] || !path || path[strspn(path, "/")] == '\0')
                return -EINVAL;
        r = cgroup_path_join(file, sizeof(file), root, path, "cgroup.kill");
        if (r < 0)
                return r;
        return write_file_at(AT_FDCWD, file, "1");
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

unsigned cgroup_xattr_flags(uid_t owner, const char *avoid, const char *omit)
{
        unsigned flags = 0;

        if (owner != 0)
                return 0;
        if (xattr_true(avoid))
                flags |= CGROUP_XATTR_AVOID;
        if (xattr_true(omit))
                flags |= CGROUP_XATTR_OMIT;
        return flags;
}

unsigned cgroup_read_xattrs(const char *root, const char *path)
{
        char dir[PATH_MAX], avoid[CGROUP_XATTR_VALUE_MAX], omit[CGROUP_XATTR_VALUE_MAX];
        _cleanup_(closep) int fd = -1;
        ssize_t na, no;
        struct stat st;

        if (cgroup_path_join(dir, sizeof(dir), root, path, NULL) < 0)
                return 0;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0)
                return 0;
        na = fgetxattr(fd, "user.reapd_avoid", avoid, sizeof(avoid) - 1);
        no = fgetxattr(fd, "user.reapd_omit", omit, sizeof(omit) - 1);
        if (na >= 0)
                avoid[na] = '\0';
        if (no >= 0)
                omit[no] = '\0';
        return cgroup_xattr_flags(st.st_uid, na >= 0 ? avoid : NULL, no >= 0 ? omit : NULL);
}
