/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-tick.c - the floor under an idle daemon's CPU figure: a bare loop that sleeps on a
 * timerfd (through epoll, as sd-event does) and, when woken, reads /proc/meminfo and
 * /proc/pressure/memory through kept fds, as reapd's monitor does, and nothing else.
 * bench-idle.sh measures it with reapd and earlyoom, the same way (schedstat, context switches).
 * With --sd-event, the same work from a time source of an sd-event loop, as reapd's monitor
 * re-arms its own: what the event loop reapd is built on costs per wakeup, before reapd's work.
 * Usage: bench-tick INTERVAL_MS [--sd-event]   (runs until killed)
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

static int mi = -1, ps = -1;
static char buf[8192];

static int read_both(void)
{
        if (lseek(mi, 0, SEEK_SET) < 0 || read(mi, buf, sizeof(buf)) < 0)
                return -1;
        if (ps >= 0 && (lseek(ps, 0, SEEK_SET) < 0 || read(ps, buf, sizeof(buf)) < 0))
                return -1;
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

static int sd_event_tick(long ms)
{
        uint64_t interval = (uint64_t)ms * 1000, now;
        sd_event *e = NULL;

        /* reapd's monitor asks for an accuracy of its interval / 100, at least 1 ms */
        if (sd_event_new(&e) < 0 || sd_event_now(e, CLOCK_MONOTONIC, &now) < 0 ||
            sd_event_add_time(e, NULL, CLOCK_MONOTONIC, now + interval,
                              interval / 100 > 1000 ? interval / 100 : 1000, on_time, &interval) < 0)
                return 2;
        return sd_event_loop(e);
}

int main(int argc, char **argv)
{
        long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
        struct epoll_event ev = {.events = EPOLLIN};
        int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
        int ep = epoll_create1(EPOLL_CLOEXEC);
        struct timespec next;

        mi = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
        ps = open("/proc/pressure/memory", O_RDONLY | O_CLOEXEC);
        if (ms <= 0 || tfd < 0 || ep < 0 || mi < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) < 0) {
                fprintf(stderr, "usage: bench-tick INTERVAL_MS [--sd-event] (needs /proc/meminfo)\n");
                return 2;
        }
        if (argc > 2 && strcmp(argv[2], "--sd-event") == 0)
                return sd_event_tick(ms);
        clock_gettime(CLOCK_MONOTONIC, &next);
        for (;;) {
                struct itimerspec its = {0};
                uint64_t n;

                next.tv_sec += ms / 1000;
                next.tv_nsec += ms % 1000 * 1000000L;
                if (next.tv_nsec >= 1000000000L) {
                        next.tv_nsec -= 1000000000L;
                        next.tv_sec++;
                }
                its.it_value = next;
                if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0 ||
                    epoll_wait(ep, &ev, 1, -1) < 0 || read(tfd, &n, sizeof(n)) < 0 || read_both() < 0)
                        return 1;
        }
}
