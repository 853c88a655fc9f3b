/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-pool.c - a pool of reaper threads releases every member of a cgroup kill, largest first */

/*
 * Usage: test-pool HOG   (root; exit 77 = skipped without the v1 freezer/memory)
 *
 * Eight hogs of different sizes (16 to 128 MB) sit in a scratch cgroup (v1 freezer+memory,
 * cgroup2 at the same path), frozen so that only process_mrelease() can free them. A cgroup
 * kill through reaper pools of 1 and 2 threads, pinned and niced: the setup reports every
 * setting applied by every thread, every member is released while still frozen, the op says
 * how many threads took part, and with two threads the largest member starts before the
 * smallest. The kill path must not allocate.
 *
 * Then a single frozen victim killed alone through a pool of 2: the thread without a target of
 * its own helps with it (process_mrelease() from both at once), so both take part, and the
 * victim is released whole while still frozen.
 */

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc-count.h"
#include "kill.h"
#include "lab.h"

#define N_MEMBERS 8
/* Member i holds (i + 1) * 16 MB: distinct sizes, 576 MB in all. */
#define MEMBER_STEP_MB 16
/* Released while frozen means most of it: the rest is page tables, stacks and libc. */
#define BACK_SHARE 0.9
/* Generous: 576 MB comes back in tens of ms (LAB.md: ~11 GB/s). */
#define RELEASE_DEADLINE_MS 5000
#define TEST_TIMEOUT_S 120
/* A nice the test can set without CAP_SYS_NICE. */
#define TEST_NICE 5

#define MB (1024.0 * 1024.0)

static const struct kill_target *target_of(const struct kill_op *op, pid_t pid)
{
        for (size_t i = 0; i < op->n_targets; i++)
                if (op->targets[i].pid == pid)
                        return &op->targets[i];
        return NULL;
}

static void run(const char *hog, unsigned threads, int proc_dirfd, const struct cgroup_roots *roots)
{
        struct reaper_config rc = {.cpus_set = true, .nice = TEST_NICE, .threads = threads};
        _cleanup_(reaper_freep) struct reaper *reaper = NULL;
        struct reaper_setup setup = {0};
        struct lab_cgroup *cg;
        struct victim v;
        struct kill_request req = {.victim = &v,
                                   .unit = KILL_UNIT_CGROUP,
                                   .release = true,
                                   .proc_dirfd = proc_dirfd,
                                   .roots = roots};
        struct kill_op op = {0};
        const struct kill_target *big, *small;
        pid_t pids[N_MEMBERS];
        uint64_t usage0, usage;
        usec_t first = 0, last = 0;
        long allocs;
        int r;

        /* every CPU the test may run on: the pool pins, and what it pins to is all it has */
        if (sched_getaffinity(0, sizeof(rc.cpus), &rc.cpus) < 0)
                CPU_SET(0, &rc.cpus);
        r = reaper_new(&rc, &setup, &reaper);
        LAB_CHECK(r == 0, "reaper_new(%u threads): %s", threads, strerror(-r));
        if (r < 0)
                return;
        LAB_CHECK(setup.threads == threads, "%u threads started, %u asked", setup.threads, threads);
        LAB_CHECK(setup.affinity == 0, "affinity on every thread: %d", setup.affinity);
        LAB_CHECK(setup.nice == 0, "nice on every thread: %d", setup.nice);
        LAB_CHECK(setup.sched == REAPER_SETUP_SKIPPED, "policy left alone: %d", setup.sched);

        cg = lab_cgroup_new();
        LAB_CHECK(cg && cg->freezer && cg->memory && cg->unified, "scratch cgroup");
        if (!cg)
                return;
        for (unsigned i = 0; i < N_MEMBERS; i++) {
                pids[i] = lab_spawn_hog(hog, (i + 1) * MEMBER_STEP_MB, cg);
                LAB_CHECK(pids[i] > 0, "spawn hog %u: %d", i, (int)pids[i]);
                if (pids[i] <= 0) {
                        lab_cgroup_destroy(cg);
                        return;
                }
        }
        usage0 = lab_memcg_usage(cg);
        LAB_CHECK(lab_freeze(cg, true) == 0, "freeze");
        /* the smallest is the victim, so the order the pool takes is not the listing's */
        LAB_CHECK(lab_victim_of(proc_dirfd, pids[0], &v) == 0, "identity");

        alloc_count_arm();
        r = lab_kill_collect(reaper, &req, &op, RELEASE_DEADLINE_MS);
        allocs = (long)alloc_count_disarm(NULL);
        usage = lab_memcg_usage(cg);

        LAB_CHECK(r == 0, "kill_start: %d", r);
        LAB_CHECK(!op.release_pending, "release still pending after %d ms", RELEASE_DEADLINE_MS);
        LAB_CHECK(op.n_signalled == N_MEMBERS, "signalled %zu of %d", op.n_signalled, N_MEMBERS);
        LAB_CHECK(op.n_released == N_MEMBERS, "released %zu of %d", op.n_released, N_MEMBERS);
        LAB_CHECK(op.release_result == 0, "release_result %d", op.release_result);
        LAB_CHECK(op.n_release_threads == threads, "%u threads took part, %u in the pool",
                  op.n_release_threads, threads);
        for (unsigned i = 0; i < N_MEMBERS; i++) {
                const struct kill_target *t = target_of(&op, pids[i]);

                LAB_CHECK(t && t->release == 0, "member %d: %s, release %d", (int)pids[i],
                          t ? "listed" : "missing", t ? t->release : 0);
                if (!t || !t->t_release_start)
                        continue;
                if (!first || t->t_release_start < first)
                        first = t->t_release_start;
                if (t->t_release_end > last)
                        last = t->t_release_end;
        }
        LAB_CHECK(op.t_release_start && op.t_release_start <= first && op.t_release_end >= last,
                  "the batch (%llu..%llu) spans its members (%llu..%llu)",
                  (unsigned long long)op.t_release_start, (unsigned long long)op.t_release_end,
                  (unsigned long long)first, (unsigned long long)last);
        big = target_of(&op, pids[N_MEMBERS - 1]);
        small = target_of(&op, pids[0]);
        if (threads > 1 && big && small)
                LAB_CHECK(big->t_release_start <= small->t_release_start,
                          "largest started %lld us after the smallest",
                          (long long)big->t_release_start - (long long)small->t_release_start);
        LAB_CHECK(usage0 - usage >=
                          (uint64_t)(N_MEMBERS * (N_MEMBERS + 1) / 2 * MEMBER_STEP_MB * MB * BACK_SHARE),
                  "memcg usage %.0f -> %.0f MB", usage0 / MB, usage / MB);
        LAB_CHECK(lab_proc_state(pids[N_MEMBERS - 1]) == 'D',
                  "members still frozen ('%c'): the test proves nothing",
                  lab_proc_state(pids[N_MEMBERS - 1]));
        LAB_CHECK(allocs == 0, "%ld allocations on the kill path", allocs);
        printf("%u thread%s (affinity %d, nice %d): %zu of %d members released while frozen, memcg %.0f -> "
               "%.0f MB, batch %.1f ms, %u threads took part, %ld allocations\n",
               threads, threads == 1 ? "" : "s", setup.affinity, setup.nice, op.n_released, N_MEMBERS,
               usage0 / MB, usage / MB, (op.t_release_end - op.t_release_start) / 1000.0,
               op.n_release_threads, allocs);
        kill_op_done(&op);
        lab_cgroup_destroy(cg);
}

/* Large enough that the helper is awake long before the owner's release ends. */
#define SINGLE_MB 512
/* A helper that woke too late (a loaded machine) is tried again, not failed at once. */
#define SINGLE_ATTEMPTS 3

/* One attempt: the number of threads that took part, or -1 on a failed check. */
static int run_single_once(const char *hog, int proc_dirfd, const struct cgroup_roots *roots)
{
        struct reaper_config rc = {.threads = 2};
        _cleanup_(reaper_freep) struct reaper *reaper = NULL;
        struct victim v;
        struct kill_request req = {.victim = &v,
                                   .unit = KILL_UNIT_PROCESS,
                                   .release = true,
                                   .proc_dirfd = proc_dirfd,
                                   .roots = roots};
        struct kill_op op = {0};
        struct lab_cgroup *cg;
        uint64_t usage0, usage;
        long allocs;
        pid_t pid;
        int r, ret = -1;

        r = reaper_new(&rc, NULL, &reaper);
        LAB_CHECK(r == 0, "reaper_new(2 threads): %s", strerror(-r));
        if (r < 0)
                return -1;
        cg = lab_cgroup_new();
        LAB_CHECK(cg && cg->freezer && cg->memory, "scratch cgroup");
        if (!cg)
                return -1;
        pid = lab_spawn_hog(hog, SINGLE_MB, cg);
        LAB_CHECK(pid > 0, "spawn hog: %d", (int)pid);
        if (pid <= 0)
                goto out;
        usage0 = lab_memcg_usage(cg);
        LAB_CHECK(lab_freeze(cg, true) == 0, "freeze");
        LAB_CHECK(lab_victim_of(proc_dirfd, pid, &v) == 0, "identity");

        alloc_count_arm();
        r = lab_kill_collect(reaper, &req, &op, RELEASE_DEADLINE_MS);
        allocs = (long)alloc_count_disarm(NULL);
        usage = lab_memcg_usage(cg);

        LAB_CHECK(r == 0, "kill_start: %d", r);
        LAB_CHECK(!op.release_pending, "release still pending after %d ms", RELEASE_DEADLINE_MS);
        LAB_CHECK(op.n_targets == 1 && op.n_released == 1 && op.targets[0].release == 0,
                  "%zu targets, %zu released, release %d", op.n_targets, op.n_released,
                  op.n_targets ? op.targets[0].release : 0);
        LAB_CHECK(usage0 - usage >= (uint64_t)(SINGLE_MB * MB * BACK_SHARE), "memcg usage %.0f -> %.0f MB",
                  usage0 / MB, usage / MB);
        LAB_CHECK(lab_proc_state(pid) == 'D', "victim still frozen ('%c'): the test proves nothing",
                  lab_proc_state(pid));
        LAB_CHECK(allocs == 0, "%ld allocations on the kill path", allocs);
        printf("1 victim of %d MB, 2 threads: released while frozen, memcg %.0f -> %.0f MB, batch %.1f ms, "
               "%u threads took part\n",
               SINGLE_MB, usage0 / MB, usage / MB, (op.t_release_end - op.t_release_start) / 1000.0,
               op.n_release_threads);
        ret = (int)op.n_release_threads;
        kill_op_done(&op);
out:
        lab_cgroup_destroy(cg);
        return ret;
}

static void run_single(const char *hog, int proc_dirfd, const struct cgroup_roots *roots)
{
        int took = 0;

        for (int i = 0; i < SINGLE_ATTEMPTS && took >= 0 && took < 2; i++)
                took = run_single_once(hog, proc_dirfd, roots);
        if (took >= 0)
                LAB_CHECK(took == 2, "%d of 2 threads took part in %d attempts", took, SINGLE_ATTEMPTS);
}

int main(int argc, char **argv)
{
        struct cgroup_roots roots;
        int proc_dirfd, r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc < 2) {
                fprintf(stderr, "usage: %s HOG\n", argv[0]);
                return 2;
        }
        r = lab_init();
        if (r != 0 || !lab_have_v1()) {
                printf("SKIP: needs root and the v1 freezer and memory hierarchies\n");
                return 77;
        }
        alarm(TEST_TIMEOUT_S);
        lab_cgroup_roots(&roots);
        proc_dirfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        run(argv[1], 1, proc_dirfd, &roots);
        run(argv[1], 2, proc_dirfd, &roots);
        run_single(argv[1], proc_dirfd, &roots);
        close(proc_dirfd);
        printf("%s\n", lab_failures ? "FAIL" : "PASS");
        return lab_failures ? 1 : 0;
}
