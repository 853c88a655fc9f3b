#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* monitor.h - stage 1: PSI trigger and adaptive headroom-timer event sources, producing samples */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "cgroupfs.h"
#include "config.h"
#include "meminfo.h"
#include "pressure.h"
#include "util.h"

/*
 * Adaptive headroom polling. The timer sleeps for the time memory would need to fall from
 * its current headroom to the MinAvailable=/MinSwapFree= thresholds at MONITOR_FILL_RATE:
 * far from the thresholds it wakes every MONITOR_SLEEP_MAX (0.1 wakeups/s idle, PSI triggers
 * give the early warning in between), close to them every MONITOR_SLEEP_MIN.
 */
/* 2 GB/s: faster than a 2-core machine faults anonymous memory in (bench/TUNABLES.md), with margin
 * for faster hosts and for file pages read back in. */
#define MONITOR_FILL_RATE_BYTES_PER_SEC (2ULL * 1000 * 1000 * 1000)
/* 10s: at most 0.1 idle wakeups/s, a tenth of what the peers spend (bench/TUNABLES.md); the PSI
 * triggers give the early warning in between. */
#define MONITOR_SLEEP_MAX_USEC (10 * USEC_PER_SEC)
/* 100ms: at 2 GB/s that is 200 MB between looks, under the default 5% threshold of any host >= 4 GB. */
#define MONITOR_SLEEP_MIN_USEC (100 * USEC_PER_MSEC)
/* Read the per-CPU free lists when MemAvailable is under this many times MinAvailable=: only there
 * can counting them after a kill change a decision. */
#define MONITOR_PCP_NEAR_FACTOR 2
/* 500ms: while pressured or waiting for a victim, 4 samples per 2s PSI window measure the stall share
 * between trigger events (which fire at most once per window) without busy polling. */
#define MONITOR_FAST_USEC (500 * USEC_PER_MSEC)

/*
 * Reclaim counters (a cgroup's memory.stat, /proc/vmstat) are the costliest files of a sample and
 * count only when a kill on pressure is judged (decide_evidence()), which takes stall. A sample
 * of the headroom timer leaves them unread while PSI is quiet (monitor_wants_reclaim()).
 */
/* 1%: the stall of an idle host is a trickle far under this (bench/TUNABLES.md), and no pressure
 * threshold is set this low; the first sample above it starts the reclaim history. */
#define MONITOR_RECLAIM_SOME_PERMYRIAD 100
/* 60s: read at least this often however quiet: v1's limit from above a cgroup namespace's root
 * shows only in memory.stat. */
#define MONITOR_RECLAIM_REFRESH_USEC (60 * USEC_PER_SEC)

enum monitor_cause {
        MONITOR_CAUSE_TRIGGER_SOME, /* the "some" PSI trigger fired */
        MONITOR_CAUSE_TRIGGER_FULL, /* the "full" PSI trigger fired */
        MONITOR_CAUSE_TIMER, /* adaptive headroom timer, or the fast timer */
        MONITOR_CAUSE_POLL, /* pressure polling (triggers unavailable) */
        MONITOR_CAUSE_SYNC, /* monitor_sample_now() */
        MONITOR_CAUSE_LOST, /* a trigger fd reported EPOLLERR: the PSI file went away */
        _MONITOR_CAUSE_MAX,
};

const char *monitor_cause_to_string(enum monitor_cause c);

/* The [Monitor] values the monitor works from, as struct decide_params holds the decider's. */
struct monitor_params {
        char cgroup[PATH_MAX]; /* "" = system-wide; else a cgroup2 path */
        struct threshold min_available; /* where the headroom timer hurries, and the per-CPU lists count */
        struct threshold min_swap_free;
        enum headroom_mode headroom_mode;
        uint32_t pressure_some; /* permyriad of the window, 0 = no trigger for the level */
        uint32_t pressure_full;
        usec_t pressure_window; /* the triggers' window */
        usec_t pressure_poll_interval; /* without triggers: how often pressure is read */
};

/* monitor_params_from_config() - the [Monitor] values of @c the monitor uses. */
void monitor_params_from_config(const struct reapd_config *c, struct monitor_params *ret);

/*
 * One look at the monitored scope. System-wide: /proc/meminfo, /proc/vmstat and
 * /proc/pressure/memory; mem_total is MemTotal less the HugeTLB pools ("Hugetlb:"), which no
 * kill gives back and MemAvailable never counts, so that a percentage means the same share of
 * what can be had. Cgroup scope: mem_total = min(the tightest memory.max on its path, that),
 * mem_available = min(the least headroom on its path (cgroup_memory.available: limit - usage
 * + file LRU, as MemAvailable counts page cache), MemAvailable), so an unlimited cgroup is
 * judged by the machine; swap likewise with swap.max/swap.current (or v1 memsw) against
 * SwapTotal/SwapFree; reclaim activity from its memory.stat; pressure from the cgroup2 group's
 * memory.pressure. System-wide in a container, the container's cgroup (the root of its cgroup
 * namespace) is read as a cgroup scope is, as its pressure is. All sizes in bytes.
 */
struct monitor_sample {
        usec_t now; /* CLOCK_MONOTONIC */
        enum monitor_cause cause;
        struct pressure pressure; /* valid when have_pressure */
        uint64_t mem_total;
        uint64_t mem_available;
        /* mem_available counting the free pages parked on the per-CPU lists too (at most
         * mem_total), which MemAvailable misses and which swell right after a kill: for judging
         * whether a kill's memory came back. Read near the threshold and in MONITOR_CAUSE_SYNC
         * samples; equal to mem_available otherwise, and in a cgroup whose own headroom binds. */
        uint64_t mem_available_pcp;
        /* Headroom under the tightest memory.high on a cgroup scope's path (0 once over it: the
         * kernel throttles and reclaims there); UINT64_MAX without one, and system-wide. */
        uint64_t high_available;
        uint64_t swap_total; /* 0: no swap */
        uint64_t swap_free;
        /* Reclaim activity, pages since boot (or since the cgroup was made): scanned by reclaim
         * plus refaulted soon after eviction; see meminfo_parse_vmstat(), cgroup_parse_memory_stat().
         * Its rise says memory is short now, whatever PSI's averages remember. */
        uint64_t reclaim;
        bool have_pressure;
        bool have_memory; /* mem_*, high_available and swap_* valid */
        bool have_reclaim;
        bool reclaim_skipped; /* the scope has reclaim counters, left unread: monitor_wants_reclaim() */
};

/* What the memory half of a sample is computed from: the daemon's and reapctl status's reads. */
struct monitor_memory {
        struct meminfo machine; /* /proc/meminfo */
        uint64_t pcp; /* free bytes on the per-CPU lists (meminfo_read_pcp()); 0 if not read */
        uint64_t vmstat_reclaim; /* meminfo_parse_vmstat() of /proc/vmstat, when have_vmstat */
        bool have_vmstat;
        bool vmstat_skipped; /* not read: monitor_wants_reclaim() */
        bool have_cgroup; /* a cgroup scope whose memory files were read into @cgroup */
        struct cgroup_memory cgroup;
};

/*
 * monitor_memory_wants_pcp() - pure: true when MemAvailable in @mi is within
 * MONITOR_PCP_NEAR_FACTOR times @p's MinAvailable=: only there can the per-CPU free lists,
 * counted after a kill, change a decision. Far from the threshold they change nothing, and
 * /proc/zoneinfo grows with the CPUs.
 */
bool monitor_memory_wants_pcp(const struct monitor_params *p, const struct meminfo *mi);

/*
 * monitor_memory_sample() - pure: fill the memory half of @s (mem_*, high_available, swap_*,
 * reclaim, have_memory, have_reclaim, reclaim_skipped) from @in as struct monitor_sample
 * describes it. A cgroup without a readable memory.stat has no reclaim figure (the machine's
 * would not be its own).
 */
void monitor_memory_sample(const struct monitor_memory *in, struct monitor_sample *s);

/*
 * monitor_memory_read_cgroup() - the cgroup part of @in (in->machine already read): the memory
 * state of cgroup @path through @rd (cgroup_memory_reader_read(): its memory.stat and the
 * limits above it included). Returns 0 (then in->have_cgroup), or that function's negative
 * errno (-ENOENT, -EOPNOTSUPP...).
 */
int monitor_memory_read_cgroup(struct cgroup_memory_reader *rd, const struct cgroup_roots *roots,
                               const char *path, struct monitor_memory *in);

/* What the monitor remembers between samples to tell whether PSI is quiet. */
struct monitor_quiet {
        usec_t reclaim_at; /* the last sample that read reclaim counters; 0: none yet */
        usec_t pressure_at; /* the last sample with pressure; 0: none yet */
        uint64_t some_total; /* its "some" total */
};

/*
 * monitor_wants_reclaim() - pure: should sample @s (now, cause and pressure already in it) read
 * the reclaim counters? Yes for a trigger, a SYNC or LOST sample, while @fast (the decider
 * watches pressure), when there is no pressure to tell by, when "some" stall since the last
 * sample in @q reached MONITOR_RECLAIM_SOME_PERMYRIAD of the time between, and when the last
 * reading is MONITOR_RECLAIM_REFRESH_USEC old (or there is none). monitor_quiet_update() then
 * records @s.
 */
bool monitor_wants_reclaim(const struct monitor_quiet *q, bool fast, const struct monitor_sample *s);
void monitor_quiet_update(struct monitor_quiet *q, const struct monitor_sample *s);

struct monitor;

/*
 * Called from the event loop for every sample. @error is 0 for a good sample; negative if the
 * sample could not be taken (then only s->now and s->cause are meaningful): -ENOENT when the
 * monitored cgroup is gone, -ENODEV with MONITOR_CAUSE_LOST when a trigger fd got EPOLLERR (the
 * monitor has already fallen back to polling). The handler may call monitor_set_fast() and
 * monitor_sample_now(), but must not free the monitor.
 */
typedef void (*monitor_handler_t)(struct monitor *m, const struct monitor_sample *s, int error,
                                  void *userdata);

/* What the monitor set up, and what it had to adapt: for the daemon to log once. */
struct monitor_info {
        bool cgroup_scope;
        char pressure_path[PATH_MAX]; /* "/proc/pressure/memory" or ".../memory.pressure" */
        bool have_pressure; /* the PSI file could be read at setup */
        bool trigger_armed[_PSI_LEVEL_MAX]; /* index PSI_SOME / PSI_FULL */
        bool trigger_adapted[_PSI_LEVEL_MAX]; /* armed only after rounding */
        struct psi_trigger trigger_requested[_PSI_LEVEL_MAX];
        struct psi_trigger trigger_effective[_PSI_LEVEL_MAX];
        int trigger_error; /* first negative errno of psi_trigger_open(), 0 if none failed */
        bool polling; /* triggers unavailable: pressure polled at pressure_poll_interval */
        bool lost; /* a trigger fd reported EPOLLERR since setup */
        /* The scope exists in cgroup2 but its memory files do not (a hybrid container mounts the
         * v1 memory hierarchy without the scope's twin): headroom is judged by the machine's,
         * pressure still by the scope's. Set by the first sample that finds it so. */
        bool memory_fallback;
        /* System-wide inside a container: pressure is the container's cgroup2 root, not the host's. */
        bool container;
        /* ... and so are its limits: the memory files of the root of its cgroup namespace could
         * be read, at setup (else the machine's figures, as /proc shows them, are used). */
        bool container_memory;
        /* The scope's memory.stat could not be read (cgroup_memory.stat_error, set by the first
         * sample that finds it so): no page cache counted as free, no reclaim evidence. */
        int stat_error;
        bool no_reclaim; /* no reclaim counters for the scope (set by the first sample without) */
};

/*
 * monitor_new() - set up the event sources on @e for @p (p->cgroup "" = system-wide).
 * @roots is needed for a cgroup scope (may be NULL system-wide). Arms the "some" and "full"
 * triggers (levels with a 0 share are off) with window p->pressure_window and stall share*window,
 * rounding per psi_trigger_open(); without triggers polls pressure at p->pressure_poll_interval.
 * Starts the adaptive headroom timer with an immediate first sample. @p and @roots are copied
 * and need not outlive the call. Returns 0 and the new monitor in *@ret (free with
 * monitor_free()), -ENOENT if the cgroup does not exist, or another negative errno. Trigger
 * failures are not errors: see monitor_get_info().
 */
int monitor_new(sd_event *e, const struct monitor_params *p, const struct cgroup_roots *roots,
                monitor_handler_t cb, void *userdata, struct monitor **ret);

/* monitor_free() - disable and free all sources, close the trigger fds. NULL-safe; returns NULL. */
struct monitor *monitor_free(struct monitor *m);

static inline void monitor_freep(struct monitor **m)
{
        monitor_free(*m);
}

/*
 * monitor_sample_now() - synchronous read, cause MONITOR_CAUSE_SYNC (after a kill, for STATUS=).
 * Does not call the handler and does not touch the timer. Returns 0, or a negative errno when
 * memory could not be read (@ret untouched). A pressure read failure only clears have_pressure.
 */
int monitor_sample_now(struct monitor *m, struct monitor_sample *ret);

/*
 * monitor_set_fast() - while @fast, sample at least every MONITOR_FAST_USEC (the decider wants
 * it while pressured or waiting for a victim: decide_wants_fast()). Rearms the timer if needed.
 */
void monitor_set_fast(struct monitor *m, bool fast);

/*
 * monitor_in_container() - true if this process runs in a container (systemd-nspawn and others
 * that write /run/systemd/container, docker, podman). There /proc/pressure/memory describes the
 * host, so a system-wide monitor reads the PSI of the container's cgroup2 root instead.
 */
bool monitor_in_container(void);

/* monitor_get_info() - what was armed/adapted; owned by @m, valid until monitor_free(). */
const struct monitor_info *monitor_get_info(const struct monitor *m);

/*
 * monitor_headroom_sleep() - pure: how long to sleep before the next headroom look, from sample
 * @s and @p: time for the headroom above the threshold(s) to drain at
 * MONITOR_FILL_RATE_BYTES_PER_SEC, clamped to [MONITOR_SLEEP_MIN_USEC, MONITOR_SLEEP_MAX_USEC].
 * With HEADROOM_AND the later of memory and swap counts (both must run out), with HEADROOM_OR
 * the earlier; a machine without swap counts its swap as already exhausted.
 */
usec_t monitor_headroom_sleep(const struct monitor_params *p, const struct monitor_sample *s);
