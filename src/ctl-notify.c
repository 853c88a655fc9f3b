/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl-notify.c - reapctl notify: a desktop notification for each Killed signal of reapd */

/*
 * A user's agent (reapd-notify.service, started with the graphical session): it asks the system
 * bus for reapd's Killed signals (a match, nothing polled) and, for each kill of one of the
 * user's own processes (or of anyone's, with --all), asks the session's notification server
 * (org.freedesktop.Notifications) to show what was killed, why, and how much memory came back.
 * Signals from anyone but root are ignored. Idle it sleeps in the event loop. It ends when either bus goes away: with the session, or (the
 * system bus) with an error, for systemd to start it again.
 */

#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "bus.h"
#include "ctl.h"
#include "util.h"

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
/* Urgency "normal" (the specification's 1): a kill is worth a banner, not a dialog that stays. */
#define NOTIFY_URGENCY 1
#define NOTIFY_ICON "dialog-warning"

struct agent {
        sd_event *event;
        sd_bus *system, *session;
        bool all;
        uid_t uid;
        bool markup; /* the server renders markup in the body: escape what the victim named itself */
};

/* One Killed signal, as read from the bus. */
struct killed {
        uint32_t pid, uid, count;
        const char *comm, *cgroup, *reason, *unit, *result, *instance;
        uint64_t victim_bytes, released_bytes;
};

static void help(void)
{
        printf("Usage: reapctl notify [OPTIONS]\n"
               "\n"
               "Show a desktop notification for each process reapd kills (its Killed signal on the\n"
               "system bus), through the session's notification server. Runs until the session ends.\n"
               "\n"
               "  --all        Every kill, not only those of your own processes (for admins)\n"
               "  -h --help    Show this help\n");
}

static const char *reason_text(const char *reason)
{
        if (streq(reason, "pressure-some"))
                return "processes kept stalling on memory";
        if (streq(reason, "pressure-full"))
                return "the system was stalled on memory";
        if (streq(reason, "memory"))
                return "memory was running out";
        if (streq(reason, "swap"))
                return "swap was running out";
        return reason;
}

/* Appends @s to @buf (of @size, holding @*n bytes), '&', '<' and '>' escaped when @markup. */
static void append(char *buf, size_t size, size_t *n, const char *s, bool markup)
{
        for (; *s && *n + 6 < size; s++) {
                const char *e = !markup     ? NULL
                                : *s == '&' ? "&amp;"
                                : *s == '<' ? "&lt;"
                                : *s == '>' ? "&gt;"
                                            : NULL;
                size_t l = e ? strlen(e) : 1;

                memcpy(buf + *n, e ? e : s, l);
                *n += l;
        }
        buf[*n] = '\0';
}

_printf_(5, 6) static void appendf(char *buf, size_t size, size_t *n, bool markup, const char *fmt, ...)
{
        char tmp[PATH_MAX + 128];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(tmp, sizeof(tmp), fmt, ap);
        va_end(ap);
        append(buf, size, n, tmp, markup);
}

/* The notification's summary (plain text, as the specification has it) and body for @k. */
static void notify_text(const struct killed *k, bool markup, char *summary, size_t ssize, char *body,
                        size_t bsize)
{
        char freed[32], held[32];
        size_t n = 0;

        format_size(freed, sizeof(freed), k->released_bytes);
        format_size(held, sizeof(held), k->victim_bytes);
        if (streq(k->unit, "cgroup"))
                snprintf(summary, ssize, "Killed %s (PID %" PRIu32 ") and the rest of its cgroup", k->comm,
                         k->pid);
        else if (streq(k->unit, "process-group") && k->count > 1)
                snprintf(summary, ssize, "Killed %s (PID %" PRIu32 ") and its process group", k->comm,
                         k->pid);
        else
                snprintf(summary, ssize, "Killed %s (PID %" PRIu32 ")", k->comm, k->pid);

        body[0] = '\0';
        appendf(body, bsize, &n, markup, "reapd killed it because %s.", reason_text(k->reason));
        if (k->released_bytes > 0)
                appendf(body, bsize, &n, markup, " %s of memory came back (it held %s).", freed, held);
        else
                appendf(body, bsize, &n, markup, " It held %s of memory.", held);
        if (k->count > 1)
                appendf(body, bsize, &n, markup, " %" PRIu32 " processes were signalled.", k->count);
        if (!streq(k->result, "killed"))
                appendf(body, bsize, &n, markup, " Result: %s.", k->result);
        appendf(body, bsize, &n, markup, "\nUser %" PRIu32 ", cgroup %s%s%s", k->uid, k->cgroup,
                *k->instance ? ", by reapd@" : "", *k->instance ? k->instance : "");
        if (*k->instance)
                append(body, bsize, &n, ".service", markup);
}

static int on_notify_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (e)
                fprintf(stderr, "reapctl notify: the notification server refused: %s\n",
                        e->message ? e->message : e->name);
        return 0;
}

/*
 * Anyone may send a signal on the system bus, with any interface and path: only those sent by
 * root, as reapd runs, are shown (the policy lets only root own reapd's names).
 */
static bool sent_by_root(sd_bus *bus, sd_bus_message *m)
{
        const char *sender = sd_bus_message_get_sender(m);
        sd_bus_creds *c = NULL;
        uid_t uid = 1;
        int r;

        if (!sender)
                return false;
        r = sd_bus_get_name_creds(bus, sender, SD_BUS_CREDS_EUID, &c);
        if (r >= 0)
                r = sd_bus_creds_get_euid(c, &uid);
        sd_bus_creds_unref(c);
        if (r < 0) {
                fprintf(stderr,
                        "reapctl notify: cannot tell who sent a Killed signal (%s): %s; ignoring it\n",
                        sender, strerror(-r));
                return false;
        }
        if (uid != 0)
                fprintf(stderr,
                        "reapctl notify: a Killed signal from %s, which runs as uid %u, not root; ignoring "
                        "it\n",
                        sender, (unsigned)uid);
        return uid == 0;
}

static int on_killed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct agent *a = userdata;
        struct killed k;
        char summary[256], body[2 * PATH_MAX];
        int r;

        r = sd_bus_message_read(m, BUS_KILLED_SIGNATURE, &k.pid, &k.comm, &k.uid, &k.cgroup, &k.reason,
                                &k.unit, &k.count, &k.victim_bytes, &k.released_bytes, &k.result,
                                &k.instance);
        if (r < 0) {
                fprintf(stderr, "reapctl notify: a Killed signal that does not read as %s: %s\n",
                        BUS_KILLED_SIGNATURE, strerror(-r));
                return 0;
        }
        if ((!a->all && k.uid != a->uid) || !sent_by_root(a->system, m))
                return 0;
        notify_text(&k, a->markup, summary, sizeof(summary), body, sizeof(body));
        r = sd_bus_call_method_async(a->session, NULL, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                     NOTIFICATIONS_NAME, "Notify", on_notify_reply, a, "susssasa{sv}i",
                                     "reapd", (uint32_t)0, NOTIFY_ICON, summary, body, 0, 1, "urgency", "y",
                                     (uint8_t)NOTIFY_URGENCY, (int32_t)-1);
        if (r < 0)
                fprintf(stderr, "reapctl notify: cannot ask for a notification: %s\n", strerror(-r));
        else
                printf("%s\n", summary);
        fflush(stdout);
        return 0;
}

static int on_capabilities(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct agent *a = userdata;
        const char *cap;

        if (sd_bus_message_is_method_error(m, NULL) || sd_bus_message_enter_container(m, 'a', "s") < 0)
                return 0;
        while (sd_bus_message_read(m, "s", &cap) > 0)
                if (streq(cap, "body-markup"))
                        a->markup = true;
        return 0;
}

/* The system bus gone: an error (systemd restarts the agent). The session bus gone: the session ended. */
static int on_filter(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct agent *a = userdata;
        bool system = sd_bus_message_get_bus(m) == a->system;

        if (!sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected"))
                return 0;
        fprintf(stderr, "reapctl notify: the %s bus went away\n", system ? "system" : "session");
        return sd_event_exit(a->event, system ? 1 : 0);
}

static int agent_connect(struct agent *a)
{
        int r;

        r = sd_bus_open_user(&a->session);
        if (r < 0) {
                fprintf(stderr, "reapctl notify: no session bus: %s\n", strerror(-r));
                return r;
        }
        r = sd_bus_open_system(&a->system);
        if (r < 0) {
                fprintf(stderr, "reapctl notify: no system bus: %s\n", strerror(-r));
                return r;
        }
        r = sd_bus_attach_event(a->session, a->event, 0);
        if (r >= 0)
                r = sd_bus_attach_event(a->system, a->event, 0);
        if (r >= 0)
                r = sd_bus_add_filter(a->session, NULL, on_filter, a);
        if (r >= 0)
                r = sd_bus_add_filter(a->system, NULL, on_filter, a);
        if (r < 0) {
                fprintf(stderr, "reapctl notify: cannot set up the buses: %s\n", strerror(-r));
                return r;
        }
        /* Every reapd: reapd.service and the instances send from different names, one path. */
        r = sd_bus_match_signal(a->system, NULL, NULL, BUS_PATH, BUS_INTERFACE, BUS_KILLED_SIGNAL, on_killed,
                                a);
        if (r < 0) {
                fprintf(stderr, "reapctl notify: cannot listen for reapd's Killed signal: %s\n",
                        strerror(-r));
                return r;
        }
        r = sd_bus_call_method_async(a->session, NULL, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                     NOTIFICATIONS_NAME, "GetCapabilities", on_capabilities, a, NULL);
        if (r < 0)
                fprintf(stderr, "reapctl notify: cannot ask the notification server what it shows: %s\n",
                        strerror(-r));
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

int ctl_notify(int argc, char **argv)
{
        enum { ARG_ALL = 0x100 };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"all", no_argument, NULL, ARG_ALL},
                {},
        };
        struct agent a = {.uid = getuid()};
        sigset_t ss;
        int c, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_ALL:
                        a.all = true;
                        break;
                default:
                        fprintf(stderr, "Try 'reapctl notify --help' for more information.\n");
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "reapctl notify: unexpected argument '%s'\n", argv[optind]);
                return 2;
        }
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        r = sd_event_default(&a.event);
        if (r >= 0)
                r = sd_event_add_signal(a.event, NULL, SIGTERM, on_signal, NULL);
        if (r >= 0)
                r = sd_event_add_signal(a.event, NULL, SIGINT, on_signal, NULL);
        if (r < 0) {
                fprintf(stderr, "reapctl notify: cannot set up the event loop: %s\n", strerror(-r));
                sd_event_unref(a.event);
                return 1;
        }
        r = agent_connect(&a);
        if (r >= 0) {
                fprintf(stderr, "reapctl notify: waiting for reapd's kills of %s processes\n",
                        a.all ? "everyone's" : "your");
                r = sd_event_loop(a.event);
        }
        /* Not flushed: a session bus that no longer reads would hold the agent's exit. */
        sd_bus_close_unref(a.session);
        sd_bus_close_unref(a.system);
        sd_event_unref(a.event);
        return r == 0 ? 0 : 1;
}
