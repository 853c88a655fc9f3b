#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroupfs.h - cgroup paths and mounts, walking a subtree's processes, memory files, cgroup.kill, xattrs */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * Where the hierarchies are mounted. On a pure cgroup2 host v2 is /sys/fs/cgroup and carries
 * the memory controller; on a hybrid host v2 is /sys/fs/cgroup/unified (PSI only) and memory
 * lives in the v1 hierarchy at /sys/fs/cgroup/memory, where reapd looks at the *same relative
 * path* as the cgroup2 one.
 */
struct cgroup_roots {
        char v2[PATH_MAX]; /* "" if not mounted */
        char v1_memory[PATH_MAX]; /* "" if not mounted */
        bool v2_has_memory; /* "memory" listed in v2's cgroup.controllers */
};

/*
 * cgroup_roots_parse_mountinfo() - pure: fill @ret from the text of /proc/self/mountinfo.
 * Returns 0, or -ENOENT if no cgroup2 mount is found (v1 fields may still be set).
 */
int cgroup_roots_parse_mountinfo(const char *buf, struct cgroup_roots *ret);

/*
 * cgroup_roots_discover() - read @mountinfo_path (normally "/proc/self/mountinfo") whole and
 * the v2 root's cgroup.controllers. Returns 0, -ENOENT without cgroup2, or another negative errno.
 */
int cgroup_roots_discover(const char *mountinfo_path, struct cgroup_roots *ret);

/*
 * cgroup_path_join() - "@root/@path/@file" into @buf (path may be "", "/" or start with "/";
 * @path and @file may be NULL). A ".." component in @path or @file is refused: a path from
 * /proc/<pid>/cgroup shows "/../.." for a process outside reapd's cgroup namespace, and must not
 * lead out of the mount. Returns 0, -EINVAL ("..") or -ENAMETOOLONG.
 */
int cgroup_path_join(char *buf, size_t size, const char *root, const char *path, const char *file);

/*
 * cgroup_dir_stat() - stat() the directory of cgroup @path under the mount @root into @ret
 * (its st_ino is the cgroup's id on cgroup2). Returns 0, -EINVAL, -ENAMETOOLONG, -ENOTDIR, or
 * stat()'s negative errno (-ENOENT: no such cgroup); @ret is meaningless on failure.
 */
int cgroup_dir_stat(const char *root, const char *path, struct stat *ret);

/*
 * cgroup_is_descendant() - pure: true if cgroup @path is @ancestor or below it
 * ("/a/b" is below "/a", "/ab" is not). An empty or "/" ancestor contains everything.
 */
bool cgroup_is_descendant(const char *path, const char *ancestor);

/*
 * cgroup_pressure_path() - "<v2 root>/@path/memory.pressure" into @buf: where PSI for cgroup @path
 * lives, whether cgroup2 is mounted at /sys/fs/cgroup or (hybrid) /sys/fs/cgroup/unified. Does not
 * check that the file exists. Returns 0, -ENOENT without a cgroup2 mount, -EINVAL or -ENAMETOOLONG.
 */
int cgroup_pressure_path(const struct cgroup_roots *roots, const char *path, char *buf, size_t size);

/*
 * cgroup.procs lists one pid a line. The parser takes the text in pieces of any size and calls
 * @fn for each pid (1..INT32_MAX) as its number ends, so a pid cut by a piece's end is read
 * whole. Other bytes separate numbers; a number out of range is skipped. Initialize with {}.
 */
struct cgroup_procs_parser {
        uint64_t v; /* the number so far; stops growing past INT32_MAX, so it cannot wrap */
        bool in_number;
};

/* cgroup_procs_feed() - the next @n bytes. Returns 0, or @fn's negative return (then stop). */
int cgroup_procs_feed(struct cgroup_procs_parser *p, const char *buf, size_t n,
                      int (*fn)(pid_t pid, void *userdata), void *userdata);

/* cgroup_procs_finish() - the end of the text: a last number without its newline. As feed. */
int cgroup_procs_finish(struct cgroup_procs_parser *p, int (*fn)(pid_t pid, void *userdata), void *userdata);

/*
 * The one walker of a cgroup subtree: cgroup.procs of a cgroup directory and of every cgroup
 * below it, down to CGROUP_WALK_MAX_DEPTH levels, through directory fds and the caller's
 * buffers, so it allocates nothing (the kill path preallocates them). A cgroup removed during
 * the walk is no error: its processes went with it.
 */

/* Levels walked, the first included: systemd's trees are a handful deep, containers nest a few more. */
#define CGROUP_WALK_MAX_DEPTH 32
/* getdents64 buffer per level: room for several cgroup names of any length per call. */
#define CGROUP_WALK_DENTS_SIZE 2048
/* cgroup.procs is read in pieces of this size; the parser carries a number across them. */
#define CGROUP_PROCS_CHUNK 4096

struct cgroup_walk_buf {
        _Alignas(8) char dents[CGROUP_WALK_MAX_DEPTH][CGROUP_WALK_DENTS_SIZE];
        char procs[CGROUP_PROCS_CHUNK];
};

struct cgroup_walk {
        struct cgroup_walk_buf *buf;
        int (*fn)(pid_t pid, void *userdata); /* every pid listed, possibly twice (migrating); < 0 stops */
        void *userdata;
        bool truncated; /* out: cgroups below CGROUP_WALK_MAX_DEPTH levels exist and were not listed */
        int error; /* out: the first failure to list a cgroup (negative errno), else 0 */
};

/*
 * cgroup_walk_procs() - walk the cgroup whose directory is @dirfd (not closed, offset not
 * moved) and its subtree, calling @w->fn. Whatever cannot be walked is said in @w->truncated
 * and @w->error, and the walk goes on with the rest: a caller that needs every process must
 * check both. Returns 0, or @fn's negative return (the walk stopped there).
 */
int cgroup_walk_procs(int dirfd, struct cgroup_walk *w);

/*
 * cgroup_kill() - write "1" to cgroup.kill of cgroup @path under the cgroup2 mount @root: the
 * kernel SIGKILLs every process of the subtree at once. Refuses the root cgroup (the machine).
 * Returns 0, -EINVAL, -ENAMETOOLONG or the write's negative errno (-ENOENT: no cgroup.kill, < 5.14).
 */
int cgroup_kill(const char *root, const char *path);

/* cgroup_xattr_flags() and cgroup_read_xattrs() results. */
#define CGROUP_XATTR_AVOID (1u << 0) /* user.reapd_avoid */
#define CGROUP_XATTR_OMIT (1u << 1) /* user.reapd_omit */

/*
 * cgroup_xattr_flags() - pure: the CGROUP_XATTR_* flags a cgroup owned by @owner with these
 * xattr values earns. A value is NULL when the xattr is absent; a present value counts when it
 * is a true boolean ("1", "yes", "true", "on"), as systemd-oomd reads user.oomd_avoid. Only
 * root-owned cgroups count: anyone with a delegated subtree could otherwise exempt their own
 * processes.
 */
unsigned cgroup_xattr_flags(uid_t owner, const char *avoid, const char *omit);

/*
 * cgroup_read_xattrs() - cgroup_xattr_flags() of cgroup @path under the mount @root, read
 * through one directory fd (its owner and both xattrs of the same directory). A cgroup that
 * cannot be opened earns nothing: 0.
 */
unsigned cgroup_read_xattrs(const char *root, const char *path);

/* What reapd reads from a cgroup's memory.stat. */
struct cgroup_memory_stat {
        uint64_t file; /* bytes: the file LRU (page cache the kernel reclaims before it OOM-kills) */
        uint64_t reclaim; /* pages since the cgroup was made: scanned by reclaim plus refaulted */
        bool have_reclaim; /* some reclaim counter was there */
        uint64_t hierarchical_limit; /* v1: the tightest limit on the path; else CGROUP_LIMIT_MAX */
};

/* A cgroup's memory state. Byte counts; CGROUP_LIMIT_MAX means "no limit". */
#define CGROUP_LIMIT_MAX UINT64_MAX
struct cgroup_memory {
        uint64_t current; /* memory.current / memory.usage_in_bytes */
        /*
         * The tightest memory.max on the path from the cgroup to the root (v1: limit_in_bytes,
         * and hierarchical_memory_limit, which also sees levels above a cgroup namespace's
         * root): a parent's limit binds the cgroup as much as its own.
         */
        uint64_t max;
        uint64_t
                high; /* the tightest memory.high on the path (v2; v1 has none): where the kernel throttles */
        /*
         * The least headroom on the path: over the levels with a memory.max, that limit less the
         * level's usage, its file LRU counted as free (at most the limit). A parent filled by the
         * cgroup's siblings leaves it no more than the parent's headroom. CGROUP_LIMIT_MAX when no
         * level has a limit.
         */
        uint64_t available;
        uint64_t high_available; /* the same against memory.high: 0 once a level is over it */
        struct cgroup_memory_stat stat; /* the cgroup's own memory.stat, when have_stat */
        bool have_stat;
        int stat_error; /* why not: -ENOENT, -EINVAL, -EFBIG (longer than reapd reads) ...; 0 if read */
        /* memory.stat left unread (a reader's skip_stat, on a level without a limit of its own);
         * on a level that still has none, current and swap_current are not read either (0) */
        bool stat_skipped;
        uint64_t swap_current; /* memory.swap.current / memsw.usage - usage; 0 if unknown */
        uint64_t swap_max; /* memory.swap.max / memsw.limit - limit; CGROUP_LIMIT_MAX if unknown */
        bool v1; /* read from the v1 memory hierarchy */
};

/*
 * cgroup_parse_limit() - pure: "max\n" -> CGROUP_LIMIT_MAX, a number -> bytes; v1's
 * "unlimited" (PAGE_COUNTER_MAX pages, >= 2^62) is mapped to CGROUP_LIMIT_MAX too.
 * Returns 0 or -EINVAL.
 */
int cgroup_parse_limit(const char *buf, uint64_t *ret);

/*
 * cgroup_parse_memory_stat() - pure: the one parser of memory.stat (through memstat_parse()).
 * From v2's text: "active_file" + "inactive_file", and the reclaim activity "pgscan" +
 * "workingset_refault_anon" + "workingset_refault_file" (or "workingset_refault", < 5.9); with
 * @v1 the hierarchical "total_" counters (v1 has no scan counter: refaults only) and
 * "hierarchical_memory_limit". The file keys are required. Returns 0, or -EINVAL if one is
 * missing or a wanted value is garbled. @ret untouched on failure.
 */
int cgroup_parse_memory_stat(const char *buf, bool v1, struct cgroup_memory_stat *ret);

/*
 * cgroup_memory_read() - the memory state of cgroup @path (relative to the cgroup2 root,
 * "/" or "" for the root): v2 files when v2 has the memory controller, else the same path
 * in the v1 memory hierarchy; its memory.stat (a missing or garbled one is said in have_stat
 * and stat_error, and counts no file pages); and the limits of every level above it. Returns 0,
 * -ENOENT (no such cgroup), -EOPNOTSUPP (no memory controller for it anywhere) or another
 * negative errno.
 */
int cgroup_memory_read(const struct cgroup_roots *roots, const char *path, struct cgroup_memory *ret);

/*
 * The same read with the files kept open, for the monitor's every sample: an open and a close
 * per file cost more than the read itself. The levels above the cgroup get readers of their own,
 * chained on @up, which read a level's limits and, only when it has one, its usage and
 * memory.stat. Initialize with CGROUP_MEMORY_READER_INIT; the first read opens the directories
 * and files, later reads read them again from the start. A read that fails on kept fds (a
 * removed cgroup says -ENODEV) closes them and is retried once from @path, so the results are
 * those of cgroup_memory_read(). A reader serves one @path: close it before using another.
 * With skip_stat set, the cgroup's memory.stat is left unread (have_stat false, stat_skipped)
 * while the cgroup itself has no limit: its file LRU then bounds nothing, and its reclaim
 * counters are the caller's to want; while it still has none, its limits are all that is read
 * of it (current, swap_current 0). On v1 a limit from above a cgroup namespace's root shows
 * only in memory.stat: the last one read stands in for it (none before the first read).
 */
enum {
        CGROUP_MEMORY_CURRENT,
        CGROUP_MEMORY_MAX,
        CGROUP_MEMORY_SWAP_CURRENT,
        CGROUP_MEMORY_SWAP_MAX,
        CGROUP_MEMORY_STAT,
        CGROUP_MEMORY_HIGH,
        _CGROUP_MEMORY_FILES,
};
struct cgroup_memory_reader {
        int dir; /* -1: not open */
        bool v2;
        bool no_swap; /* the machine has no swap: skip the swap files (swap_current 0, no swap_max) */
        bool skip_stat; /* set by the caller before a read: see above */
        bool stat_seen; /* memory.stat was read once: hierarchical_limit holds its limit */
        bool unlimited; /* the last read found no limit, swap limit or memory.high at this level */
        uint64_t hierarchical_limit; /* v1: the last memory.stat's, for skip_stat */
        int fd[_CGROUP_MEMORY_FILES]; /* -1: not open */
        struct cgroup_memory_reader *up; /* the level above, once read; freed by _close() */
};
#define CGROUP_MEMORY_READER_INIT                                                                           \
        {                                                                                                   \
                .dir = -1, .fd = { -1, -1, -1, -1, -1, -1 }                                                 \
        }
int cgroup_memory_reader_read(struct cgroup_memory_reader *r, const struct cgroup_roots *roots,
                              const char *path, struct cgroup_memory *ret);
void cgroup_memory_reader_close(struct cgroup_memory_reader *r);
