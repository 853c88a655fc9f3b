/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench-watch.c - when MemAvailable crossed a threshold, and when a victim's memory came back */

/*
 * Usage: bench-watch THRESHOLD_KB USAGE_FILE TIMEOUT_MS [BASE_PERCENT]
 *
 * Killer-agnostic probe for bench/run.sh. Every 500 us it reads MemAvailable and the
 * victim's memory cgroup usage (USAGE_FILE: v1 memory.usage_in_bytes or v2 memory.current
 * of a cgroup holding the victim alone), and prints, with CLOCK_MONOTONIC microseconds
 * (the clock of the tracefs "mono" trace_clock, so they compare with the SIGKILL event):
 *   cross USEC AVAIL_KB   the first sample with MemAvailable < THRESHOLD_KB
 *   crosspcp USEC KB      the first sample with MemAvailable plus the free pages on the per-CPU
 *                         lists (reapd's own meminfo_read_pcp(), read once MemAvailable is under twice
 *                         the threshold) < THRESHOLD_KB: reapd's measure of available memory
 *   crossbase USEC PCT    with BASE_PERCENT: the first sample with MemAvailable at most that share of
 *                         MemAvailable + AnonPages, the measure of earlyoom 1.8 and later
 *   back USEC PEAK_KB     the first sample with the victim's usage below 10% of its peak
 *   timeout USEC PEAK_KB  the memory was not back TIMEOUT_MS after the crossing (or there was
 *                         no crossing within NO_CROSS_MS)
 * It exits after "back" or "timeout", or on SIGTERM.
 */

#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "meminfo.h"

/* 500 us: 1 GB comes back in ~100 ms through mrelease; this is < 1% resolution, ~2% of a core. */
#define POLL_NSEC 500000L
/* The victim's charge below 10% of its peak = back: page tables, stack and libc stay until exit. */
#define BACK_DIV 10
/* A workload that never crosses the threshold has failed; give up on it after a minute. */
#define NO_CROSS_MS 60000
/* Below 64 MB a "peak" is only the victim starting up, not yet a victim worth watching. */
#define PEAK_MIN_KB (64 * 1024)

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int64_t read_u64(int fd, char *buf, size_t size)
{
        ssize_t n = pread(fd, buf, size - 1, 0);

        if (n <= 0)
                return -1;
        buf[n] = 0;
        return (int64_t)strtoull(buf, NULL, 10);
}

/* MemAvailable, and AnonPages in *anon_kb (-1 where missing) */
static int64_t mem_available_kb(int fd, int64_t *anon_kb)
{
        char buf[4096], *p;
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

        *anon_kb = -1;
        if (n <= 0)
                return -1;
        buf[n] = 0;
        p = strstr(buf, "AnonPages:");
        if (p)
                *anon_kb = (int64_t)strtoull(p + 10, NULL, 10);
        p = strstr(buf, "MemAvailable:");
        return p ? (int64_t)strtoull(p + 13, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
        uint64_t threshold_kb, timeout_ms, t0, t_cross = 0, peak_kb = 0;
        struct timespec tick = {.tv_nsec = POLL_NSEC};
        bool crossed = false, crossed_pcp = false, crossed_base = false;
        double base_pct = -1;
        char buf[64];
        int mfd, ufd;

        if (argc != 4 && argc != 5) {
                fprintf(stderr, "usage: %s THRESHOLD_KB USAGE_FILE TIMEOUT_MS [BASE_PERCENT]\n", argv[0]);
                return 2;
        }
        if (argc == 5)
                base_pct = strtod(argv[4], NULL);
        threshold_kb = strtoull(argv[1], NULL, 10);
        timeout_ms = strtoull(argv[3], NULL, 10);
        mfd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
        ufd = open(argv[2], O_RDONLY | O_CLOEXEC);
        if (mfd < 0 || ufd < 0) {
                perror("bench-watch: open");
                return 1;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        t0 = now_usec();
        for (;;) {
                int64_t anon, avail = mem_available_kb(mfd, &anon), usage = read_u64(ufd, buf, sizeof(buf));
                uint64_t now = now_usec();

                if (!crossed_base && base_pct >= 0 && avail >= 0 && anon >= 0 &&
                    (double)avail * 100 <= base_pct * (double)(avail + anon)) {
                        crossed_base = true;
                        printf("crossbase %" PRIu64 " %.3f\n", now,
                               (double)avail * 100 / (double)(avail + anon));
                }
                if (!crossed && avail >= 0 && (uint64_t)avail < threshold_kb) {
                        crossed = true;
                        t_cross = now;
                        printf("cross %" PRIu64 " %" PRId64 "\n", now, avail);
                }
                if (!crossed_pcp && avail >= 0 && (uint64_t)avail < 2 * threshold_kb) {
                        uint64_t pcp; /* reapd's own reading (meminfo.h), in bytes */

                        if (meminfo_read_pcp(&pcp) >= 0 && (uint64_t)avail + pcp / 1024 < threshold_kb) {
                                crossed_pcp = true;
                                printf("crosspcp %" PRIu64 " %" PRIu64 "\n", now_usec(),
                                       (uint64_t)avail + pcp / 1024);
                        }
                }
                if (usage >= 0) {
                        uint64_t kb = (uint64_t)usage / 1024;

                        if (kb > peak_kb)
                                peak_kb = kb;
                        if (peak_kb >= PEAK_MIN_KB && kb < peak_kb / BACK_DIV) {
                                printf("back %" PRIu64 " %" PRIu64 "\n", now, peak_kb);
                                return 0;
                        }
                }
                if ((crossed && now - t_cross > timeout_ms * 1000) ||
                    (!crossed && now - t0 > NO_CROSS_MS * 1000)) {
                        printf("timeout %" PRIu64 " %" PRIu64 "\n", now, peak_kb);
                        return 0;
                }
                nanosleep(&tick, NULL);
        }
}
