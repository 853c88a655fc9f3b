/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-tick.c - the floor under an idle daemon's CPU figure: a bare loop that sleeps on a
 * timerfd (through epoll, as sd-event does) and, when woken, reads /proc/meminfo and
 * /proc/pressure/memory through kept fds, as reapd's monitor does, and nothing else.
 * bench-idle.sh measures it with reapd and earlyoom, the same way (schedstat, context switches).
 * Usage: bench-tick INTERVAL_MS   (runs until killed)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
        struct epoll_event ev = {.events = EPOLLIN};
        int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
        int ep = epoll_create1(EPOLL_CLOEXEC);
        int mi = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
        int ps = open("/proc/pressure/memory", O_RDONLY | O_CLOEXEC);
        struct timespec next;
        static char buf[8192];

        if (ms <= 0 || tfd < 0 || ep < 0 || mi < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) < 0) {
                fprintf(stderr, "usage: bench-tick INTERVAL_MS (needs /proc/meminfo)\n");
                return 2;
        }
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
                    epoll_wait(ep, &ev, 1, -1) < 0 || read(tfd, &n, sizeof(n)) < 0)
                        return 1;
                if (lseek(mi, 0, SEEK_SET) < 0 || read(mi, buf, sizeof(buf)) < 0)
                        return 1;
                if (ps >= 0 && (lseek(ps, 0, SEEK_SET) < 0 || read(ps, buf, sizeof(buf)) < 0))
                        return 1;
        }
}
