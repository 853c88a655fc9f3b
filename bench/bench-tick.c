/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-tick.c - the floor under an idle daemon's CPU figure: a bare loop that sleeps on a
 * timerfd (through epoll, as sd-event does) and, when woken, reads /proc/meminfo and
 * /proc/pressure/memory through kept fds, as reapd's monitor does, and nothing else.
 * bench-idle.sh measures it with reapd and earlyoom, the same way (schedstat, context switches).
 * With --sd-event, the same work from an sd-event loop watching the timerfd as an IO source, as
 * reapd's monitor does: what the event loop reapd is built on costs per wakeup, before reapd's
 * work. With --sd-event-time, from an sd-event time source instead, re-armed at each wakeup, as
 * reapd's monitor did until its idle cost was traced to it.
 * Usage: bench-tick INTERVAL_MS [--sd-event|--sd-event-time]   (runs until killed)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <systemd/sd-event.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static int mi = -1, ps = -1, tfd = -1;
static char buf[8192];
static struct timespec next;
static long ms;

static int read_both(void)
{
        if (lseek(mi, 0, SEEK_SET) < 0 || read(mi, buf, sizeof(buf)) < 0)
                return -1;
        if (ps >= 0 && (lseek(ps, 0, SEEK_SET) < 0 || read(ps, buf, sizeof(buf)) < 0))
                return -1;
        return 0;
}

/* The timerfd's next expiry, @ms after the last: absolute, so a late wakeup does not drift. */
static int arm(void)
{
        struct itimerspec its = {0};

        next.tv_sec += ms / 1000;
        next.tv_nsec += ms % 1000 * 1000000L;
        if (next.tv_nsec >= 1000000000L) {
                next.tv_nsec -= 1000000000L;
                next.tv_sec++;
        }
        its.it_value = next;
        return timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        uint64_t n;

        if (read(fd, &n, sizeof(n)) < 0 || read_both() < 0 || arm() < 0)
                return sd_event_exit(sd_event_source_get_event(s), 1);
        return 0;
}

static int on_time(sd_event_source *s, uint64_t usec, void *userdata)
{
        uint64_t interval = *(const uint64_t *)userdata;

        if (read_both() < 0)
                return sd_event_exit(sd_event_source_get_event(s), 1);
        if (sd_event_source_set_time(s, usec + interval) < 0 ||
            sd_event_source_set_enabled(s, SD_EVENT_ONESHOT) < 0)
                return sd_event_exit(sd_event_source_get_event(s), 1);
        return 0;
}

static int sd_event_io_tick(void)
{
        sd_event *e = NULL;

        if (sd_event_new(&e) < 0 || arm() < 0 || sd_event_add_io(e, NULL, tfd, EPOLLIN, on_io, NULL) < 0)
                return 2;
        return sd_event_loop(e);
}

static int sd_event_time_tick(void)
{
        uint64_t interval = (uint64_t)ms * 1000, now;
        sd_event *e = NULL;

        /* accuracy: a hundredth of the interval, at least 1 ms (one wakeup per interval either way) */
        if (sd_event_new(&e) < 0 || sd_event_now(e, CLOCK_MONOTONIC, &now) < 0 ||
            sd_event_add_time(e, NULL, CLOCK_MONOTONIC, now + interval,
                              interval / 100 > 1000 ? interval / 100 : 1000, on_time, &interval) < 0)
                return 2;
        return sd_event_loop(e);
}

int main(int argc, char **argv)
{
        const char *mode = argc > 2 ? argv[2] : "";
        struct epoll_event ev = {.events = EPOLLIN};
        int ep = epoll_create1(EPOLL_CLOEXEC);

        ms = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
        tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        mi = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
        ps = open("/proc/pressure/memory", O_RDONLY | O_CLOEXEC);
        if (ms <= 0 || tfd < 0 || ep < 0 || mi < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) < 0 ||
            (*mode && strcmp(mode, "--sd-event") != 0 && strcmp(mode, "--sd-event-time") != 0)) {
                fprintf(stderr, "usage: bench-tick INTERVAL_MS [--sd-event|--sd-event-time] (needs "
                                "/proc/meminfo)\n");
                return 2;
        }
        clock_gettime(CLOCK_MONOTONIC, &next);
        if (strcmp(mode, "--sd-event") == 0)
                return sd_event_io_tick();
        if (strcmp(mode, "--sd-event-time") == 0)
                return sd_event_time_tick();
        for (;;) {
                uint64_t n;

                if (arm() < 0 || epoll_wait(ep, &ev, 1, -1) < 0 || read(tfd, &n, sizeof(n)) < 0 ||
                    read_both() < 0)
                        return 1;
        }
}
