/* SPDX-License-Identifier: GPL-2.0-or-later */
/* manager.c - the daemon's event loop */

#include <signal.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "manager.h"

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        log_info("Received %s, stopping.", strsignal((int)si->ssi_signo));
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

int manager_main(const struct manager_args *args)
{
        struct reapd_config cfg;
        sd_event *e = NULL;
        sigset_t ss;
        int r;

        log_setup(args->log_target, LOG_INFO);
        r = config_load(args->config_path, stderr, &cfg);
        if (r < 0)
                return log_error_errno(r, "Failed to load configuration from %s", args->config_path);

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigprocmask(SIG_BLOCK, &ss, NULL);

        r = sd_event_default(&e);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGTERM, on_signal, NULL);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGINT, on_signal, NULL);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the event loop");
                goto out;
        }
        log_info("reapd %s monitoring system-wide memory.", REAPD_VERSION);
        (void)sd_notify(false, "READY=1\nSTATUS=monitoring");
        r = sd_event_loop(e);
        (void)sd_notify(false, "STOPPING=1");
out:
        sd_event_unref(e);
        config_done(&cfg);
        return r;
}
