/* SPDX-License-Identifier: GPL-2.0-or-later */
/* thrash.c - a thrashing workload: fill SIZE_MB of anonymous memory, then touch random pages forever */

/*
 * Usage: thrash SIZE_MB [--ready-fd N]
 * Touches every page once (the fill), writes "filled\n" to fd N (then closes it), then writes
 * one byte to a random page, again and again, until killed. Run in a cgroup whose limit is
 * well under SIZE_MB with swap on, every touch of a swapped-out page is a major fault: the
 * memory stall of LAB.md (about 10-13 % "some" for 1.4 GB in 400 MB). Reusable by any test.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* xorshift64: cheap enough that the page faults, not the generator, set the pace. */
static uint64_t next_random(uint64_t *s)
{
        uint64_t x = *s;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return *s = x;
}

int main(int argc, char **argv)
{
        long page = sysconf(_SC_PAGESIZE);
        unsigned long long mb;
        int ready_fd = -1;
        size_t size, pages;
        uint64_t seed;
        char *end, *p;

        if (argc != 2 && argc != 4) {
                fprintf(stderr, "usage: %s SIZE_MB [--ready-fd N]\n", argv[0]);
                return 2;
        }
        mb = strtoull(argv[1], &end, 10);
        if (*end || mb == 0 || mb > (1ULL << 30)) {
                fprintf(stderr, "thrash: bad size '%s'\n", argv[1]);
                return 2;
        }
        if (argc == 4) {
                if (strcmp(argv[2], "--ready-fd") != 0) {
                        fprintf(stderr, "thrash: unknown option '%s'\n", argv[2]);
                        return 2;
                }
                ready_fd = atoi(argv[3]);
        }

        size = (size_t)mb << 20;
        pages = size / (size_t)page;
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
                perror("thrash: mmap");
                return 1;
        }
        /* One distinct non-zero byte per page, as hog.c: real faults, nothing KSM could merge. */
        for (size_t i = 0; i < pages; i++)
                p[i * (size_t)page] = (char)(i | 1);

        if (ready_fd >= 0) {
                if (write(ready_fd, "filled\n", 7) != 7)
                        return 1;
                close(ready_fd);
        }
        seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
        for (;;) {
                size_t i = (size_t)(next_random(&seed) % pages);

                p[i * (size_t)page]++;
        }
}
