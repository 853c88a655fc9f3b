/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench-thrash.c - touch SIZE_MB of anonymous memory at random pages forever: a swap thrasher */

/*
 * Usage: bench-thrash SIZE_MB
 * Run in a memory cgroup whose limit is well under SIZE_MB, with swap on: every touch of a
 * page that was swapped out stalls, which is what memory PSI measures (LAB.md: 400 MB limit,
 * 1.4 GB working set, 10-13% "some" stall).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        size_t page = (size_t)sysconf(_SC_PAGESIZE), size, pages;
        unsigned long mb = argc == 2 ? strtoul(argv[1], NULL, 10) : 0;
        uint64_t x = 88172645463325252ULL;
        char *p;

        if (mb == 0) {
                fprintf(stderr, "usage: %s SIZE_MB\n", argv[0]);
                return 2;
        }
        size = (size_t)mb << 20;
        pages = size / page;
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
                perror("bench-thrash: mmap");
                return 1;
        }
        for (size_t i = 0; i < pages; i++)
                p[i * page] = (char)(i | 1);
        for (;;) {
                /* xorshift64: cheap, and no two runs share a pattern the kernel could learn */
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                p[(x % pages) * page]++;
        }
}
