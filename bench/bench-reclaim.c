/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench-reclaim.c - how fast a killed victim's memory comes back, by size, state and method */

/*
 * Usage: bench-reclaim [--hog PATH] [--out DIR] [--sizes 1,2,4,8] [--timeout SEC]   (root)
 *
 * For each size (GB) a hog is filled in a scratch v1 freezer+memory cgroup, optionally frozen
 * (D state), and killed either through reapd's kill path (pidfd SIGKILL + process_mrelease on
 * the reaper thread), with plain SIGKILL, or with SIGKILL and process_mrelease() called directly
 * by this thread (the physical reference: what one thread's unmapping costs on this machine,
 * with nothing of reapd's in between). --frozen-only: frozen victims, the two mrelease methods.
 * The time from the kill until 90% of the hog left
 * the memory cgroup is the reclaim time; a frozen victim killed plainly never gives it back,
 * which is reported as "not back" after --timeout. Writes DIR/reclaim.md (markdown table),
 * DIR/reclaim.dat and DIR/reclaim.png (gnuplot), and prints the table.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kill.h"
#include "lab.h"

#ifndef BENCH_OUT_DEFAULT
#define BENCH_OUT_DEFAULT "bench/out"
#endif
#ifndef HOG_DEFAULT
#define HOG_DEFAULT "hog"
#endif

/* 90%: the rest of the hog's charge is page tables, stack and libc, freed at exit only. */
#define BACK_SHARE 0.9
/* Poll the cgroup's usage every 200 us: 1 GB is back in ~30 ms, so this is <1% resolution. */
#define POLL_USEC 200
#ifndef __NR_process_mrelease
#define __NR_process_mrelease 448
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

#define MB (1024.0 * 1024.0)
#define GB (1024.0 * MB)

enum method { METHOD_PLAIN, METHOD_REAPER, METHOD_DIRECT, _METHOD_MAX };

static const char *const method_name[_METHOD_MAX] = {
        [METHOD_PLAIN] = "plain SIGKILL",
        [METHOD_REAPER] = "kill_start + process_mrelease",
        [METHOD_DIRECT] = "kill + process_mrelease, direct",
};

struct result {
        unsigned gb;
        bool frozen;
        enum method method;
        double ms; /* reclaim time; < 0 = not back within the timeout */
        double release_ms; /* the process_mrelease() calls alone; 0 without */
        int release; /* the victim's kill_target.release: 0, or -ESRCH when its own exit won the race */
        double freed_mb;
};

/* The reference: SIGKILL and process_mrelease() from this thread, the call timed alone. */
static void kill_direct(pid_t pid, struct result *res)
{
        int pidfd = (int)syscall(__NR_pidfd_open, pid, 0);
        double t;

        kill(pid, SIGKILL);
        if (pidfd < 0)
                return;
        t = lab_now_ms();
        res->release = syscall(__NR_process_mrelease, pidfd, 0) == 0 ? 0 : -errno;
        res->release_ms = lab_now_ms() - t;
        close(pidfd);
}

static double measure(const char *hog, unsigned gb, bool frozen, enum method method, double timeout_ms,
                      struct reaper *reaper, int proc_dirfd, struct result *res)
{
        struct lab_cgroup *cg = lab_cgroup_new();
        struct kill_identity id;
        struct victim v = {0};
        struct kill_request req = {
                .victim = &v, .unit = KILL_UNIT_PROCESS, .release = true, .proc_dirfd = proc_dirfd};
        struct kill_op op = {0};
        uint64_t usage0, usage = 0, target;
        double t0;
        pid_t pid;

        *res = (struct result){.gb = gb, .frozen = frozen, .method = method, .ms = -1};
        if (!cg)
                return -1;
        pid = lab_spawn_hog(hog, gb * 1024, cg);
        if (pid <= 0) {
                fprintf(stderr, "bench: cannot start hog: %s\n", strerror(-pid));
                lab_cgroup_destroy(cg);
                return -1;
        }
        usage0 = lab_memcg_usage(cg);
        target = usage0 - (uint64_t)(gb * GB * BACK_SHARE);
        if (frozen)
                (void)lab_freeze(cg, true);
        if (kill_identity_read(proc_dirfd, pid, &id) == 0) {
                v.pid = pid;
                v.uid = id.uid;
                v.starttime = id.starttime;
        }

        t0 = lab_now_ms();
        if (method == METHOD_REAPER) {
                if (kill_start(reaper, &req, &op) != 0)
                        fprintf(stderr, "bench: kill_start failed\n");
        } else if (method == METHOD_DIRECT) {
                kill_direct(pid, res);
        } else {
                kill(pid, SIGKILL);
        }
        for (;;) {
                usage = lab_memcg_usage(cg);
                if (usage <= target) {
                        res->ms = lab_now_ms() - t0;
                        break;
                }
                if (lab_now_ms() - t0 > timeout_ms)
                        break;
                usleep(POLL_USEC);
        }
        if (method == METHOD_REAPER) {
                struct pollfd p = {.fd = reaper_fd(reaper), .events = POLLIN};

                if (op.release_pending && poll(&p, 1, 10000) == 1)
                        (void)reaper_collect(reaper, &op);
                res->release_ms = (op.t_release_end - op.t_release_start) / 1000.0;
                res->release = op.targets ? op.targets[0].release : KILL_RELEASE_SKIPPED;
                kill_op_done(&op);
        }
        res->freed_mb = ((double)usage0 - (double)usage) / MB;
        lab_cgroup_destroy(cg);
        return res->ms;
}

static void print_table(FILE *f, const struct result *r, size_t n, double timeout_ms)
{
        fprintf(f, "| victim | size | method | reclaim time | GB/s | mrelease call | GB/s (call) |\n");
        fprintf(f, "|---|---:|---|---:|---:|---:|---:|\n");
        for (size_t i = 0; i < n; i++) {
                const struct result *x = &r[i];

                bool mrelease = x->method != METHOD_PLAIN;

                fprintf(f, "| %s | %u GB | %s | ", x->frozen ? "frozen (D)" : "running", x->gb,
                        method_name[x->method]);
                if (x->ms < 0)
                        fprintf(f, "not back in %.0f s (%.0f MB freed) | - | ", timeout_ms / 1000,
                                x->freed_mb);
                else
                        fprintf(f, "%.1f ms | %.1f | ", x->ms, x->gb / (x->ms / 1000.0));
                if (mrelease && x->release != 0)
                        fprintf(f, "%.3f ms (%s: the victim's own exit won) | - |\n", x->release_ms,
                                x->release == -ESRCH ? "ESRCH"
                                                     : strerror(x->release > 0 ? EINVAL : -x->release));
                else if (mrelease && x->release_ms > 0)
                        fprintf(f, "%.1f ms | %.1f |\n", x->release_ms, x->gb / (x->release_ms / 1000.0));
                else
                        fprintf(f, "- | - |\n");
        }
        fprintf(f, "\nThe reference is the direct method: this thread's own process_mrelease() call, timed "
                   "alone;\n"
                   "reclaim time runs from the kill until 90%% of the victim left its memory cgroup; GB = "
                   "GiB.\n");
}

static int plot(const char *out, const struct result *r, size_t n, double timeout_ms)
{
        static const char *series[] = {"running, plain SIGKILL", "running, mrelease", "running, direct",
                                       "frozen, plain SIGKILL",  "frozen, mrelease",  "frozen, direct"};
        char path[4096], cmd[4200];
        FILE *f;

        snprintf(path, sizeof(path), "%s/reclaim.dat", out);
        f = fopen(path, "we");
        if (!f)
                return -errno;
        /* One block per series: size_gb ms (not back = the timeout, drawn as such). */
        for (size_t s = 0; s < 6; s++) {
                fprintf(f, "# %s\n", series[s]);
                for (size_t i = 0; i < n; i++)
                        if (r[i].frozen == (s >= 3) && r[i].method == s % 3)
                                fprintf(f, "%u %.3f\n", r[i].gb, r[i].ms < 0 ? timeout_ms : r[i].ms);
                fprintf(f, "\n\n");
        }
        fclose(f);

        snprintf(path, sizeof(path), "%s/reclaim.gp", out);
        f = fopen(path, "we");
        if (!f)
                return -errno;
        fprintf(f,
                "set terminal pngcairo size 900,560\n"
                "set output '%s/reclaim.png'\n"
                "set title 'reapd: time until a killed victim''s memory is back'\n"
                "set xlabel 'victim size (GiB)'\nset ylabel 'reclaim time (ms, log)'\n"
                "set logscale y\nset key top left\nset grid\n"
                "set label 'timeout: not back' at graph 0.55, first %.0f offset 0,0.8\n"
                "plot for [i=0:5] '%s/reclaim.dat' index i using 1:2 with linespoints lw 2 title "
                "word(\"running,SIGKILL running,mrelease running,direct frozen,SIGKILL frozen,mrelease "
                "frozen,direct\", i+1)\n",
                out, timeout_ms, out);
        fclose(f);
        snprintf(cmd, sizeof(cmd), "gnuplot '%s' 2>&1", path);
        return system(cmd) == 0 ? 0 : -EIO;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"hog", required_argument, NULL, 'H'},
                {"out", required_argument, NULL, 'o'},
                {"sizes", required_argument, NULL, 's'},
                {"timeout", required_argument, NULL, 't'},
                {"frozen-only", no_argument, NULL, 'F'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *hog = HOG_DEFAULT, *out = BENCH_OUT_DEFAULT;
        char sizes_buf[128] = "1,2,4,8";
        unsigned sizes[16];
        size_t n_sizes = 0, n = 0;
        double timeout_ms = 10000;
        struct result results[16 * _METHOD_MAX * 2];
        _cleanup_(reaper_freep) struct reaper *reaper = NULL;
        struct reaper_config rc = {0};
        char path[4096];
        bool frozen_only = false;
        int proc_dirfd, c;
        FILE *md;

        while ((c = getopt_long(argc, argv, "H:o:s:t:Fh", opts, NULL)) >= 0) {
                switch (c) {
                case 'F':
                        frozen_only = true;
                        break;
                case 'H':
                        hog = optarg;
                        break;
                case 'o':
                        out = optarg;
                        break;
                case 's':
                        strlcpy0(sizes_buf, optarg, sizeof(sizes_buf));
                        break;
                case 't':
                        timeout_ms = atof(optarg) * 1000;
                        break;
                default:
                        printf("usage: %s [--hog PATH] [--out DIR] [--sizes 1,2,4,8] [--timeout SEC] "
                               "[--frozen-only]\n",
                               argv[0]);
                        return c == 'h' ? 0 : 2;
                }
        }
        for (char *s = strtok(sizes_buf, ","); s && n_sizes < 16; s = strtok(NULL, ","))
                sizes[n_sizes++] = (unsigned)atoi(s);

        if (lab_init() != 0 || !lab_have_v1()) {
                fprintf(stderr, "bench-reclaim: needs root and the v1 freezer and memory hierarchies\n");
                return 77;
        }
        (void)mkdir(out, 0755);
        proc_dirfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (reaper_new(&rc, NULL, &reaper) < 0)
                return 1;

        for (size_t i = 0; i < n_sizes; i++)
                for (int frozen = frozen_only; frozen <= 1; frozen++)
                        for (int m = frozen_only ? METHOD_REAPER : METHOD_PLAIN; m < _METHOD_MAX; m++) {
                                struct result *x = &results[n++];

                                fprintf(stderr, "bench: %u GB, %s, %s ...\n", sizes[i],
                                        frozen ? "frozen" : "running", method_name[m]);
                                measure(hog, sizes[i], frozen, m, timeout_ms, reaper, proc_dirfd, x);
                        }

        print_table(stdout, results, n, timeout_ms);
        snprintf(path, sizeof(path), "%s/reclaim.md", out);
        md = fopen(path, "we");
        if (md) {
                print_table(md, results, n, timeout_ms);
                fclose(md);
        }
        if (plot(out, results, n, timeout_ms) < 0)
                fprintf(stderr, "bench: gnuplot failed, table only\n");
        printf("\nwritten: %s/reclaim.md, reclaim.dat, reclaim.png\n", out);
        close(proc_dirfd);
        return 0;
}
