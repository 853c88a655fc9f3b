/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.c - built-in defaults (the file parser lands with the config work) */

#include <string.h>
#include <syslog.h>

#include "config.h"

static const char *const kill_unit_names[_KILL_UNIT_MAX] = {
        [KILL_UNIT_PROCESS] = "process",
        [KILL_UNIT_PROCESS_GROUP] = "process-group",
        [KILL_UNIT_CGROUP] = "cgroup",
};

const char *kill_unit_to_string(enum kill_unit u)
{
        return u < _KILL_UNIT_MAX ? kill_unit_names[u] : NULL;
}

int kill_unit_from_string(const char *s, enum kill_unit *ret)
{
        for (enum kill_unit u = 0; u < _KILL_UNIT_MAX; u++)
                if (streq(s, kill_unit_names[u])) {
                        *ret = u;
                        return 0;
                }
        return -EINVAL;
}

const char *headroom_mode_to_string(enum headroom_mode m)
{
        return m == HEADROOM_AND ? "and" : m == HEADROOM_OR ? "or" : NULL;
}

uint64_t threshold_bytes(const struct threshold *t, uint64_t total)
{
        if (!t->percent)
                return t->bytes;
        /* 128-bit to stay exact for totals up to exabytes */
        return (uint64_t)((unsigned __int128)total * t->permyriad / PERMYRIAD_MAX);
}

void config_init(struct reapd_config *c)
{
        *c = (struct reapd_config){
                .min_available = {.percent = true, .permyriad = CONFIG_MIN_AVAILABLE_PERMYRIAD},
                .min_swap_free = {.percent = true, .permyriad = CONFIG_MIN_SWAP_FREE_PERMYRIAD},
                .headroom_mode = HEADROOM_AND,
                .pressure_some = CONFIG_PRESSURE_SOME_PERMYRIAD,
                .pressure_full = CONFIG_PRESSURE_FULL_PERMYRIAD,
                .pressure_window = CONFIG_PRESSURE_WINDOW_USEC,
                .pressure_duration = CONFIG_PRESSURE_DURATION_USEC,
                .pressure_poll_interval = CONFIG_PRESSURE_POLL_USEC,
                .kill_unit = KILL_UNIT_PROCESS,
                .release = true,
                .kill_timeout = CONFIG_KILL_TIMEOUT_USEC,
                .reaper_sched_policy = SCHED_OTHER,
                .log_level = LOG_INFO,
        };
        policy_init(&c->policy);
}

void config_done(struct reapd_config *c)
{
        policy_done(&c->policy);
}

int config_load(const char *path, FILE *errors, struct reapd_config *ret)
{
        if (access(path, F_OK) == 0) {
                if (errors)
                        fprintf(errors, "%s: configuration files are not supported yet\n", path);
                return -EOPNOTSUPP;
        }
        config_init(ret);
        return 0;
}

void config_dump(const struct reapd_config *c, FILE *f)
{
        fprintf(f, "[Monitor]\nCgroup=%s\n", c->cgroup);
}
