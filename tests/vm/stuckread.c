/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stuckread.c - fill SIZE_MB of anonymous memory, say so, then read a block device with O_DIRECT */

/*
 * Usage: stuckread SIZE_MB DEVICE READY_FILE
 * Touches every page of SIZE_MB, writes "ready\n" to READY_FILE, then reads the first 4 KiB of
 * DEVICE with O_DIRECT, again and again. On a device-mapper device suspended with "dmsetup
 * suspend", the read waits in the block layer in uninterruptible sleep (state D): a SIGKILL
 * stays pending and the process cannot run its own exit until the device is resumed. That is
 * the stuck victim of the VM tier on a pure cgroup2 host, where the v2 freezer (unlike the v1
 * freezer) lets a SIGKILL through.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        long page = sysconf(_SC_PAGESIZE);
        unsigned long long mb;
        size_t size;
        char *end, *p;
        void *buf;
        FILE *f;
        int fd;

        if (argc != 4) {
                fprintf(stderr, "usage: %s SIZE_MB DEVICE READY_FILE\n", argv[0]);
                return 2;
        }
        mb = strtoull(argv[1], &end, 10);
        if (*end || mb == 0 || mb > (1ULL << 30)) {
                fprintf(stderr, "stuckread: bad size '%s'\n", argv[1]);
                return 2;
        }
        size = (size_t)mb << 20;
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
                perror("stuckread: mmap");
                return 1;
        }
        /* One distinct non-zero byte per page, as hog.c: real faults, nothing KSM could merge. */
        for (size_t off = 0; off < size; off += (size_t)page)
                p[off] = (char)(off / (size_t)page | 1);

        fd = open(argv[2], O_RDONLY | O_DIRECT | O_CLOEXEC);
        if (fd < 0) {
                perror("stuckread: open");
                return 1;
        }
        if (posix_memalign(&buf, 4096, 4096) != 0) {
                fprintf(stderr, "stuckread: out of memory\n");
                return 1;
        }
        f = fopen(argv[3], "we");
        if (!f || fputs("ready\n", f) < 0 || fclose(f) != 0) {
                perror("stuckread: ready file");
                return 1;
        }
        for (;;) {
                if (pread(fd, buf, 4096, 0) < 0) {
                        perror("stuckread: pread");
                        return 1;
                }
                usleep(100000);
        }
}
