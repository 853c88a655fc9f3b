/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config-names.c - the names of reapd.conf's enumerated values, and values formatted as a dump writes them */

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "config-internal.h"

static const char *const kill_unit_names[_KILL_UNIT_MAX] = {
        [KILL_UNIT_PROCESS] = "process",
        [KILL_UNIT_PROCESS_GROUP] = "process-group",
        [KILL_UNIT_CGROUP] = "cgroup",
};

static const char *const headroom_names[_HEADROOM_MODE_MAX] = {
        [HEADROOM_AND] = "and",
        [HEADROOM_OR] = "or",
};

static const char *const log_level_names[] = {
        [LOG_EMERG] = "emerg",     [LOG_ALERT] = "alert",   [LOG_CRIT] = "crit", [LOG_ERR] = "err",
        [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

static const struct {
        const char *name;
        int policy;
} sched_policies[] = {
        {"other", SCHED_OTHER},
        {"fifo", SCHED_FIFO},
        {"rr", SCHED_RR},
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
        return m < _HEADROOM_MODE_MAX ? headroom_names[m] : NULL;
}

const char *config_sched_policy_to_string(int policy)
{
        for (size_t i = 0; i < ELEMENTSOF(sched_policies); i++)
                if (sched_policies[i].policy == policy)
                        return sched_policies[i].name;
        return NULL;
}

const char *config_log_level_to_string(int level)
{
        return level >= 0 && (size_t)level < ELEMENTSOF(log_level_names) ? log_level_names[level] : NULL;
}

int config_log_level_from_name(const char *s, int *ret)
{
        for (size_t i = 0; i < ELEMENTSOF(log_level_names); i++)
                if (streq(s, log_level_names[i])) {
                        *ret = (int)i;
                        return 0;
                }
        return -EINVAL;
}

int headroom_mode_from_string(const char *s, enum headroom_mode *ret)
{
        for (enum headroom_mode m = 0; m < _HEADROOM_MODE_MAX; m++)
                if (streq(s, headroom_names[m])) {
                        *ret = m;
                        return 0;
                }
        return -EINVAL;
}

int config_sched_policy_from_string(const char *s, int *ret)
{
        for (size_t i = 0; i < ELEMENTSOF(sched_policies); i++)
                if (streq(s, sched_policies[i].name)) {
                        *ret = sched_policies[i].policy;
                        return 0;
                }
        return -EINVAL;
}
char *config_format_size(char *buf, size_t size, uint64_t bytes)
{
        static const char suffixes[] = "KMGTP";
        int i;

        /* The largest unit that divides exactly, so that a dump parses back to the same value. */
        for (i = (int)sizeof(suffixes) - 2; i >= 0; i--) {
                uint64_t unit = UINT64_C(1) << (10 * (i + 1));

                if (bytes >= unit && bytes % unit == 0) {
                        snprintf(buf, size, "%" PRIu64 "%c", bytes / unit, suffixes[i]);
                        return buf;
                }
        }
        snprintf(buf, size, "%" PRIu64, bytes);
        return buf;
}

char *config_format_threshold(char *buf, size_t size, const struct threshold *t)
{
        return t->percent ? format_percent(buf, size, t->permyriad)
                          : config_format_size(buf, size, t->bytes);
}

char *config_format_cpus(char *buf, size_t size, const cpu_set_t *set)
{
        size_t n = 0;

        if (size == 0)
                return buf;
        buf[0] = '\0';
        for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
                int last = cpu;
                int k;

                if (!CPU_ISSET(cpu, set))
                        continue;
                while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, set))
                        last++;
                if (last == cpu)
                        k = snprintf(buf + n, size - n, "%s%d", n ? "," : "", cpu);
                else
                        k = snprintf(buf + n, size - n, "%s%d-%d", n ? "," : "", cpu, last);
                if (k < 0 || (size_t)k >= size - n) {
                        buf[n] = '\0'; /* no half-written range: only whole items */
                        break;
                }
                n += (size_t)k;
                cpu = last;
        }
        return buf;
}
