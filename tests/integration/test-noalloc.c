/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-noalloc.c - the kill path and a steady-state scan allocate nothing: malloc counted for real */

/*
 * Usage: test-noalloc HOG   (root)
 *
 * Under memory pressure malloc() can stall in reclaim or fail; kill.h and select.h promise
 * that kill_start(), the reaper thread's process_mrelease() work, reaper_collect() and a
 * steady-state snapshot_take() + select_best() never call it. This executable interposes
 * malloc, calloc, realloc and the aligned allocators (glibc resolves them to the executable's
 * definitions for the whole process, libc's own internal calls such as opendir()'s included)
 * and counts every call made while "armed", from any thread. Then, against real processes
 * this test starts in cgroups it creates:
 *   1. snapshot_take() + select_best() after one warm-up scan: 0 allocations, with the
 *      cmdline, exe and cgroup strings and xattrs read and a uid rule in the policy; and
 *      select_ranked(), the daemon's system-wide path, after its own warm-up: 0;
 *   2. kill_start() + reaper work + reaper_collect() + kill_op_done() of one hog: 0;
 *   3. the same for a whole cgroup (KillUnit=cgroup) of three hogs: 0.
 * Not asserted: a policy with regex rules. glibc's regexec() allocates its matching state
 * (score.h says so); the count with one comm: rule is printed for the record.
 */

#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc-count.h"
#include "cgroupfs.h"
#include "kill.h"
#include "lab.h"
#include "select.h"
#include "snapshot.h"

static void arm(void)
{
        alloc_count_arm();
}

static unsigned long disarm(const char *what)
{
        void *first = NULL;
        unsigned long n = alloc_count_disarm(&first);

        if (n)
                printf("# %s: %lu allocation(s), the first from %p (addr2line -e test-noalloc)\n", what, n,
                       first);
        else
                printf("# %s: 0 allocations\n", what);
        return n;
}

/* The snapshot arrays only grow: if one grew while armed the scan was not in steady state yet. */
static bool grew(const struct snapshot *s, size_t procs, size_t strings, size_t cgroups)
{
        return s->n_alloc != procs || s->strings_alloc != strings || s->cgroups_alloc != cgroups;
}

/* Kills @v's unit with release, waits for the reaper, collects: all while counting. */
static unsigned long counted_kill(struct reaper *reaper, int proc_dirfd, const struct cgroup_roots *roots,
                                  const struct victim *v, enum kill_unit unit, const char *what,
                                  struct kill_op *ret_op, int *ret)
{
        struct kill_request req = {
                .victim = v, .unit = unit, .release = true, .proc_dirfd = proc_dirfd, .roots = roots};
        struct pollfd pfd = {.fd = reaper_fd(reaper), .events = POLLIN};
        int r, c = 0;

        arm();
        r = kill_start(reaper, &req, ret_op);
        if (r == 0 && ret_op->release_pending) {
                /* the reaper thread works while we wait; its allocations count as well */
                for (int i = 0; i < 50; i++) {
                        if (poll(&pfd, 1, 100) > 0) {
                                c = reaper_collect(reaper, ret_op);
                                if (c != -EAGAIN)
                                        break;
                        }
                }
        }
        *ret = r;
        {
                struct kill_op copy = *ret_op;

                kill_op_done(ret_op);
                *ret_op = copy; /* keep the counters for the caller; the pidfds are closed */
        }
        if (c < 0)
                printf("# %s: reaper_collect: %s\n", what, strerror(-c));
        return disarm(what);
}

int main(int argc, char **argv)
{
        _cleanup_(reaper_freep) struct reaper *reaper = NULL;
        struct snapshot s = {};
        struct cgroup_roots roots;
        struct reaper_config rc = {0};
        struct lab_cgroup *cg1, *cg2;
        struct policy pol, regex_pol;
        struct score_ctx ctx;
        struct snapshot_opts opts = {
                .fields = POLICY_FIELD_BIT(POLICY_FIELD_CMDLINE) | POLICY_FIELD_BIT(POLICY_FIELD_EXE) |
                          POLICY_FIELD_BIT(POLICY_FIELD_CGROUP),
                .self = getpid(),
                .xattrs = true,
        };
        const struct proc_info *p;
        struct candidate c;
        struct kill_op op;
        struct victim v;
        unsigned long n;
        char err[128];
        pid_t hog, hogs[3];
        int proc_dirfd, r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc != 2) {
                fprintf(stderr, "usage: %s HOG\n", argv[0]);
                return 2;
        }
        if (lab_init() != 0) {
                printf("SKIP: needs root\n");
                return 77;
        }
        alarm(60);
        proc_dirfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        LAB_CHECK(proc_dirfd >= 0, "open /proc");
        r = cgroup_roots_discover("/proc/self/mountinfo", &roots);
        if (r < 0 || !lab_have_v1()) {
                printf("SKIP: needs the hybrid cgroup layout of the lab (lab.c)\n");
                return 77;
        }
        opts.cgroup_root = roots.v2;
        r = reaper_new(&rc, NULL, &reaper);
        LAB_CHECK(r == 0, "reaper_new: %s", strerror(-r));
        if (r < 0)
                return 1;

        policy_init(&pol);
        pol.honor_xattrs = true;
        LAB_CHECK(policy_add_rule(&pol, POLICY_AVOID, "uid:65534", err, sizeof(err)) == 0, "%s", err);
        policy_init(&regex_pol);
        LAB_CHECK(policy_add_rule(&regex_pol, POLICY_PREFER, "comm:^hog$", err, sizeof(err)) == 0, "%s",
                  err);

        cg1 = lab_cgroup_new();
        cg2 = lab_cgroup_new();
        LAB_CHECK(cg1 && cg2 && cg1->unified && cg2->unified, "scratch cgroups");
        if (!cg1 || !cg2)
                return 1;
        hog = lab_spawn_hog(argv[1], 32, cg1);
        for (int i = 0; i < 3; i++)
                hogs[i] = lab_spawn_hog(argv[1], 16, cg2);
        LAB_CHECK(hog > 0 && hogs[0] > 0 && hogs[1] > 0 && hogs[2] > 0, "hogs");
        if (lab_failures)
                return 1;

        /* 1. Steady-state scan: warm up (the daemon does this at start), then count. */
        r = snapshot_take(proc_dirfd, &opts, &s);
        LAB_CHECK(r == 0, "warm-up snapshot: %s", strerror(-r));
        for (int attempt = 0; attempt < 3; attempt++) {
                size_t np = s.n_alloc, ns = s.strings_alloc, nc = s.cgroups_alloc;

                arm();
                r = snapshot_take(proc_dirfd, &opts, &s);
                ctx = (struct score_ctx){.total_pages = s.total_pages, .page_size = s.page_size};
                (void)select_best(&s, &pol, &ctx, &c);
                n = disarm("snapshot_take + select_best");
                /* a process started elsewhere on the machine may legitimately cross a doubling */
                if (n == 0 || !grew(&s, np, ns, nc))
                        break;
                printf("# the arrays grew (%zu processes); scanning again\n", s.n_procs);
        }
        LAB_CHECK(r == 0 && n == 0, "steady-state scan allocated %lu times", n);
        printf("steady-state scan of %zu processes: %lu allocations\n", s.n_procs, n);

        /* 1b. The daemon's system-wide path: oom_score pre-ranking, then full reads of the few. */
        {
                struct snapshot_opts sys = {.self = getpid()};
                struct selector s2 = {};

                r = snapshot_take(proc_dirfd, &sys, &s2.snapshot);
                r = r < 0 ? r : select_ranked(&s2, proc_dirfd, &sys, &pol, NULL, &c);
                LAB_CHECK(r >= 0, "warm-up select_ranked: %d", r);
                for (int attempt = 0; attempt < 3; attempt++) {
                        size_t np = s2.snapshot.n_alloc, ns = s2.snapshot.strings_alloc;
                        size_t nc = s2.snapshot.cgroups_alloc, nr = s2.ranks_alloc;

                        arm();
                        r = select_ranked(&s2, proc_dirfd, &sys, &pol, NULL, &c);
                        n = disarm("select_ranked");
                        if (n == 0 || (!grew(&s2.snapshot, np, ns, nc) && s2.ranks_alloc == nr))
                                break;
                        printf("# the arrays grew (%zu processes); scanning again\n", s2.snapshot.n_seen);
                }
                LAB_CHECK(r >= 0 && n == 0, "steady-state select_ranked allocated %lu times", n);
                printf("steady-state select_ranked (%zu of %zu processes read in full): %lu allocations\n",
                       s2.snapshot.n_read, s2.snapshot.n_seen, n);
                select_done(&s2);
        }

        arm();
        (void)select_best(&s, &regex_pol, &ctx, &c);
        n = disarm("select_best with a regex rule");
        printf("select_best with one regex rule (not asserted, glibc regexec): %lu allocations\n", n);

        /* 2. One process, the daemon's default unit. */
        p = snapshot_find(&s, hog);
        LAB_CHECK(p != NULL, "hog %d not in the snapshot", (int)hog);
        if (!p)
                return 1;
        victim_from_proc(&v, &s, p);
        n = counted_kill(reaper, proc_dirfd, &roots, &v, KILL_UNIT_PROCESS, "kill process", &op, &r);
        LAB_CHECK(r == 0 && op.n_signalled == 1, "kill_start: %d, %zu signalled", r, op.n_signalled);
        /* not asserted: a victim that exits before process_mrelease() reaches it is not "released" */
        LAB_CHECK(n == 0, "the process kill path allocated %lu times", n);
        LAB_CHECK(waitpid(hog, NULL, 0) == hog, "hog reaped");
        printf("kill + mrelease of one process: %lu allocations, released %zu\n", n, op.n_released);

        /* 3. A cgroup of three. */
        p = snapshot_find(&s, hogs[0]);
        LAB_CHECK(p != NULL, "hog %d not in the snapshot", (int)hogs[0]);
        if (!p)
                return 1;
        victim_from_proc(&v, &s, p);
        LAB_CHECK(strcmp(v.cgroup, cg2->name) == 0, "victim cgroup %s, expected %s", v.cgroup, cg2->name);
        n = counted_kill(reaper, proc_dirfd, &roots, &v, KILL_UNIT_CGROUP, "kill cgroup", &op, &r);
        /* all 3 signalled; after cgroup.kill a member may have exited before it was listed for
         * its release, so the targets may be fewer (include/kill.h) */
        LAB_CHECK(r == 0 && op.n_signalled == 3 && (op.n_targets == 3 || op.cgroup_kill),
                  "kill_start: %d, %zu signalled, %zu targets", r, op.n_signalled, op.n_targets);
        LAB_CHECK(n == 0, "the cgroup kill path allocated %lu times", n);
        for (int i = 0; i < 3; i++)
                LAB_CHECK(waitpid(hogs[i], NULL, 0) == hogs[i], "hog %d reaped", (int)hogs[i]);
        printf("kill + mrelease of a cgroup of %zu: %lu allocations, released %zu\n", op.n_signalled, n,
               op.n_released);

        snapshot_done(&s);
        policy_done(&pol);
        policy_done(&regex_pol);
        close(proc_dirfd);
        printf("%s\n", lab_failures ? "FAIL" : "PASS");
        return lab_failures ? 1 : 0;
}
