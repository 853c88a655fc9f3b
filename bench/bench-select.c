/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench-select.c - victim selection, full scan vs select_ranked() (/proc and BPF pass 1), over 1 000 and 10 000 live sleepers */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "rank-bpf.h"
#include "select.h"
#include "snapshot.h"
#include "util.h"

/* Runs per size; the median hides the odd run that met a compile job on the other core. */
#define BENCH_RUNS 21
#define BENCH_MAX_KIDS 10000

static pid_t kids[BENCH_MAX_KIDS];
static size_t n_kids;
/* The scoped rows' cgroup (root only): its cgroup.procs, and the directory removed at exit. */
static char scope_procs[PATH_MAX], scope_dir[PATH_MAX];

static void reap_all(void)
{
        for (size_t i = 0; i < n_kids; i++)
                kill(kids[i], SIGKILL);
        for (size_t i = 0; i < n_kids; i++)
                waitpid(kids[i], NULL, 0);
        n_kids = 0;
        if (scope_dir[0])
                (void)rmdir(scope_dir);
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
                        if (scope_procs[0] && write_file_at(AT_FDCWD, scope_procs, "0") < 0)
                                _exit(1);
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

/*
 * What earlyoom 1.7 does for every process before it looks closer at the best one
 * (kill.c find_largest_process(): readdir(), then fopen() + fscanf() of /proc/<pid>/oom_score).
 * Its per-process cost is at least this; returns the highest score so nothing is optimized out.
 */
static unsigned earlyoom_scan(size_t *ret_n)
{
        DIR *d = opendir("/proc");
        struct dirent *e;
        unsigned best = 0;
        size_t n = 0;

        if (!d)
                return 0;
        while ((e = readdir(d))) {
                char path[PATH_MAX];
                unsigned v;
                FILE *f;

                if (e->d_name[0] < '0' || e->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/oom_score", e->d_name);
                f = fopen(path, "r");
                if (!f)
                        continue;
                if (fscanf(f, "%u", &v) == 1 && v > best)
                        best = v;
                fclose(f);
                n++;
        }
        closedir(d);
        *ret_n = n;
        return best;
}

static uint64_t median(uint64_t *v)
{
        qsort(v, BENCH_RUNS, sizeof(uint64_t), cmp_u64);
        return v[BENCH_RUNS / 2];
}

/*
 * kids[0] is the clear victim when its oom_score_adj is raised: +500 is half of RAM + swap,
 * more than anything else here, without touching memory. Raising needs no privilege.
 */
#define BENCH_VICTIM_ADJ "500"

static int set_victim_adj(const char *adj)
{
        char path[64];

        snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)kids[0]);
        return write_file_at(AT_FDCWD, path, adj);
}

/* A cgroup scope of this size for the scoped rows: adj scales by it, as the daemon's Cgroup= does. */
#define BENCH_SCOPE_BYTES (UINT64_C(4) << 30)
#define BENCH_SCOPE_KIDS 1000

/*
 * The daemon's Cgroup= path: 1 000 sleepers in a scratch cgroup2 cgroup (root only; skipped
 * otherwise), one with adj 500. Full: snapshot_take() + select_best() (what manager_select()
 * does without BPF); BPF: select_ranked() with the iterator filtered by the cgroup's id.
 */
static void bench_scoped(int fd, const struct policy *policy, struct rank_bpf *rank, struct snapshot *f,
                         struct selector *b)
{
        char name[64];
        struct cgroup_roots roots;
        uint64_t full[BENCH_RUNS], bpf[BENCH_RUNS] = {}, bread[BENCH_RUNS] = {};
        size_t same = 0;
        long ps = sysconf(_SC_PAGESIZE);
        struct score_ctx ctx = {.total_pages = BENCH_SCOPE_BYTES / (uint64_t)ps, .page_size = (uint64_t)ps};

        if (geteuid() != 0 || cgroup_roots_discover("/proc/self/mountinfo", &roots) < 0 || !roots.v2[0]) {
                printf("\nScoped rows skipped: they need root and a cgroup2 mount.\n");
                return;
        }
        snprintf(name, sizeof(name), "/reapd-bench-select-%d", (int)getpid());
        if (cgroup_path_join(scope_dir, sizeof(scope_dir), roots.v2, name, NULL) < 0 ||
            cgroup_path_join(scope_procs, sizeof(scope_procs), roots.v2, name, "cgroup.procs") < 0 ||
            mkdir(scope_dir, 0755) < 0) {
                scope_dir[0] = scope_procs[0] = '\0';
                printf("\nScoped rows skipped: cannot create a cgroup under %s.\n", roots.v2);
                return;
        }
        if (spawn_until(BENCH_SCOPE_KIDS) < 0 || set_victim_adj(BENCH_VICTIM_ADJ) < 0)
                return;
        for (int i = 0; i < BENCH_RUNS; i++) {
                struct snapshot_opts opts = {
                        .fields = policy->fields_used, .cgroup = name, .cgroup_root = roots.v2};
                struct candidate c, e;
                usec_t t0, t1, t2;

                t0 = now_usec(CLOCK_MONOTONIC);
                if (snapshot_take(fd, &opts, f) < 0 || select_best(f, policy, &ctx, &c) != 0)
                        return;
                t1 = now_usec(CLOCK_MONOTONIC);
                if (rank && select_ranked(b, fd, &opts, policy, &ctx, &e) != 0)
                        return;
                t2 = now_usec(CLOCK_MONOTONIC);
                full[i] = t1 - t0;
                bpf[i] = t2 - t1;
                bread[i] = b->snapshot.n_read;
                same += rank && b->snapshot.procs[e.idx].pid == f->procs[c.idx].pid;
        }
        printf("\nScoped (Cgroup=, totalpages of a 4 GiB limit): %d sleepers in one cgroup2 cgroup, one "
               "with adj %s.\n\n"
               "| processes | full | µs/proc | BPF | µs/proc | read in full | same victim |\n"
               "|---:|---:|---:|---:|---:|---:|---:|\n"
               "| %zu | %.2f ms | %.2f | %.2f ms | %.2f | %" PRIu64 " | %zu/%d |\n",
               BENCH_SCOPE_KIDS, BENCH_VICTIM_ADJ, f->n_procs, median(full) / 1000.0,
               (double)median(full) / (double)(f->n_procs ? f->n_procs : 1), median(bpf) / 1000.0,
               (double)median(bpf) / (double)(f->n_procs ? f->n_procs : 1), median(bread), same,
               rank ? BENCH_RUNS : 0);
}

int main(int argc, char **argv)
{
        /* the typical case (one process clearly worse than the rest), then none: the worst case */
        static const struct {
                size_t n;
                const char *adj;
        } rows[] = {{1000, BENCH_VICTIM_ADJ}, {BENCH_MAX_KIDS, BENCH_VICTIM_ADJ}, {BENCH_MAX_KIDS, "0"}};
        _cleanup_(closep) int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct policy policy;
        struct snapshot f = {};
        struct selector s = {}, b = {};
        struct rank_bpf *rank = NULL;
        int rr;

        atexit(reap_all);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        if (fd < 0)
                return 1;
        policy_init(&policy);
        rr = rank_bpf_new(&rank);
        b.rank = rank;
        if (rr < 0)
                printf("BPF ranking unavailable: %s; its columns are empty.\n\n", rank_bpf_strerror(rr));

        printf("Full: snapshot_take() + select_best(). Fast: select_ranked(). oom_score only: what\n"
               "earlyoom 1.7 does for every process (readdir, fopen + fscanf of oom_score): a lower bound "
               "on\n"
               "its cost. Medians of %d runs; µs/process over the processes scanned. Victim: one sleeper "
               "with\n"
               "oom_score_adj %s, or none (the machine's own largest process wins). Same victim: runs "
               "where\n"
               "the fast path chose the full scan's, of those where a second full scan agreed. BPF:\n"
               "select_ranked() with the BPF task iterator as pass 1 (rank-bpf.h).\n\n",
               BENCH_RUNS, BENCH_VICTIM_ADJ);
        printf("| sleepers | victim | processes | full | µs/proc | fast | µs/proc | read in full | "
               "oom_score only "
               "| µs/proc | same victim | BPF | µs/proc | read in full | same victim | max RSS |\n"
               "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (size_t k = 0; k < ELEMENTSOF(rows); k++) {
                uint64_t full[BENCH_RUNS], fast[BENCH_RUNS], eo[BENCH_RUNS], read[BENCH_RUNS];
                uint64_t bpf[BENCH_RUNS] = {}, bread[BENCH_RUNS] = {};
                size_t n_eo = 0, same = 0, same_bpf = 0, unstable = 0;
                int r = spawn_until(rows[k].n);

                if (r >= 0)
                        r = set_victim_adj(rows[k].adj);
                if (r < 0) {
                        fprintf(stderr, "setup: %s\n", strerror(-r));
                        return 1;
                }
                for (int i = 0; i < BENCH_RUNS; i++) {
                        struct snapshot_opts opts = {.fields = policy.fields_used};
                        struct candidate c, d, e;
                        usec_t t0, t1, t2, t3, t4;
                        pid_t before;

                        t0 = now_usec(CLOCK_MONOTONIC);
                        r = snapshot_take(fd, &opts, &f);
                        if (r < 0 || select_best(&f, &policy, NULL, &c) != 0)
                                return 1;
                        t1 = now_usec(CLOCK_MONOTONIC);
                        if (select_ranked(&s, fd, &opts, &policy, NULL, &d) != 0)
                                return 1;
                        t2 = now_usec(CLOCK_MONOTONIC);
                        (void)earlyoom_scan(&n_eo);
                        t3 = now_usec(CLOCK_MONOTONIC);
                        if (rank && select_ranked(&b, fd, &opts, &policy, NULL, &e) != 0)
                                return 1;
                        t4 = now_usec(CLOCK_MONOTONIC);
                        full[i] = t1 - t0;
                        fast[i] = t2 - t1;
                        eo[i] = t3 - t2;
                        bpf[i] = t4 - t3;
                        read[i] = s.snapshot.n_read;
                        bread[i] = b.snapshot.n_read;
                        /* other processes change memory: compare only when a second full scan agrees */
                        before = f.procs[c.idx].pid;
                        if (snapshot_take(fd, &opts, &f) < 0 || select_best(&f, &policy, NULL, &c) != 0)
                                return 1;
                        if (f.procs[c.idx].pid != before) {
                                unstable++;
                        } else {
                                same += s.snapshot.procs[d.idx].pid == before;
                                same_bpf += rank && b.snapshot.procs[e.idx].pid == before;
                        }
                }
                printf("| %zu | %s | %zu | %.2f ms | %.2f | %.2f ms | %.2f | %" PRIu64
                       " | %.2f ms | %.2f | %zu/%zu | %.2f ms | %.2f | %" PRIu64 " | %zu/%zu | %ld kB |\n",
                       rows[k].n, streq(rows[k].adj, "0") ? "none" : "adj " BENCH_VICTIM_ADJ,
                       s.snapshot.n_seen, median(full) / 1000.0, (double)median(full) / (double)f.n_seen,
                       median(fast) / 1000.0, (double)median(fast) / (double)s.snapshot.n_seen, median(read),
                       median(eo) / 1000.0, (double)median(eo) / (double)n_eo, same, BENCH_RUNS - unstable,
                       median(bpf) / 1000.0,
                       (double)median(bpf) / (double)(b.snapshot.n_seen ? b.snapshot.n_seen : 1),
                       median(bread), same_bpf, rank ? BENCH_RUNS - unstable : 0, rss_kb());
                fflush(stdout);
        }
        reap_all();
        bench_scoped(fd, &policy, rank, &f, &b);
        select_done(&s);
        snapshot_done(&f);
        select_done(&b);
        policy_done(&policy);
        rank_bpf_free(rank);
        reap_all();
        return 0;
}
