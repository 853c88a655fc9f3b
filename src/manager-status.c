/* SPDX-License-Identifier: GPL-2.0-or-later */
/* manager-status.c - what the daemon shows: STATUS= for systemctl status, the state file for reapctl */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "caps.h"
#include "instance.h"
#include "manager-internal.h"

/* 1s: STATUS= and the state file follow pressure closely enough for a human, without a write per sample. */
#define STATUS_INTERVAL_USEC (1 * USEC_PER_SEC)

const char *manager_scope_name(const struct manager *m)
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
                m->args->config_path, manager_scope_name(m), m->config.dry_run);
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
        fprintf(f, "STATE=%s\nKILLS=%" PRIu64 "\nLAST_KILL=%s\nUPDATED_USEC=%" PRIu64 "\n",
                m->killing              ? "killing"
                : m->decider.waiting    ? "waiting"
                : m->decider.some_above ? "pressured"
                                        : "idle",
                m->n_kills, m->last_kill, now_usec(CLOCK_REALTIME));
        if (fclose(f) != 0 || rename(tmp, m->state_path) < 0)
                (void)unlink(tmp);
}

/* STATUS= for systemd: the readings of the last sample, sent when the text changed. */
static void manager_send_status(struct manager *m)
{
        char avail[32], total[32], swap[32], status[PATH_MAX + 256];

        if (!m->have_last || !m->last.have_memory)
                snprintf(status, sizeof(status), "Monitoring %s", manager_scope_name(m));
        else
                snprintf(status, sizeof(status),
                         "%s: pressure some %u.%02u%% full %u.%02u%% (avg10), available %s of %s, swap free "
                         "%s, "
                         "%" PRIu64 " kill%s",
                         manager_scope_name(m), m->last.pressure.some.avg10 / 100,
                         m->last.pressure.some.avg10 % 100, m->last.pressure.full.avg10 / 100,
                         m->last.pressure.full.avg10 % 100,
                         format_size(avail, sizeof(avail), m->last.mem_available),
                         format_size(total, sizeof(total), m->last.mem_total),
                         format_size(swap, sizeof(swap), m->last.swap_free), m->n_kills,
                         m->n_kills == 1 ? "" : "s");
        if (!streq(status, m->status_text)) {
                (void)sd_notifyf(false, "STATUS=%s", status);
                strlcpy0(m->status_text, status, sizeof(m->status_text));
        }
}

void manager_update_status(struct manager *m, bool force)
{
        usec_t now = now_usec(CLOCK_MONOTONIC);
        char state;

        /* The first reading replaces "Monitoring ..." at once, not a STATUS_INTERVAL later. */
        if (m->have_last && !m->status_has_data)
                force = true;
        if (!force && m->last_status && now - m->last_status < STATUS_INTERVAL_USEC)
                return;
        m->status_has_data = m->have_last && m->last.have_memory;
        m->last_status = now;
        /* Only systemd reads STATUS=: without its socket, formatting the text would be most of the
         * user-space work of an idle wakeup (bench/bench-idle.sh), for no reader. */
        if (m->status_reader)
                manager_send_status(m);
        /* The state file holds what only the daemon knows (state, kills, triggers); reapctl status
         * reads the live figures itself. So it is rewritten when that changes and at no other time:
         * on a disk-backed /run a create and rename cost more than an idle minute's reads
         * (bench/TUNABLES.md). */
        state = m->killing ? 'k' : m->decider.waiting ? 'w' : m->decider.some_above ? 'p' : 'i';
        if (force || state != m->state_written || m->n_kills != m->kills_written) {
                manager_write_state(m);
                m->state_written = state;
                m->kills_written = m->n_kills;
        }
        manager_notify_status(m, force);
}

void manager_setup_state_path(struct manager *m)
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
