/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-pidreuse.c - a PID that now names another process is never signalled */

/*
 * Usage: test-pidreuse [HOG]   (root; the HOG argument is accepted and unused)
 *
 * 1. Simulated reuse: a victim record whose start time or uid differ from the live process
 *    with that PID gives KILL_REUSED and the process lives.
 * 2. Real reuse: the victim exits and is reaped, then a new child is created with the very
 *    same PID (clone3 set_tid, CAP_SYS_ADMIN); killing the old record gives KILL_REUSED and
 *    the newcomer lives.
 * 3. Gone: the victim exited and was reaped: KILL_GONE (or KILL_REUSED should the PID be
 *    taken meanwhile), nobody signalled.
 * 4. Dry run: every check, no signal.
 * Limit: start times have clock-tick (10 ms) resolution; see case 2.
 * Not covered: oom_score_adj changed to -1000 after the snapshot, since lowering it needs
 * CAP_SYS_RESOURCE, which this lab lacks; the unit test covers kill_identity_check() for it.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kill.h"
#include "lab.h"

static int try_kill(struct reaper *r, int proc_dirfd, const struct victim *v, bool dry_run,
                    size_t *ret_signalled)
{
        struct kill_request req = {.victim = v,
                                   .unit = KILL_UNIT_PROCESS,
                                   .release = true,
                                   .dry_run = dry_run,
                                   .proc_dirfd = proc_dirfd};
        struct kill_op op = {0};
        int ret = kill_start(r, &req, &op);

        *ret_signalled = op.n_signalled;
        kill_op_done(&op);
        return ret;
}

static void reap(pid_t pid)
{
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}

/* A child with PID @pid exactly: clone3 with set_tid. Returns its PID or -errno. */
static pid_t spawn_with_pid(pid_t pid)
{
        pid_t tid[1] = {pid};
        struct clone_args args = {
                .exit_signal = SIGCHLD,
                .set_tid = (uint64_t)(uintptr_t)tid,
                .set_tid_size = 1,
        };
        long r = syscall(SYS_clone3, &args, sizeof(args));

        if (r < 0)
                return -errno;
        if (r == 0) {
                for (;;)
                        pause();
        }
        return (pid_t)r;
}

int main(void)
{
        _cleanup_(reaper_freep) struct reaper *reaper = NULL;
        struct reaper_config rc = {0};
        struct victim v = {0}, w;
        size_t signalled;
        int proc_dirfd, r;
        pid_t pid, newcomer;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (lab_init() != 0) {
                printf("SKIP: needs root\n");
                return 77;
        }
        alarm(60);
        proc_dirfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        r = reaper_new(&rc, NULL, &reaper);
        if (r < 0) {
                printf("FAIL: reaper_new: %s\n", strerror(-r));
                return 1;
        }

        /* 1. Simulated reuse. */
        pid = lab_spawn_sleeper(NULL, -1);
        LAB_CHECK(pid > 0 && lab_victim_of(proc_dirfd, pid, &v) == 0, "sleeper");
        w = v;
        w.starttime++;
        r = try_kill(reaper, proc_dirfd, &w, false, &signalled);
        LAB_CHECK(r == KILL_REUSED && signalled == 0, "other start time: %d", r);
        w = v;
        w.uid++;
        r = try_kill(reaper, proc_dirfd, &w, false, &signalled);
        LAB_CHECK(r == KILL_REUSED && signalled == 0, "other uid: %d", r);
        LAB_CHECK(lab_alive(pid), "the process was signalled");
        printf("simulated reuse: start time +1 and uid +1 -> %s, process alive: %s\n",
               kill_result_to_string(r), lab_alive(pid) ? "yes" : "NO");

        /* 4. Dry run on the real identity. */
        r = try_kill(reaper, proc_dirfd, &v, true, &signalled);
        LAB_CHECK(r == KILL_DRY_RUN && signalled == 0 && lab_alive(pid), "dry run: %d", r);
        printf("dry run -> %s, process alive: %s\n", kill_result_to_string(r),
               lab_alive(pid) ? "yes" : "NO");

        /*
         * 2. Real reuse: same PID, new process. The start time in /proc has clock-tick (10 ms)
         * resolution, so a newcomer started within the victim's tick would pass for it. Natural
         * reuse needs the whole PID space to wrap first, which takes far longer; only set_tid
         * (CAP_SYS_ADMIN) can do it faster, so wait a few ticks as the real world would.
         */
        usleep(30000);
        reap(pid);
        newcomer = spawn_with_pid(pid);
        if (newcomer == -EPERM || newcomer == -ENOSYS || newcomer == -EEXIST) {
                printf("real reuse: cannot recreate PID %d (%s), skipped\n", (int)pid, strerror(-newcomer));
        } else {
                LAB_CHECK(newcomer == pid, "clone3 set_tid gave %d", (int)newcomer);
                r = try_kill(reaper, proc_dirfd, &v, false, &signalled);
                LAB_CHECK(r == KILL_REUSED && signalled == 0, "recycled PID: %d", r);
                LAB_CHECK(lab_alive(newcomer), "the newcomer was signalled");
                printf("real reuse: PID %d recycled -> %s, newcomer alive: %s\n", (int)pid,
                       kill_result_to_string(r), lab_alive(newcomer) ? "yes" : "NO");
                reap(newcomer);
        }

        /* 3. Gone. */
        pid = lab_spawn_sleeper(NULL, -1);
        LAB_CHECK(pid > 0 && lab_victim_of(proc_dirfd, pid, &v) == 0, "sleeper");
        reap(pid);
        r = try_kill(reaper, proc_dirfd, &v, false, &signalled);
        LAB_CHECK((r == KILL_GONE || r == KILL_REUSED) && signalled == 0, "gone: %d", r);
        printf("gone -> %s\n", kill_result_to_string(r));

        /* And the real thing still works: same identity, signalled and released. */
        pid = lab_spawn_sleeper(NULL, -1);
        LAB_CHECK(pid > 0 && lab_victim_of(proc_dirfd, pid, &v) == 0, "sleeper");
        r = try_kill(reaper, proc_dirfd, &v, false, &signalled);
        LAB_CHECK(r == 0 && signalled == 1, "matching identity: %d", r);
        waitpid(pid, NULL, 0);
        printf("matching identity -> %s\n", kill_result_to_string(r));

        close(proc_dirfd);
        printf("%s\n", lab_failures ? "FAIL" : "PASS");
        return lab_failures ? 1 : 0;
}
