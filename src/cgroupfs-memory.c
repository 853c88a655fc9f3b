/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroupfs-memory.c - a cgroup's memory files (v2, or the v1 twin of the same path): parsers and readers */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "cgroupfs.h"
#include "memstat.h"
#include "util.h"

/* v1 reports "no limit" as PAGE_COUNTER_MAX pages in bytes (0x7ffffffffffff000 with 4K pages);
 * anything from 2^62 up cannot be a real limit on any machine reapd runs on. */
#define CGROUP_V1_UNLIMITED_MIN (1ULL << 62)
/* A memory.* value file is one number or "max". */
#define CGROUP_VALUE_BUF 64
/* memory.stat: a few dozen "key value" lines, with room for the keys new kernels add. */
#define CGROUP_STAT_BUF 8192

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

/* The memory files, by reader slot: v2 names, then v1 names (v1 has no memory.high). */
static const char *const memory_files[2][_CGROUP_MEMORY_FILES] = {
        {"memory.current", "memory.max", "memory.swap.current", "memory.swap.max", "memory.stat",
         "memory.high"},
        {"memory.usage_in_bytes", "memory.limit_in_bytes", "memory.memsw.usage_in_bytes",
         "memory.memsw.limit_in_bytes", "memory.stat", NULL},
};

/* Read slot @i of @r's directory into @buf: the fd is opened on first use and kept. */
static ssize_t reader_read_file(struct cgroup_memory_reader *r, unsigned i, char *buf, size_t size)
{
        const char *name = memory_files[!r->v2][i];
        ssize_t n;

        if (!name)
                return -ENOENT;
        if (r->fd[i] < 0) {
                r->fd[i] = openat(r->dir, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
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

/* A value file that may be absent: @absent then. */
static int read_value_or(struct cgroup_memory_reader *r, unsigned i, uint64_t absent, uint64_t *ret)
{
        int k = read_value(r, i, ret);

        if (k == -ENOENT) {
                *ret = absent;
                return 0;
        }
        return k;
}

/* The memory.stat of @r's cgroup into m->stat (m->have_stat), or nothing: see struct cgroup_memory. */
static void read_stat(struct cgroup_memory_reader *r, struct cgroup_memory *m)
{
        char buf[CGROUP_STAT_BUF];
        ssize_t n;

        n = reader_read_file(r, CGROUP_MEMORY_STAT, buf, sizeof(buf));
        /* a text that fills the buffer may go on: never parsed as if it ended there */
        if (n >= 0 && (size_t)n == sizeof(buf) - 1)
                n = -EFBIG;
        if (n >= 0)
                n = cgroup_parse_memory_stat(buf, m->v1, &m->stat);
        m->have_stat = n >= 0;
        m->stat_error = n < 0 ? (int)n : 0;
        if (!m->have_stat)
                m->stat = (struct cgroup_memory_stat){.hierarchical_limit = CGROUP_LIMIT_MAX};
        r->stat_seen = true;
        r->hierarchical_limit = m->stat.hierarchical_limit;
}

/* Whether op_memory() reads memory.stat: always, unless the caller lets it go (skip_stat) on a
 * level whose limits, as far as they are known, leave the file LRU nothing to bound. */
static bool stat_wanted(const struct cgroup_memory_reader *r, const struct cgroup_memory *m)
{
        return !r->skip_stat || !r->stat_seen || m->max != CGROUP_LIMIT_MAX || m->high != CGROUP_LIMIT_MAX ||
               (m->v1 && r->hierarchical_limit != CGROUP_LIMIT_MAX);
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
        r = read_value_or(rd, CGROUP_MEMORY_MAX, CGROUP_LIMIT_MAX, &m.max);
        if (r >= 0)
                r = read_value_or(rd, CGROUP_MEMORY_HIGH, CGROUP_LIMIT_MAX, &m.high);
        if (r < 0)
                return r;
        if (!rd->no_swap) {
                r = read_value_or(rd, CGROUP_MEMORY_SWAP_CURRENT, 0, &m.swap_current); /* no accounting: 0 */
                if (r >= 0)
                        r = read_value_or(rd, CGROUP_MEMORY_SWAP_MAX, CGROUP_LIMIT_MAX, &m.swap_max);
                if (r < 0)
                        return r;
        }
        *ret = m;
        return 0;
}

static int memory_read_v1(struct cgroup_memory_reader *rd, struct cgroup_memory *ret)
{
        struct cgroup_memory m = {.swap_max = CGROUP_LIMIT_MAX, .high = CGROUP_LIMIT_MAX, .v1 = true};
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

/* Open the directory of @path under the hierarchy holding the memory files: v2 with the memory
 * controller, else v1. */
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

/* Close @r's own files only: the next read opens them again from the path. */
static void reader_level_close(struct cgroup_memory_reader *r)
{
        for (unsigned i = 0; i < _CGROUP_MEMORY_FILES; i++)
                r->fd[i] = safe_close(r->fd[i]);
        r->dir = safe_close(r->dir);
        r->stat_seen = r->unlimited = false; /* a cgroup made again may sit under other limits */
}

/* Close @r's files, and free the readers of the levels above it. */
void cgroup_memory_reader_close(struct cgroup_memory_reader *r)
{
        if (!r)
                return;
        reader_level_close(r);
        if (r->up) {
                cgroup_memory_reader_close(r->up);
                free(r->up);
                r->up = NULL;
        }
}

/* Headroom of one level: its limit less its usage, its file LRU (reclaimed before any OOM kill)
 * counted as free, at most the limit. CGROUP_LIMIT_MAX for a level without that limit. */
static uint64_t level_headroom(uint64_t limit, uint64_t current, uint64_t file)
{
        if (limit == CGROUP_LIMIT_MAX)
                return CGROUP_LIMIT_MAX;
        return MIN(add_sat_u64(sub_sat(limit, current), MIN(file, current)), limit);
}

static void level_apply(struct cgroup_memory *m, uint64_t max, uint64_t high, uint64_t current,
                        uint64_t file)
{
        m->max = MIN(m->max, max);
        m->high = MIN(m->high, high);
        m->available = MIN(m->available, level_headroom(max, current, file));
        m->high_available = MIN(m->high_available, level_headroom(high, current, file));
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
                reader_level_close(r);
                fresh = true;
        }
}

/* A level's memory.max and memory.high (v1: limit_in_bytes, and no high); -EOPNOTSUPP if absent. */
static int read_limits(struct cgroup_memory_reader *r, uint64_t *ret_max, uint64_t *ret_high)
{
        int k;

        *ret_high = CGROUP_LIMIT_MAX;
        k = read_value(r, CGROUP_MEMORY_MAX, ret_max);
        if (k == -ENOENT)
                return -EOPNOTSUPP;
        if (k >= 0 && r->v2)
                k = read_value_or(r, CGROUP_MEMORY_HIGH, CGROUP_LIMIT_MAX, ret_high);
        return k;
}

/*
 * With skip_stat, on a level the last read found unlimited: its limits first, and while there are
 * still none, nothing else (its usage bounds nothing either). 1 if that was all, 0 if the level
 * is to be read in full, or a negative errno.
 */
static int read_still_unlimited(struct cgroup_memory_reader *r, struct cgroup_memory *m)
{
        uint64_t max, high, swap_max = CGROUP_LIMIT_MAX;
        int k;

        if (!r->skip_stat || !r->stat_seen || !r->unlimited)
                return 0;
        k = read_limits(r, &max, &high);
        if (k >= 0 && !r->no_swap)
                k = read_value_or(r, CGROUP_MEMORY_SWAP_MAX, CGROUP_LIMIT_MAX, &swap_max);
        if (k == -EOPNOTSUPP)
                return 0; /* the full read says what is there */
        if (k < 0)
                return k;
        if (max != CGROUP_LIMIT_MAX || high != CGROUP_LIMIT_MAX || swap_max != CGROUP_LIMIT_MAX)
                return 0;
        *m = (struct cgroup_memory){
                .max = CGROUP_LIMIT_MAX,
                .high = CGROUP_LIMIT_MAX,
                .available = CGROUP_LIMIT_MAX,
                .high_available = CGROUP_LIMIT_MAX,
                .stat = {.hierarchical_limit = CGROUP_LIMIT_MAX},
                .stat_skipped = true,
                .swap_max = CGROUP_LIMIT_MAX,
                .v1 = !r->v2,
        };
        return 1;
}

/* One level: its value files and its memory.stat, the headroom of that level alone. */
static int op_memory(struct cgroup_memory_reader *r, void *ret)
{
        struct cgroup_memory *m = ret;
        int k;

        k = read_still_unlimited(r, m);
        if (k != 0)
                return k < 0 ? k : 0;
        k = r->v2 ? memory_read_v2(r, m) : memory_read_v1(r, m);
        if (k < 0)
                return k;
        if (stat_wanted(r, m))
                read_stat(r, m);
        else {
                m->stat = (struct cgroup_memory_stat){.hierarchical_limit = r->hierarchical_limit};
                m->stat_skipped = true;
        }
        /* v1 tells the tightest limit on the path itself, even above a cgroup namespace's root */
        if (m->v1)
                m->max = MIN(m->max, m->stat.hierarchical_limit);
        m->available = level_headroom(m->max, m->current, m->have_stat ? m->stat.file : 0);
        m->high_available = level_headroom(m->high, m->current, m->have_stat ? m->stat.file : 0);
        r->unlimited =
                m->max == CGROUP_LIMIT_MAX && m->high == CGROUP_LIMIT_MAX && m->swap_max == CGROUP_LIMIT_MAX;
        return 0;
}

/* What op_ancestor() reads: a level above the cgroup, and whether its limit files can tell. */
struct ancestor_read {
        struct cgroup_memory level;
        bool limits_tell; /* no limit in its files is no limit at all (see read_ancestors()) */
};

/*
 * A level above the cgroup: its limits first, and its usage and memory.stat only when it has a
 * limit, which is rare; an unlimited level bounds nothing, so a sample costs one read there.
 */
static int op_ancestor(struct cgroup_memory_reader *r, void *ret)
{
        struct ancestor_read *a = ret;
        uint64_t max, high;
        int k;

        if (!a->limits_tell)
                return op_memory(r, &a->level);
        k = read_limits(r, &max, &high);
        if (k < 0)
                return k; /* -EOPNOTSUPP: no memory files at this level */
        if (max == CGROUP_LIMIT_MAX && high == CGROUP_LIMIT_MAX) {
                a->level = (struct cgroup_memory){.max = CGROUP_LIMIT_MAX, .high = CGROUP_LIMIT_MAX};
                return 0;
        }
        return op_memory(r, &a->level);
}

/*
 * The levels above @path, up to the hierarchy's root (which has no limit files): each limit
 * there bounds the cgroup too, and its siblings may be what fills it. Each level has its own
 * reader, chained on @r and kept like @r's files. A v1 level's limit can also come from above
 * a cgroup namespace's root, seen only in its memory.stat: while @m's own hierarchical limit
 * says there is one, every level is read in full.
 */
static int read_ancestors(struct cgroup_memory_reader *r, const struct cgroup_roots *roots, const char *path,
                          struct cgroup_memory *m)
{
        bool limits_tell = !m->v1 || ((m->have_stat || m->stat_skipped) &&
                                      m->stat.hierarchical_limit == CGROUP_LIMIT_MAX);
        char up[PATH_MAX];

        strlcpy0(up, path ?: "", sizeof(up));
        for (unsigned depth = 0; depth < CGROUP_WALK_MAX_DEPTH; depth++) {
                struct ancestor_read a = {.limits_tell = limits_tell};
                char *slash;
                int k;

                /* "/a/b/" -> "/a": strip trailing slashes, then the last component */
                for (size_t n = strlen(up); n > 0 && up[n - 1] == '/'; n--)
                        up[n - 1] = '\0';
                slash = strrchr(up, '/');
                if (!slash)
                        return 0;
                *slash = '\0';
                if (up[strspn(up, "/")] == '\0')
                        return 0; /* the root: no limits of its own */

                if (!r->up) {
                        r->up = malloc(sizeof(*r->up));
                        if (!r->up)
                                return -ENOMEM;
                        *r->up = (struct cgroup_memory_reader)CGROUP_MEMORY_READER_INIT;
                        r->up->no_swap = true; /* only limits, usage and file pages are asked there */
                }
                r = r->up;
                k = reader_run(r, roots, up, op_ancestor, &a);
                if (k == -EOPNOTSUPP || k == -ENOENT)
                        continue; /* no memory files there (outside the controller's subtree) */
                if (k < 0)
                        return k;
                level_apply(m, a.level.max, a.level.high, a.level.current,
                            a.level.have_stat ? a.level.stat.file : 0);
        }
        return 0;
}

int cgroup_memory_reader_read(struct cgroup_memory_reader *r, const struct cgroup_roots *roots,
                              const char *path, struct cgroup_memory *ret)
{
        struct cgroup_memory m;
        int k;

        if (!r || !ret)
                return -EINVAL;
        k = reader_run(r, roots, path, op_memory, &m);
        if (k < 0)
                return k;
        k = read_ancestors(r, roots, path, &m);
        if (k < 0)
                return k;
        *ret = m;
        return 0;
}

int cgroup_memory_read(const struct cgroup_roots *roots, const char *path, struct cgroup_memory *ret)
{
        struct cgroup_memory_reader r = CGROUP_MEMORY_READER_INIT;
        int k;

        k = cgroup_memory_reader_read(&r, roots, path, ret);
        cgroup_memory_reader_close(&r);
        return k;
}

/* memory.stat keys, by version. v1's "total_" ones count the whole subtree, as v2's do. */
enum {
        STAT_ACTIVE_FILE,
        STAT_INACTIVE_FILE,
        STAT_PGSCAN,
        STAT_REFAULT_ANON,
        STAT_REFAULT_FILE,
        STAT_REFAULT, /* before 5.9: one counter for both */
        STAT_HIERARCHICAL_LIMIT,
        _STAT_MAX,
};

static const char *const stat_keys[2][_STAT_MAX] = {
        {
                [STAT_ACTIVE_FILE] = "active_file",
                [STAT_INACTIVE_FILE] = "inactive_file",
                [STAT_PGSCAN] = "pgscan",
                [STAT_REFAULT_ANON] = "workingset_refault_anon",
                [STAT_REFAULT_FILE] = "workingset_refault_file",
                [STAT_REFAULT] = "workingset_refault",
                [STAT_HIERARCHICAL_LIMIT] = "hierarchical_memory_limit", /* not in v2: never seen */
        },
        {
                [STAT_ACTIVE_FILE] = "total_active_file",
                [STAT_INACTIVE_FILE] = "total_inactive_file",
                [STAT_PGSCAN] = "total_pgscan", /* v1 has no reclaim scan counters: never seen */
                [STAT_REFAULT_ANON] = "total_workingset_refault_anon",
                [STAT_REFAULT_FILE] = "total_workingset_refault_file",
                [STAT_REFAULT] = "total_workingset_refault",
                [STAT_HIERARCHICAL_LIMIT] = "hierarchical_memory_limit",
        },
};

int cgroup_parse_memory_stat(const char *buf, bool v1, struct cgroup_memory_stat *ret)
{
        uint64_t v[_STAT_MAX] = {}, seen;
        struct cgroup_memory_stat st = {.hierarchical_limit = CGROUP_LIMIT_MAX};
        int r;

        r = memstat_parse(buf, stat_keys[v1], _STAT_MAX, v, &seen);
        if (r < 0)
                return r;
        if (!memstat_seen(seen, STAT_ACTIVE_FILE) || !memstat_seen(seen, STAT_INACTIVE_FILE) ||
            v[STAT_ACTIVE_FILE] > UINT64_MAX - v[STAT_INACTIVE_FILE])
                return -EINVAL;
        st.file = v[STAT_ACTIVE_FILE] + v[STAT_INACTIVE_FILE];
        for (unsigned i = STAT_PGSCAN; i <= STAT_REFAULT; i++)
                if (memstat_seen(seen, i)) {
                        st.reclaim = add_sat_u64(st.reclaim, v[i]);
                        st.have_reclaim = true;
                }
        if (memstat_seen(seen, STAT_HIERARCHICAL_LIMIT))
                st.hierarchical_limit = v[STAT_HIERARCHICAL_LIMIT] >= CGROUP_V1_UNLIMITED_MIN
                                                ? CGROUP_LIMIT_MAX
                                                : v[STAT_HIERARCHICAL_LIMIT];
        *ret = st;
        return 0;
}
