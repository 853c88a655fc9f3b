/* SPDX-License-Identifier: GPL-2.0-or-later */
/* grower.c - a runaway: touch STEP_MB more anonymous memory every INTERVAL_MS, up to MAX_MB */

/*
 * Usage: grower STEP_MB INTERVAL_MS [MAX_MB]
 * Prints its size to stdout after each step ("grower 128\n"), then sleeps once MAX_MB
 * (default unbounded) is reached. Memory is mapped in one reservation so growing never fails
 * before the cgroup limit does.
 */

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static unsigned long arg(const char *s)
{
        char *end;
        unsigned long v = strtoul(s, &end, 10);

        if (*end || v == 0) {
                fprintf(stderr, "grower: bad number '%s'\n", s);
                exit(2);
        }
        return v;
}

int main(int argc, char **argv)
{
        unsigned long step, interval_ms, max_mb = 64UL << 10, done = 0;
        long page = sysconf(_SC_PAGESIZE);
        struct timespec ts;
        char *p;

        if (argc != 3 && argc != 4) {
                fprintf(stderr, "usage: %s STEP_MB INTERVAL_MS [MAX_MB]\n", argv[0]);
                return 2;
        }
        step = arg(argv[1]);
        interval_ms = arg(argv[2]);
        if (argc == 4)
                max_mb = arg(argv[3]);
        p = mmap(NULL, max_mb << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                 0);
        if (p == MAP_FAILED) {
                perror("grower: mmap");
                return 1;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        ts.tv_sec = (time_t)(interval_ms / 1000);
        ts.tv_nsec = (long)(interval_ms % 1000) * 1000000L;
        while (done < max_mb) {
                unsigned long n = step < max_mb - done ? step : max_mb - done;

                for (size_t off = done << 20; off < (done + n) << 20; off += (size_t)page)
                        p[off] = (char)(off / (size_t)page | 1);
                done += n;
                printf("grower %lu\n", done);
                nanosleep(&ts, NULL);
        }
        for (;;)
                pause();
}
