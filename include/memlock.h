#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memlock.h - what of reapd's own memory stays locked: start-up pages of shared libraries let go */

/*
 * reapd runs mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT) (caps_setup()): every page it
 * touches stays resident and locked. For a shared library's text the kernel maps more than the
 * page touched: a read fault maps the whole 64 KiB "fault-around" window of pages already in the
 * page cache. Start-up (config parsing, loading BPF, library constructors and relocations)
 * touches much of libc, libsystemd, libbpf and their dependencies, none of which the event loop
 * runs again; all of it would stay locked, so unevictable, for the daemon's lifetime.
 *
 * memlock_trim() unmaps, once start-up is done, the pages of shared libraries that are the
 * file's own content (not copied on write: relocated data stays), and keeps them locked on
 * fault. What reapd runs afterwards faults back in and is locked again; the caller then runs
 * the paths it needs under pressure once (a warm selection) and touches the rest
 * (memlock_touch()). reapd's own executable is locked whole: the kill path is in it. For a
 * while the libraries can stay split page by page, so that only the pages that run come back,
 * not their fault-around windows; memlock_merge() ends that.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One line of /proc/PID/maps. @path points into the parsed line ("" for anonymous mappings). */
struct maps_entry {
        uintptr_t start, end;
        uint64_t offset;
        uint64_t inode;
        bool read, write, exec, shared;
        const char *path;
        size_t path_len;
};

/*
 * memlock_parse_maps_line() - pure: parse one line of /proc/PID/maps ("start-end perms offset
 * major:minor inode [path]"), without its newline, @len bytes at @line (not NUL-terminated).
 * Returns 0, or -EINVAL for anything else (@ret then untouched).
 */
int memlock_parse_maps_line(const char *line, size_t len, struct maps_entry *ret);

/* What memlock_trim() does with a mapping (memlock_classify()). */
enum memlock_action {
        MEMLOCK_KEEP, /* written, shared or anonymous: left as it is */
        MEMLOCK_TRIM, /* a library's file pages: dropped, locked again as they fault back */
        MEMLOCK_POPULATE, /* reapd's own executable (the kill path is in it): all locked now */
};

/*
 * memlock_classify() - pure: what to do with @e, given @self, the executable's path as readlink
 * of /proc/self/exe gives it (NULL: none). Only private, not writable mappings of a file
 * (inode != 0, absolute path) are trimmed or populated.
 */
enum memlock_action memlock_classify(const struct maps_entry *e, const char *self);

struct memlock_trim_result {
        size_t mappings; /* MEMLOCK_TRIM mappings */
        size_t dropped; /* bytes of file pages dropped from reapd's page tables */
        size_t populated; /* bytes of the executable's mappings locked in whole */
        size_t split; /* pages flagged MADV_RANDOM to split the mappings (@split) */
        bool truncated; /* more mappings than one call handles: the rest left as they were */
        bool unlocked_fallback; /* kernel < 5.18: munlock + MADV_DONTNEED + mlock2(MLOCK_ONFAULT) */
};

/*
 * memlock_trim() - for every mapping of /proc/self/maps: MEMLOCK_TRIM ones lose their present,
 * clean file pages (/proc/self/pagemap: present and file-backed, so not a private copy), with
 * MADV_DONTNEED_LOCKED, which keeps the mapping locked on fault; MEMLOCK_POPULATE ones are
 * mlock()ed whole, so the executable's kill path is resident before its first kill. Safe while
 * other threads run: only pages that fault back in identically are dropped.
 *
 * With @split, every other page of each trimmed mapping is also flagged MADV_RANDOM (which only
 * turns off read-ahead on a page-cache miss), and the kernel splits the mapping into one-page
 * mappings: fault-around stops at a mapping's edge, so until memlock_merge() a fault maps the
 * page touched and no other. What the caller runs meanwhile is its working set, page by page.
 * Each piece costs the kernel a vm_area_struct (~200 bytes; ~1 500 pieces for reapd's
 * libraries): merge once the working set has been run.
 *
 * Fixed buffers, no allocation. Returns 0, or a negative errno (-ENOENT no /proc, -EPERM...);
 * @ret says what was done either way, once /proc/self/maps could be read.
 */
int memlock_trim(bool split, struct memlock_trim_result *ret);

/*
 * memlock_merge() - end memlock_trim()'s split: MADV_NORMAL over each piece, and the kernel
 * merges them back into one mapping per library. Pages stay mapped (and locked) as they are;
 * a later fault maps its fault-around window again. @ret_pieces (may be NULL): the pieces seen.
 * Returns 0 or a negative errno.
 */
int memlock_merge(size_t *ret_pieces);

/* What memlock_touch() callers read of a function: its first two pages. */
#define MEMLOCK_TOUCH_LEN 8192

/*
 * memlock_touch() - fault in the pages of [@p, @p + @len) (MADV_POPULATE_READ; @p's own page
 * by reading it before Linux 5.14), so they are mapped and, under MCL_ONFAULT, locked: for code
 * reapd needs when it kills but does not run before (the addresses of libc's syscall() or
 * libsystemd's sd_journal_sendv(), say). Stops at the first page that is not readable (the end
 * of @p's mapping), never faults. While the libraries are split (memlock_trim()) that maps those
 * pages alone; after memlock_merge(), each page's fault-around window as well. @p NULL: nothing.
 */
void memlock_touch(const void *p, size_t len);
