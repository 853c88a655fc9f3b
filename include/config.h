#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.h - /etc/reapd.conf and its drop-ins: every tunable, its default and its rationale */

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "policy.h"
#include "util.h"

#define CONFIG_FILE_DEFAULT "/etc/reapd.conf"

enum kill_unit {
        KILL_UNIT_PROCESS,
        KILL_UNIT_PROCESS_GROUP,
        KILL_UNIT_CGROUP,
        _KILL_UNIT_MAX,
};

enum headroom_mode {
        HEADROOM_AND, /* act when memory AND swap are low (default) */
        HEADROOM_OR, /* act when either is low */
        _HEADROOM_MODE_MAX,
};

/* A MinAvailable=/MinSwapFree= value: a share of the total, or an absolute size. */
struct threshold {
        bool percent;
        uint32_t permyriad; /* when percent */
        uint64_t bytes; /* when !percent */
};

/* threshold_bytes() - resolve against @total bytes (MemTotal, SwapTotal or the cgroup limit). */
uint64_t threshold_bytes(const struct threshold *t, uint64_t total);

/*
 * Defaults. Each one-line rationale is repeated, longer, in reapd.conf(5).
 */
/* 5% of RAM: below this the kernel is already reclaiming hard; earlyoom uses 10% with SIGTERM first. */
#define CONFIG_MIN_AVAILABLE_PERMYRIAD 500
/* 10% of swap: with both low (AND) the machine is out of options; alone, low swap is harmless. */
#define CONFIG_MIN_SWAP_FREE_PERMYRIAD 1000
/* "some" stall share that, sustained for PressureDuration, means the workload is thrashing. */
#define CONFIG_PRESSURE_SOME_PERMYRIAD 2000
/* 80% "full" in one window: above what a workload growing through its limit shows while the rest
 * stays responsive (bench/TUNABLES.md); a steady thrash is PressureSome='s case. Act at once. */
#define CONFIG_PRESSURE_FULL_PERMYRIAD 8000
/* 2s: the smallest window the kernel accepts from a process without CAP_SYS_RESOURCE. */
#define CONFIG_PRESSURE_WINDOW_USEC (2 * USEC_PER_SEC)
/* 10s: long enough to ride out a compile's link step, short enough that a desktop stays usable. */
#define CONFIG_PRESSURE_DURATION_USEC (10 * USEC_PER_SEC)
/* 1s: avg10 is itself a 10s average, polling it faster adds wakeups and no information. */
#define CONFIG_PRESSURE_POLL_USEC (1 * USEC_PER_SEC)
/* 5s: with process_mrelease a victim's memory is back in well under a second; 5s covers a
 * victim whose exit is slow for reasons mrelease cannot help (e.g. a huge file-backed mapping). */
#define CONFIG_KILL_TIMEOUT_USEC (5 * USEC_PER_SEC)
/* 0: a kill waits for nobody unless the admin asks; listeners hear of it afterwards (D-Bus Killed). */
#define CONFIG_PREKILL_TIMEOUT_USEC 0
/* The most ReaperThreads=: each thread's stack is locked in memory with the daemon. */
#define CONFIG_REAPER_THREADS_MAX 16
/* In reapd's runtime directory: a listener's socket there goes with a reboot, as the listener does. */
#define CONFIG_PREKILL_DIRECTORY "/run/reapd/prekill.d"

struct reapd_config {
        /* [Monitor] */
        char cgroup[PATH_MAX]; /* "" = system-wide; else a cgroup2 path relative to the cgroup2 root */
        struct threshold min_available;
        struct threshold min_swap_free;
        enum headroom_mode headroom_mode;
        uint32_t pressure_some; /* permyriad of the window, 0 = level off */
        uint32_t pressure_full; /* permyriad of the window, 0 = level off */
        usec_t pressure_window;
        usec_t pressure_duration;
        usec_t pressure_poll_interval; /* only when PSI triggers are unavailable */

        /* [Kill] */
        enum kill_unit kill_unit;
        bool dry_run;
        bool release; /* call process_mrelease() after SIGKILL (default yes) */
        usec_t kill_timeout;
        bool reaper_cpus_set;
        cpu_set_t reaper_cpus;
        int reaper_nice; /* -20..19 */
        int reaper_sched_policy; /* SCHED_OTHER, SCHED_FIFO or SCHED_RR */
        int reaper_sched_priority; /* 1..99 for fifo/rr, 0 for other */
        unsigned reaper_threads; /* 1..REAPER_MAX_THREADS; 0: "auto", one per allowed CPU, at most 4 */
        usec_t prekill_timeout; /* 0: pre-kill hooks are not contacted */
        char prekill_directory[PATH_MAX]; /* where the hooks' *.sock live (absolute) */

        /* [Policy] */
        struct policy policy;

        /* [Daemon] */
        int log_level; /* syslog level, default LOG_INFO */
        bool dbus; /* take the bus name and send Killed signals on the system bus (default yes) */
        char metrics_file[PATH_MAX]; /* "" = off; else an absolute path ending in ".prom" */
};

const char *kill_unit_to_string(enum kill_unit u);
int kill_unit_from_string(const char *s, enum kill_unit *ret);
const char *headroom_mode_to_string(enum headroom_mode m);

/* config_init() - built-in defaults; no file needed. */
void config_init(struct reapd_config *c);

/* config_done() - free what config_init()/config_load() allocated. */
void config_done(struct reapd_config *c);

/*
 * config_load() - defaults, then @path (missing is fine), then "@path.d/\*.conf" in lexical
 * order, later files overriding earlier ones (list keys append; an empty value resets).
 * On any error (unknown section or key, bad or out-of-range value, unreadable file) prints
 * "file:line: message" lines to @errors (may be NULL), returns -EINVAL (or -errno for I/O),
 * and leaves @ret untouched. On success @ret must be config_done()'d by the caller.
 */
int config_load(const char *path, FILE *errors, struct reapd_config *ret);

/* config_dump() - the effective configuration in reapd.conf syntax, every key. */
void config_dump(const struct reapd_config *c, FILE *f);

/*
 * config_copy() - deep copy of @src into @ret (the policy's regexes are recompiled).
 * Returns 0 or -ENOMEM; @ret untouched on failure, else to be config_done()'d by the caller.
 */
int config_copy(const struct reapd_config *src, struct reapd_config *ret);

/*
 * config_equal() - true if @a and @b configure the same behaviour: every field, and the same
 * Prefer=/Avoid=/Ignore= rules in the same order. Lets a reload say "unchanged".
 */
bool config_equal(const struct reapd_config *a, const struct reapd_config *b);

/* Value formatters for config_dump() and reapctl status. Each returns @buf (always terminated). */
char *config_format_threshold(char *buf, size_t size, const struct threshold *t);
char *config_format_cpus(char *buf, size_t size, const cpu_set_t *set);
char *config_format_size(char *buf, size_t size, uint64_t bytes); /* exact: "512M", else bytes */

/* "other", "fifo", "rr" for SCHED_OTHER/FIFO/RR; NULL otherwise. */
const char *config_sched_policy_to_string(int policy);
/* "emerg" .. "debug" for syslog levels 0..7; NULL otherwise. */
const char *config_log_level_to_string(int level);
