/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hog.c - allocate and touch SIZE_MB of anonymous memory, say so, then sleep until killed */

/*
 * Usage: hog SIZE_MB [--ready-fd N] [--members M]
 * Writes "ready\n" to fd N (then closes it) once every page is touched, so a test can wait
 * for the memory to be really there instead of sleeping. Reusable by any test or bench.
 * --members M: first fork M - 1 small children that pause in the hog's process group, so that
 * the hog leads a group of M (a big build, a container's shell tree).
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
        unsigned long members = 1;
        int ready_fd = -1;
        char *end;
        size_t size;
        char *p;

        if (argc != 2 && argc != 4 && argc != 6) {
                fprintf(stderr, "usage: %s SIZE_MB [--ready-fd N] [--members M]\n", argv[0]);
                return 2;
        }
        mb = strtoull(argv[1], &end, 10);
        if (*end || mb == 0 || mb > (1ULL << 30)) {
                fprintf(stderr, "hog: bad size '%s'\n", argv[1]);
                return 2;
        }
        for (int i = 2; i + 1 < argc; i += 2) {
                if (strcmp(argv[i], "--ready-fd") == 0) {
                        ready_fd = atoi(argv[i + 1]);
                } else if (strcmp(argv[i], "--members") == 0) {
                        members = strtoul(argv[i + 1], &end, 10);
                        if (*end || members == 0 || members > 100000) {
                                fprintf(stderr, "hog: bad member count '%s'\n", argv[i + 1]);
                                return 2;
                        }
                } else {
                        fprintf(stderr, "hog: unknown option '%s'\n", argv[i]);
                        return 2;
                }
        }
        /* before the memory is touched, so that the children share none of it */
        for (unsigned long i = 1; i < members; i++) {
                pid_t pid = fork();

                if (pid < 0) {
                        perror("hog: fork");
                        return 1;
                }
                if (pid == 0) {
                        if (ready_fd >= 0)
                                close(ready_fd);
                        for (;;)
                                pause();
                }
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
