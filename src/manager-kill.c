/* SPDX-License-Identifier: GPL-2.0-or-later */
/* manager-kill.c - the kill lifecycle: victim scan, SIGKILL, release, death or timeout, record */

#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "manager-internal.h"
#include "procfs.h"
#include "rank-bpf.h"
#include "report.h"

/* 10ms: how often to look at group members still exiting: process_mrelease() gives back gigabytes
 * in that time (bench/TUNABLES.md), so a finished group is seen soon, and the loop does not spin. */
#define KILL_RECHECK_USEC (10 * USEC_PER_MSEC)

/* The victim's part of a record: who it was, as the snapshot saw it. */
static void report_victim(const struct victim *v, struct kill_report *r)
{
        r->pid = v->pid;
        r->uid = v->uid;
        r->comm = v->comm;
        r->cgroup = v->cgroup;
        r->starttime = v->starttime;
        r->badness = v->badness;
        r->oom_score_adj = v->oom_score_adj;
        r->rss_kb = v->rss_kb;
        r->swap_kb = v->swap_kb;
        r->pgtables_kb = v->pgtables_kb;
}

/* True once the victim has exited (its pidfd polls readable); without a pidfd, as on_death saw it. */
static bool victim_exited(const struct manager *m)
{
        int fd = kill_op_pidfd(&m->op);

        if (m->dead || fd < 0)
                return m->dead;
        return poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, 0) > 0;
}

/* Was the kill worth it? decide_kill_judge() on what the victim held and what came back. */
static void manager_judge(struct manager *m, const struct monitor_sample *after, bool have_after,
                          struct kill_report *r)
{
        const struct victim *v = &m->victim;
        struct decide_kill_memory km = {
                .held = (v->rss_kb + v->swap_kb) * 1024,
                .shmem = m->victim_shmem_kb * 1024,
                .locked = m->victim_locked_kb * 1024,
                .hugetlb = m->victim_hugetlb_kb * 1024,
                .exited = victim_exited(m),
                .measured = have_after,
        };
        struct decide_judgement j;
        char held[32], freed[32], wait[32];

        /* memory and swap: a thrasher's pages in swap come back as free swap */
        if (have_after)
                km.freed = add_sat_u64(sub_sat(after->mem_available_pcp, m->before.mem_available_pcp),
                                       sub_sat(after->swap_free, m->before.swap_free));
        decide_kill_judge(&m->decider, &km, &j);
        if (j.futile == DECIDE_FUTILE_NO)
                return;
        r->futile = decide_futile_to_string(j.futile);
        r->futile_streak = j.streak;
        r->backoff_usec = j.backoff;
        log_warning("Killing %d (%s) gave back %s of the %s it held (likely cause: %s); %u such kill%s in a "
                    "row, the next kill waits %s.",
                    (int)v->pid, v->comm, format_size(freed, sizeof(freed), km.freed),
                    format_size(held, sizeof(held), km.held), r->futile, j.streak, j.streak == 1 ? "" : "s",
                    format_duration(wait, sizeof(wait), j.backoff));
}

/* The request for a kill of m->victim as configured. */
static void manager_kill_request(const struct manager *m, struct kill_request *ret)
{
        *ret = (struct kill_request){
                .victim = &m->victim,
                .unit = m->config.kill_unit,
                .dry_run = m->config.dry_run,
                .release = m->config.release,
                .proc_dirfd = m->proc_fd,
                .roots = m->have_roots ? &m->roots : NULL,
                .scope = m->config.cgroup[0] ? m->config.cgroup : NULL,
        };
}

/*
 * How the unit was killed and what became of its members: counted again now, at the end, so a
 * member that outlived its SIGKILL (stuck, or missed) shows in the record.
 */
static void report_members(struct manager *m, struct kill_report *r)
{
        struct kill_request req;

        r->kill_method = m->op.cgroup_kill ? "cgroup.kill" : m->op.no_pidfd ? "kill" : "pidfd";
        r->n_alive = -1;
        if (m->op.unit == KILL_UNIT_PROCESS)
                return;
        r->n_failed = (unsigned)m->op.n_failed;
        r->n_protected = (unsigned)m->op.n_protected;
        r->n_unreleased = (unsigned)m->op.n_unheld;
        r->truncated = m->op.truncated;
        manager_kill_request(m, &req);
        r->n_alive = kill_count_alive(m->reaper, &req, &m->op);
        if (r->n_alive < 0)
                log_debug_errno((int)r->n_alive, "Cannot count the members of %d's unit still alive",
                                (int)m->op.pid);
}

void manager_kill_finish(struct manager *m, const char *result)
{
        struct kill_report r = {};
        struct monitor_sample after = {};
        usec_t now = now_usec(CLOCK_MONOTONIC);
        const struct victim *v = &m->victim;
        bool have_after;

        if (!m->killing)
                return;
        have_after =
                monitor_sample_now(m->monitor, &after) >= 0 && after.have_memory && m->before.have_memory;
        /* like with like: both with the per-CPU lists when they were read (mem_available_pcp) */
        if (have_after)
                r.released_kb = sub_sat(after.mem_available_pcp, m->before.mem_available_pcp) / 1024;

        report_victim(v, &r);
        r.kill_unit = kill_unit_to_string(m->op.unit);
        if (m->op.unit != m->unit_wanted)
                r.kill_unit_wanted = kill_unit_to_string(m->unit_wanted);
        r.victim_shmem_kb = m->victim_shmem_kb;
        r.victim_locked_kb = m->victim_locked_kb;
        r.victim_hugetlb_kb = m->victim_hugetlb_kb;
        r.n_killed = (unsigned)m->op.n_signalled;
        r.n_mm_sharers = (unsigned)m->op.n_sharers_signalled;
        r.mm_sharers_error = m->op.sharers_error;
        report_members(m, &r);
        r.trigger = m->rehearsing ? "rehearsal" : decide_reason_to_string(m->reason);
        r.pressure_some_avg10 = m->before.pressure.some.avg10;
        r.pressure_full_avg10 = m->before.pressure.full.avg10;
        r.mem_available_kb = m->before.mem_available / 1024;
        r.swap_free_kb = m->before.swap_free / 1024;
        r.result = result;
        r.error = m->op.release_result;
        r.kill_usec = sub_sat(m->op.t_signal, m->t_decide);
        r.release_usec = sub_sat(m->op.t_release_end, m->op.t_release_start);
        r.exit_usec = m->dead ? sub_sat(m->t_exit, m->op.t_signal) : 0;
        r.released_by_mrelease = m->op.n_released > 0;
        r.n_released = (unsigned)m->op.n_released;
        r.release_threads = m->op.n_release_threads;
        r.rehearsal = m->rehearsing;
        r.instance = m->args->instance;
        if (!m->rehearsing)
                manager_judge(m, &after, have_after, &r);
        (void)report_kill(&r);
        manager_notify_kill(m, &r);

        m->death_source = sd_event_source_disable_unref(m->death_source);
        m->timeout_source = sd_event_source_disable_unref(m->timeout_source);
        m->recheck_source = sd_event_source_disable_unref(m->recheck_source);
        /* never wait here for a release still running (a victim of hundreds of GB): the reaper
         * finishes it and on_reaper() frees it for the next kill */
        if (kill_op_done_nowait(&m->op))
                log_info("The reaper is still releasing the memory of %d (%s); the next kill waits for it.",
                         (int)v->pid, v->comm);
        m->killing = false;
        if (m->rehearsing) {
                m->rehearsing = false;
                manager_rehearsal_reap(m);
        } else {
                m->n_kills++;
                snprintf(m->last_kill, sizeof(m->last_kill), "%d %s %s %s %" PRIu64 "kB %" PRIu64,
                         (int)v->pid, v->comm, r.trigger, result, r.released_kb, now_usec(CLOCK_REALTIME));
                decide_kill_finished(&m->decider, now);
        }
        manager_update_status(m, true);
}

/*
 * 1s: how long a process that process_mrelease() released but that is running its own exit is
 * waited for. Its exit_mmap() may have unmapped pages before the release reached them and holds
 * them in its TLB gather until it flushes (thousands of pages), so they come back only when it
 * has exited. An exit stuck past that does not make the kill a timeout: what the release could
 * free is free, and the record says what came back.
 */
#define KILL_EXIT_GRACE_USEC (1 * USEC_PER_SEC)

/* True if this not yet exited target is in its own exit (or gone): the release may not be all of it. */
static bool target_exiting(int proc_fd, const struct kill_target *t)
{
        struct proc_stat st;

        if (proc_read_stat(proc_fd, t->pid, &st) < 0)
                return true; /* reaped meanwhile: its pidfd says so on the next look */
        return proc_stat_dying(&st) || st.vsize == 0;
}

/*
 * True once the memory of every signalled process is accounted: the process has exited, or
 * process_mrelease() gave it back and the process is not in an exit of its own (it is frozen, or
 * stuck before it; the release did the whole unmapping), or that exit ran past the grace. A
 * process not released (Release=no, a failed release, or its exit won the race with it: ESRCH) is
 * still freeing its memory until its pidfd says it is gone.
 */
static bool kill_accounted(const struct manager *m, usec_t now)
{
        const struct kill_op *op = &m->op;
        bool grace_over = op->t_release_end && now >= op->t_release_end + KILL_EXIT_GRACE_USEC;

        for (size_t i = 0; i < op->n_targets; i++) {
                const struct kill_target *t = &op->targets[i];
                struct pollfd p = {.fd = t->pidfd, .events = POLLIN};

                if (t->result != 0 || t->pidfd < 0)
                        continue;
                if (poll(&p, 1, 0) > 0)
                        continue;
                if (t->release != 0)
                        return false;
                if (!grace_over && target_exiting(m->proc_fd, t))
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
        /* A rehearsal runs both ends, the release and the death, and its child is reaped after. */
        if (m->rehearsing && !m->dead && m->death_source)
                return;
        if (kill_accounted(m, now_usec(CLOCK_MONOTONIC))) {
                manager_kill_finish(m, "killed");
                return;
        }
        /* Some process is still exiting; only the victim's pidfd is watched, so look again soon. */
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

        if (!m->killing) {
                /* a release left running by manager_kill_finish(): the reaper is free again */
                if (reaper_collect_detached(m->reaper) > 0 && m->reaper_restart)
                        manager_restart_reaper(m);
                return 0;
        }
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
                    m->victim.comm,
                    format_duration(t, sizeof(t), sub_sat(now_usec(CLOCK_MONOTONIC), m->op.t_signal)));
        manager_kill_finish(m, "timeout");
        return 0;
}

/* What one reaper setting came to, for the start-up line; the warnings below say why on failure. */
static const char *reaper_setup_to_string(int r)
{
        return r == 0 ? "applied" : r == REAPER_SETUP_SKIPPED ? "inherited" : "refused";
}

static void reaper_config_from(const struct reapd_config *c, struct reaper_config *ret)
{
        *ret = (struct reaper_config){
                .cpus_set = c->reaper_cpus_set,
                .cpus = c->reaper_cpus,
                .nice = c->reaper_nice,
                .sched_policy = c->reaper_sched_policy,
                .sched_priority = c->reaper_sched_priority,
                .threads = c->reaper_threads,
        };
}

int manager_start_reaper(struct manager *m)
{
        struct reaper_config rc;
        struct reaper_setup setup;
        int r;

        reaper_config_from(&m->config, &rc);
        r = reaper_new(&rc, &setup, &m->reaper);
        if (r < 0)
                return log_error_errno(r, "Failed to start the reaper thread");
        log_info("Reaper: %u thread%s (ReaperThreads=%s), CPUs %s, nice %s, policy %s.", setup.threads,
                 setup.threads == 1 ? "" : "s", m->config.reaper_threads ? "set" : "auto",
                 reaper_setup_to_string(setup.affinity), reaper_setup_to_string(setup.nice),
                 reaper_setup_to_string(setup.sched));
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
void victim_read_cgroup(struct manager *m, struct victim *v)
{
        if (!v->cgroup[0])
                (void)proc_read_cgroup(m->proc_fd, v->pid, v->cgroup, sizeof(v->cgroup), NULL, 0);
}

static void manager_report_dry_run(struct manager *m, const struct monitor_sample *s)
{
        struct kill_report r = {
                .kill_unit = kill_unit_to_string(m->op.unit),
                .kill_unit_wanted =
                        m->op.unit != m->unit_wanted ? kill_unit_to_string(m->unit_wanted) : NULL,
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

        report_victim(&m->victim, &r);
        (void)report_kill(&r);
        manager_notify_kill(m, &r);
}

void manager_select_opts(struct manager *m, struct snapshot_opts *ret)
{
        *ret = (struct snapshot_opts){
                .fields = m->config.policy.fields_used,
                .cgroup = m->config.cgroup[0] ? m->config.cgroup : NULL,
                .self = getpid(),
                .cgroup_root = m->have_roots && m->roots.v2[0] ? m->roots.v2 : NULL,
                .xattrs = m->config.policy.honor_xattrs && m->have_roots && m->roots.v2[0],
        };
        ret->exclude = decide_aside(&m->decider, now_usec(CLOCK_MONOTONIC), &ret->n_exclude);
}

/* Scan and score: select_victim() (select.h), and say once that the BPF iterator failed. */
int manager_select(struct manager *m, const struct snapshot_opts *opts, struct candidate *ret)
{
        int r = select_victim(&m->selector, m->proc_fd, opts, &m->config.policy, &m->roots, ret);

        if (m->selector.rank_error && !m->warned_rank) {
                m->warned_rank = true;
                log_warning("BPF ranking failed: %s; using /proc oom_score for this and later failures",
                            rank_bpf_strerror(m->selector.rank_error));
        }
        return r;
}

int manager_kill_start(struct manager *m, const struct kill_request *req)
{
        int r;

        r = kill_start(m->reaper, req, &m->op);
        if (r < 0)
                return r;
        manager_warn_once(m, m->op.warn_once);
        if (r > 0)
                kill_op_done(&m->op);
        return r;
}

void manager_kill_watch(struct manager *m, usec_t until)
{
        m->killing = true;
        m->released = false;
        m->dead = false;
        m->t_exit = 0;
        if (kill_op_pidfd(&m->op) >= 0 &&
            sd_event_add_io(m->event, &m->death_source, kill_op_pidfd(&m->op), EPOLLIN, on_death, m) < 0)
                m->death_source = NULL;
        if (sd_event_add_time(m->event, &m->timeout_source, CLOCK_MONOTONIC, until, 0, on_kill_timeout, m) <
            0)
                m->timeout_source = NULL;
        manager_kill_maybe_finish(m);
}

static enum decide_outcome outcome_of(int kill_result)
{
        switch (kill_result) {
        case 0:
                return DECIDE_OUTCOME_KILLED;
        case KILL_DRY_RUN:
                return DECIDE_OUTCOME_DRY_RUN;
        case KILL_GONE:
        case KILL_OUTSIDE: /* moved out of the scope since it was chosen: as good as gone */
                return DECIDE_OUTCOME_GONE;
        case KILL_REUSED:
                return DECIDE_OUTCOME_REUSED;
        case KILL_PROTECTED:
                return DECIDE_OUTCOME_PROTECTED;
        default:
                return DECIDE_OUTCOME_FAILED;
        }
}

/* What of the victim's memory no kill may give back, from its status just before the signal. */
static void read_victim_memory(struct manager *m)
{
        struct proc_status st;

        m->victim_shmem_kb = m->victim_locked_kb = m->victim_hugetlb_kb = 0;
        if (proc_read_status(m->proc_fd, m->victim.pid, &st) < 0)
                return; /* gone: kill_start() will say so */
        m->victim_shmem_kb = st.shmem_kb;
        m->victim_locked_kb = st.locked_kb;
        m->victim_hugetlb_kb = st.hugetlb_kb;
}

/*
 * kill_start() with KillUnit=, and if that unit cannot be killed (the victim's cgroup is the root,
 * or outside reapd's cgroup namespace; its process group cannot be listed), the process alone:
 * the kernel's OOM killer would kill it, and the next choice would be this victim again.
 */
static int manager_kill_unit(struct manager *m, struct kill_request *req)
{
        int r;

        m->unit_wanted = req->unit;
        m->unit_error = 0;
        r = manager_kill_start(m, req);
        if (r >= 0 || r == -EBUSY || req->unit == KILL_UNIT_PROCESS)
                return r;
        m->unit_error = r;
        /* once per victim: a dry run, or a kill that keeps timing out, tries it again */
        if (m->unit_warned.pid != m->victim.pid || m->unit_warned.starttime != m->victim.starttime)
                log_notice_errno(r, "KillUnit=%s cannot kill the %s of %d (%s); killing the process alone",
                                 kill_unit_to_string(req->unit),
                                 req->unit == KILL_UNIT_CGROUP ? "cgroup" : "process group",
                                 (int)m->victim.pid, m->victim.comm);
        m->unit_warned = (struct proc_ident){.pid = m->victim.pid, .starttime = m->victim.starttime};
        req->unit = KILL_UNIT_PROCESS;
        return manager_kill_start(m, req);
}

void manager_kill(struct manager *m, enum decide_reason reason, const struct monitor_sample *s)
{
        struct snapshot_opts opts;
        struct decide_verdict v;
        struct candidate c;
        int r;

        if (manager_prekill_pending(m)) /* a victim is chosen already, its hooks are being told */
                return;
        m->t_decide = now_usec(CLOCK_MONOTONIC);
        m->reason = reason;
        m->before = *s;

        manager_select_opts(m, &opts);
        r = manager_select(m, &opts, &c);
        if (r < 0) {
                log_error_errno(r, "Failed to scan processes");
                decide_kill_outcome(&m->decider, DECIDE_OUTCOME_FAILED, now_usec(CLOCK_MONOTONIC), NULL);
                return;
        }
        if (r == SCORE_NO_CANDIDATE) {
                decide_kill_outcome(&m->decider, DECIDE_OUTCOME_NO_CANDIDATE, m->t_decide, &v);
                if (v.report)
                        (void)report_no_candidate(decide_reason_to_string(reason), s->mem_available / 1024,
                                                  s->pressure.some.avg10, m->selector.snapshot.n_seen,
                                                  m->args->instance);
                return;
        }

        victim_from_proc(&m->victim, &m->selector.snapshot, &m->selector.snapshot.procs[c.idx]);
        m->victim.badness = c.badness;
        victim_read_cgroup(m, &m->victim);
        if (manager_prekill_begin(m))
                return;
        manager_kill_victim(m);
}

void manager_kill_victim(struct manager *m)
{
        struct decide_verdict v;
        struct kill_request req;
        usec_t now;
        int r;

        /* what the victim holds that a kill may not free, read just before the signal */
        read_victim_memory(m);

        manager_kill_request(m, &req);
        r = manager_kill_unit(m, &req);
        now = now_usec(CLOCK_MONOTONIC);
        if (r == -EBUSY) {
                /* the reaper still releases the last victim's memory: that memory is coming back */
                log_info("Not killing %d (%s) yet: the reaper is still releasing the last victim's memory.",
                         (int)m->victim.pid, m->victim.comm);
                decide_kill_outcome(&m->decider, DECIDE_OUTCOME_FAILED, now, NULL);
                return;
        }
        if (r < 0) {
                struct proc_ident id = {.pid = m->victim.pid, .starttime = m->victim.starttime};

                decide_kill_refused(&m->decider, &id, now, &v);
                if (v.next == DECIDE_NEXT_AGAIN)
                        log_warning_errno(r,
                                          "Cannot kill %d (%s); setting it aside for a minute and choosing "
                                          "again",
                                          (int)m->victim.pid, m->victim.comm);
                else
                        log_error_errno(r, "Cannot kill %d (%s), and too many victims are set aside already",
                                        (int)m->victim.pid, m->victim.comm);
                return;
        }
        if (r == KILL_DRY_RUN)
                manager_report_dry_run(m, &m->before);
        decide_kill_outcome(&m->decider, outcome_of(r), now, &v);
        log_debug("Kill of %d (%s): %s", (int)m->victim.pid, m->victim.comm,
                  decide_outcome_to_string(outcome_of(r)));
        if (v.next == DECIDE_NEXT_WAIT)
                manager_kill_watch(m, v.until);
        else if (v.next == DECIDE_NEXT_AGAIN)
                log_info("Victim %d (%s) not killed: %s; choosing again.", (int)m->victim.pid,
                         m->victim.comm, kill_result_to_string(r));
}
