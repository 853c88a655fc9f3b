/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench-pool.c - a cgroup kill of many frozen members: memory back with one reaper thread and the pool */

/*
 * Usage: bench-pool [--hog PATH] [--out DIR] [--runs N] [--members N] [--mb MB]   (root)
 *
 * N members (default 8) of MB each (default 512) are filled in a scratch cgroup (v1
 * freezer+memory, cgroup2 at the same path) and frozen, so that only process_mrelease() frees
 * them; one of them is killed with KillUnit=cgroup through reapd's kill path, by a reaper of
 * one thread (ReaperThreads=1) and by one of the default size (ReaperThreads=auto), in
 * alternating order, --runs times each. "Memory back" is the time from kill_start() until 90%
 * of the members' memory left the memory cgroup. Writes DIR/pool.dat (one line per run) and
 * DIR/pool.md (a markdown table with the medians, the speed-up and the load average), and
 * prints the table. bench/run.sh draws DIR/pool.png with bench/plot-pool.gp.
 *
 * Takes /tmp/reapd-bench.lock (flock) for the whole run, so that it never overlaps another
 * benchmark of more than 1 GB, and refuses to start without the members' memory plus
 * MEMAVAILABLE_MARGIN available.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "kill.h"
#include "lab.h"

#ifndef BENCH_OUT_DEFAULT
#define BENCH_OUT_DEFAULT "bench/out"
#endif
#ifndef HOG_DEFAULT
#define HOG_DEFAULT "hog"
#endif

/* 90%: the rest of each member's charge is page tables, stack and libc, freed at exit only. */
#define BACK_SHARE 0.9
/* Poll the cgroup's usage every 200 us: 4 GB comes back in hundreds of ms. */
#define POLL_USEC 200
/* Not back by then: reported as such (the release is stuck or failed). */
#define TIMEOUT_MS 10000.0
/* What the machine keeps besides the members, so the bench never pushes it to reclaim. */
#define MEMAVAILABLE_MARGIN (2048 * MB)
#define MAX_RUNS 64
#define MAX_MEMBERS 64
#define LOCK_PATH "/tmp/reapd-bench.lock"

#define MB (1024.0 * 1024.0)

struct run {
        unsigned threads; /* the pool's size */
        bool is_default;
        double back_ms; /* < 0: not back within TIMEOUT_MS */
        double batch_ms; /* the reaper's batch, t_release_start .. t_release_end */
        unsigned took_part; /* threads that took part */
        size_t released;
};

static double measure(const char *hog, unsigned members, unsigned mb, struct reaper *reaper, int proc_dirfd,
                      const struct cgroup_roots *roots, struct run *res)
{
        struct lab_cgroup *cg = lab_cgroup_new();
        struct victim v;
        struct kill_request req = {.victim = &v,
                                   .unit = KILL_UNIT_CGROUP,
                                   .release = true,
                                   .proc_dirfd = proc_dirfd,
                                   .roots = roots};
        struct kill_op op = {0};
        struct pollfd p = {.fd = reaper_fd(reaper), .events = POLLIN};
        uint64_t usage0, target;
        pid_t first = 0;
        double t0;

        res->back_ms = -1;
        if (!cg)
                return -1;
        for (unsigned i = 0; i < members; i++) {
                pid_t pid = lab_spawn_hog(hog, mb, cg);

                if (pid <= 0) {
                        fprintf(stderr, "bench-pool: cannot start hog: %s\n", strerror(-pid));
                        lab_cgroup_destroy(cg);
                        return -1;
                }
                if (!first)
                        first = pid;
        }
        usage0 = lab_memcg_usage(cg);
        target = usage0 - (uint64_t)(members * mb * MB * BACK_SHARE);
        if (lab_freeze(cg, true) < 0 || lab_victim_of(proc_dirfd, first, &v) < 0) {
                fprintf(stderr, "bench-pool: cannot freeze the members or read the victim\n");
                lab_cgroup_destroy(cg);
                return -1;
        }

        t0 = lab_now_ms();
        if (kill_start(reaper, &req, &op) != 0)
                fprintf(stderr, "bench-pool: kill_start failed\n");
        while (lab_now_ms() - t0 < TIMEOUT_MS) {
                if (lab_memcg_usage(cg) <= target) {
                        res->back_ms = lab_now_ms() - t0;
                        break;
                }
                usleep(POLL_USEC);
        }
        if (op.release_pending && poll(&p, 1, (int)TIMEOUT_MS) == 1)
                (void)reaper_collect(reaper, &op);
        res->batch_ms = (op.t_release_end - op.t_release_start) / 1000.0;
        res->took_part = op.n_release_threads;
        res->released = op.n_released;
        kill_op_done(&op);
        lab_cgroup_destroy(cg);
        return res->back_ms;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

/* Median of the runs of one pool (@is_default), of back_ms or batch_ms; -1 if any run was not back. */
static double median(const struct run *runs, size_t n, bool is_default, bool batch)
{
        double v[MAX_RUNS * 2];
        size_t k = 0;

        for (size_t i = 0; i < n; i++) {
                if (runs[i].is_default != is_default)
                        continue;
                if (runs[i].back_ms < 0)
                        return -1;
                v[k++] = batch ? runs[i].batch_ms : runs[i].back_ms;
        }
        if (k == 0)
                return -1;
        qsort(v, k, sizeof(v[0]), cmp_double);
        return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

static void range(const struct run *runs, size_t n, bool is_default, double *lo, double *hi)
{
        *lo = 1e18;
        *hi = -1;
        for (size_t i = 0; i < n; i++)
                if (runs[i].is_default == is_default && runs[i].back_ms >= 0) {
                        *lo = runs[i].back_ms < *lo ? runs[i].back_ms : *lo;
                        *hi = runs[i].back_ms > *hi ? runs[i].back_ms : *hi;
                }
}

static void loadavg(char *buf, size_t size)
{
        int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;
        char *sp;

        buf[n > 0 ? n : 0] = '\0';
        if (fd >= 0)
                close(fd);
        /* the three averages only */
        sp = strchr(buf, ' ');
        sp = sp ? strchr(sp + 1, ' ') : NULL;
        sp = sp ? strchr(sp + 1, ' ') : NULL;
        if (sp)
                *sp = '\0';
}

static void print_table(FILE *f, const struct run *runs, size_t n, unsigned members, unsigned mb,
                        unsigned default_threads, const char *load0, const char *load1)
{
        double m1 = median(runs, n, false, false), md = median(runs, n, true, false), lo, hi;

        fprintf(f,
                "%u frozen members of %u MB in one cgroup, killed with KillUnit=cgroup; memory back = "
                "kill_start() "
                "until 90%% of them left the memory cgroup. %zu runs per pool, alternating; load average "
                "(1/5/15 min) %s before, %s after.\n\n",
                members, mb, n / 2, load0, load1);
        fprintf(f, "| reaper | threads | memory back, median | min - max | reaper batch, median | GB/s |\n");
        fprintf(f, "|---|---:|---:|---:|---:|---:|\n");
        for (int d = 0; d <= 1; d++) {
                double m = d ? md : m1;

                range(runs, n, d, &lo, &hi);
                if (m < 0)
                        fprintf(f, "| %s | %u | not back in %.0f s | - | - | - |\n",
                                d ? "ReaperThreads=auto" : "ReaperThreads=1", d ? default_threads : 1,
                                TIMEOUT_MS / 1000);
                else
                        fprintf(f, "| %s | %u | %.1f ms | %.1f - %.1f ms | %.1f ms | %.1f |\n",
                                d ? "ReaperThreads=auto" : "ReaperThreads=1", d ? default_threads : 1, m, lo,
                                hi, median(runs, n, d, true), members * mb / 1024.0 / (m / 1000.0));
        }
        if (m1 > 0 && md > 0)
                fprintf(f,
                        "\nSpeed-up of the default pool (%u threads) over one thread: **%.2fx** "
                        "(medians).\n",
                        default_threads, m1 / md);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"hog", required_argument, NULL, 'h'},  {"out", required_argument, NULL, 'o'},
                {"runs", required_argument, NULL, 'r'}, {"members", required_argument, NULL, 'n'},
                {"mb", required_argument, NULL, 'm'},   {},
        };
        const char *hog = HOG_DEFAULT, *out = BENCH_OUT_DEFAULT;
        unsigned runs_per = 5, members = 8, mb = 512;
        _cleanup_(reaper_freep) struct reaper *one = NULL;
        _cleanup_(reaper_freep) struct reaper *pool = NULL;
        struct reaper_setup setup_one, setup_pool;
        struct cgroup_roots roots;
        struct run runs[MAX_RUNS * 2];
        char path[4096], load0[64], load1[64];
        size_t n = 0;
        int c, proc_dirfd, lock;
        FILE *f;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
                switch (c) {
                case 'h':
                        hog = optarg;
                        break;
                case 'o':
                        out = optarg;
                        break;
                case 'r':
                        runs_per = (unsigned)atoi(optarg);
                        break;
                case 'n':
                        members = (unsigned)atoi(optarg);
                        break;
                case 'm':
                        mb = (unsigned)atoi(optarg);
                        break;
                default:
                        return 2;
                }
        if (runs_per < 1 || runs_per > MAX_RUNS || members < 2 || members > MAX_MEMBERS || mb < 1) {
                fprintf(stderr, "bench-pool: --runs 1-%d, --members 2-%d, --mb >= 1\n", MAX_RUNS,
                        MAX_MEMBERS);
                return 2;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (lab_init() != 0 || !lab_have_v1()) {
                fprintf(stderr, "bench-pool: needs root and the v1 freezer and memory hierarchies\n");
                return 77;
        }
        lock = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (lock < 0 || flock(lock, LOCK_EX) < 0) {
                fprintf(stderr, "bench-pool: cannot take %s: %m\n", LOCK_PATH);
                return 1;
        }
        if (lab_memavailable() < members * mb * MB + MEMAVAILABLE_MARGIN) {
                fprintf(stderr, "bench-pool: MemAvailable %.0f MB, needs %.0f MB\n", lab_memavailable() / MB,
                        (members * mb * MB + MEMAVAILABLE_MARGIN) / MB);
                return 1;
        }
        lab_cgroup_roots(&roots);
        proc_dirfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (reaper_new(&(struct reaper_config){.threads = 1}, &setup_one, &one) < 0 ||
            reaper_new(&(struct reaper_config){0}, &setup_pool, &pool) < 0) {
                fprintf(stderr, "bench-pool: reaper_new failed\n");
                return 1;
        }
        loadavg(load0, sizeof(load0));
        for (unsigned r = 0; r < runs_per; r++)
                /* alternating which goes first, so a drift in the load favours neither */
                for (unsigned k = 0; k < 2; k++) {
                        bool d = (r + k) % 2;
                        struct run *x = &runs[n++];

                        *x = (struct run){.is_default = d, .threads = d ? setup_pool.threads : 1};
                        measure(hog, members, mb, d ? pool : one, proc_dirfd, &roots, x);
                        fprintf(stderr,
                                "bench-pool: run %u, %u thread%s: back in %.1f ms (batch %.1f ms, %zu "
                                "released, %u took part)\n",
                                r + 1, x->threads, x->threads == 1 ? "" : "s", x->back_ms, x->batch_ms,
                                x->released, x->took_part);
                }
        loadavg(load1, sizeof(load1));

        snprintf(path, sizeof(path), "%s/pool.dat", out);
        f = fopen(path, "we");
        if (f) {
                fprintf(f, "# run threads default back_ms batch_ms released took_part\n");
                for (size_t i = 0; i < n; i++)
                        fprintf(f, "%zu %u %d %.3f %.3f %zu %u\n", i / 2 + 1, runs[i].threads,
                                runs[i].is_default, runs[i].back_ms, runs[i].batch_ms, runs[i].released,
                                runs[i].took_part);
                fclose(f);
        }
        snprintf(path, sizeof(path), "%s/pool.md", out);
        f = fopen(path, "we");
        if (f) {
                print_table(f, runs, n, members, mb, setup_pool.threads, load0, load1);
                fclose(f);
        }
        print_table(stdout, runs, n, members, mb, setup_pool.threads, load0, load1);
        close(proc_dirfd);
        return 0;
}
