/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench-canary.c - what a user at the keyboard feels: how late each 10 ms tick of a small app is */

/*
 * Usage: bench-canary FILE SIZE_MB LOG [--ready-fd N] [--anon-kb KB] [--max-sec S]
 *
 * Stands in for an interactive program: every PERIOD_MS it reads one byte of every page of a
 * file-backed mapping of FILE (SIZE_MB, like an application's code and data: page cache the
 * kernel may evict under pressure, and must read back from disk when it does) and writes one
 * byte of every page of a small anonymous buffer. Each iteration's latency is the time from its
 * scheduled start to the end of its work, so it holds both a late wakeup and a slow fault: a
 * freeze is one long iteration. Ticks missed during a long one are skipped, not made up.
 *
 * FILE is made (or remade, if its size differs) on first use; it must live on a disk
 * filesystem (tmpfs pages are not evictable page cache, and the canary refuses them). The
 * records stay in a locked array (the measuring must not fault) and are written to LOG at
 * SIGTERM, SIGINT or after --max-sec: "# canary ..." header lines, then one "START_US LAT_US"
 * line per iteration, START_US on CLOCK_MONOTONIC (the clock of the tracefs "mono" clock the
 * benches time kills with). --ready-fd N gets "ready\n" after the first full pass, once the
 * mapping is in memory.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

/* 10 ms: a 100 Hz frame or keystroke echo; a human notices a stall from about 100 ms on. */
#define PERIOD_NSEC 10000000L
/* 1 MB of anonymous working memory: a small program's heap, not a hog. */
#define ANON_KB_DEFAULT 1024
/* Ten minutes of records (480 KB); a longer run stops itself and says so. */
#define MAX_SEC_DEFAULT 600

struct record {
        uint32_t start_ms; /* scheduled start, ms after the first tick */
        uint32_t lat_us; /* scheduled start to end of the work; UINT32_MAX caps ~71 min */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
        (void)sig;
        stop = 1;
}

static uint64_t ns_of(const struct timespec *ts)
{
        return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ns_of(&ts);
}

/* The data file, made once: distinct non-zero bytes per page, written and synced to disk. */
static int make_file(const char *path, size_t size)
{
        static char block[1 << 16];
        struct statfs sfs;
        struct stat st;
        int fd;

        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        if (fstatfs(fd, &sfs) == 0 && (sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC)) {
                fprintf(stderr,
                        "bench-canary: %s is on tmpfs/ramfs: its pages are not evictable page cache\n",
                        path);
                close(fd);
                return -EINVAL;
        }
        if (fstat(fd, &st) == 0 && (size_t)st.st_size == size)
                return fd;
        if (ftruncate(fd, 0) < 0)
                goto fail;
        for (size_t off = 0; off < size; off += sizeof(block)) {
                for (size_t i = 0; i < sizeof(block); i += 4096)
                        block[i] = (char)((off + i) / 4096 | 1);
                if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
                        goto fail;
        }
        if (fsync(fd) < 0)
                goto fail;
        return fd;
fail:
        close(fd);
        return -errno;
}

static unsigned long arg_ul(const char *s, const char *what)
{
        char *end;
        unsigned long v = strtoul(s, &end, 10);

        if (*end || v == 0) {
                fprintf(stderr, "bench-canary: bad %s '%s'\n", what, s);
                exit(2);
        }
        return v;
}

static int write_log(const char *path, const struct record *r, size_t n, uint64_t t0_ns, uint64_t missed,
                     bool full, const char *file, unsigned long size_mb, unsigned long anon_kb)
{
        FILE *f = fopen(path, "we");

        if (!f)
                return -errno;
        fprintf(f, "# canary period_ms=%ld file=%s size_mb=%lu anon_kb=%lu\n", PERIOD_NSEC / 1000000, file,
                size_mb, anon_kb);
        fprintf(f, "# iterations=%zu missed_ticks=%" PRIu64 " stopped=%s\n", n, missed,
                full ? "record-array-full" : "signal");
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%" PRIu64 " %" PRIu32 "\n", t0_ns / 1000 + (uint64_t)r[i].start_ms * 1000,
                        r[i].lat_us);
        return fclose(f) == 0 ? 0 : -errno;
}

int main(int argc, char **argv)
{
        unsigned long size_mb, anon_kb = ANON_KB_DEFAULT, max_sec = MAX_SEC_DEFAULT;
        size_t page = (size_t)sysconf(_SC_PAGESIZE), size, n = 0, max_n;
        const char *file, *log;
        volatile char *map, *anon;
        struct record *rec;
        struct sigaction sa = {.sa_handler = on_signal};
        uint64_t t0, deadline, missed = 0;
        int fd, ready_fd = -1;

        if (argc < 4 || (argc - 4) % 2) {
                fprintf(stderr, "usage: %s FILE SIZE_MB LOG [--ready-fd N] [--anon-kb KB] [--max-sec S]\n",
                        argv[0]);
                return 2;
        }
        file = argv[1];
        size_mb = arg_ul(argv[2], "size");
        log = argv[3];
        for (int i = 4; i < argc; i += 2) {
                if (strcmp(argv[i], "--ready-fd") == 0)
                        ready_fd = atoi(argv[i + 1]);
                else if (strcmp(argv[i], "--anon-kb") == 0)
                        anon_kb = arg_ul(argv[i + 1], "--anon-kb");
                else if (strcmp(argv[i], "--max-sec") == 0)
                        max_sec = arg_ul(argv[i + 1], "--max-sec");
                else {
                        fprintf(stderr, "bench-canary: unknown option '%s'\n", argv[i]);
                        return 2;
                }
        }
        size = (size_t)size_mb << 20;
        fd = make_file(file, size);
        if (fd < 0) {
                fprintf(stderr, "bench-canary: %s: %s\n", file, strerror(-fd));
                return 1;
        }
        /* Out of the page cache first: the first pass reads it back, charged to this process's
         * memory cgroup (a cgroup-scoped episode reclaims it there, not in a cgroup of the past). */
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
        anon = mmap(NULL, anon_kb << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        max_n = max_sec * (1000000000UL / PERIOD_NSEC);
        rec = mmap(NULL, max_n * sizeof(*rec), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (map == MAP_FAILED || anon == MAP_FAILED || rec == MAP_FAILED) {
                perror("bench-canary: mmap");
                return 1;
        }
        /* Only the records are locked: the mapping and the buffer are what is measured. */
        if (mlock(rec, max_n * sizeof(*rec)) < 0)
                fprintf(stderr, "bench-canary: mlock of the records failed (%s), recording unlocked\n",
                        strerror(errno));
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);

        t0 = deadline = now_ns();
        while (!stop && n < max_n) {
                struct timespec ts = {.tv_sec = (time_t)(deadline / 1000000000ULL),
                                      .tv_nsec = (long)(deadline % 1000000000ULL)};
                uint64_t end;

                if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                        continue;
                for (size_t off = 0; off < size; off += page)
                        (void)map[off]; /* a volatile read: never optimised away */
                for (size_t off = 0; off < (size_t)anon_kb << 10; off += page)
                        anon[off] = (char)(anon[off] + 1);
                end = now_ns();
                rec[n].start_ms = (uint32_t)((deadline - t0) / 1000000);
                rec[n].lat_us = (end - deadline) / 1000 > UINT32_MAX ? UINT32_MAX
                                                                     : (uint32_t)((end - deadline) / 1000);
                n++;
                if (ready_fd >= 0) {
                        if (write(ready_fd, "ready\n", 6) != 6)
                                fprintf(stderr, "bench-canary: ready fd: %s\n", strerror(errno));
                        close(ready_fd);
                        ready_fd = -1;
                }
                deadline += PERIOD_NSEC;
                if (end > deadline) {
                        uint64_t skip = (end - deadline) / PERIOD_NSEC + 1;

                        missed += skip;
                        deadline += skip * PERIOD_NSEC;
                }
        }
        if (n == max_n)
                fprintf(stderr, "bench-canary: stopped after %lu s (--max-sec), records full\n", max_sec);
        if (write_log(log, rec, n, t0, missed, n == max_n, file, size_mb, anon_kb) < 0) {
                fprintf(stderr, "bench-canary: %s: %s\n", log, strerror(errno));
                return 1;
        }
        return 0;
}
