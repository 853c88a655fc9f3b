/* SPDX-License-Identifier: GPL-2.0-or-later */
/* manager.c - the daemon's loop: event sources, signals, reload, start and stop */

#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "caps.h"
#include "instance.h"
#include "journal-send.h"
#include "manager-internal.h"
#include "procfs.h"
#include "rank-bpf.h"

/* 30s: a withheld kill is worth a line, not one per sample while stale pressure lasts. */
#define DEFERRED_LOG_INTERVAL_USEC (30 * USEC_PER_SEC)
/* 1s at stop for the journal records still queued: a stalled journald must not hold the stop. */
#define JOURNAL_STOP_USEC (1 * USEC_PER_SEC)

static void on_sample(struct monitor *mon, const struct monitor_sample *s, int error, void *userdata)
{
        static bool warned_gone;
        struct manager *m = userdata;
        enum decide_reason reason;
        enum decide_action a;

        if (error < 0) {
                if (error == -ENODEV) {
                        log_warning("The PSI trigger on %s went away; polling pressure instead.",
                                    monitor_get_info(mon)->pressure_path);
                        manager_update_status(m, true); /* the state file: no trigger, polling */
                } else if (!warned_gone) {
                        warned_gone = true;
                        if (error == -ENOENT && m->config.cgroup[0])
                                log_warning(
                                        "The monitored cgroup %s no longer exists; nothing to watch until "
                                        "it is created again.",
                                        m->config.cgroup);
                        else
                                log_error_errno(error, "Cannot read the memory state of %s",
                                                manager_scope_name(m));
                }
                return;
        }
        warned_gone = false;
        if (monitor_get_info(mon)->memory_fallback && !m->warned_memory_fallback) {
                m->warned_memory_fallback = true;
                log_notice(
                        "The memory files of %s cannot be read (no memory controller for it here); judging "
                        "its headroom by the machine's, its pressure by its own memory.pressure.",
                        manager_scope_name(m));
        }
        if (monitor_get_info(mon)->stat_error < 0 && !m->warned_stat) {
                m->warned_stat = true;
                log_notice_errno(monitor_get_info(mon)->stat_error,
                                 "The memory.stat of %s cannot be read; counting none of its page cache as "
                                 "available, and no reclaim activity",
                                 manager_scope_name(m));
        }
        if (monitor_get_info(mon)->no_reclaim && !m->warned_no_reclaim) {
                m->warned_no_reclaim = true;
                log_notice("No reclaim counters for %s: a kill on pressure alone cannot be checked against "
                           "present reclaim activity, and PSI alone decides.",
                           manager_scope_name(m));
        }
        m->last = *s;
        m->have_last = true;

        a = decide_step(&m->decider, s, &reason);
        if (m->decider.deferred != m->deferred_logged &&
            s->now - m->deferred_logged_at >= DEFERRED_LOG_INTERVAL_USEC) {
                log_info("Pressure on %s (some %u.%02u%%, full %u.%02u%% avg10) without reclaim activity or "
                         "low headroom now: not killing on it (%u decision%s withheld so far).",
                         manager_scope_name(m), s->pressure.some.avg10 / 100, s->pressure.some.avg10 % 100,
                         s->pressure.full.avg10 / 100, s->pressure.full.avg10 % 100, m->decider.deferred,
                         m->decider.deferred == 1 ? "" : "s");
                m->deferred_logged = m->decider.deferred;
                m->deferred_logged_at = s->now;
        }
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
                log_notice("Running in a container: watching its own pressure (%s)%s, not the host's.",
                           mi->pressure_path,
                           mi->container_memory ? " and memory limits (its cgroup namespace's root)" : "");
        if (!mi->have_pressure)
                log_warning("No pressure information (%s); acting on memory headroom only.",
                            mi->pressure_path);

        log_info("reapd %s monitoring %s: MinAvailable=%s MinSwapFree=%s (%s), PressureSome=%s for %s, "
                 "PressureFull=%s, KillUnit=%s%s.",
                 REAPD_VERSION, manager_scope_name(m),
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

static void manager_apply_config(struct manager *m)
{
        struct decide_params p;

        log_set_max_level(m->config.log_level);
        decide_params_from_config(&m->config, &p);
        decide_reconfigure(&m->decider, &p);
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

/*
 * Userspace OOM killers whose kills race with ours, by the comm their packages run them under.
 * The unit does not carry Conflicts= on systemd-oomd.service: systemd starts it by itself for
 * any unit with ManagedOOM*= (Debian's package sets it on user@.service), and the conflict would
 * then stop reapd at the first login, silently. Saying so is all reapd can do.
 */
static const char *const peer_comms[] = {"earlyoom", "nohang", "systemd-oomd", "oomd"};

static int warn_peer(pid_t pid, void *userdata)
{
        const struct manager *m = userdata;
        struct proc_stat st;

        if (proc_read_stat(m->proc_fd, pid, &st) < 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(peer_comms); i++)
                if (streq(st.comm, peer_comms[i]))
                        log_warning("%s (PID %d) is running too: two OOM killers watching the same memory "
                                    "each kill for the same trouble. Stop and mask one of them (reapd(8), "
                                    "PEERS).",
                                    st.comm, (int)pid);
        return 0;
}

static void warn_peers(struct manager *m)
{
        _Alignas(8) char dents[PROC_DENTS_SIZE];

        (void)proc_for_each_pid(m->proc_fd, dents, sizeof(dents), warn_peer, m);
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
                           name ? "reapd@" : "reapd", name ?: "", ".service", pid, scope,
                           manager_scope_name(m));
}

/*
 * After start-up and after each reload (a new config, a new reaper thread): run a kill once,
 * for real, on a child of reapd's own (manager-rehearse.c), so that every page a kill touches is
 * resident and locked before any memory trouble. Its victim scan also sizes the snapshot's
 * arrays, so that choosing a victim under pressure does not allocate.
 */
static void manager_settle(struct manager *m)
{
        manager_rehearse(m);
        /* pass 1 keeps one entry per process: room for twice today's */
        (void)select_reserve(&m->selector, 2 * m->selector.snapshot.n_seen);
}

void manager_restart_reaper(struct manager *m)
{
        if (reaper_busy(m->reaper)) {
                m->reaper_restart = true; /* on_reaper() comes back here once it is free */
                return;
        }
        m->reaper_restart = false;
        m->reaper_source = sd_event_source_disable_unref(m->reaper_source);
        m->reaper = reaper_free(m->reaper);
        if (manager_start_reaper(m) < 0) {
                (void)sd_event_exit(m->event, -EIO);
                return;
        }
        manager_settle(m);
}

static int on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;
        struct reapd_config c;
        struct monitor_params mp;
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
        monitor_params_from_config(&c, &mp);
        r = monitor_new(m->event, &mp, m->have_roots ? &m->roots : NULL, on_sample, m, &mon);
        if (r < 0) {
                log_error_errno(r, "Reloaded configuration cannot monitor %s; keeping the previous one",
                                c.cgroup[0] ? c.cgroup : "system");
                config_done(&c);
                goto done;
        }
        manager_prekill_cancel(m, "a reload");
        if (m->killing)
                manager_kill_finish(m, "reload");
        m->monitor = monitor_free(m->monitor);
        m->monitor = mon;
        config_done(&m->config);
        m->config = c;
        manager_apply_config(m);
        manager_notify_setup(m);
        /* The reaper's affinity and priority are applied by its thread at start: restart it. */
        manager_restart_reaper(m);
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

int manager_main(const struct manager_args *args)
{
        /* $NOTIFY_SOCKET cannot change: not looked up in the cold environment at every sample */
        struct manager m = {.args = args, .proc_fd = -1, .status_reader = getenv("NOTIFY_SOCKET")};
        struct caps_setup_args ca = {
                .keep = CAPS_WANTED,
                .mlock = true,
                .drop_bounding = true,
                .oom_score_adj_path = "/proc/self/oom_score_adj",
        };
        struct caps_report cr;
        struct monitor_params mp;
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
        r = rank_bpf_new(&m.selector.rank);
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
        (void)caps_read_effective("/proc", 0, &m.caps);
        /* After caps_setup(): the sender thread keeps the capability sets of its creator. */
        if (log_use_journal()) {
                r = journal_send_start(NULL);
                if (r < 0)
                        log_warning_errno(r, "Cannot start the journal sender; a stalled journald may "
                                             "stall reapd, ignoring");
        }

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
        warn_peers(&m);

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
        monitor_params_from_config(&m.config, &mp);
        r = monitor_new(m.event, &mp, m.have_roots ? &m.roots : NULL, on_sample, &m, &m.monitor);
        if (r < 0) {
                log_error_errno(r, "Cannot monitor %s", manager_scope_name(&m));
                goto out;
        }
        manager_notify_setup(&m);
        manager_settle(&m);

        manager_setup_state_path(&m);
        manager_log_monitor(&m);
        manager_update_status(&m, true);
        (void)sd_notify(false, "READY=1");

        r = sd_event_loop(m.event);
        (void)sd_notify(false, "STOPPING=1");
        manager_prekill_cancel(&m, "the stop");
        if (m.killing)
                manager_kill_finish(&m, "stopped");
        if (r < 0)
                log_error_errno(r, "Event loop failed");
out:
        if (m.state_path[0])
                (void)unlink(m.state_path);
        manager_notify_free(&m);
        m.monitor = monitor_free(m.monitor);
        manager_rehearsal_reap(&m);
        m.reaper_source = sd_event_source_disable_unref(m.reaper_source);
        m.reaper = reaper_free(m.reaper);
        select_done(&m.selector);
        m.selector.rank = rank_bpf_free(m.selector.rank);
        journal_send_stop(JOURNAL_STOP_USEC);
        if (m.proc_fd >= 0)
                close(m.proc_fd);
        sd_event_unref(m.event);
        config_done(&m.config);
        return r < 0 ? r : 0;
}
