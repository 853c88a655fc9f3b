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
        uint64_t hugetlb; /* "Hugetlb:", every HugeTLB pool's size; 0 when absent (< 4.16) */
};

/*
 * meminfo_parse() - pure: parse the text of /proc/meminfo in @buf (NUL-terminated).
 * MemTotal and MemAvailable are required; SwapTotal/SwapFree/Hugetlb default to 0 when absent.
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

/* meminfo_read_fd() - the same from an open fd of a meminfo file (read_file_fd()). */
int meminfo_read_fd(int fd, struct meminfo *ret);

/*
 * Free pages parked on the per-CPU lists. They are free (the next allocations take them
 * first), but MemFree and MemAvailable do not count them, and since Linux 6.7 the lists grow
 * on bulk frees: right after a 1 GiB process died, 780 MB sat there and MemAvailable had risen
 * by only 338 MB. A killer that trusts MemAvailable alone then kills again.
 */

/*
 * meminfo_parse_zoneinfo_pcp() - pure: sum the "count:" lines of every zone's "pagesets" in
 * the text of /proc/zoneinfo, times @page_size, into @ret (bytes). Returns 0, or -EINVAL if
 * the text has no pagesets at all. @ret untouched on failure.
 */
int meminfo_parse_zoneinfo_pcp(const char *buf, uint64_t page_size, uint64_t *ret);

/*
 * meminfo_read_pcp() - read /proc/zoneinfo (through a fixed buffer: on a machine whose file is
 * larger, the sum covers what fits, an underestimate) and parse it. Returns 0 or a negative
 * errno; @ret untouched on failure. Does not allocate.
 */
int meminfo_read_pcp(uint64_t *ret);

/*
 * meminfo_parse_vmstat() - pure: the reclaim activity in the text of /proc/vmstat, in pages since
 * boot: pages scanned by reclaim (pgscan_kswapd + pgscan_direct + pgscan_khugepaged; proactive
 * reclaim through memory.reclaim is asked for, not pressure, and does not count) plus pages
 * refaulted soon after their eviction (workingset_refault_anon + _file, or workingset_refault
 * before Linux 5.9). Global reclaim only: a cgroup's limit reclaim shows in its memory.stat
 * (cgroup_parse_memory_stat()). Returns 0, -ENODATA when the text has none of these counters,
 * or -EINVAL (memstat_parse()). @ret untouched on failure.
 */
int meminfo_parse_vmstat(const char *buf, uint64_t *ret);

/*
 * meminfo_read_vmstat_fd() - read the open /proc/vmstat @fd from its start (read_file_fd())
 * and meminfo_parse_vmstat() it. Returns as that, -EFBIG for a text longer than reapd reads, or
 * the read's negative errno. Does not allocate.
 */
int meminfo_read_vmstat_fd(int fd, uint64_t *ret);
