/* SPDX-License-Identifier: GPL-2.0-or-later */
/* monitor.c - PSI trigger IO sources and the adaptive headroom timer, turned into samples */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "meminfo.h"
#include "monitor.h"

#define PROC_PRESSURE_MEMORY "/proc/pressure/memory"

struct monitor {
        sd_event *event;
        /* The headroom timer: a timerfd of our own, watched as an IO source, since an sd-event
         * time source cost an idle wakeup far more (bench/TUNABLES.md). Periodic: while the
         * interval stays, the read of each expiry is all it needs (the read restarts it). */
        sd_event_source *timer;
        int timer_fd;
        usec_t timer_interval;
        sd_event_source *io[_PSI_LEVEL_MAX];
        int fd[_PSI_LEVEL_MAX];
        /* Kept open and read with pread(): an idle wakeup then costs no path walk, file setup
         * and teardown (about half of its CPU time here). -1 = read by path. */
        int meminfo_fd, pressure_fd, vmstat_fd;
        struct cgroup_memory_reader memory; /* the scope's memory files, kept open likewise */

        struct monitor_params params;
        struct cgroup_roots roots;
        struct monitor_info info;

        monitor_handler_t cb;
        void *userdata;

        struct monitor_quiet quiet; /* what the last samples saw of PSI and reclaim */
        bool fast;
        usec_t next_sleep; /* from the last sample, before fast/poll limits */
        usec_t last_now;
};

static const char *const cause_names[_MONITOR_CAUSE_MAX] = {
        [MONITOR_CAUSE_TRIGGER_SOME] = "trigger-some",
        [MONITOR_CAUSE_TRIGGER_FULL] = "trigger-full",
        [MONITOR_CAUSE_TIMER] = "timer",
        [MONITOR_CAUSE_POLL] = "poll",
        [MONITOR_CAUSE_SYNC] = "sync",
        [MONITOR_CAUSE_LOST] = "lost",
};

const char *monitor_cause_to_string(enum monitor_cause c)
{
        if ((unsigned)c >= _MONITOR_CAUSE_MAX)
                return NULL;
        return cause_names[c];
}

void monitor_params_from_config(const struct reapd_config *c, struct monitor_params *ret)
{
        *ret = (struct monitor_params){
                .min_available = c->min_available,
                .min_swap_free = c->min_swap_free,
                .headroom_mode = c->headroom_mode,
                .pressure_some = c->pressure_some,
                .pressure_full = c->pressure_full,
                .pressure_window = c->pressure_window,
                .pressure_poll_interval = c->pressure_poll_interval,
        };
        strlcpy0(ret->cgroup, c->cgroup, sizeof(ret->cgroup));
}

/* Bytes of headroom above @thr converted to the time it takes to drain at the assumed fill rate. */
static usec_t drain_usec(uint64_t dist)
{
        unsigned __int128 t = (unsigned __int128)dist * USEC_PER_SEC / MONITOR_FILL_RATE_BYTES_PER_SEC;

        return t > USEC_INFINITY ? USEC_INFINITY : (usec_t)t;
}

usec_t monitor_headroom_sleep(const struct monitor_params *p, const struct monitor_sample *s)
{
        usec_t t_mem, t_swap, t;

        if (!s->have_memory)
                return MONITOR_SLEEP_MAX_USEC;

        t_mem = drain_usec(sub_sat(s->mem_available, threshold_bytes(&p->min_available, s->mem_total)));
        if (s->swap_total == 0)
                /* No swap: exhausted for AND (memory alone decides), irrelevant for OR. */
                t_swap = p->headroom_mode == HEADROOM_OR ? USEC_INFINITY : 0;
        else
                t_swap =
                        drain_usec(sub_sat(s->swap_free, threshold_bytes(&p->min_swap_free, s->swap_total)));

        t = p->headroom_mode == HEADROOM_OR ? MIN(t_mem, t_swap) : MAX(t_mem, t_swap);
        return MIN(MAX(t, MONITOR_SLEEP_MIN_USEC), MONITOR_SLEEP_MAX_USEC);
}

bool monitor_in_container(void)
{
        /* What systemd (/run/systemd/container), docker and podman leave for their guests. */
        static const char *const marks[] = {"/run/systemd/container", "/.dockerenv", "/run/.containerenv"};

        for (size_t i = 0; i < ELEMENTSOF(marks); i++)
                if (access(marks[i], F_OK) >= 0)
                        return true;
        return false;
}

/* True while the scope's cgroup2 directory exists (its memory files may live elsewhere or nowhere). */
static bool scope_exists(const struct monitor *m)
{
        struct stat st;

        return cgroup_dir_stat(m->roots.v2, m->params.cgroup, &st) >= 0;
}

bool monitor_memory_wants_pcp(const struct monitor_params *p, const struct meminfo *mi)
{
        return mi->mem_available / MONITOR_PCP_NEAR_FACTOR <=
               threshold_bytes(&p->min_available, sub_sat(mi->mem_total, mi->hugetlb));
}

void monitor_memory_sample(const struct monitor_memory *in, struct monitor_sample *s)
{
        const struct cgroup_memory *cm = &in->cgroup;

        /* The HugeTLB pools are RAM no kill gives back: not part of what a share is of. */
        s->mem_total = MAX(sub_sat(in->machine.mem_total, in->machine.hugetlb), (uint64_t)1);
        s->mem_available = MIN(in->machine.mem_available, s->mem_total);
        s->mem_available_pcp = MIN(add_sat_u64(in->machine.mem_available, in->pcp), s->mem_total);
        s->high_available = UINT64_MAX;
        s->swap_total = in->machine.swap_total;
        s->swap_free = in->machine.swap_free;
        s->reclaim = in->vmstat_reclaim;
        s->have_reclaim = in->have_vmstat;
        s->reclaim_skipped = in->vmstat_skipped;
        if (in->have_cgroup) {
                /* The tighter of the cgroup's path and the machine: an unlimited (or
                 * over-committed) cgroup runs out when the machine does. */
                s->mem_total = MIN(cm->max, s->mem_total);
                s->mem_available = MIN(cm->available, s->mem_available);
                s->mem_available_pcp = MIN(cm->available, s->mem_available_pcp);
                s->high_available = cm->high_available;
                s->swap_total = MIN(cm->swap_max, s->swap_total);
                s->swap_free = MIN(sub_sat(cm->swap_max, cm->swap_current), s->swap_free);
                s->reclaim = cm->stat.reclaim;
                s->have_reclaim = cm->have_stat && cm->stat.have_reclaim;
                s->reclaim_skipped = cm->stat_skipped;
        }
        s->have_memory = true;
}

bool monitor_wants_reclaim(const struct monitor_quiet *q, bool fast, const struct monitor_sample *s)
{
        usec_t dt;

        if (s->cause != MONITOR_CAUSE_TIMER && s->cause != MONITOR_CAUSE_POLL)
                return true;
        if (fast || !s->have_pressure || q->reclaim_at == 0 || q->pressure_at == 0 ||
            s->now < q->pressure_at || s->now - q->reclaim_at >= MONITOR_RECLAIM_REFRESH_USEC)
                return true;
        if (s->pressure.some.total < q->some_total)
                return true; /* the group was made again */
        dt = s->now - q->pressure_at;
        return (unsigned __int128)(s->pressure.some.total - q->some_total) * PERMYRIAD_MAX >=
               (unsigned __int128)dt * MONITOR_RECLAIM_SOME_PERMYRIAD;
}

void monitor_quiet_update(struct monitor_quiet *q, const struct monitor_sample *s)
{
        if (!s->reclaim_skipped)
                q->reclaim_at = s->now;
        if (s->have_pressure) {
                q->pressure_at = s->now;
                q->some_total = s->pressure.some.total;
        }
}

int monitor_memory_read_cgroup(struct cgroup_memory_reader *rd, const struct cgroup_roots *roots,
                               const char *path, struct monitor_memory *in)
{
        int r;

        /* No swap on the machine, none in the cgroup: two files fewer per sample. */
        rd->no_swap = in->machine.swap_total == 0;
        r = cgroup_memory_reader_read(rd, roots, path, &in->cgroup);
        if (r < 0)
                return r;
        in->have_cgroup = true;
        return 0;
}

/* The cgroup whose memory files stand for the scope: Cgroup=, the container's own, or none. */
static const char *memory_scope(const struct monitor *m)
{
        if (m->info.cgroup_scope)
                return m->params.cgroup;
        return m->info.container_memory ? "/" : NULL;
}

/* The scope's pressure into @s: through the kept fd, or by path once that is gone. */
static void read_pressure(struct monitor *m, struct monitor_sample *s)
{
        int r;

        r = pressure_read_fd(m->pressure_fd, &s->pressure);
        if (r < 0 && r != -EINVAL && m->pressure_fd >= 0) {
                /* a removed cgroup's file: read by path from now on, which tells -ENOENT */
                m->pressure_fd = safe_close(m->pressure_fd);
                r = pressure_read_at(AT_FDCWD, m->info.pressure_path, &s->pressure);
        } else if (m->pressure_fd < 0)
                r = pressure_read_at(AT_FDCWD, m->info.pressure_path, &s->pressure);
        s->have_pressure = r == 0;
}

static int take_sample(struct monitor *m, enum monitor_cause cause, struct monitor_sample *ret)
{
        struct monitor_sample s = {.now = now_usec(CLOCK_MONOTONIC), .cause = cause};
        struct monitor_memory in = {};
        bool reclaim;
        int r;

        /* pressure first: whether it moved decides what else is read */
        read_pressure(m, &s);
        reclaim = monitor_wants_reclaim(&m->quiet, m->fast, &s);

        r = meminfo_read_fd(m->meminfo_fd, &in.machine);
        if (r < 0 && r != -EINVAL)
                r = meminfo_read_at(AT_FDCWD, NULL, &in.machine);
        if (r < 0)
                return r;
        /* after a kill (SYNC) the lists hold much of what came back; near the threshold the
         * decider counts them while it judges a kill that just ended */
        if ((cause == MONITOR_CAUSE_SYNC || monitor_memory_wants_pcp(&m->params, &in.machine)) &&
            meminfo_read_pcp(&in.pcp) < 0)
                in.pcp = 0;

        if (memory_scope(m)) {
                m->memory.skip_stat = !reclaim;
                r = monitor_memory_read_cgroup(&m->memory, &m->roots, memory_scope(m), &in);
                if (r == -ENOENT && m->info.cgroup_scope && scope_exists(m))
                        m->info.memory_fallback = true;
                else if (r < 0 && r != -EOPNOTSUPP)
                        return r; /* -EOPNOTSUPP: no memory controller for it anywhere: the machine's */
                if (r == 0 && !in.cgroup.have_stat && m->info.stat_error == 0)
                        m->info.stat_error = in.cgroup.stat_error;
        }
        if (!in.have_cgroup && m->vmstat_fd >= 0) {
                if (reclaim)
                        in.have_vmstat = meminfo_read_vmstat_fd(m->vmstat_fd, &in.vmstat_reclaim) >= 0;
                else
                        in.vmstat_skipped = true;
        }
        monitor_memory_sample(&in, &s);
        if (!s.have_reclaim && !s.reclaim_skipped)
                m->info.no_reclaim = true;
        monitor_quiet_update(&m->quiet, &s);

        *ret = s;
        return 0;
}

static struct timespec usec_to_timespec(usec_t u)
{
        return (struct timespec){.tv_sec = (time_t)(u / USEC_PER_SEC),
                                 .tv_nsec = (long)(u % USEC_PER_SEC * 1000)};
}

/*
 * The next look, @sleep after the last sample (with the fast and poll limits). With @keep_phase
 * (after a look the timer itself brought) an unchanged interval needs nothing: the timer is
 * periodic. Anything else starts a new period from the last sample.
 */
static void timer_rearm(struct monitor *m, bool keep_phase)
{
        usec_t sleep = m->next_sleep;
        struct itimerspec its;

        if (m->fast)
                sleep = MIN(sleep, MONITOR_FAST_USEC);
        if (m->info.polling && m->params.pressure_poll_interval > 0)
                sleep = MIN(sleep, m->params.pressure_poll_interval);
        if (keep_phase && sleep > 0 && sleep == m->timer_interval)
                return;

        /* an absolute time already past fires at once (CLOCK_MONOTONIC is never 0, which disarms) */
        its.it_value = usec_to_timespec(m->last_now + sleep);
        its.it_interval = usec_to_timespec(sleep);
        if (timerfd_settime(m->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
                return;
        m->timer_interval = sleep;
}

/* Sample, hand it to the daemon, schedule the next look. */
static void dispatch(struct monitor *m, enum monitor_cause cause)
{
        struct monitor_sample s;
        int r;

        r = take_sample(m, cause, &s);
        if (r < 0) {
                s = (struct monitor_sample){.now = now_usec(CLOCK_MONOTONIC), .cause = cause};
                m->next_sleep = MONITOR_SLEEP_MAX_USEC;
        } else {
                m->next_sleep = monitor_headroom_sleep(&m->params, &s);
        }
        m->last_now = s.now;
        m->cb(m, &s, r, m->userdata);
        timer_rearm(m, cause == MONITOR_CAUSE_TIMER || cause == MONITOR_CAUSE_POLL);
}

static int on_timer(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct monitor *m = userdata;
        uint64_t expirations;

        if (read(fd, &expirations, sizeof(expirations)) < 0)
                return 0; /* -EAGAIN: re-armed since it fired */

        dispatch(m, m->info.polling ? MONITOR_CAUSE_POLL : MONITOR_CAUSE_TIMER);
        return 0;
}

static void trigger_close(struct monitor *m, enum psi_level l)
{
        m->io[l] = sd_event_source_disable_unref(m->io[l]);
        if (m->fd[l] >= 0)
                close(m->fd[l]);
        m->fd[l] = -1;
        m->info.trigger_armed[l] = false;
}

static int on_trigger(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct monitor *m = userdata;
        enum psi_level l = fd == m->fd[PSI_FULL] ? PSI_FULL : PSI_SOME;

        if (revents & (EPOLLERR | EPOLLHUP)) {
                /* The PSI file went away (cgroup removed) or PSI was switched off under us. */
                struct monitor_sample s = {.now = now_usec(CLOCK_MONOTONIC), .cause = MONITOR_CAUSE_LOST};

                trigger_close(m, l);
                m->info.lost = true;
                m->info.polling = true;
                m->last_now = s.now;
                m->cb(m, &s, -ENODEV, m->userdata);
                timer_rearm(m, false);
                return 0;
        }
        if (revents & EPOLLPRI)
                dispatch(m, l == PSI_FULL ? MONITOR_CAUSE_TRIGGER_FULL : MONITOR_CAUSE_TRIGGER_SOME);
        return 0;
}

static void triggers_setup(struct monitor *m)
{
        bool wanted = false, missing = false;

        for (enum psi_level l = 0; l < _PSI_LEVEL_MAX; l++) {
                uint32_t share = l == PSI_SOME ? m->params.pressure_some : m->params.pressure_full;
                struct psi_trigger spec, eff;
                int r, fd;

                if (share == 0)
                        continue;
                wanted = true;
                spec = (struct psi_trigger){
                        .level = l,
                        .window = m->params.pressure_window,
                        .stall = MAX((usec_t)((unsigned __int128)m->params.pressure_window * share /
                                              PERMYRIAD_MAX),
                                     (usec_t)1),
                };
                m->info.trigger_requested[l] = spec;

                r = psi_trigger_open(m->info.pressure_path, &spec, &eff, &fd);
                if (r >= 0) {
                        r = sd_event_add_io(m->event, &m->io[l], fd, EPOLLPRI, on_trigger, m);
                        if (r < 0)
                                close(fd);
                        else {
                                m->fd[l] = fd;
                                m->info.trigger_armed[l] = true;
                                m->info.trigger_adapted[l] =
                                        eff.window != spec.window || eff.stall != spec.stall;
                                m->info.trigger_effective[l] = eff;
                                continue;
                        }
                }
                if (m->info.trigger_error == 0)
                        m->info.trigger_error = r;
                missing = true;
        }
        /* Any wanted level without a trigger: poll the PSI file instead (if it can be read). */
        m->info.polling = wanted && missing && m->info.have_pressure;
}

int monitor_new(sd_event *e, const struct monitor_params *p, const struct cgroup_roots *roots,
                monitor_handler_t cb, void *userdata, struct monitor **ret)
{
        _cleanup_(monitor_freep) struct monitor *m = NULL;
        struct pressure psi;
        int r;

        if (!e || !p || !cb || !ret)
                return -EINVAL;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->fd[PSI_SOME] = m->fd[PSI_FULL] = -1;
        m->pressure_fd = m->timer_fd = -1;
        m->vmstat_fd = open("/proc/vmstat", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        m->memory = (struct cgroup_memory_reader)CGROUP_MEMORY_READER_INIT;
        m->meminfo_fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        m->event = sd_event_ref(e);
        m->cb = cb;
        m->userdata = userdata;
        m->params = *p;

        if (p->cgroup[0] && !(p->cgroup[0] == '/' && p->cgroup[1] == '\0')) {
                struct stat st;

                if (!roots)
                        return -EINVAL;
                m->roots = *roots;
                m->info.cgroup_scope = true;
                r = cgroup_pressure_path(roots, p->cgroup, m->info.pressure_path,
                                         sizeof(m->info.pressure_path));
                if (r < 0)
                        return r;
                r = cgroup_dir_stat(roots->v2, p->cgroup, &st);
                if (r < 0)
                        return r;
        } else if (roots && roots->v2[0] && monitor_in_container() &&
                   cgroup_pressure_path(roots, "/", m->info.pressure_path, sizeof(m->info.pressure_path)) >=
                           0 &&
                   access(m->info.pressure_path, R_OK) >= 0) {
                /* /proc/pressure is the host's; the container's own stall is at its cgroup2 root. */
                m->info.container = true;
        } else {
                strlcpy0(m->info.pressure_path, PROC_PRESSURE_MEMORY, sizeof(m->info.pressure_path));
        }
        if (m->info.container) {
                struct cgroup_memory cm;

                /* Its limits too, at the root of its cgroup namespace, so that headroom and
                 * pressure describe the same thing. On the host's own root there are no such
                 * files (-EOPNOTSUPP): the machine's figures then. */
                m->roots = *roots;
                m->info.container_memory = cgroup_memory_read(roots, "/", &cm) >= 0;
        }

        m->info.have_pressure = pressure_read_at(AT_FDCWD, m->info.pressure_path, &psi) == 0;
        if (m->info.have_pressure)
                m->pressure_fd = open(m->info.pressure_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        triggers_setup(m);

        m->next_sleep = 0; /* first look at once */
        m->last_now = now_usec(CLOCK_MONOTONIC);
        m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (m->timer_fd < 0)
                return -errno;
        r = sd_event_add_io(e, &m->timer, m->timer_fd, EPOLLIN, on_timer, m);
        if (r < 0)
                return r;
        timer_rearm(m, false);

        *ret = m;
        m = NULL;
        return 0;
}

struct monitor *monitor_free(struct monitor *m)
{
        if (!m)
                return NULL;
        for (enum psi_level l = 0; l < _PSI_LEVEL_MAX; l++)
                trigger_close(m, l);
        m->timer = sd_event_source_disable_unref(m->timer);
        safe_close(m->timer_fd);
        safe_close(m->meminfo_fd);
        safe_close(m->pressure_fd);
        safe_close(m->vmstat_fd);
        cgroup_memory_reader_close(&m->memory);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

int monitor_sample_now(struct monitor *m, struct monitor_sample *ret)
{
        if (!m || !ret)
                return -EINVAL;
        return take_sample(m, MONITOR_CAUSE_SYNC, ret);
}

void monitor_set_fast(struct monitor *m, bool fast)
{
        usec_t now;

        if (!m || m->fast == fast)
                return;
        m->fast = fast;
        if (!fast)
                return; /* the next sample schedules the slower pace */
        now = now_usec(CLOCK_MONOTONIC);
        if (m->last_now + m->next_sleep > now + MONITOR_FAST_USEC) {
                m->last_now = now;
                m->next_sleep = MONITOR_FAST_USEC;
                timer_rearm(m, false);
        }
}

const struct monitor_info *monitor_get_info(const struct monitor *m)
{
        return &m->info;
}
