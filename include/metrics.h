#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics.h - the kills and the scope's readings as Prometheus text, for node_exporter's textfile collector */

/*
 * The daemon keeps one struct metrics: each kill record is counted into it
 * (metrics_count_kill()), each sample updates its readings (metrics_set_readings()), and
 * metrics_render() turns it into the text exposition format that node_exporter's textfile
 * collector reads from MetricsFile=, which metrics_write_file() replaces atomically. Counters
 * start at 0 when reapd starts (Prometheus' rate() and increase() take such resets in their
 * stride) and survive reloads. reapd(8), METRICS, lists every series.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "monitor.h"
#include "report.h"
#include "util.h"

/*
 * Distinct (reason, kill unit, result) label sets of reapd_kills_total. Four triggers, three kill
 * units and a handful of results make far fewer in practice; the last one is "other" for any
 * beyond, so that a count is never lost.
 */
#define METRICS_MAX_SERIES 32
/* Label values longer than this are cut (the record's strings are short words). */
#define METRICS_LABEL_MAX 32
/* Histogram buckets, the last one +Inf: 1ms to 10s covers a signal sent in microseconds as
 * well as a process_mrelease() of many gigabytes (bench/TUNABLES.md). */
#define METRICS_BUCKETS 14
/* What metrics_render() needs at most for METRICS_MAX_SERIES series and long label values. */
#define METRICS_TEXT_MAX (32 * 1024)

struct metrics_kill_series {
        char reason[METRICS_LABEL_MAX];
        char kill_unit[METRICS_LABEL_MAX];
        char result[METRICS_LABEL_MAX];
        uint64_t count;
};

/* Counts per bucket (not cumulative: metrics_render() sums them), the last one past the largest bound. */
struct metrics_histogram {
        uint64_t buckets[METRICS_BUCKETS];
        uint64_t count;
        usec_t sum_usec;
};

struct metrics {
        struct metrics_kill_series kills[METRICS_MAX_SERIES];
        size_t n_kills; /* entries used in kills[] */
        uint64_t futile; /* records with a FUTILE= field (kill_report.futile) */
        uint64_t released_bytes;
        struct metrics_histogram kill_duration; /* decision to SIGKILL, real kills */
        struct metrics_histogram release_duration; /* process_mrelease(), when it ran */
        usec_t last_kill_realtime; /* CLOCK_REALTIME of the last real kill's record; 0: none yet */

        /* The scope's readings at the last sample; absent series when not known. */
        bool have_pressure;
        bool have_memory;
        uint32_t pressure_some_avg10; /* permyriad */
        uint32_t pressure_full_avg10;
        uint64_t mem_total, mem_available, swap_total, swap_free; /* bytes */
        uint64_t min_available, min_swap_free; /* the thresholds, resolved to bytes */
};

/* What every series is labelled with, and the build information. */
struct metrics_labels {
        const char *service; /* "reapd.service" or "reapd@NAME.service" */
        const char *version;
        const char *scope; /* Cgroup=, or "system" */
};

/* metrics_init() - all counters 0, no readings. */
void metrics_init(struct metrics *m);

/*
 * metrics_count_kill() - count the record @r, written at @realtime (CLOCK_REALTIME): one more in
 * its (reason, kill unit, result) series, its durations and released bytes for a real kill (not
 * a dry run). A rehearsal is not a kill and is not counted. Does not allocate.
 */
void metrics_count_kill(struct metrics *m, const struct kill_report *r, usec_t realtime);

/*
 * metrics_set_readings() - the scope's pressure and headroom from @s, and the thresholds
 * @min_available and @min_swap_free (bytes). Returns true if anything metrics_render() writes
 * changed.
 */
bool metrics_set_readings(struct metrics *m, const struct monitor_sample *s, uint64_t min_available,
                          uint64_t min_swap_free);

/*
 * metrics_render() - pure: @m in the Prometheus text exposition format (version 0.0.4) into
 * @buf, NUL-terminated, every series labelled service=@l->service. Returns its length, or
 * -ENOBUFS if it does not fit in @size (nothing usable is left in @buf then).
 */
ssize_t metrics_render(const struct metrics *m, const struct metrics_labels *l, char *buf, size_t size);

/*
 * metrics_write_file() - replace @path with @len bytes of @text, atomically for its readers:
 * written to "@path.tmp" (mode 0644) in the same directory, then renamed over @path, so that
 * node_exporter reads either the old text or the new one, never a part. Not fsync'ed: the file
 * is rewritten whole at each change and at start, and an fsync() could hold the daemon's
 * loop for seconds while the disk is busy. Returns 0 or a negative errno (the temporary file
 * is removed then).
 */
int metrics_write_file(const char *path, const char *text, size_t len);

/* metrics_label_escape() - pure: @s as a label value ('\\', '"' and newlines escaped) into @buf; returns @buf. */
char *metrics_label_escape(char *buf, size_t size, const char *s);
