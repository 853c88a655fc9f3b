/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench-select.c - victim selection (snapshot_take + score_select) over 1 000 and 10 000 live sleepers */

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "score.h"
#include "snapshot.h"
#include "util.h"

/* Runs per size; the median hides the odd run that met a compile job on the other core. */
#define BENCH_RUNS 21
#define BENCH_MAX_KIDS 10000

static pid_t kids[BENCH_MAX_KIDS];
static size_t n_kids;

static void reap_all(void)
{
        for (size_t i = 0; i < n_kids; i++)
                kill(kids[i], SIGKILL);
        for (size_t i = 0; i < n_kids; i++)
                waitpid(kids[i], NULL, 0);
        n_kids = 0;
}

static void on_signal(int sig)
{
        for (size_t i = 0; i < n_kids; i++)
                kill(kids[i], SIGKILL);
        signal(sig, SIG_DFL);
        raise(sig);
}

static int spawn_until(size_t n)
{
        while (n_kids < n) {
                pid_t pid = fork();

                if (pid < 0)
                        return -errno;
                if (pid == 0) {
                        prctl(PR_SET_PDEATHSIG, SIGKILL);
                        if (getppid() == 1)
                                _exit(0);
                        for (;;)
                                pause();
                }
                kids[n_kids++] = pid;
        }
        return 0;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return (x > y) - (x < y);
}

static long rss_kb(void)
{
        struct rusage ru;

        return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

int main(int argc, char **argv)
{
        static const size_t sizes[] = {1000, BENCH_MAX_KIDS};
        _cleanup_(closep) int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct policy policy;
        struct snapshot s = {};

        atexit(reap_all);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        if (fd < 0)
                return 1;
        policy_init(&policy);

        printf("| sleepers | processes scanned | median snapshot | median select | total | µs/process | "
               "max RSS |\n|---:|---:|---:|---:|---:|---:|---:|\n");
        for (size_t k = 0; k < ELEMENTSOF(sizes); k++) {
                uint64_t snap[BENCH_RUNS], sel[BENCH_RUNS], tot[BENCH_RUNS];
                struct candidate c;
                int r = spawn_until(sizes[k]);

                if (r < 0) {
                        fprintf(stderr, "fork: %s\n", strerror(-r));
                        return 1;
                }
                for (int i = 0; i < BENCH_RUNS; i++) {
                        usec_t t0 = now_usec(CLOCK_MONOTONIC), t1, t2;

                        r = snapshot_take(fd, &(struct snapshot_opts){.fields = policy.fields_used}, &s);
                        t1 = now_usec(CLOCK_MONOTONIC);
                        if (r < 0 || score_select(&s, &policy, &(struct score_ctx){}, &c) < 0)
                                return 1;
                        t2 = now_usec(CLOCK_MONOTONIC);
                        snap[i] = t1 - t0;
                        sel[i] = t2 - t1;
                        tot[i] = t2 - t0;
                }
                qsort(snap, BENCH_RUNS, sizeof(uint64_t), cmp_u64);
                qsort(sel, BENCH_RUNS, sizeof(uint64_t), cmp_u64);
                qsort(tot, BENCH_RUNS, sizeof(uint64_t), cmp_u64);
                printf("| %zu | %zu | %.2f ms | %.3f ms | %.2f ms | %.2f | %ld kB |\n", sizes[k], s.n_procs,
                       snap[BENCH_RUNS / 2] / 1000.0, sel[BENCH_RUNS / 2] / 1000.0,
                       tot[BENCH_RUNS / 2] / 1000.0, (double)tot[BENCH_RUNS / 2] / (double)s.n_procs,
                       rss_kb());
                fflush(stdout);
        }
        snapshot_done(&s);
        policy_done(&policy);
        reap_all();
        return 0;
}
