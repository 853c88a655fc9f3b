/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench-ballast.c - memory the machine does not have: SIZE_MB anonymous, locked, until killed */

/*
 * Usage: bench-ballast SIZE_MB [--ready-fd N]
 *
 * Shrinks the machine for a whole-machine episode, so a grower reaches the edge in seconds
 * instead of filling 24 GB first: locked, it is neither reclaimable nor swappable, so it stays
 * out of MemAvailable and out of the kernel's watermark arithmetic for everything but its size.
 * Writes "ready\n" to fd N once every page is in and locked.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        unsigned long mb = argc >= 2 ? strtoul(argv[1], NULL, 10) : 0;
        size_t size;
        char *p;

        if (mb == 0 || (argc != 2 && (argc != 4 || strcmp(argv[2], "--ready-fd") != 0))) {
                fprintf(stderr, "usage: %s SIZE_MB [--ready-fd N]\n", argv[0]);
                return 2;
        }
        size = (size_t)mb << 20;
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
                perror("bench-ballast: mmap");
                return 1;
        }
        /* mlock() faults every page in; distinct bytes then keep KSM or zero pages out of it */
        if (mlock(p, size) < 0) {
                fprintf(stderr, "bench-ballast: mlock: %s\n", strerror(errno));
                return 1;
        }
        for (size_t off = 0; off < size; off += 4096)
                p[off] = (char)(off / 4096 | 1);
        if (argc == 4) {
                int fd = atoi(argv[3]);

                if (write(fd, "ready\n", 6) != 6)
                        return 1;
                close(fd);
        }
        for (;;)
                pause();
}
