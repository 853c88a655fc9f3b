/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-dstate.c - a frozen (D state) victim gives its memory back through kill_start + the reaper */

/*
 * Usage: test-dstate HOG [SIZE_MB]   (root; exit 77 = skipped without the v1 freezer/memory)
 *
 * Run A: a hog of SIZE_MB (default 1024) in a scratch v1 freezer+memory cgroup is frozen,
 * then killed through reapd's kill path. Its memory cgroup usage must drop by 90% of SIZE_MB
 * within 1 s while the task is still frozen. The kill path must not allocate.
 * Run B (control): the same with plain kill(2): after 1.5 s the memory must still be there.
 */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc-count.h"
#include "kill.h"
#include "lab.h"

/* The acceptance bound: a frozen victim's memory is back within 1 s of the kill decision. */
#define RECLAIM_DEADLINE_MS 1000.0
/* How long the control run waits to show that SIGKILL alone frees nothing from a frozen task. */
#define CONTROL_WAIT_MS 1500.0
/* "Back" means 90% of the hog's size left the cgroup; the rest is page tables, stack, libc. */
#define BACK_SHARE 0.9
/* A watchdog for the whole test: the SIGALRM handler thaws and cleans up. */
#define TEST_TIMEOUT_S 120

#define MB (1024.0 * 1024.0)

/* Allocations are counted (alloc-count.h) during kill_start(), the reaper thread's releases and
 * reaper_collect(). */

static bool frozen_state(const struct lab_cgroup *cg, pid_t pid)
{
        char buf[32] = "";
        int fd = open(lab_cgroup_path(cg, "freezer", "freezer.state"), O_RDONLY | O_CLOEXEC);

        if (fd >= 0) {
                (void)!read(fd, buf, sizeof(buf) - 1);
                close(fd);
        }
        return strncmp(buf, "FROZEN", 6) == 0 && lab_proc_state(pid) == 'D';
}

static void run_mrelease(const char *hog, unsigned size_mb, int proc_dirfd, struct reaper *reaper)
{
        struct lab_cgroup *cg = lab_cgroup_new();
        struct kill_request req = {.unit = KILL_UNIT_PROCESS, .release = true, .proc_dirfd = proc_dirfd};
        struct kill_op op = {0};
        struct victim v;
        uint64_t usage0, usage = 0, avail0, avail1;
        double t0, t_back = -1, t_collect;
        long allocs;
        pid_t pid;
        int r;

        LAB_CHECK(cg && cg->freezer && cg->memory, "scratch cgroup");
        if (!cg)
                return;
        pid = lab_spawn_hog(hog, size_mb, cg);
        LAB_CHECK(pid > 0, "spawn hog: %d", (int)pid);
        if (pid <= 0)
                return;
        usage0 = lab_memcg_usage(cg);
        LAB_CHECK(usage0 >= (uint64_t)(size_mb * MB * 0.95), "hog charged %.0f MB", usage0 / MB);
        LAB_CHECK(lab_freeze(cg, true) == 0, "freeze");
        LAB_CHECK(frozen_state(cg, pid), "hog state '%c' before the kill", lab_proc_state(pid));
        LAB_CHECK(lab_victim_of(proc_dirfd, pid, &v) == 0, "identity");
        req.victim = &v;
        avail0 = lab_memavailable();

        alloc_count_arm();
        t0 = lab_now_ms();
        r = lab_kill_collect(reaper, &req, &op, (int)RECLAIM_DEADLINE_MS);
        t_collect = lab_now_ms();
        allocs = (long)alloc_count_disarm(NULL);

        LAB_CHECK(r == 0, "kill_start: %d", r);
        LAB_CHECK(!op.release_pending, "release still pending after %.0f ms", t_collect - t0);
        LAB_CHECK(op.n_released == 1 && op.targets && op.targets[0].release == 0, "released %zu, release %d",
                  op.n_released, op.targets ? op.targets[0].release : 0);
        LAB_CHECK(allocs == 0, "%ld allocations on the kill path", allocs);

        for (;;) {
                usage = lab_memcg_usage(cg);
                if (usage <= usage0 - (uint64_t)(size_mb * MB * BACK_SHARE)) {
                        t_back = lab_now_ms() - t0;
                        break;
                }
                if (lab_now_ms() - t0 > RECLAIM_DEADLINE_MS)
                        break;
                usleep(1000);
        }
        avail1 = lab_memavailable();
        LAB_CHECK(t_back >= 0 && t_back <= RECLAIM_DEADLINE_MS,
                  "memory back after %.1f ms (usage %.0f -> %.0f MB)", t_back, usage0 / MB, usage / MB);
        LAB_CHECK(frozen_state(cg, pid), "victim no longer frozen/D ('%c'): the test proves nothing",
                  lab_proc_state(pid));
        printf("mrelease: %u MB hog, frozen (state %c): memcg usage %.0f -> %.0f MB (%.0f MB freed) in %.1f "
               "ms "
               "after kill_start; process_mrelease took %.1f ms (%.2f GB/s); MemAvailable +%.0f MB; "
               "kill path allocations: %ld\n",
               size_mb, lab_proc_state(pid), usage0 / MB, usage / MB, (usage0 - usage) / MB, t_back,
               (op.t_release_end - op.t_release_start) / 1000.0,
               (usage0 - usage) / 1e9 / ((op.t_release_end - op.t_release_start) / 1e6),
               ((double)avail1 - (double)avail0) / MB, allocs);
        kill_op_done(&op);
        lab_cgroup_destroy(cg);
}

static void run_control(const char *hog, unsigned size_mb)
{
        struct lab_cgroup *cg = lab_cgroup_new();
        uint64_t usage0, usage;
        double t0, t_thawed;
        pid_t pid;

        if (!cg)
                return;
        pid = lab_spawn_hog(hog, size_mb, cg);
        LAB_CHECK(pid > 0, "spawn hog: %d", (int)pid);
        if (pid <= 0)
                return;
        usage0 = lab_memcg_usage(cg);
        LAB_CHECK(lab_freeze(cg, true) == 0, "freeze");
        LAB_CHECK(frozen_state(cg, pid), "control hog state '%c'", lab_proc_state(pid));
        t0 = lab_now_ms();
        LAB_CHECK(kill(pid, SIGKILL) == 0, "kill");
        while (lab_now_ms() - t0 < CONTROL_WAIT_MS)
                usleep(50000);
        usage = lab_memcg_usage(cg);
        LAB_CHECK(usage >= usage0 - (uint64_t)(size_mb * MB * (1 - BACK_SHARE)),
                  "plain SIGKILL freed %.0f MB of a frozen task", (usage0 - usage) / MB);
        LAB_CHECK(frozen_state(cg, pid), "control victim no longer frozen");
        printf("control: plain SIGKILL, frozen (state %c): memcg usage %.0f -> %.0f MB after %.0f ms (%.0f "
               "MB "
               "freed)\n",
               lab_proc_state(pid), usage0 / MB, usage / MB, CONTROL_WAIT_MS, (usage0 - usage) / MB);
        LAB_CHECK(lab_freeze(cg, false) == 0, "thaw");
        t_thawed = lab_now_ms();
        while (lab_memcg_usage(cg) > usage0 / 10 && lab_now_ms() - t_thawed < 5000)
                usleep(1000);
        printf("control: after THAWED the memory came back in %.1f ms\n", lab_now_ms() - t_thawed);
        lab_cgroup_destroy(cg);
}

int main(int argc, char **argv)
{
        struct reaper_config rc = {.sched_policy = 0};
        _cleanup_(reaper_freep) struct reaper *reaper = NULL;
        struct reaper_setup setup;
        unsigned size_mb = argc > 2 ? (unsigned)atoi(argv[2]) : 1024;
        int proc_dirfd, r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc < 2) {
                fprintf(stderr, "usage: %s HOG [SIZE_MB]\n", argv[0]);
                return 2;
        }
        r = lab_init();
        if (r != 0 || !lab_have_v1()) {
                printf("SKIP: needs root and the v1 freezer and memory hierarchies\n");
                return 77;
        }
        alarm(TEST_TIMEOUT_S);
        proc_dirfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        r = reaper_new(&rc, &setup, &reaper);
        if (r < 0) {
                printf("FAIL: reaper_new: %s\n", strerror(-r));
                return 1;
        }

        run_mrelease(argv[1], size_mb, proc_dirfd, reaper);
        run_control(argv[1], size_mb);

        close(proc_dirfd);
        printf("%s\n", lab_failures ? "FAIL" : "PASS");
        return lab_failures ? 1 : 0;
}
