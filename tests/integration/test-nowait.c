/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-nowait.c - ending a kill never waits for the reaper: kill_op_done_nowait() and reaper_collect_detached() */

/*
 * Usage: test-nowait HOG [SIZE_MB]   (root; exit 77 = skipped without the v1 freezer/memory)
 *
 * A frozen (D state) hog of SIZE_MB (default 1024) is killed through the kill path with
 * process_mrelease(), and the op is ended at once, while the reaper thread still releases its
 * memory: what the daemon does when a kill times out or a reload comes during the release of a
 * victim of hundreds of GB. kill_op_done_nowait() must return within NOWAIT_MAX_MS; a new
 * kill_start() is refused (-EBUSY) until the reaper's eventfd says it is done; then
 * reaper_collect_detached() frees it and the next kill works. The control is what the daemon
 * did before: kill_op_done(), which waits for the release, timed the same way on a second hog.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kill.h"
#include "lab.h"

/* 5 ms: an event loop turn; the release of 1 GB takes over a hundred (bench/TUNABLES.md). */
#define NOWAIT_MAX_MS 5.0
/* How long the reaper may take to release the hog: 10 times what 1 GB took in the lab. */
#define RELEASE_DEADLINE_MS 2000
#define TEST_TIMEOUT_S 120

/* A frozen hog of @mb in its own cgroup, and its victim record. 0 or -1. */
static int frozen_hog(const char *hog, unsigned mb, int proc_dirfd, struct lab_cgroup **ret_cg,
                      struct victim *ret)
{
        struct lab_cgroup *cg = lab_cgroup_new();
        pid_t pid;

        if (!cg)
                return -1;
        pid = lab_spawn_hog(hog, mb, cg);
        if (pid <= 0 || lab_freeze(cg, true) < 0 || lab_victim_of(proc_dirfd, pid, ret) < 0) {
                lab_cgroup_destroy(cg);
                return -1;
        }
        *ret_cg = cg;
        return 0;
}

int main(int argc, char **argv)
{
        struct reaper_config rc = {.sched_policy = 0};
        _cleanup_(reaper_freep) struct reaper *reaper = NULL;
        struct lab_cgroup *cg1 = NULL, *cg2 = NULL;
        struct kill_request req = {.unit = KILL_UNIT_PROCESS, .release = true};
        struct kill_op op = {0}, op2 = {0};
        struct victim v1, v2;
        unsigned size_mb = argc > 2 ? (unsigned)atoi(argv[2]) : 1024;
        double t0, t_nowait, t_block, t_done;
        int proc_dirfd, r, collected = 0;
        bool pending;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc < 2) {
                fprintf(stderr, "usage: %s HOG [SIZE_MB]\n", argv[0]);
                return 2;
        }
        if (lab_init() != 0 || !lab_have_v1()) {
                printf("SKIP: needs root and the v1 freezer and memory hierarchies\n");
                return 77;
        }
        alarm(TEST_TIMEOUT_S);
        proc_dirfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        req.proc_dirfd = proc_dirfd;
        r = reaper_new(&rc, NULL, &reaper);
        if (r < 0) {
                printf("FAIL: reaper_new: %s\n", strerror(-r));
                return 1;
        }
        if (frozen_hog(argv[1], size_mb, proc_dirfd, &cg1, &v1) < 0 ||
            frozen_hog(argv[1], size_mb, proc_dirfd, &cg2, &v2) < 0) {
                printf("FAIL: could not start two frozen hogs of %u MB\n", size_mb);
                return 1;
        }

        /* The kill, then the op ended at once, the release still running. */
        req.victim = &v1;
        r = kill_start(reaper, &req, &op);
        LAB_CHECK(r == 0 && op.release_pending, "kill_start: %d, release_pending %d", r, op.release_pending);
        t0 = lab_now_ms();
        pending = kill_op_done_nowait(&op);
        t_nowait = lab_now_ms() - t0;
        LAB_CHECK(t_nowait <= NOWAIT_MAX_MS, "kill_op_done_nowait() took %.2f ms", t_nowait);
        LAB_CHECK(op.reaper == NULL && op.targets == NULL, "the op is forgotten");
        kill_op_done_nowait(&op); /* twice is harmless */

        if (pending) {
                struct pollfd p = {.fd = reaper_fd(reaper), .events = POLLIN};

                /* Busy until the reaper is done: the next kill is refused, not queued behind it. */
                req.victim = &v2;
                LAB_CHECK(reaper_busy(reaper), "reaper busy while releasing");
                LAB_CHECK(kill_start(reaper, &req, &op2) == -EBUSY, "kill_start while releasing");
                LAB_CHECK(reaper_collect_detached(reaper) == -EAGAIN || !reaper_busy(reaper),
                          "collect before the event");
                while (collected <= 0 && lab_now_ms() - t0 < RELEASE_DEADLINE_MS) {
                        if (poll(&p, 1, RELEASE_DEADLINE_MS) < 1)
                                break;
                        collected = reaper_collect_detached(reaper);
                }
        } else {
                collected = 1; /* the release finished before the call: nothing was left */
        }
        t_done = lab_now_ms() - t0;
        LAB_CHECK(collected == 1, "reaper_collect_detached(): %d after %.0f ms", collected, t_done);
        LAB_CHECK(!reaper_busy(reaper), "reaper free again");
        LAB_CHECK(!lab_alive(v1.pid) || lab_proc_state(v1.pid) == 'D', "victim 1 state %c",
                  lab_proc_state(v1.pid));

        /* The control, and the next kill working: kill_op_done() waits for the release. */
        req.victim = &v2;
        r = kill_start(reaper, &req, &op2);
        LAB_CHECK(r == 0 && op2.release_pending, "second kill_start: %d", r);
        t0 = lab_now_ms();
        kill_op_done(&op2);
        t_block = lab_now_ms() - t0;

        printf("nowait: %u MB frozen hog: kill_op_done_nowait() returned in %.3f ms with the release %s; "
               "the "
               "reaper was free %.0f ms later; control: kill_op_done() waited %.1f ms\n",
               size_mb, t_nowait, pending ? "still running" : "already done", t_done, t_block);

        lab_cgroup_destroy(cg1);
        lab_cgroup_destroy(cg2);
        close(proc_dirfd);
        printf("%s\n", lab_failures ? "FAIL" : "PASS");
        return lab_failures ? 1 : 0;
}
