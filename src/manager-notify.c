/* SPDX-License-Identifier: GPL-2.0-or-later */
/* manager-notify.c - who else hears of a kill: pre-kill hooks before it, the system bus and the metrics file after */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "manager-internal.h"
#include "metrics.h"
#include "prekill.h"

/* 15s: the scrape interval of Prometheus' example configuration; rewriting the file for every sample
 * in between would cost writes nobody reads. A kill is written at once. */
#define METRICS_INTERVAL_USEC (15 * USEC_PER_SEC)

struct notifier {
        struct reapd_bus *bus;
        bool bus_trouble; /* no bus, or it went away: said once, until it is back */
        int bus_name_error; /* why the name is not ours, said once until it is */
        struct prekill *prekill;
        int prekill_error; /* the last error of PreKillDirectory= logged, so it is said once */
        struct metrics metrics;
        char metrics_path[PATH_MAX]; /* the file written, "" none: a reload to another removes it */
        bool metrics_dirty; /* something changed since it was written */
        usec_t metrics_at;
        int metrics_error; /* the last error writing it, logged once */
        char service[BUS_NAME_MAX];
        char text[METRICS_TEXT_MAX];
        char line[PREKILL_LINE_MAX];
};

static void on_bus_event(struct reapd_bus *b, enum bus_event ev, int error, void *userdata)
{
        struct manager *m = userdata;
        struct notifier *n = m->notifier;
        bool trouble = n->bus_trouble;

        switch (ev) {
        case BUS_EVENT_UNAVAILABLE:
                n->bus_trouble = true;
                if (trouble)
                        log_debug_errno(error, "Still no system bus");
                else
                        log_notice_errno(error, "No system bus to send Killed signals to; connecting when "
                                                "its socket appears");
                return;
        case BUS_EVENT_DISCONNECTED:
                n->bus_trouble = true;
                if (!trouble)
                        log_notice(
                                "The system bus went away; Killed signals are not sent until it is back.");
                return;
        case BUS_EVENT_NAME_ACQUIRED:
                n->bus_trouble = false;
                n->bus_name_error = 0;
                log_info("%s %s on the system bus: a Killed signal follows each kill.",
                         trouble ? "Back as" : "Owning", bus_get_name(b));
                return;
        case BUS_EVENT_NAME_FAILED:
                n->bus_trouble = false;
                if (error == n->bus_name_error) {
                        log_debug_errno(error, "%s is still not ours", bus_get_name(b));
                        return;
                }
                n->bus_name_error = error;
                if (error == -EEXIST)
                        log_notice("%s belongs to another process; Killed signals go out all the same, from "
                                   "reapd's own connection.",
                                   bus_get_name(b));
                else if (error == -EACCES || error == -EPERM)
                        log_notice("The bus policy does not let reapd own %s (is "
                                   "/usr/share/dbus-1/system.d/" BUS_NAME
                                   ".conf installed?); Killed signals go out all the same, from "
                                   "reapd's own connection.",
                                   bus_get_name(b));
                else
                        log_notice_errno(error, "Could not own %s; Killed signals go out all the same",
                                         bus_get_name(b));
                return;
        }
}

/* The bus as DBus= says: connected (or looking for it), or not at all. */
static void notifier_setup_bus(struct manager *m, struct notifier *n)
{
        int r;

        if (!m->config.dbus) {
                if (n->bus)
                        log_info("DBus=no: leaving the system bus.");
                n->bus = bus_free(n->bus);
                n->bus_trouble = false;
                return;
        }
        if (n->bus)
                return;
        r = bus_new(m->event, m->args->instance, on_bus_event, m, &n->bus);
        if (r < 0)
                log_warning_errno(r, "Cannot set up the system bus connection; no Killed signals");
}

static void notifier_write_metrics(struct manager *m, struct notifier *n)
{
        const struct metrics_labels l = {
                .service = n->service,
                .version = REAPD_VERSION,
                .scope = manager_scope_name(m),
        };
        ssize_t len = metrics_render(&n->metrics, &l, n->text, sizeof(n->text));
        int r = len < 0 ? (int)len : metrics_write_file(n->metrics_path, n->text, (size_t)len);

        n->metrics_at = now_usec(CLOCK_MONOTONIC);
        n->metrics_dirty = false;
        if (r == 0) {
                if (n->metrics_error)
                        log_info("MetricsFile=%s is written again.", n->metrics_path);
                n->metrics_error = 0;
                return;
        }
        if (r == n->metrics_error)
                return;
        n->metrics_error = r;
        if (r == -ENOBUFS)
                log_warning("The metrics do not fit in %d bytes; MetricsFile=%s is not updated.",
                            METRICS_TEXT_MAX, n->metrics_path);
        else if (r == -EROFS || r == -EACCES || r == -EPERM)
                log_warning_errno(r,
                                  "Cannot write MetricsFile=%s; the unit lets reapd write only in "
                                  "/var/lib/prometheus/node-exporter (reapd(8), METRICS: ReadWritePaths= in "
                                  "a drop-in)",
                                  n->metrics_path);
        else
                log_warning_errno(r, "Cannot write MetricsFile=%s", n->metrics_path);
}

/* MetricsFile= as configured: a file that is no longer wanted is removed. */
static void notifier_setup_metrics(struct manager *m, struct notifier *n)
{
        if (streq(n->metrics_path, m->config.metrics_file))
                return;
        if (n->metrics_path[0] && unlink(n->metrics_path) < 0 && errno != ENOENT)
                log_debug_errno(errno, "Cannot remove the former MetricsFile=%s", n->metrics_path);
        strlcpy0(n->metrics_path, m->config.metrics_file, sizeof(n->metrics_path));
        n->metrics_error = 0;
        n->metrics_dirty = true; /* written by the next manager_notify_status() */
}

void manager_notify_setup(struct manager *m)
{
        struct notifier *n = m->notifier;
        int r;

        if (!n) {
                n = calloc(1, sizeof(*n));
                if (!n) {
                        log_warning("Out of memory: no Killed signals, metrics file or pre-kill hooks.");
                        return;
                }
                metrics_init(&n->metrics);
                if (m->args->instance)
                        snprintf(n->service, sizeof(n->service), "reapd@%s.service", m->args->instance);
                else
                        strlcpy0(n->service, "reapd.service", sizeof(n->service));
                m->notifier = n;
        }
        if (!n->prekill) {
                r = prekill_new(m->event, &n->prekill);
                if (r < 0)
                        log_warning_errno(r,
                                          "Cannot set up the pre-kill hooks; kills will not wait for them");
        }
        n->prekill_error = 0;
        notifier_setup_bus(m, n);
        notifier_setup_metrics(m, n);
}

void manager_notify_free(struct manager *m)
{
        struct notifier *n = m->notifier;

        if (!n)
                return;
        /* Absent, the series say that reapd is not running; stale, they would say it is. */
        if (n->metrics_path[0] && unlink(n->metrics_path) < 0 && errno != ENOENT)
                log_debug_errno(errno, "Cannot remove MetricsFile=%s", n->metrics_path);
        n->prekill = prekill_free(n->prekill);
        n->bus = bus_free(n->bus);
        free(n);
        m->notifier = NULL;
}

void manager_notify_kill(struct manager *m, const struct kill_report *r)
{
        struct notifier *n = m->notifier;
        int k;

        if (!n)
                return;
        if (r->rehearsal) {
                /* Not a kill: no signal, no count; but the code that builds the signal runs once. */
                if (n->bus)
                        (void)bus_rehearse_killed(n->bus, r);
                return;
        }
        if (!r->dry_run && n->bus) {
                k = bus_emit_killed(n->bus, r);
                if (k == -ENOTCONN)
                        log_debug("No system bus: no Killed signal for %d (%s).", (int)r->pid, r->comm);
                else if (k < 0)
                        log_warning_errno(k, "Could not send the Killed signal for %d (%s)", (int)r->pid,
                                          r->comm);
        }
        metrics_count_kill(&n->metrics, r, now_usec(CLOCK_REALTIME));
        if (n->metrics_path[0])
                notifier_write_metrics(m, n);
}

void manager_notify_status(struct manager *m, bool force)
{
        struct notifier *n = m->notifier;

        if (!n || !n->metrics_path[0])
                return;
        if (m->have_last &&
            metrics_set_readings(&n->metrics, &m->last,
                                 threshold_bytes(&m->config.min_available, m->last.mem_total),
                                 threshold_bytes(&m->config.min_swap_free, m->last.swap_total)))
                n->metrics_dirty = true;
        if (n->metrics_dirty &&
            (force || !n->metrics_at || now_usec(CLOCK_MONOTONIC) - n->metrics_at >= METRICS_INTERVAL_USEC))
                notifier_write_metrics(m, n);
}

/* --- pre-kill hooks ---------------------------------------------------------------------- */

static void log_prekill(struct manager *m, const struct prekill *p)
{
        const struct prekill_result *res = prekill_last(p);
        const struct prekill_hook *h;
        char w[32];
        size_t n;

        h = prekill_hooks(p, &n);
        for (size_t i = 0; i < n; i++)
                log_debug("Pre-kill hook %s: %s%s%s%s%s", h[i].name,
                          prekill_hook_state_to_string(h[i].state), h[i].answer[0] ? " \"" : "", h[i].answer,
                          h[i].answer[0] ? "\"" : "", h[i].error ? " (error)" : "");
        if (res->n_sockets == 0)
                return;
        log_info("Pre-kill hooks told of %d (%s) in %" PRIu64 ".%03" PRIu64
                 "s: %u answered, %u closed, %u did "
                 "not answer within %s, %u not listening, %u failed, %u not told (more than %d); killing it "
                 "now.",
                 (int)m->victim.pid, m->victim.comm, res->elapsed / USEC_PER_SEC,
                 res->elapsed % USEC_PER_SEC / USEC_PER_MSEC, res->n_answered, res->n_closed, res->n_timeout,
                 format_duration(w, sizeof(w), m->config.prekill_timeout), res->n_refused, res->n_failed,
                 res->n_skipped, PREKILL_MAX_HOOKS);
}

static void on_prekill_done(struct prekill *p, void *userdata)
{
        struct manager *m = userdata;

        log_prekill(m, p);
        manager_kill_victim(m);
}

bool manager_prekill_pending(const struct manager *m)
{
        return m->notifier && prekill_busy(m->notifier->prekill);
}

void manager_prekill_cancel(struct manager *m, const char *why)
{
        if (!manager_prekill_pending(m))
                return;
        prekill_cancel(m->notifier->prekill);
        log_info("Waiting for the pre-kill hooks about %d (%s) ended by %s; %d (%s) is not killed.",
                 (int)m->victim.pid, m->victim.comm, why, (int)m->victim.pid, m->victim.comm);
}

bool manager_prekill_begin(struct manager *m)
{
        struct notifier *n = m->notifier;
        ssize_t len;
        int r;

        /* A dry run must change nothing: a hook told of a kill may act on it (save, exit). */
        if (!n || !n->prekill || !m->config.prekill_timeout || m->config.dry_run)
                return false;
        len = prekill_format_line(&m->victim, decide_reason_to_string(m->reason),
                                  kill_unit_to_string(m->config.kill_unit), m->args->instance,
                                  m->config.prekill_timeout, n->line, sizeof(n->line));
        if (len < 0) {
                log_warning(
                        "The pre-kill line about %d (%s) does not fit in %d bytes; the hooks are not told.",
                        (int)m->victim.pid, m->victim.comm, PREKILL_LINE_MAX);
                return false;
        }
        r = prekill_start(n->prekill, m->config.prekill_directory, n->line, (size_t)len,
                          m->config.prekill_timeout, on_prekill_done, m);
        if (r == PREKILL_WAITING) {
                log_debug("Told %u pre-kill hooks of %d (%s); waiting at most %" PRIu64 " ms.",
                          prekill_last(n->prekill)->n_told, (int)m->victim.pid, m->victim.comm,
                          m->config.prekill_timeout / USEC_PER_MSEC);
                return true;
        }
        if (r < 0 && r != n->prekill_error) {
                if (r == -EPERM)
                        log_warning(
                                "PreKillDirectory=%s may be written by others than root: anyone could delay "
                                "every kill, so its hooks are not told.",
                                m->config.prekill_directory);
                else
                        log_warning_errno(r, "Cannot read PreKillDirectory=%s; its hooks are not told",
                                          m->config.prekill_directory);
        }
        n->prekill_error = r < 0 ? r : 0;
        if (r == 0)
                log_prekill(m, n->prekill);
        return false;
}
