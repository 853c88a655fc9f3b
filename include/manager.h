#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* manager.h - the daemon: sd-event loop wiring monitor -> snapshot -> score -> decide -> kill -> report */

#include <stdbool.h>

#include "log.h"

struct manager_args {
        const char *config_path;
        const char *instance; /* reapd@NAME.service's NAME (--instance), or NULL */
        enum log_target log_target;
        bool force_dry_run;
};

/*
 * manager_main() - load the config, acquire privileges, set up the event sources, notify
 * systemd and run until SIGTERM/SIGINT. Returns 0 on a clean stop, a negative errno if the
 * daemon could not start (already logged).
 */
int manager_main(const struct manager_args *args);
