#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memstat.h - flat "key value" counter files: /proc/vmstat and a cgroup's memory.stat */

#include <stddef.h>
#include <stdint.h>

/* The most keys one memstat_parse() looks for: one bit each in its seen mask. */
#define MEMSTAT_KEYS_MAX 64

/*
 * memstat_parse() - pure: the one parser of the kernel's flat keyed files, one "name value"
 * line each (/proc/vmstat, memory.stat of either cgroup version). For each line whose name is
 * @keys[i], the decimal value goes into @vals[i] and bit i of *@ret_seen is set; a name met
 * twice keeps its first value. Lines of other names, and lines without a name (one that starts
 * with a blank), are skipped whatever they hold, so a key a
 * newer kernel adds cannot break the parse. @n_keys is at most MEMSTAT_KEYS_MAX. Returns 0, or
 * -EINVAL when a wanted line has no value or one that is not a number that fits 64 bits (then
 * @vals and *@ret_seen are untouched). Keys not seen leave their @vals alone.
 */
int memstat_parse(const char *buf, const char *const *keys, size_t n_keys, uint64_t *vals,
                  uint64_t *ret_seen);

/* memstat_seen() - true if bit @i of a memstat_parse() seen mask is set. */
static inline int memstat_seen(uint64_t seen, unsigned i)
{
        return (seen >> i) & 1;
}
