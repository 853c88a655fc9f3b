/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hog.c - allocate and touch SIZE_MB of anonymous memory, say so, then sleep until killed */

/*
 * Usage: hog SIZE_MB [--ready-fd N]
 * Writes "ready\n" to fd N (then closes it) once every page is touched, so a test can wait
 * for the memory to be really there instead of sleeping. Reusable by any test or bench.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        long page = sysconf(_SC_PAGESIZE);
        unsigned long long mb;
        int ready_fd = -1;
        char *end;
        size_t size;
        char *p;

        if (argc != 2 && argc != 4) {
                fprintf(stderr, "usage: %s SIZE_MB [--ready-fd N]\n", argv[0]);
                return 2;
        }
        mb = strtoull(argv[1], &end, 10);
        if (*end || mb == 0 || mb > (1ULL << 30)) {
                fprintf(stderr, "hog: bad size '%s'\n", argv[1]);
                return 2;
        }
        if (argc == 4) {
                if (strcmp(argv[2], "--ready-fd") != 0) {
                        fprintf(stderr, "hog: unknown option '%s'\n", argv[2]);
                        return 2;
                }
                ready_fd = atoi(argv[3]);
        }

        size = (size_t)mb << 20;
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
                perror("hog: mmap");
                return 1;
        }
        /* One distinct non-zero byte per page: a real fault each, and nothing KSM could merge. */
        for (size_t off = 0; off < size; off += (size_t)page)
                p[off] = (char)(off / (size_t)page | 1);

        if (ready_fd >= 0) {
                if (write(ready_fd, "ready\n", 6) != 6)
                        return 1;
                close(ready_fd);
        }
        for (;;)
                pause();
}
