#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup.h - finding cgroup2 and the v1 memory/freezer hierarchies, reading cgroup memory files */

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
        char v1_freezer[PATH_MAX];
        bool v2_has_memory; /* "memory" listed in v2's cgroup.controllers */
};

/*
 * cgroup_roots_parse_mountinfo() - pure: fill @ret from the text of /proc/self/mountinfo.
 * Returns 0, or -ENOENT if no cgroup2 mount is found (v1 fields may still be set).
 */
int cgroup_roots_parse_mountinfo(const char *buf, struct cgroup_roots *ret);

/*
 * cgroup_roots_discover() - read @mountinfo_path (normally "/proc/self/mountinfo") and the v2
 * root's cgroup.controllers. Returns 0, -ENOENT without cgroup2, or another negative errno.
 */
int cgroup_roots_discover(const char *mountinfo_path, struct cgroup_roots *ret);

/*
 * cgroup_parse_proc_cgroup() - pure: from the text of /proc/<pid>/cgroup take the cgroup2
 * path ("0::/a/b") into @ret_v2 and the v1 memory path ("N:memory:/a/b", or a line listing
 * memory among other controllers) into @ret_v1_memory. Either out buffer may be NULL.
 * A missing line leaves "" in that buffer. Returns 0, or -EINVAL on garbage.
 */
int cgroup_parse_proc_cgroup(const char *buf, char *ret_v2, size_t v2_size, char *ret_v1_memory,
                             size_t v1_size);

/* A cgroup's memory state. Byte counts; CGROUP_LIMIT_MAX means "no limit". */
#define CGROUP_LIMIT_MAX UINT64_MAX
struct cgroup_memory {
        uint64_t current; /* memory.current / memory.usage_in_bytes */
        uint64_t max; /* memory.max / memory.limit_in_bytes (v1 huge values = max) */
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
 * cgroup_memory_read() - the memory state of cgroup @path (relative to the cgroup2 root,
 * "/" or "" for the root): v2 files when v2 has the memory controller, else the same path
 * in the v1 memory hierarchy. Returns 0, -ENOENT (no such cgroup), -EOPNOTSUPP (no memory
 * controller anywhere) or another negative errno.
 */
int cgroup_memory_read(const struct cgroup_roots *roots, const char *path, struct cgroup_memory *ret);

/*
 * cgroup_path_join() - "@root/@path/@file" into @buf (path may be "", "/" or start with "/").
 * Returns 0 or -ENAMETOOLONG.
 */
int cgroup_path_join(char *buf, size_t size, const char *root, const char *path, const char *file);

/*
 * cgroup_dir_stat() - stat() the directory of cgroup @path under the mount @root into @ret
 * (its st_ino is the cgroup's id on cgroup2). Returns 0, -ENAMETOOLONG, -ENOTDIR, or stat()'s
 * negative errno (-ENOENT: no such cgroup); @ret is meaningless on failure.
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
 * check that the file exists. Returns 0, -ENOENT without a cgroup2 mount, or -ENAMETOOLONG.
 */
int cgroup_pressure_path(const struct cgroup_roots *roots, const char *path, char *buf, size_t size);

/*
 * cgroup_parse_memory_stat_file() - pure: the cgroup's file-backed LRU pages in bytes, the page
 * cache the kernel reclaims before it OOM-kills (as MemAvailable counts it system-wide), from the
 * text of memory.stat: v2 "active_file" + "inactive_file", or with @v1 the hierarchical
 * "total_active_file" + "total_inactive_file". Returns 0, or -EINVAL if a key is missing or
 * garbled. @ret untouched on failure.
 */
int cgroup_parse_memory_stat_file(const char *buf, bool v1, uint64_t *ret);

/*
 * cgroup_memory_file_read() - cgroup_parse_memory_stat_file() of the memory.stat that
 * cgroup_memory_read() would use for @path. Returns 0, -ENOENT, -EOPNOTSUPP, -EINVAL or another
 * negative errno; @ret untouched on failure.
 */
int cgroup_memory_file_read(const struct cgroup_roots *roots, const char *path, uint64_t *ret);

/*
 * The same reads with their files kept open, for the monitor's every sample: an open and a
 * close per file cost more than the read itself. Initialize with CGROUP_MEMORY_READER_INIT;
 * the first read opens the cgroup's directory and files, later reads seek and read again.
 * A read that fails on kept fds (a removed cgroup says -ENODEV) closes them and is retried
 * once from @path, so the results are those of cgroup_memory_read() and
 * cgroup_memory_file_read(). A reader serves one @path: close it before using another.
 */
enum {
        CGROUP_MEMORY_CURRENT,
        CGROUP_MEMORY_MAX,
        CGROUP_MEMORY_SWAP_CURRENT,
        CGROUP_MEMORY_SWAP_MAX,
        CGROUP_MEMORY_STAT,
        _CGROUP_MEMORY_FILES,
};
struct cgroup_memory_reader {
        int dir; /* -1: not open */
        bool v2;
        bool no_swap; /* the machine has no swap: skip the swap files (swap_current 0, no swap_max) */
        int fd[_CGROUP_MEMORY_FILES]; /* -1: not open */
};
#define CGROUP_MEMORY_READER_INIT                                                                           \
        {                                                                                                   \
                .dir = -1, .fd = { -1, -1, -1, -1, -1 }                                                     \
        }
int cgroup_memory_reader_read(struct cgroup_memory_reader *r, const struct cgroup_roots *roots,
                              const char *path, struct cgroup_memory *ret);
int cgroup_memory_reader_file(struct cgroup_memory_reader *r, const struct cgroup_roots *roots,
                              const char *path, uint64_t *ret);
void cgroup_memory_reader_close(struct cgroup_memory_reader *r);
