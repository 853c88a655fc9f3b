/* SPDX-License-Identifier: GPL-2.0-or-later */
/* manager.c - the daemon: sd-event wiring of monitor -> snapshot -> score -> decide -> kill -> report */

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "config.h"
#include "decide.h"
#include "instance.h"
#include "kill.h"
#include "manager.h"
#include "memlock.h"
#include "monitor.h"
#include "rank-bpf.h"
#include "report.h"
#include "score.h"
#include "snapshot.h"

/* 1s: STATUS= and the state file follow pressure closely enough for a human, without a write per sample. */
#define STATUS_INTERVAL_USEC (1 * USEC_PER_SEC)
/* 30s: "no candidate" repeats while the condition holds; one record per half minute says it all. */
#define NO_CANDIDATE_INTERVAL_USEC (30 * USEC_PER_SEC)
/* 60s: the state file's readings are a courtesy; reapctl status reads live figures itself. */
#define STATE_INTERVAL_USEC (60 * USEC_PER_SEC)
/* 75s: how long after start-up (and reloads) faults map one page each (memlock_trim(split)):
 * past the first samples and the first periodic state file, so the steady state has run. */
#define LEARN_USEC (75 * USEC_PER_SEC)
/* 10ms: how often to look at group members still exiting; a few GB unmap in that time. */
#define KILL_RECHECK_USEC (10 * USEC_PER_MSEC)

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
        struct snapshot snapshot;
        struct rank_bpf *rank; /* snapshot_select()'s BPF pass 1; NULL: /proc oom_score */
        bool warned_rank; /* a failed iterator run was logged */

        /* The kill in flight (one at a time: the decider waits for it). */
        bool killing;
        struct kill_op op;
        struct victim victim;
        enum decide_reason reason;
        struct monitor_sample before;
        usec_t t_decide, t_exit;
        bool released, dead;
        sd_event_source *death_source, *timeout_source, *recheck_source;

        struct monitor_sample last;
        bool have_last;
        usec_t last_status, last_no_candidate;
        unsigned warned; /* KILL_WARN_* already logged */
        bool warned_memory_fallback;
        bool status_has_data; /* STATUS= shows readings, not just "Monitoring ..." */
        char status_text[PATH_MAX + 256]; /* last STATUS= sent */
        char state_written; /* state letter of the last state file: idle, pressured, waiting, killing */
        uint64_t kills_written;
        usec_t state_written_at;
        uint64_t caps; /* effective capabilities after caps_setup(), for the state file */
        bool locked; /* mlockall() worked: manager_settle() trims what start-up left locked */
        sd_event_source *learn_source; /* libraries split page by page until it fires (LEARN_USEC) */
        uint64_t n_kills;
        char last_kill[256];
};

static const char *scope_name(const struct manager *m)
{
        return m->config.cgroup[0] ? m->config.cgroup : "system";
}

static void manager_write_state(struct manager *m)
{
        char tmp[PATH_MAX + 8], caps[512];
        const struct monitor_info *mi = m->monitor ? monitor_get_info(m->monitor) : NULL;
        FILE *f;

        if (!m->state_path[0])
                return;
        snprintf(tmp, sizeof(tmp), "%s.tmp", m->state_path);
        f = fopen(tmp, "we");
        if (!f)
                return;
        fprintf(f, "PID=%d\nVERSION=%s\nCONFIG=%s\nSCOPE=%s\nDRY_RUN=%d\n", (int)getpid(), REAPD_VERSION,
                m->args->config_path, scope_name(m), m->config.dry_run);
        if (m->args->instance)
                fprintf(f, "INSTANCE=%s\n", m->args->instance);
        fprintf(f, "CAPABILITIES=%s\n", caps_format(caps, sizeof(caps), m->caps));
        if (mi) {
                fprintf(f, "PRESSURE_PATH=%s\nPOLLING=%d\n", mi->pressure_path, mi->polling);
                for (int l = 0; l < _PSI_LEVEL_MAX; l++)
                        if (mi->trigger_armed[l])
                                fprintf(f, "TRIGGER_%s=%" PRIu64 " %" PRIu64 "%s\n",
                                        l == PSI_SOME ? "SOME" : "FULL", mi->trigger_effective[l].stall,
                                        mi->trigger_effective[l].window,
                                        mi->trigger_adapted[l] ? " adapted" : "");
        }
        if (m->have_last) {
                if (m->last.have_memory)
                        fprintf(f,
                                "MEM_TOTAL=%" PRIu64 "\nMEM_AVAILABLE=%" PRIu64 "\nSWAP_TOTAL=%" PRIu64
                                "\nSWAP_FREE=%" PRIu64 "\n",
                                m->last.mem_total, m->last.mem_available, m->last.swap_total,
                                m->last.swap_free);
                if (m->last.have_pressure)
                        fprintf(f, "PRESSURE_SOME_AVG10=%u\nPRESSURE_FULL_AVG10=%u\n",
                                m->last.pressure.some.avg10, m->last.pressure.full.avg10);
        }
        fprintf(f,
                "SOME_SHARE=%d\nFULL_SHARE=%d\nSTATE=%s\nKILLS=%" PRIu64
                "\nLAST_KILL=%s\nUPDATED_USEC=%" PRIu64 "\n",
                (int)m->decider.some_share, (int)m->decider.full_share,
                m->killing              ? "killing"
                : m->decider.waiting    ? "waiting"
                : m->decider.some_above ? "pressured"
                                        : "idle",
                m->n_kills, m->last_kill, now_usec(CLOCK_REALTIME));
        if (fclose(f) != 0 || rename(tmp, m->state_path) < 0)
                (void)unlink(tmp);
}

static void manager_update_status(struct manager *m, bool force)
{
        char avail[32], total[32], swap[32], status[PATH_MAX + 256], state;
        usec_t now = now_usec(CLOCK_MONOTONIC);

        /* The first reading replaces "Monitoring ..." at once, not a STATUS_INTERVAL later. */
        if (m->have_last && !m->status_has_data)
                force = true;
        if (!force && m->last_status && now - m->last_status < STATUS_INTERVAL_USEC)
                return;
        m->status_has_data = m->have_last && m->last.have_memory;
        m->last_status = now;
        if (!m->have_last || !m->last.have_memory)
                snprintf(status, sizeof(status), "Monitoring %s", scope_name(m));
        else
                snprintf(status, sizeof(status),
                         "%s: pressure some %u.%02u%% full %u.%02u%% (avg10), available %s of %s, swap free "
                         "%s, "
                         "%" PRIu64 " kill%s",
                         scope_name(m), m->last.pressure.some.avg10 / 100, m->last.pressure.some.avg10 % 100,
                         m->last.pressure.full.avg10 / 100, m->last.pressure.full.avg10 % 100,
                         format_size(avail, sizeof(avail), m->last.mem_available),
                         format_size(total, sizeof(total), m->last.mem_total),
                         format_size(swap, sizeof(swap), m->last.swap_free), m->n_kills,
                         m->n_kills == 1 ? "" : "s");
        if (!streq(status, m->status_text)) {
                (void)sd_notifyf(false, "STATUS=%s", status);
                strlcpy0(m->status_text, status, sizeof(m->status_text));
        }
        /* The state file is for reapctl status, which reads live figures itself: rewrite it when
         * what only the daemon knows changes (state, kills), or once a minute for the readings. */
        state = m->killing ? 'k' : m->decider.waiting ? 'w' : m->decider.some_above ? 'p' : 'i';
        if (force || state != m->state_written || m->n_kills != m->kills_written ||
            now - m->state_written_at >= STATE_INTERVAL_USEC) {
                manager_write_state(m);
                m->state_written = state;
                m->kills_written = m->n_kills;
                m->state_written_at = now;
        }
}

static void manager_kill_finish(struct manager *m, const char *result)
{
        struct kill_report r = {};
        struct monitor_sample after = {};
        usec_t now = now_usec(CLOCK_MONOTONIC);
        const struct victim *v = &m->victim;

        if (!m->killing)
                return;
        if (monitor_sample_now(m->monitor, &after) >= 0 && after.have_memory && m->before.have_memory &&
            after.mem_available > m->before.mem_available)
                r.released_kb = (after.mem_available - m->before.mem_available) / 1024;

        r.pid = v->pid;
        r.uid = v->uid;
        r.comm = v->comm;
        r.cgroup = v->cgroup;
        r.starttime = v->starttime;
        r.badness = v->badness;
        r.oom_score_adj = v->oom_score_adj;
        r.rss_kb = v->rss_kb;
        r.swap_kb = v->swap_kb;
        r.pgtables_kb = v->pgtables_kb;
        r.kill_unit = kill_unit_to_string(m->op.unit);
        r.n_killed = (unsigned)m->op.n_signalled;
        r.trigger = decide_reason_to_string(m->reason);
        r.pressure_some_avg10 = m->before.pressure.some.avg10;
        r.pressure_full_avg10 = m->before.pressure.full.avg10;
        r.mem_available_kb = m->before.mem_available / 1024;
        r.swap_free_kb = m->before.swap_free / 1024;
        r.result = result;
        r.error = m->op.release_result;
        r.kill_usec = m->op.t_signal > m->t_decide ? m->op.t_signal - m->t_decide : 0;
        r.release_usec = m->op.t_release_end > m->op.t_release_start
                                 ? m->op.t_release_end - m->op.t_release_start
                                 : 0;
        r.exit_usec = m->dead && m->t_exit > m->op.t_signal ? m->t_exit - m->op.t_signal : 0;
        r.released_by_mrelease = m->op.n_released > 0;
        r.dry_run = false;
        r.instance = m->args->instance;
        (void)report_kill(&r);

        m->n_kills++;
        snprintf(m->last_kill, sizeof(m->last_kill), "%d %s %s %s %" PRIu64 "kB %" PRIu64, (int)v->pid,
                 v->comm, r.trigger, result, r.released_kb, now_usec(CLOCK_REALTIME));

        m->death_source = sd_event_source_disable_unref(m->death_source);
        m->timeout_source = sd_event_source_disable_unref(m->timeout_source);
        m->recheck_source = sd_event_source_disable_unref(m->recheck_source);
        kill_op_done(&m->op);
        m->killing = false;
        decide_kill_finished(&m->decider, now);
        manager_update_status(m, true);
}

/*
 * True once the memory of every signalled process is accounted: process_mrelease() gave it back
 * (it may still be frozen), or the process has exited. A process whose own exit won the race
 * with mrelease (ESRCH) is still freeing its memory until its pidfd says it is gone.
 */
static bool kill_accounted(const struct kill_op *op)
{
        for (size_t i = 0; i < op->n_targets; i++) {
                const struct kill_target *t = &op->targets[i];
                struct pollfd p = {.fd = t->pidfd, .events = POLLIN};

                if (t->result != 0 || t->release == 0 || t->pidfd < 0)
                        continue;
                if (poll(&p, 1, 0) <= 0)
                        return false;
        }
        return true;
}

static int on_recheck(sd_event_source *s, uint64_t usec, void *userdata);

static void manager_kill_maybe_finish(struct manager *m)
{
        if (!m->killing)
                return;
        if (m->op.release_pending && !m->released)
                return;
        if (kill_accounted(&m->op)) {
                manager_kill_finish(m, "killed");
                return;
        }
        /* Some member is still exiting; only the victim's pidfd is watched, so look again soon. */
        if (m->recheck_source)
                (void)sd_event_source_set_time_relative(m->recheck_source, KILL_RECHECK_USEC);
        else if (sd_event_add_time_relative(m->event, &m->recheck_source, CLOCK_MONOTONIC, KILL_RECHECK_USEC,
                                            0, on_recheck, m) < 0)
                m->recheck_source = NULL;
        if (m->recheck_source)
                (void)sd_event_source_set_enabled(m->recheck_source, SD_EVENT_ONESHOT);
}

static int on_recheck(sd_event_source *s, uint64_t usec, void *userdata)
{
        manager_kill_maybe_finish(userdata);
        return 0;
}

static int on_reaper(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct manager *m = userdata;
        int r;

        if (!m->killing)
                return 0;
        r = reaper_collect(m->reaper, &m->op);
        if (r == -EAGAIN)
                return 0;
        if (r < 0) {
                log_warning_errno(r, "Collecting the reaper's result failed");
                return 0;
        }
        m->released = true;
        if (m->op.release_result < 0)
                log_warning_errno(m->op.release_result,
                                  "process_mrelease() of %d (%s) failed, waiting for it to exit instead",
                                  (int)m->victim.pid, m->victim.comm);
        manager_kill_maybe_finish(m);
        return 0;
}

static int on_death(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct manager *m = userdata;

        m->dead = true;
        m->t_exit = now_usec(CLOCK_MONOTONIC);
        m->death_source = sd_event_source_disable_unref(m->death_source);
        manager_kill_maybe_finish(m);
        return 0;
}

static int on_kill_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;
        char t[32];

        log_warning("Victim %d (%s) still alive %s after SIGKILL; deciding again.", (int)m->victim.pid,
                    m->victim.comm, format_duration(t, sizeof(t), m->config.kill_timeout));
        manager_kill_finish(m, "timeout");
        return 0;
}

static void manager_warn_once(struct manager *m, unsigned bits)
{
        unsigned fresh = bits & ~m->warned;

        m->warned |= bits;
        if (fresh & KILL_WARN_NO_PIDFD)
                log_warning("pidfd_open() is not supported by this kernel (< 5.3): killing with kill(2), "
                            "which cannot rule out PID reuse.");
        if (fresh & KILL_WARN_NO_MRELEASE)
                log_warning("process_mrelease() is not supported by this kernel (< 5.15): a victim's memory "
                            "comes back only when it exits.");
        if (fresh & KILL_WARN_NO_CGROUP_KILL)
                log_notice("cgroup.kill is not available here: cgroups are killed process by process.");
}

/* Fills the victim's cgroup path when the snapshot did not read it: the record names it. */
static void victim_read_cgroup(struct manager *m, struct victim *v)
{
        char path[64], buf[4096];

        if (v->cgroup[0])
                return;
        snprintf(path, sizeof(path), "%d/cgroup", (int)v->pid);
        if (read_file_at(m->proc_fd, path, buf, sizeof(buf)) > 0)
                (void)cgroup_parse_proc_cgroup(buf, v->cgroup, sizeof(v->cgroup), NULL, 0);
}

static void manager_report_dry_run(struct manager *m, const struct monitor_sample *s)
{
        const struct victim *v = &m->victim;
        struct kill_report r = {
                .pid = v->pid,
                .uid = v->uid,
                .comm = v->comm,
                .cgroup = v->cgroup,
                .starttime = v->starttime,
                .badness = v->badness,
                .oom_score_adj = v->oom_score_adj,
                .rss_kb = v->rss_kb,
                .swap_kb = v->swap_kb,
                .pgtables_kb = v->pgtables_kb,
                .kill_unit = kill_unit_to_string(m->config.kill_unit),
                .trigger = decide_reason_to_string(m->reason),
                .pressure_some_avg10 = s->pressure.some.avg10,
                .pressure_full_avg10 = s->pressure.full.avg10,
                .mem_available_kb = s->mem_available / 1024,
                .swap_free_kb = s->swap_free / 1024,
                .result = "dry-run",
                .kill_usec = now_usec(CLOCK_MONOTONIC) - m->t_decide,
                .dry_run = true,
                .instance = m->args->instance,
        };

        (void)report_kill(&r);
}

/*
 * Scan and score. System-wide, snapshot_select() ranks every process by the kernel's own
 * oom_score and fully reads only those that could still win (same victim as a full scan, a
 * quarter of the cost). A cgroup scope scales adj by the cgroup's limit, which oom_score does
 * not, so it takes the full (and, being scoped, small) scan. With the BPF iterator loaded,
 * both rank by exact badness from one kernel pass instead, the scope with its own totalpages.
 */
static int manager_select(struct manager *m, struct snapshot_opts *opts, struct candidate *ret)
{
        struct score_ctx ctx = {};
        struct cgroup_memory cm;
        uint64_t swap;
        int r;

        opts->rank = m->rank;
        if (!m->config.cgroup[0] || m->rank) {
                if (m->config.cgroup[0]) {
                        r = snapshot_read_totalpages(m->proc_fd, &ctx.total_pages, &swap);
                        if (r < 0)
                                return r;
                        if (cgroup_memory_read(&m->roots, m->config.cgroup, &cm) >= 0)
                                ctx.total_pages = score_scope_total_pages(&cm, swap, ctx.total_pages,
                                                                          m->snapshot.page_size);
                }
                r = snapshot_select(m->proc_fd, opts, &m->config.policy, &ctx, &m->snapshot, ret);
                if (m->snapshot.rank_error && !m->warned_rank) {
                        m->warned_rank = true;
                        log_warning(
                                "BPF ranking failed: %s; using /proc oom_score for this and later failures",
                                rank_bpf_strerror(m->snapshot.rank_error));
                }
                return r;
        }

        r = snapshot_take(m->proc_fd, opts, &m->snapshot);
        if (r < 0)
                return r;
        ctx.total_pages = m->snapshot.total_pages;
        ctx.page_size = m->snapshot.page_size;
        if (cgroup_memory_read(&m->roots, m->config.cgroup, &cm) >= 0)
                ctx.total_pages = score_scope_total_pages(&cm, m->snapshot.swap_pages,
                                                          m->snapshot.total_pages, m->snapshot.page_size);
        return score_select(&m->snapshot, &m->config.policy, &ctx, ret);
}

static void manager_kill(struct manager *m, enum decide_reason reason, const struct monitor_sample *s)
{
        struct snapshot_opts opts = {
                .fields = m->config.policy.fields_used,
                .cgroup = m->config.cgroup[0] ? m->config.cgroup : NULL,
                .self = getpid(),
                .cgroup_root = m->have_roots && m->roots.v2[0] ? m->roots.v2 : NULL,
                .xattrs = m->config.policy.honor_xattrs && m->have_roots && m->roots.v2[0],
        };
        struct candidate c;
        struct kill_request req;
        usec_t now;
        int r;

        m->t_decide = now_usec(CLOCK_MONOTONIC);
        m->reason = reason;
        m->before = *s;

        r = manager_select(m, &opts, &c);
        if (r < 0) {
                log_error_errno(r, "Failed to scan processes");
                decide_kill_started(&m->decider, m->t_decide); /* retry after KillTimeout=, not at once */
                return;
        }
        if (r == SCORE_NO_CANDIDATE) {
                if (!m->last_no_candidate ||
                    m->t_decide - m->last_no_candidate >= NO_CANDIDATE_INTERVAL_USEC) {
                        m->last_no_candidate = m->t_decide;
                        (void)report_no_candidate(decide_reason_to_string(reason), s->mem_available / 1024,
                                                  s->pressure.some.avg10, m->snapshot.n_seen,
                                                  m->args->instance);
                }
                decide_kill_started(&m->decider, m->t_decide);
                return;
        }

        victim_from_proc(&m->victim, &m->snapshot, &m->snapshot.procs[c.idx]);
        m->victim.badness = c.badness;
        victim_read_cgroup(m, &m->victim);

        req = (struct kill_request){
                .victim = &m->victim,
                .unit = m->config.kill_unit,
                .dry_run = m->config.dry_run,
                .release = m->config.release,
                .proc_dirfd = m->proc_fd,
                .roots = m->have_roots ? &m->roots : NULL,
                .scope = m->config.cgroup[0] ? m->config.cgroup : NULL,
        };
        r = kill_start(m->reaper, &req, &m->op);
        now = now_usec(CLOCK_MONOTONIC);
        if (r < 0) {
                log_error_errno(r, "Failed to kill %d (%s)", (int)m->victim.pid, m->victim.comm);
                decide_kill_started(&m->decider, now);
                return;
        }
        manager_warn_once(m, m->op.warn_once);
        switch (r) {
        case KILL_DRY_RUN:
                manager_report_dry_run(m, s);
                kill_op_done(&m->op);
                /* Behave as after a kill, so a dry run shows the cadence a real one would have. */
                decide_kill_started(&m->decider, now);
                return;
        case KILL_GONE:
        case KILL_REUSED:
        case KILL_PROTECTED:
        case KILL_OUTSIDE:
                log_info("Victim %d (%s) not killed: %s; choosing again.", (int)m->victim.pid,
                         m->victim.comm, kill_result_to_string(r));
                kill_op_done(&m->op);
                return;
        default:
                break;
        }

        m->killing = true;
        m->released = false;
        m->dead = false;
        m->t_exit = 0;
        decide_kill_started(&m->decider, now);
        if (kill_op_pidfd(&m->op) >= 0 &&
            sd_event_add_io(m->event, &m->death_source, kill_op_pidfd(&m->op), EPOLLIN, on_death, m) < 0)
                m->death_source = NULL;
        if (sd_event_add_time_relative(m->event, &m->timeout_source, CLOCK_MONOTONIC, m->config.kill_timeout,
                                       0, on_kill_timeout, m) < 0)
                m->timeout_source = NULL;
        manager_kill_maybe_finish(m);
}

static void on_sample(struct monitor *mon, const struct monitor_sample *s, int error, void *userdata)
{
        static bool warned_gone;
        struct manager *m = userdata;
        enum decide_reason reason;
        enum decide_action a;

        if (error < 0) {
                if (error == -ENODEV)
                        log_warning("The PSI trigger on %s went away; polling pressure instead.",
                                    monitor_get_info(mon)->pressure_path);
                else if (!warned_gone) {
                        warned_gone = true;
                        if (error == -ENOENT && m->config.cgroup[0])
                                log_warning(
                                        "The monitored cgroup %s no longer exists; nothing to watch until "
                                        "it is created again.",
                                        m->config.cgroup);
                        else
                                log_error_errno(error, "Cannot read the memory state of %s", scope_name(m));
                }
                return;
        }
        warned_gone = false;
        if (monitor_get_info(mon)->memory_fallback && !m->warned_memory_fallback) {
                m->warned_memory_fallback = true;
                log_notice(
                        "The memory files of %s cannot be read (no memory controller for it here); judging "
                        "its headroom by the machine's, its pressure by its own memory.pressure.",
                        scope_name(m));
        }
        m->last = *s;
        m->have_last = true;

        a = decide_step(&m->decider, s, &reason);
        if (a == DECIDE_KILL && !m->killing)
                manager_kill(m, reason, s);
        monitor_set_fast(mon, decide_wants_fast(&m->decider));
        manager_update_status(m, false);
}

static void manager_log_monitor(struct manager *m)
{
        const struct monitor_info *mi = monitor_get_info(m->monitor);
        char a[32], b[32], c[32], d[32], e[32];

        for (int l = 0; l < _PSI_LEVEL_MAX; l++)
                if (mi->trigger_adapted[l])
                        log_notice("PSI trigger \"%s %" PRIu64 " %" PRIu64
                                   "\" on %s was refused (windows must be "
                                   "multiples of 2s without CAP_SYS_RESOURCE); using \"%s %" PRIu64
                                   " %" PRIu64 "\", the same share of a longer window.",
                                   psi_level_to_string(l), mi->trigger_requested[l].stall,
                                   mi->trigger_requested[l].window, mi->pressure_path,
                                   psi_level_to_string(l), mi->trigger_effective[l].stall,
                                   mi->trigger_effective[l].window);
        if (mi->polling)
                log_notice_errno(mi->trigger_error,
                                 "PSI triggers are not available on %s; polling its stall counters every %s",
                                 mi->pressure_path,
                                 format_duration(a, sizeof(a), m->config.pressure_poll_interval));
        if (mi->container)
                log_notice("Running in a container: watching its own pressure (%s), not the host's.",
                           mi->pressure_path);
        if (!mi->have_pressure)
                log_warning("No pressure information (%s); acting on memory headroom only.",
                            mi->pressure_path);

        log_info("reapd %s monitoring %s: MinAvailable=%s MinSwapFree=%s (%s), PressureSome=%s for %s, "
                 "PressureFull=%s, KillUnit=%s%s.",
                 REAPD_VERSION, scope_name(m),
                 config_format_threshold(a, sizeof(a), &m->config.min_available),
                 config_format_threshold(b, sizeof(b), &m->config.min_swap_free),
                 headroom_mode_to_string(m->config.headroom_mode),
                 format_percent(c, sizeof(c), m->config.pressure_some),
                 format_duration(d, sizeof(d), m->config.pressure_duration),
                 format_percent(e, sizeof(e), m->config.pressure_full),
                 kill_unit_to_string(m->config.kill_unit), m->config.dry_run ? ", dry run" : "");
}

static void manager_log_caps(const struct caps_report *cr, bool mlock)
{
        char buf[512];

        if (cr->missing)
                for (int cap = 0; cap < 64; cap++)
                        if (cr->missing & CAPS_BIT(cap)) {
                                const char *cost = caps_cost(cap);

                                log_notice("Running without %s: %s.",
                                           caps_format(buf, sizeof(buf), CAPS_BIT(cap)),
                                           cost ? cost : "unused");
                        }
        if (cr->drop_error)
                log_warning_errno(cr->drop_error, "Could not drop unneeded capabilities");
        if (mlock && cr->mlock_error)
                log_warning_errno(cr->mlock_error,
                                  "mlockall() failed; reapd may be paged out under pressure");
        if (cr->oom_score_adj_error)
                log_notice_errno(
                        cr->oom_score_adj_error,
                        "Could not set own oom_score_adj to %d (needs CAP_SYS_RESOURCE), staying at %d; "
                        "reapd itself is never its own victim, but the kernel's OOM killer could pick it",
                        CAPS_OOM_SCORE_ADJ, cr->oom_score_adj);
        log_debug("Capabilities kept: %s", caps_format(buf, sizeof(buf), cr->kept));
}

static void reaper_config_from(const struct reapd_config *c, struct reaper_config *ret)
{
        *ret = (struct reaper_config){
                .cpus_set = c->reaper_cpus_set,
                .cpus = c->reaper_cpus,
                .nice = c->reaper_nice,
                .sched_policy = c->reaper_sched_policy,
                .sched_priority = c->reaper_sched_priority,
        };
}

static int manager_start_reaper(struct manager *m)
{
        struct reaper_config rc;
        struct reaper_setup setup;
        int r;

        reaper_config_from(&m->config, &rc);
        r = reaper_new(&rc, &setup, &m->reaper);
        if (r < 0)
                return log_error_errno(r, "Failed to start the reaper thread");
        if (setup.affinity < 0)
                log_warning_errno(setup.affinity,
                                  "Could not pin the reaper thread to ReaperCPUs=, ignoring");
        if (setup.nice < 0)
                log_warning_errno(setup.nice, "Could not set ReaperNice=%d on the reaper thread, ignoring",
                                  m->config.reaper_nice);
        if (setup.sched < 0)
                log_warning_errno(
                        setup.sched,
                        "Could not give the reaper thread ReaperSchedPolicy=%s (needs CAP_SYS_NICE); it "
                        "runs SCHED_OTHER, ignoring",
                        config_sched_policy_to_string(m->config.reaper_sched_policy));
        r = sd_event_add_io(m->event, &m->reaper_source, reaper_fd(m->reaper), EPOLLIN, on_reaper, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the reaper thread");
        return 0;
}

static void manager_apply_config(struct manager *m)
{
        struct decide_params p;

        log_set_max_level(m->config.log_level);
        decide_params_from_config(&m->config, &p);
        decider_init(&m->decider, &p);
}

/*
 * Loads @args->config_path like config_load(), but each "file:line: message" goes to the log at
 * error priority: under systemd stderr would record them at info, and a broken drop-in must stand
 * out. An instance's configuration must set Cgroup= as well.
 */
static int manager_load_config(const struct manager_args *args, struct reapd_config *ret)
{
        char *text = NULL;
        size_t len = 0;
        FILE *errors = open_memstream(&text, &len);
        int r = config_load(args->config_path, errors, ret);

        if (errors) {
                fclose(errors);
                for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
                        nl = strchr(line, '\n');
                        if (nl)
                                *nl = '\0';
                        if (*line)
                                log_error("%s", line);
                }
                free(text);
        }
        /* Without a scope an instance would judge and kill the whole machine. */
        if (r >= 0 && args->instance && !ret->cgroup[0]) {
                log_error(INSTANCE_NO_CGROUP_FMT, args->config_path, args->instance);
                config_done(ret);
                r = -EINVAL;
        }
        return r;
}

/* LEARN_USEC after manager_settle() (@s NULL: called directly): merge the split libraries back. */
static int on_learned(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;
        size_t pieces = 0;
        int r;

        if (m->killing && s) {
                /* merging takes the mmap lock ~1 500 times: not while a victim is being reaped */
                (void)sd_event_source_set_time_relative(s, 10 * USEC_PER_SEC);
                (void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
                return 0;
        }
        m->learn_source = sd_event_source_disable_unref(m->learn_source);
        r = memlock_merge(&pieces);
        if (r < 0)
                log_debug_errno(r, "Could not merge the library mappings split at start-up");
        else
                log_debug("Merged %zu library mapping pieces back", pieces);
        return 0;
}

/*
 * After start-up and after each reload: let go of the library pages start-up alone used (see
 * memlock.h), then run once what a kill needs, so it is mapped and locked before any pressure:
 * a selection (which also sizes the snapshot's arrays, so choosing a victim does not allocate)
 * and the library code of the kill path that nothing else runs before (the pidfd syscalls and
 * the reaper's poll and eventfd write; the journal record). For LEARN_USEC the libraries stay
 * split page by page, so that this and the steady state map only the pages they run, not each
 * one's 64 KiB fault-around window; then on_learned() merges them back.
 */
static void manager_settle(struct manager *m)
{
        struct snapshot_opts warm = {.self = getpid()};
        struct candidate warm_victim;
        struct memlock_trim_result tr;
        /* With the libraries split, a touch maps only the pages it reads: the first two pages of
         * each, enough for these small functions (process_mrelease and the pidfd calls go through
         * syscall(); the reaper polls, sleeps between retries and reads cgroup.procs). */
        const uintptr_t kill_path[] = {
                (uintptr_t)nanosleep,       (uintptr_t)getdents64,
                (uintptr_t)syscall,         (uintptr_t)poll,
                (uintptr_t)write,           (uintptr_t)sd_journal_sendv,
                (uintptr_t)sd_journal_send, (uintptr_t)sd_journal_send_with_location,
        };
        int r;

        if (m->locked && !m->killing) {
                if (m->learn_source) /* a reload within LEARN_USEC of the last settle */
                        (void)on_learned(NULL, 0, m);
                r = memlock_trim(true, &tr);
                if (r < 0) /* some start-up pages stay, or (before 5.18) a range is left unlocked */
                        log_warning_errno(r, "Could not unmap start-up pages of shared libraries");
                else if (tr.truncated)
                        log_warning("More library mappings than memlock_trim() handles; some were left as "
                                    "they are");
                else
                        log_debug("Unmapped %zu KiB of start-up pages in %zu library mappings%s, split "
                                  "them at %zu pages for %" PRIu64 "s; locked the executable's %zu KiB",
                                  tr.dropped / 1024, tr.mappings,
                                  tr.unlocked_fallback ? " (munlock fallback)" : "", tr.split,
                                  (uint64_t)(LEARN_USEC / USEC_PER_SEC), tr.populated / 1024);
        }
        /* Warm only the path manager_select() takes: a full system-wide scan would hold 96 bytes
         * for every process, where snapshot_select() keeps the few it reads in full. */
        warm.fields = m->config.policy.fields_used;
        warm.rank = m->rank;
        warm.cgroup = m->config.cgroup[0] ? m->config.cgroup : NULL;
        warm.cgroup_root = m->have_roots && m->roots.v2[0] ? m->roots.v2 : NULL;
        if (warm.cgroup && !m->rank)
                (void)snapshot_take(m->proc_fd, &warm, &m->snapshot);
        else
                (void)snapshot_select(m->proc_fd, &warm, NULL, NULL, &m->snapshot, &warm_victim);
        /* pass 1 keeps every process when they are all alike: room for twice today's */
        (void)snapshot_reserve(&m->snapshot, 2 * m->snapshot.n_seen);
        for (size_t i = 0; i < ELEMENTSOF(kill_path); i++)
                memlock_touch((const void *)kill_path[i], MEMLOCK_TOUCH_LEN);
        if (m->locked && !m->killing && !m->learn_source &&
            sd_event_add_time_relative(m->event, &m->learn_source, CLOCK_MONOTONIC, LEARN_USEC,
                                       LEARN_USEC / 10, on_learned, m) < 0) {
                m->learn_source = NULL;
                (void)on_learned(NULL, 0, m);
        }
}

static int on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;
        struct reapd_config c;
        struct monitor *mon = NULL;
        int r;

        (void)sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, now_usec(CLOCK_MONOTONIC));
        r = manager_load_config(m->args, &c);
        if (r < 0) {
                log_error_errno(r, "Reloading %s failed; keeping the previous configuration",
                                m->args->config_path);
                goto done;
        }
        if (m->args->force_dry_run)
                c.dry_run = true;
        if (config_equal(&c, &m->config)) {
                log_info("Configuration reloaded, unchanged.");
                config_done(&c);
                goto done;
        }
        if (!m->have_roots && c.cgroup[0])
                m->have_roots = cgroup_roots_discover("/proc/self/mountinfo", &m->roots) >= 0;
        r = monitor_new(m->event, &c, m->have_roots ? &m->roots : NULL, on_sample, m, &mon);
        if (r < 0) {
                log_error_errno(r, "Reloaded configuration cannot monitor %s; keeping the previous one",
                                c.cgroup[0] ? c.cgroup : "system");
                config_done(&c);
                goto done;
        }
        if (m->killing)
                manager_kill_finish(m, "reload");
        m->monitor = monitor_free(m->monitor);
        m->monitor = mon;
        config_done(&m->config);
        m->config = c;
        manager_apply_config(m);
        /* The reaper's affinity and priority are applied by its thread at start: restart it. */
        m->reaper_source = sd_event_source_disable_unref(m->reaper_source);
        m->reaper = reaper_free(m->reaper);
        if (manager_start_reaper(m) < 0)
                return sd_event_exit(m->event, -EIO);
        manager_settle(m);
        manager_log_monitor(m);
        log_info("Configuration reloaded.");
done:
        manager_update_status(m, true);
        (void)sd_notify(false, "READY=1");
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        log_info("Received SIG%s, stopping.", sigabbrev_np((int)si->ssi_signo));
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static void manager_setup_state_path(struct manager *m)
{
        const char *dir = getenv("RUNTIME_DIRECTORY");
        struct instance_paths paths;

        if (dir && *dir) {
                if (snprintf(m->state_path, sizeof(m->state_path), "%s/state", dir) >=
                    (int)sizeof(m->state_path))
                        m->state_path[0] = '\0';
                return;
        }
        if (instance_paths(INSTANCE_CONF_ROOT, INSTANCE_RUN_DIR, m->args->instance, &paths) < 0)
                return;
        (void)mkdir(INSTANCE_RUN_DIR, 0755); /* an instance's directory is inside reapd.service's */
        if (mkdir(paths.state_dir, 0755) < 0 && errno != EEXIST) {
                log_debug_errno(errno, "Cannot create %s; reapctl status will show live readings only",
                                paths.state_dir);
                return;
        }
        strlcpy0(m->state_path, paths.state, sizeof(m->state_path));
}

/* Another daemon whose scope overlaps ours: say so once at start (reapd(8), INSTANCES). */
static void warn_overlap(const char *name, int pid, const char *state, void *userdata)
{
        const struct manager *m = userdata;
        char scope[PATH_MAX];

        if (pid == (int)getpid() || streq(name, m->args->instance) || (!name && !m->args->instance))
                return;
        if (instance_scopes_overlap(instance_state_get(state, "SCOPE", scope, sizeof(scope)),
                                    m->config.cgroup))
                log_notice("%s%s%s (PID %d) watches %s, which overlaps %s: each may kill for the same "
                           "trouble, with nothing to coordinate them.",
                           name ? "reapd@" : "reapd", name ?: "", ".service", pid, scope, scope_name(m));
}

int manager_main(const struct manager_args *args)
{
        struct manager m = {.args = args, .proc_fd = -1};
        struct caps_setup_args ca = {
                .keep = CAPS_WANTED,
                .mlock = true,
                .drop_bounding = true,
                .oom_score_adj_path = "/proc/self/oom_score_adj",
        };
        struct caps_report cr;
        sigset_t ss;
        int r;

        log_setup(args->log_target, LOG_INFO);
        r = manager_load_config(args, &m.config);
        if (r < 0)
                return log_error_errno(r, "Refusing to start: the configuration in %s is invalid",
                                       args->config_path);
        if (args->force_dry_run)
                m.config.dry_run = true;
        log_set_max_level(m.config.log_level);

        /* Loading needs CAP_BPF and CAP_PERFMON, running the loaded iterator needs neither: load
         * before caps_setup() drops them. */
        r = rank_bpf_new(&m.rank);
        if (r < 0)
                log_notice("BPF ranking unavailable: %s; using /proc oom_score", rank_bpf_strerror(r));
        else
                log_notice("BPF ranking in use: one task-iterator pass ranks every process");

        /* Before the malloc_trim() below: opendir()'s buffer is freed with the rest. */
        (void)instance_for_each_running(INSTANCE_RUN_DIR, warn_overlap, &m);

        /* What loading freed (libbpf's copy of the object, its BTF) back to the kernel now: once
         * mlockall() has locked the heap, free pages inside it can no longer be given back. */
        (void)malloc_trim(0);
        /* Before any thread exists, so the reaper inherits the reduced capability sets. */
        r = caps_setup(&ca, &cr);
        if (r < 0)
                log_warning_errno(r, "Cannot read the capability state, ignoring");
        else
                manager_log_caps(&cr, ca.mlock);
        m.locked = r >= 0 && ca.mlock && cr.mlock_error == 0;
        (void)caps_read_effective("/proc", 0, &m.caps);

        r = cgroup_roots_discover("/proc/self/mountinfo", &m.roots);
        m.have_roots = r >= 0;
        if (r < 0 && m.config.cgroup[0]) {
                log_error_errno(r, "Cgroup=%s is set but no cgroup2 hierarchy is mounted", m.config.cgroup);
                goto out;
        }
        if (r < 0)
                log_notice_errno(
                        r, "No cgroup2 hierarchy found: Cgroup= scopes and KillUnit=cgroup are unavailable");
        m.proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (m.proc_fd < 0) {
                r = log_error_errno(errno, "Cannot open /proc");
                goto out;
        }

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        sigprocmask(SIG_BLOCK, &ss, NULL);

        r = sd_event_default(&m.event);
        if (r >= 0)
                r = sd_event_add_signal(m.event, NULL, SIGTERM, on_signal, &m);
        if (r >= 0)
                r = sd_event_add_signal(m.event, NULL, SIGINT, on_signal, &m);
        if (r >= 0)
                r = sd_event_add_signal(m.event, NULL, SIGHUP, on_reload, &m);
        if (r >= 0)
                r = sd_event_set_watchdog(m.event, true);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the event loop");
                goto out;
        }

        r = manager_start_reaper(&m);
        if (r < 0)
                goto out;
        manager_apply_config(&m);
        r = monitor_new(m.event, &m.config, m.have_roots ? &m.roots : NULL, on_sample, &m, &m.monitor);
        if (r < 0) {
                log_error_errno(r, "Cannot monitor %s", scope_name(&m));
                goto out;
        }
        manager_settle(&m);

        manager_setup_state_path(&m);
        manager_log_monitor(&m);
        manager_update_status(&m, true);
        (void)sd_notify(false, "READY=1");

        r = sd_event_loop(m.event);
        (void)sd_notify(false, "STOPPING=1");
        if (m.killing)
                manager_kill_finish(&m, "stopped");
        if (r < 0)
                log_error_errno(r, "Event loop failed");
out:
        if (m.state_path[0])
                (void)unlink(m.state_path);
        m.monitor = monitor_free(m.monitor);
        m.learn_source = sd_event_source_disable_unref(m.learn_source);
        m.reaper_source = sd_event_source_disable_unref(m.reaper_source);
        m.reaper = reaper_free(m.reaper);
        snapshot_done(&m.snapshot);
        m.rank = rank_bpf_free(m.rank);
        if (m.proc_fd >= 0)
                close(m.proc_fd);
        sd_event_unref(m.event);
        config_done(&m.config);
        return r < 0 ? r : 0;
}
