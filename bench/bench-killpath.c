/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench-killpath.c - kill_start() with N sleepers on the machine: what the search for mm sharers costs */

/*
 * Usage: bench-killpath N...   (root for another user's processes; not a test)
 * For each N: forks N sleepers, then times kill_start() in dry run (process unit, no scope: the
 * search for processes sharing the victim's mm compares it with every process, by kcmp()) on
 * one more sleeper, 21 times, and prints the median CPU time of the calling thread (what the
 * search costs, whatever else runs) and the fastest, median and slowest wall time. Nothing is
 * signalled; every sleeper dies with the bench (PR_SET_PDEATHSIG) or at its end.
 */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kill.h"
#include "procfs.h"
#include "util.h"

#define BENCH_RUNS 21

static pid_t sleeper(void)
{
        pid_t pid = fork();

        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                for (;;)
                        pause();
        }
        return pid;
}

static bool usec_above(const void *a, const void *b, void *userdata)
{
        return *(const usec_t *)a > *(const usec_t *)b;
}

static int bench(struct reaper *r, int proc_fd, long n)
{
        pid_t *kids = calloc((size_t)n + 1, sizeof(*kids));
        usec_t t[BENCH_RUNS], cpu[BENCH_RUNS];
        struct proc_status status;
        struct proc_stat st;
        struct victim v = {};
        size_t sharers = 0;

        if (!kids)
                return 1;
        for (long i = 0; i <= n; i++)
                kids[i] = sleeper();
        if (proc_read_stat(proc_fd, kids[n], &st) < 0 || proc_read_status(proc_fd, kids[n], &status) < 0)
                return 1;
        v = (struct victim){.pid = kids[n], .pgid = st.pgid, .uid = status.uid, .starttime = st.starttime};
        for (int i = 0; i < BENCH_RUNS; i++) {
                struct kill_request req = {
                        .victim = &v, .unit = KILL_UNIT_PROCESS, .dry_run = true, .proc_dirfd = proc_fd};
                struct kill_op op = {};
                usec_t t0 = now_usec(CLOCK_MONOTONIC), c0 = now_usec(CLOCK_THREAD_CPUTIME_ID);
                int e = kill_start(r, &req, &op);

                cpu[i] = now_usec(CLOCK_THREAD_CPUTIME_ID) - c0;
                t[i] = now_usec(CLOCK_MONOTONIC) - t0;
                sharers = op.n_sharers;
                kill_op_done(&op);
                if (e != KILL_DRY_RUN)
                        fprintf(stderr, "kill_start: %d\n", e);
        }
        heap_sort(t, BENCH_RUNS, sizeof(t[0]), usec_above, NULL);
        heap_sort(cpu, BENCH_RUNS, sizeof(cpu[0]), usec_above, NULL);
        printf("| %ld | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %zu |\n", n, cpu[BENCH_RUNS / 2] / 1000.0,
               t[0] / 1000.0, t[BENCH_RUNS / 2] / 1000.0, t[BENCH_RUNS - 1] / 1000.0, sharers);
        for (long i = 0; i <= n; i++)
                kill(kids[i], SIGKILL);
        while (wait(NULL) > 0)
                ;
        free(kids);
        return 0;
}

int main(int argc, char **argv)
{
        _cleanup_(closep) int proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct reaper_setup rs;
        struct reaper *r = NULL;

        if (argc < 2 || proc_fd < 0 || reaper_new(&(struct reaper_config){}, &rs, &r) < 0) {
                fprintf(stderr, "usage: %s N...\n", argv[0]);
                return 2;
        }
        printf("| sleepers | CPU, median | wall, fastest | median | slowest | sharers |\n"
               "|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 1; i < argc; i++)
                if (bench(r, proc_fd, strtol(argv[i], NULL, 10)) != 0)
                        return 1;
        reaper_free(r);
        return 0;
}
