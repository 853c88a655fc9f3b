/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench-reclaim.c - how fast a killed victim's memory comes back, by size, state and method */

/*
 * Usage: bench-reclaim [--hog PATH] [--out DIR] [--sizes 1,2,4,8] [--timeout SEC]   (root)
 *
 * For each size (GB) a hog is filled in a scratch v1 freezer+memory cgroup, optionally frozen
 * (D state), and killed either through reapd's kill path (pidfd SIGKILL + process_mrelease on
 * the reaper thread) or with plain SIGKILL. The time from the kill until 90% of the hog left
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
/* Unmapping measured on this machine (LAB.md): the physical reference for process_mrelease. */
#define REFERENCE_GBPS 11.0

#define MB (1024.0 * 1024.0)
#define GB (1024.0 * MB)

struct result {
        unsigned gb;
        bool frozen, mrelease;
        double ms; /* reclaim time; < 0 = not back within the timeout */
        double release_ms; /* the process_mrelease() calls alone; 0 without */
        int release; /* the victim's kill_target.release: 0, or -ESRCH when its own exit won the race */
        double freed_mb;
};

static double measure(const char *hog, unsigned gb, bool frozen, bool mrelease, double timeout_ms,
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

        *res = (struct result){.gb = gb, .frozen = frozen, .mrelease = mrelease, .ms = -1};
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
        if (mrelease) {
                if (kill_start(reaper, &req, &op) != 0)
                        fprintf(stderr, "bench: kill_start failed\n");
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
        if (mrelease) {
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

                fprintf(f, "| %s | %u GB | %s | ", x->frozen ? "frozen (D)" : "running", x->gb,
                        x->mrelease ? "kill_start + process_mrelease" : "plain SIGKILL");
                if (x->ms < 0)
                        fprintf(f, "not back in %.0f s (%.0f MB freed) | - | ", timeout_ms / 1000,
                                x->freed_mb);
                else
                        fprintf(f, "%.1f ms | %.1f | ", x->ms, x->gb / (x->ms / 1000.0));
                if (x->mrelease && x->release != 0)
                        fprintf(f, "%.3f ms (%s: the victim's own exit won) | - |\n", x->release_ms,
                                x->release == -ESRCH ? "ESRCH"
                                                     : strerror(x->release > 0 ? EINVAL : -x->release));
                else if (x->mrelease && x->release_ms > 0)
                        fprintf(f, "%.1f ms | %.1f |\n", x->release_ms, x->gb / (x->release_ms / 1000.0));
                else
                        fprintf(f, "- | - |\n");
        }
        fprintf(f,
                "\nReference: unmapping at ~%.0f GB/s measured on this machine (LAB.md); GB = GiB here.\n",
                REFERENCE_GBPS);
}

static int plot(const char *out, const struct result *r, size_t n, double timeout_ms)
{
        static const char *series[] = {"running, plain SIGKILL", "running, mrelease",
                                       "frozen, plain SIGKILL", "frozen, mrelease"};
        char path[4096], cmd[4200];
        FILE *f;

        snprintf(path, sizeof(path), "%s/reclaim.dat", out);
        f = fopen(path, "we");
        if (!f)
                return -errno;
        /* One block per series: size_gb ms (not back = the timeout, drawn as such). */
        for (size_t s = 0; s < 4; s++) {
                fprintf(f, "# %s\n", series[s]);
                for (size_t i = 0; i < n; i++)
                        if (r[i].frozen == (s >= 2) && r[i].mrelease == (s % 2 == 1))
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
                "plot for [i=0:3] '%s/reclaim.dat' index i using 1:2 with linespoints lw 2 title "
                "word(\"'running,SIGKILL' 'running,mrelease' 'frozen,SIGKILL' 'frozen,mrelease'\", i+1), "
                "x*1000/%.1f with lines dt 2 title 'reference %.0f GB/s'\n",
                out, timeout_ms, out, REFERENCE_GBPS, REFERENCE_GBPS);
        fclose(f);
        snprintf(cmd, sizeof(cmd), "gnuplot '%s' 2>&1", path);
        return system(cmd) == 0 ? 0 : -EIO;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"hog", required_argument, NULL, 'H'},   {"out", required_argument, NULL, 'o'},
                {"sizes", required_argument, NULL, 's'}, {"timeout", required_argument, NULL, 't'},
                {"help", no_argument, NULL, 'h'},        {},
        };
        const char *hog = HOG_DEFAULT, *out = BENCH_OUT_DEFAULT;
        char sizes_buf[128] = "1,2,4,8";
        unsigned sizes[16];
        size_t n_sizes = 0, n = 0;
        double timeout_ms = 10000;
        struct result results[64];
        _cleanup_(reaper_freep) struct reaper *reaper = NULL;
        struct reaper_config rc = {0};
        char path[4096];
        int proc_dirfd, c;
        FILE *md;

        while ((c = getopt_long(argc, argv, "H:o:s:t:h", opts, NULL)) >= 0) {
                switch (c) {
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
                        printf("usage: %s [--hog PATH] [--out DIR] [--sizes 1,2,4,8] [--timeout SEC]\n",
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
                for (int frozen = 0; frozen <= 1; frozen++)
                        for (int mr = 0; mr <= 1; mr++) {
                                struct result *x = &results[n++];

                                fprintf(stderr, "bench: %u GB, %s, %s ...\n", sizes[i],
                                        frozen ? "frozen" : "running", mr ? "mrelease" : "plain SIGKILL");
                                measure(hog, sizes[i], frozen, mr, timeout_ms, reaper, proc_dirfd, x);
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
