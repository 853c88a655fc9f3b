#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* meminfo.h - the few /proc/meminfo fields reapd decides on */

#include <stdint.h>

/* All values in bytes (the file says kB; we multiply by 1024, saturating). */
struct meminfo {
        uint64_t mem_total;
        uint64_t mem_available;
        uint64_t swap_total; /* 0 on a machine without swap (or missing field) */
        uint64_t swap_free; /* 0 when swap_total is 0 */
};

/*
 * meminfo_parse() - pure: parse the text of /proc/meminfo in @buf (NUL-terminated).
 * MemTotal and MemAvailable are required; SwapTotal/SwapFree default to 0 when absent.
 * A required field that is missing, not a number or not in kB gives -EINVAL; a value
 * above 2^64 bytes gives -ERANGE. Returns 0 and fills @ret; @ret untouched on failure.
 */
int meminfo_parse(const char *buf, struct meminfo *ret);

/*
 * meminfo_read_at() - read @path relative to @dirfd (AT_FDCWD for an absolute path; NULL
 * @path means "/proc/meminfo") and meminfo_parse() it. Returns 0, -EINVAL on a malformed
 * file, or the negative errno of the read. @ret untouched on failure. Does not allocate.
 */
int meminfo_read_at(int dirfd, const char *path, struct meminfo *ret);
