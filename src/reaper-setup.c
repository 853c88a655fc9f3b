/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reaper-setup.c - a reaper thread applies its configuration to itself: CPUs, nice, policy */

#include <errno.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "reaper-internal.h"

int reaper_apply_affinity(const struct reaper_config *c)
{
        cpu_set_t got, both;

        if (!c->cpus_set)
                return REAPER_SETUP_SKIPPED;
        if (sched_setaffinity(0, sizeof(c->cpus), &c->cpus) < 0)
                return -errno;
        if (sched_getaffinity(0, sizeof(got), &got) < 0)
                return -errno;
        /* The kernel drops offline CPUs; what we got must be within what was asked. */
        CPU_AND(&both, &got, &c->cpus);
        return CPU_EQUAL(&both, &got) && CPU_COUNT(&got) > 0 ? 0 : -EINVAL;
}

int reaper_apply_nice(const struct reaper_config *c)
{
        pid_t tid = (pid_t)syscall(SYS_gettid);
        int got;

        if (c->nice == 0)
                return REAPER_SETUP_SKIPPED;
        /* On Linux PRIO_PROCESS with a TID changes that thread only. */
        if (setpriority(PRIO_PROCESS, (id_t)tid, c->nice) < 0)
                return -errno;
        errno = 0;
        got = getpriority(PRIO_PROCESS, (id_t)tid);
        if (errno != 0)
                return -errno;
        return got == c->nice ? 0 : -EPERM;
}

int reaper_apply_sched(const struct reaper_config *c)
{
        struct sched_param p = {.sched_priority = c->sched_priority};

        if (c->sched_policy == SCHED_OTHER)
                return REAPER_SETUP_SKIPPED;
        if (c->sched_policy != SCHED_FIFO && c->sched_policy != SCHED_RR)
                return -EINVAL;
        if (sched_setscheduler(0, c->sched_policy, &p) < 0)
                return -errno;
        return sched_getscheduler(0) == c->sched_policy ? 0 : -EPERM;
}
