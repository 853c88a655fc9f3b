/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-rank-bpf.c - the BPF rank source against /proc: oom_score, victim, PID namespace, cgroup filter */

/*
 * Usage: test-rank-bpf HOG. Needs root (CAP_BPF, cgroups); exits 77 (skip) otherwise.
 * Starts hogs of different sizes and oom_score_adj values (some in a scratch cgroup2 cgroup)
 * and checks that:
 *   - every process the test started is reported, under the pid fork() returned, and the test
 *     itself under getpid();
 *   - the kernel's /proc/<pid>/oom_score follows from each record's pages and adj;
 *   - select_ranked() picks the same victim with the BPF pass 1 as with /proc, system-wide
 *     and scoped to the cgroup (with a scope's totalpages, where oom_score cannot be used);
 *   - repeated selections reuse the snapshot's arrays (no growth); records come in chunks of at
 *     most RANK_BPF_CHUNK, and a chunk callback's error stops the run;
 *   - the cgroup filter reports exactly the cgroup's processes, also given a depth too low (as
 *     a cgroup namespace shows it);
 *   - in a new PID namespace the iterator reports the namespace's pids, and nothing outside it;
 *   - without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN loading fails softly, with -EPERM.
 * Only what the test started is killed; lab.c removes the cgroup on any exit.
 */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "lab.h"
#include "procfs.h"
#include "rank-bpf.h"
#include "select.h"
#include "snapshot.h"
#include "util.h"

/* Sizes and adj interleave (one adj point is about 24 MB on 24 GiB) so both terms decide. Raising
 * adj needs no privilege; lowering it below 0 needs CAP_SYS_RESOURCE, which CI may lack. */
static const struct {
        unsigned mb;
        int adj;
        bool in_cgroup;
} kids[] = {
        {64, 0, false}, {192, 0, false}, {96, 300, false}, {160, 0, true}, {32, 200, true}, {128, 0, true},
};

/* A scope of 1 GiB for the scoped selection: adj scales by it, not by RAM + swap. */
#define SCOPE_TOTAL_BYTES (UINT64_C(1) << 30)

static unsigned failures;

#define CHECK(cond, ...)                                                                                    \
        do {                                                                                                \
                if (cond) {                                                                                 \
                        printf("ok - ");                                                                    \
                } else {                                                                                    \
                        printf("not ok - ");                                                                \
                        failures++;                                                                         \
                }                                                                                           \
                printf(__VA_ARGS__);                                                                        \
                printf("\n");                                                                               \
        } while (0)

/* rank_bpf_collect()'s chunks gathered into one array, the test's own; reused by the next call. */
static struct {
        struct rank_record *recs;
        size_t n, alloc, chunks, max_chunk;
} gathered;

static int gather_chunk(const struct rank_record *recs, size_t n, void *userdata)
{
        if (gathered.n + n > gathered.alloc) {
                size_t a = (gathered.n + n) * 2;
                void *p = realloc(gathered.recs, a * sizeof(*recs));

                if (!p)
                        return -ENOMEM;
                gathered.recs = p;
                gathered.alloc = a;
        }
        memcpy(gathered.recs + gathered.n, recs, n * sizeof(*recs));
        gathered.n += n;
        gathered.chunks++;
        if (n > gathered.max_chunk)
                gathered.max_chunk = n;
        return 0;
}

static int collect(struct rank_bpf *rank, uint64_t cgroup_id, unsigned level,
                   const struct rank_record **recs, size_t *n)
{
        int r;

        gathered.n = gathered.chunks = gathered.max_chunk = 0;
        r = rank_bpf_collect(rank, cgroup_id, level, gather_chunk, NULL);
        if (r < 0)
                return r;
        *recs = gathered.recs;
        *n = gathered.n;
        return 0;
}

/* A chunk callback that stops the run at its first chunk. */
static int stop_chunk(const struct rank_record *recs, size_t n, void *userdata)
{
        (*(size_t *)userdata)++;
        return -ECANCELED;
}

static const struct rank_record *find(const struct rank_record *recs, size_t n, pid_t pid)
{
        for (size_t i = 0; i < n; i++)
                if (recs[i].pid == pid)
                        return &recs[i];
        return NULL;
}

static int set_adj(pid_t pid, int adj)
{
        char path[64], buf[16];
        int fd, n;

        snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = snprintf(buf, sizeof(buf), "%d", adj);
        if (write(fd, buf, (size_t)n) != n) {
                close(fd);
                return -EIO;
        }
        close(fd);
        return 0;
}

/* Victim pid of select_ranked() with or without @rank; 0 for none, negative errno on failure. */
static pid_t select_pid(int proc_fd, struct snapshot_opts *opts, struct rank_bpf *rank,
                        const struct score_ctx *ctx, int64_t *ret_score, size_t *ret_read)
{
        struct selector sel = {.rank = rank};
        struct candidate c;
        pid_t pid = 0;
        int r;

        r = select_ranked(&sel, proc_fd, opts, NULL, ctx, &c);
        if (r < 0)
                pid = r;
        else if (r == 0) {
                pid = sel.snapshot.procs[c.idx].pid;
                *ret_score = c.score;
        }
        if (rank && sel.rank_error)
                pid = sel.rank_error;
        *ret_read = sel.snapshot.n_read;
        select_done(&sel);
        return pid;
}

/*
 * In a new PID namespace: the child is its PID 1 and loads the iterator there; its own child
 * must be reported under the pid it has in the namespace, and nothing from outside may appear.
 */
static int check_pidns(void)
{
        int p[2];
        pid_t pid;
        int status;
        char line[256];
        ssize_t n;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        /* fork() into a new namespace; unshare() would move this process's later children
         * there too, LeakSanitizer's tracer among them (it could not see us from there) */
        pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, 0);
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                struct rank_bpf *rank;
                const struct rank_record *recs;
                size_t cnt = 0, foreign = 0;
                pid_t kid;
                int r;

                close(p[0]);
                kid = fork();
                if (kid == 0) {
                        pause();
                        _exit(0);
                }
                r = rank_bpf_new(&rank);
                if (r == 0)
                        r = collect(rank, 0, 0, &recs, &cnt);
                for (size_t i = 0; r == 0 && i < cnt; i++)
                        if (recs[i].pid != 1 && recs[i].pid != kid)
                                foreign++;
                dprintf(p[1], "%d %d %zu %zu %d %d\n", r, kid, cnt, foreign,
                        r == 0 && find(recs, cnt, kid) != NULL, r == 0 && find(recs, cnt, 1) != NULL);
                kill(kid, SIGKILL);
                _exit(0);
        }
        close(p[1]);
        n = read(p[0], line, sizeof(line) - 1);
        close(p[0]);
        waitpid(pid, &status, 0);
        if (n <= 0)
                return -EIO;
        line[n] = '\0';
        {
                int r, kid, has_kid, has_init;
                size_t cnt, foreign;

                if (sscanf(line, "%d %d %zu %zu %d %d", &r, &kid, &cnt, &foreign, &has_kid, &has_init) != 6)
                        return -EIO;
                CHECK(r == 0, "the iterator loads and runs inside a new PID namespace (%s)", strerror(-r));
                CHECK(kid == 2 && has_kid, "its process is reported as pid %d, its pid in the namespace",
                      kid);
                CHECK(foreign == 0,
                      "no process outside the namespace is reported (%zu records, %zu foreign)", cnt,
                      foreign);
                printf("# namespace init reported: %s\n", has_init ? "yes" : "no");
        }
        return 0;
}

/* In a child without the BPF capabilities: loading must fail with -EPERM, nothing worse. */
static int check_unprivileged(void)
{
        pid_t pid = fork();
        int status;

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                static const cap_value_t drop[] = {CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN};
                cap_t caps = cap_get_proc();
                struct rank_bpf *rank = NULL;

                if (!caps || cap_set_flag(caps, CAP_EFFECTIVE, 3, drop, CAP_CLEAR) < 0 ||
                    cap_set_flag(caps, CAP_PERMITTED, 3, drop, CAP_CLEAR) < 0 || cap_set_proc(caps) < 0)
                        _exit(2);
                _exit(rank_bpf_new(&rank) == -EPERM ? 0 : 1);
        }
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

int main(int argc, char **argv)
{
        struct cgroup_roots roots;
        struct lab_cgroup *cg;
        struct rank_bpf *rank = NULL;
        const struct rank_record *recs;
        pid_t pids[ELEMENTSOF(kids)];
        uint64_t total, swap, cgid;
        unsigned level;
        size_t n, in_cg = 0;
        long ps = sysconf(_SC_PAGESIZE);
        int proc_fd, r;

        if (argc < 2) {
                fprintf(stderr, "usage: %s HOG\n", argv[0]);
                return 2;
        }
        r = lab_init();
        if (r)
                return r;
        if (cgroup_roots_discover("/proc/self/mountinfo", &roots) < 0 || !roots.v2[0]) {
                printf("not ok - a cgroup2 hierarchy is mounted\n");
                return 1;
        }
        proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (proc_fd < 0 || snapshot_read_totalpages(proc_fd, &total, &swap) < 0)
                return 1;

        r = rank_bpf_new(&rank);
        CHECK(r == 0, "the BPF task iterator loads (%s)", r ? strerror(-r) : "ok");
        if (r < 0)
                return 1;

        cg = lab_cgroup_new();
        if (!cg || !cg->unified) {
                printf("not ok - a scratch cgroup2 cgroup can be created\n");
                return 1;
        }
        for (size_t i = 0; i < ELEMENTSOF(kids); i++) {
                pids[i] = lab_spawn_hog(argv[1], kids[i].mb, kids[i].in_cgroup ? cg : NULL);
                if (pids[i] < 0 || set_adj(pids[i], kids[i].adj) < 0) {
                        printf("not ok - hog %zu (%u MB, adj %d) starts\n", i, kids[i].mb, kids[i].adj);
                        return 1;
                }
                in_cg += kids[i].in_cgroup;
        }

        /* 1. System-wide records against the kernel's own oom_score */
        r = collect(rank, 0, 0, &recs, &n);
        CHECK(r == 0 && n > ELEMENTSOF(kids), "the iterator reports %zu processes", n);
        if (r < 0)
                return 1;
        CHECK(find(recs, n, getpid()) != NULL, "the test itself is reported under getpid() %d",
              (int)getpid());
        for (size_t i = 0; i < ELEMENTSOF(kids); i++) {
                const struct rank_record *rec = find(recs, n, pids[i]);
                struct proc_info pi = {};
                unsigned kernel = 0, ours;
                int64_t b;

                CHECK(rec != NULL, "hog %d (%u MB, adj %d) is reported under its pid", (int)pids[i],
                      kids[i].mb, kids[i].adj);
                if (!rec)
                        continue;
                pi.rss_kb = rec->rss_pages * ((uint64_t)ps / 1024);
                pi.swap_kb = rec->other_pages * ((uint64_t)ps / 1024);
                b = score_badness(&pi, rec->oom_score_adj, total, (uint64_t)ps);
                ours = score_oom_score(b, total);
                (void)proc_read_oom_score(proc_fd, pids[i], &kernel);
                /* the kernel rounds twice; a page counter moving between the two reads may cost a point */
                CHECK(rec->oom_score_adj == kids[i].adj &&
                              (ours == kernel || ours + 1 == kernel || ours == kernel + 1),
                      "hog %d: oom_score from the record %u, kernel's %u (adj %d, %llu + %llu pages)",
                      (int)pids[i], ours, kernel, rec->oom_score_adj, (unsigned long long)rec->rss_pages,
                      (unsigned long long)rec->other_pages);
        }

        /* 2. The same victim system-wide, with and without the BPF pass 1 */
        {
                struct snapshot_opts opts = {.self = getpid()};
                int64_t s1 = 0, s2 = 0;
                size_t read1, read2;
                pid_t v1 = select_pid(proc_fd, &opts, NULL, NULL, &s1, &read1),
                      v2 = select_pid(proc_fd, &opts, rank, NULL, &s2, &read2);

                CHECK(v1 > 0 && v1 == v2 && s1 == s2,
                      "system-wide victim: /proc %d (score %lld, %zu read), BPF %d (score %lld, %zu read)",
                      (int)v1, (long long)s1, read1, (int)v2, (long long)s2, read2);
                CHECK(v2 == pids[2], "the victim is the hog with adj 300 (%d)", (int)pids[2]);
        }
        /* steady state: after one selection sized them, the snapshot's arrays do not move */
        {
                struct snapshot_opts opts = {.self = getpid()};
                struct selector sel = {.rank = rank};
                struct candidate c;
                void *ranks, *procs;
                bool moved = false;

                r = select_ranked(&sel, proc_fd, &opts, NULL, NULL, &c);
                ranks = sel.ranks;
                procs = sel.snapshot.procs;
                for (int i = 0; r >= 0 && i < 5; i++) {
                        r = select_ranked(&sel, proc_fd, &opts, NULL, NULL, &c);
                        moved |= sel.ranks != ranks || sel.snapshot.procs != procs;
                }
                CHECK(r >= 0 && !moved && sel.rank_error == 0,
                      "5 more selections reuse the snapshot's arrays (%zu of %zu processes ranked, %zu "
                      "read)",
                      sel.n_ranks, sel.snapshot.n_seen, sel.snapshot.n_read);
                select_done(&sel);
        }
        /* the records come in chunks of at most RANK_BPF_CHUNK; a callback's error stops the run */
        {
                size_t calls = 0;

                r = collect(rank, 0, 0, &recs, &n);
                CHECK(r == 0 && gathered.max_chunk <= RANK_BPF_CHUNK &&
                              gathered.chunks >= (n + RANK_BPF_CHUNK - 1) / RANK_BPF_CHUNK,
                      "%zu records in %zu chunks of at most %zu (largest %zu)", n, gathered.chunks,
                      (size_t)RANK_BPF_CHUNK, gathered.max_chunk);
                r = rank_bpf_collect(rank, 0, 0, stop_chunk, &calls);
                CHECK(r == -ECANCELED && calls == 1,
                      "a chunk callback's error stops the run (%d, %zu call(s))", r, calls);
        }

        /* 3. The cgroup filter and the scoped selection */
        r = rank_bpf_cgroup_id(roots.v2, cg->name, &cgid, &level);
        CHECK(r == 0 && level == 1, "%s has a cgroup id (%llu) at depth %u", cg->name,
              (unsigned long long)cgid, level);
        r = collect(rank, cgid, level, &recs, &n);
        CHECK(r == 0 && n == in_cg, "the cgroup filter reports %zu processes, %zu are in %s", n, in_cg,
              cg->name);
        {
                /* as seen through a cgroup namespace rooted below the top: depth 0, not 1 */
                const struct rank_record *ns_recs;
                size_t ns_n = 0;
                /* another filter first, so the level found above is not kept */
                int e = collect(rank, 0, 0, &ns_recs, &ns_n);

                e = e ? e : collect(rank, cgid, 0, &ns_recs, &ns_n);

                CHECK(e == 0 && ns_n == in_cg, "with a depth too low (0) the filter still finds %zu", ns_n);
                r = r ? r : e;
                r = r ? r : collect(rank, cgid, level, &recs, &n);
        }
        for (size_t i = 0; r == 0 && i < ELEMENTSOF(kids); i++)
                CHECK((find(recs, n, pids[i]) != NULL) == kids[i].in_cgroup,
                      "hog %d is %sreported in the scope", (int)pids[i], kids[i].in_cgroup ? "" : "not ");
        {
                struct snapshot_opts opts = {.self = getpid(), .cgroup = cg->name, .cgroup_root = roots.v2};
                struct score_ctx ctx = {.total_pages = SCOPE_TOTAL_BYTES / (uint64_t)ps,
                                        .page_size = (uint64_t)ps};
                int64_t s1 = 0, s2 = 0;
                size_t read1, read2;
                pid_t v1 = select_pid(proc_fd, &opts, NULL, &ctx, &s1, &read1),
                      v2 = select_pid(proc_fd, &opts, rank, &ctx, &s2, &read2);

                CHECK(v1 > 0 && v1 == v2 && s1 == s2,
                      "scoped victim (1 GiB totalpages): /proc %d (score %lld, %zu read), BPF %d (score "
                      "%lld, "
                      "%zu read)",
                      (int)v1, (long long)s1, read1, (int)v2, (long long)s2, read2);
                /* 32 MB + 200 points of 1 GiB (205 MB) beats 160 MB and 128 MB at adj 0 */
                CHECK(v2 == pids[4], "the scoped victim is the hog with adj 200 (%d)", (int)pids[4]);
        }
        rank = rank_bpf_free(rank);
        lab_cgroup_destroy(cg);

        r = check_unprivileged();
        CHECK(r == 0, "without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN loading fails with EPERM (%d)", r);

        /* 4. PID namespaces */
        r = check_pidns();
        CHECK(r == 0, "the PID namespace check ran (%s)", r ? strerror(-r) : "ok");

        close(proc_fd);
        free(gathered.recs);
        printf("%s: %u failure(s)\n", failures ? "FAIL" : "PASS", failures);
        return failures ? 1 : 0;
}
