#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* manager-internal.h - the daemon's state, shared by the loop, the kill lifecycle and the status */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "cgroupfs.h"
#include "config.h"
#include "decide.h"
#include "kill.h"
#include "manager.h"
#include "monitor.h"
#include "select.h"

struct manager {
        sd_event *event;
        const struct manager_args *args;
        struct reapd_config config;
        struct cgroup_roots roots;
        bool have_roots;
        int proc_fd;
        char state_path[PATH_MAX];

        struct monitor *monitor;
        struct decider decider;
        struct reaper *reaper;
        sd_event_source *reaper_source;
        struct selector selector; /* .rank: select's BPF pass 1, ours; NULL: /proc oom_score */
        bool warned_rank; /* a failed iterator run was logged */
        bool reaper_restart; /* a reload asked for a new reaper while the old one was still releasing */

        /* The kill in flight: one at a time (the decider waits for it), a real one or the rehearsal. */
        bool killing;
        bool rehearsing; /* the kill in flight is the rehearsal (manager-rehearse.c), not a decision */
        pid_t rehearsal_child; /* the rehearsal's child until waitpid() reaps it; 0: none */
        bool text_locked; /* reapd's own code was locked whole (manager-rehearse.c) */
        struct kill_op op;
        struct victim victim;
        /* the victim's memory no kill may give back, read just before its signal (kB) */
        uint64_t victim_shmem_kb, victim_locked_kb, victim_hugetlb_kb;
        enum kill_unit unit_wanted; /* KillUnit=; the op's unit differs after a fallback */
        int unit_error; /* why KillUnit= could not be used for this victim (negative errno), else 0 */
        struct proc_ident unit_warned; /* the last victim whose unit fallback was logged */
        enum decide_reason reason;
        struct monitor_sample before;
        usec_t t_decide, t_exit;
        bool released, dead;
        sd_event_source *death_source, *timeout_source, *recheck_source;

        /* What STATUS= and the state file say (manager-status.c). */
        struct monitor_sample last;
        bool have_last;
        usec_t last_status;
        bool status_reader; /* $NOTIFY_SOCKET is set: systemd reads STATUS= (looked up once) */
        unsigned warned; /* KILL_WARN_* already logged */
        bool warned_memory_fallback;
        bool warned_no_reclaim, warned_stat; /* monitor_info.no_reclaim, .stat_error logged */
        unsigned deferred_logged; /* decider.deferred when a withheld decision was last logged */
        usec_t deferred_logged_at;
        bool status_has_data; /* STATUS= shows readings, not just "Monitoring ..." */
        char status_text[PATH_MAX + 256]; /* last STATUS= sent */
        char state_written; /* state letter of the last state file: idle, pressured, waiting, killing */
        uint64_t kills_written;
        uint64_t caps; /* effective capabilities after caps_setup(), for the state file */
        uint64_t n_kills;
        char last_kill[256];

        struct notifier *notifier; /* pre-kill hooks, system bus, metrics file (manager-notify.c) */
};

/* manager-status.c: STATUS= and the state file reapctl status reads. */

/* manager_scope_name() - the configured Cgroup=, or "system". */
const char *manager_scope_name(const struct manager *m);

/*
 * manager_update_status() - send STATUS= when its text changed (at most every second unless
 * @force) and rewrite the state file when what only the daemon knows changed, or once a minute.
 */
void manager_update_status(struct manager *m, bool force);

/* manager_setup_state_path() - $RUNTIME_DIRECTORY/state, else /run/reapd/state (created). */
void manager_setup_state_path(struct manager *m);

/* manager-kill.c: the kill lifecycle, from the victim scan to the record. */

/*
 * manager_start_reaper() - start the reaper thread with the [Kill] Reaper*= settings and watch
 * its eventfd. Returns 0 or a negative errno (logged).
 */
int manager_start_reaper(struct manager *m);

/*
 * manager_restart_reaper() - a new reaper thread with the current [Kill] Reaper*= settings (after
 * a reload), then the rehearsal; deferred while the old one still releases a victim's memory
 * (m->reaper_restart), since stopping it would wait for that.
 */
void manager_restart_reaper(struct manager *m);

/*
 * manager_select_opts() - the snapshot options of a victim scan under the current config, the
 * victims the decider set aside excluded.
 * manager_select() - that scan: the victim into @ret. Returns 0, SCORE_NO_CANDIDATE or a
 * negative errno. The victim is m->selector.snapshot.procs[ret->idx].
 */
void manager_select_opts(struct manager *m, struct snapshot_opts *ret);
int manager_select(struct manager *m, const struct snapshot_opts *opts, struct candidate *ret);

/* victim_read_cgroup() - @v's cgroup2 path from /proc when the snapshot did not read it. */
void victim_read_cgroup(struct manager *m, struct victim *v);

/*
 * manager_kill() - act on DECIDE_KILL for @reason, sample @s: choose, kill, report the outcome
 * to the decider and do what it says.
 */
void manager_kill(struct manager *m, enum decide_reason reason, const struct monitor_sample *s);

/*
 * manager_kill_start() - kill_start() of @req into m->op, its first-time warnings logged.
 * Returns kill_start()'s result; only on 0 (signalled) is m->op left for manager_kill_watch().
 */
int manager_kill_start(struct manager *m, const struct kill_request *req);

/*
 * manager_kill_watch() - the kill in m->op is in flight (m->killing) until its victim's memory
 * is accounted (released or exited), or @until (CLOCK_MONOTONIC) passes; then
 * manager_kill_finish(). May finish at once.
 */
void manager_kill_watch(struct manager *m, usec_t until);

/*
 * manager_kill_finish() - end the kill in flight with @result ("killed", "timeout", "reload",
 * "stopped"): its record, the counters, and the decider told. Nothing if no kill is in flight.
 */
void manager_kill_finish(struct manager *m, const char *result);

/*
 * manager_kill_victim() - kill m->victim, chosen by manager_kill() for m->reason at m->before:
 * at once, or once the pre-kill hooks answered (manager_prekill_begin()).
 */
void manager_kill_victim(struct manager *m);

/* manager-notify.c: who else hears of a kill: pre-kill hooks before it, the bus and the metrics after. */

struct kill_report;

/* manager_notify_setup() - at start and after each reload: DBus=, MetricsFile=, the hooks. Never fatal. */
void manager_notify_setup(struct manager *m);

/* manager_notify_free() - at stop: leave the bus, remove the metrics file (reapd is not running). */
void manager_notify_free(struct manager *m);

/* manager_notify_kill() - after the record @r (a kill, a dry run, the rehearsal): Killed, counters, metrics. */
void manager_notify_kill(struct manager *m, const struct kill_report *r);

/* manager_notify_status() - new readings: the metrics file, at most every 15s unless @force. */
void manager_notify_status(struct manager *m, bool force);

/*
 * manager_prekill_begin() - tell the pre-kill hooks of m->victim. True when the kill waits for
 * them: manager_kill_victim() follows from the event loop. False: kill now.
 */
bool manager_prekill_begin(struct manager *m);

/* manager_prekill_pending() - a victim waits for the hooks' answers. */
bool manager_prekill_pending(const struct manager *m);

/* manager_prekill_cancel() - stop waiting, because of @why ("reload", "stop"); the victim is not killed. */
void manager_prekill_cancel(struct manager *m, const char *why);

/* manager-rehearse.c: the kill path run once on a child of reapd's own. */

/*
 * manager_rehearse() - at start and after a reload: fork a small child, run a victim scan and
 * kill the child through manager_kill_begin(), so that every page a kill touches is resident and
 * locked before any memory trouble. The rest happens in the event loop; manager_kill_finish()
 * writes the rehearsal's record and calls manager_rehearsal_reap().
 */
void manager_rehearse(struct manager *m);

/* manager_rehearsal_reap() - waitpid() the rehearsal's child if it is dead; kill it otherwise. */
void manager_rehearsal_reap(struct manager *m);
