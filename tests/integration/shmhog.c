/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shmhog.c - map FILE (made SIZE_MB if shorter) shared, touch every page, say so, sleep until killed */

/*
 * Usage: shmhog FILE SIZE_MB [--ready-fd N]
 * On a tmpfs, FILE's pages are shmem: they count in the RSS (RssShmem) of every process that
 * maps them, and killing such a process frees none of them while the file (or another mapper)
 * keeps them. The victim of a futile kill. Writes "ready\n" to fd N once every page is touched.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        long page = sysconf(_SC_PAGESIZE);
        unsigned long long mb;
        int fd, ready_fd = -1;
        struct stat st;
        size_t size;
        char *end, *p;

        if (argc != 3 && argc != 5) {
                fprintf(stderr, "usage: %s FILE SIZE_MB [--ready-fd N]\n", argv[0]);
                return 2;
        }
        mb = strtoull(argv[2], &end, 10);
        if (*end || mb == 0 || mb > (1ULL << 30)) {
                fprintf(stderr, "shmhog: bad size '%s'\n", argv[2]);
                return 2;
        }
        if (argc == 5) {
                if (strcmp(argv[3], "--ready-fd") != 0) {
                        fprintf(stderr, "shmhog: unknown option '%s'\n", argv[3]);
                        return 2;
                }
                ready_fd = atoi(argv[4]);
        }
        size = (size_t)mb << 20;
        fd = open(argv[1], O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0 || fstat(fd, &st) < 0 || ((size_t)st.st_size < size && ftruncate(fd, (off_t)size) < 0)) {
                perror("shmhog: open");
                return 1;
        }
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
                perror("shmhog: mmap");
                return 1;
        }
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
