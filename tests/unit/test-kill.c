/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-kill.c - identity comparison, result classification, pgid member selection */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kill.h"
#include "procfs.h"

static void test_identity_check(void **state)
{
        struct victim v = {.pid = 100, .uid = 1000, .starttime = 555, .oom_score_adj = 0};
        struct kill_identity id = {.pgid = 100, .uid = 1000, .starttime = 555, .oom_score_adj = 0};

        assert_int_equal(kill_identity_check(&v, &id), 0);
        id.oom_score_adj = 1000; /* raised since the snapshot: still the same process */
        assert_int_equal(kill_identity_check(&v, &id), 0);
        id.oom_score_adj = -999;
        assert_int_equal(kill_identity_check(&v, &id), 0);
        id.oom_score_adj = -1000;
        assert_int_equal(kill_identity_check(&v, &id), KILL_PROTECTED);
        id.oom_score_adj = 0;
        id.starttime = 556;
        assert_int_equal(kill_identity_check(&v, &id), KILL_REUSED);
        id.starttime = 555;
        id.uid = 0;
        assert_int_equal(kill_identity_check(&v, &id), KILL_REUSED);
        /* Reuse wins over protection: a stranger is reported as such. */
        id.oom_score_adj = -1000;
        assert_int_equal(kill_identity_check(&v, &id), KILL_REUSED);
}

static void test_classify(void **state)
{
        assert_int_equal(kill_classify_errno(ESRCH), KILL_GONE);
        assert_int_equal(kill_classify_errno(-ESRCH), KILL_GONE);
        assert_int_equal(kill_classify_errno(EPERM), -EPERM);
        assert_int_equal(kill_classify_errno(-EINVAL), -EINVAL);
        assert_int_equal(kill_classify_errno(0), -EIO);
        assert_string_equal(kill_result_to_string(0), "killed");
        assert_string_equal(kill_result_to_string(KILL_GONE), "gone");
        assert_string_equal(kill_result_to_string(KILL_REUSED), "reused");
        assert_string_equal(kill_result_to_string(KILL_PROTECTED), "protected");
        assert_string_equal(kill_result_to_string(KILL_DRY_RUN), "dry-run");
        assert_string_equal(kill_result_to_string(KILL_OUTSIDE), "outside");
        assert_null(kill_result_to_string(-EPERM));
}

static void test_victim_from_proc(void **state)
{
        char strings[] = "\0/user.slice/app.scope";
        struct snapshot s = {.strings = strings, .strings_len = sizeof(strings)};
        struct proc_info p = {.pid = 42,
                              .pgid = 40,
                              .uid = 1000,
                              .starttime = 77,
                              .oom_score_adj = 200,
                              .rss_kb = 1,
                              .swap_kb = 2,
                              .pgtables_kb = 3,
                              .comm = "java",
                              .cgroup = 1};
        struct victim v;

        victim_from_proc(&v, &s, &p);
        assert_int_equal(v.pid, 42);
        assert_int_equal(v.pgid, 40);
        assert_int_equal(v.uid, 1000);
        assert_int_equal(v.starttime, 77);
        assert_int_equal(v.oom_score_adj, 200);
        assert_int_equal(v.rss_kb + v.swap_kb + v.pgtables_kb, 6);
        assert_string_equal(v.comm, "java");
        assert_string_equal(v.cgroup, "/user.slice/app.scope");
}

static void put(int dirfd, pid_t pid, const char *file, const char *content)
{
        char path[64];
        int fd;

        snprintf(path, sizeof(path), "%d", (int)pid);
        (void)mkdirat(dirfd, path, 0755);
        snprintf(path, sizeof(path), "%d/%s", (int)pid, file);
        fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
        close(fd);
}

static void fake_proc(int dirfd, pid_t pid, pid_t pgid, const char *comm, int adj)
{
        char buf[512];

        snprintf(buf, sizeof(buf), "%d (%s) S 1 %d %d 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1000 0 0 0\n",
                 (int)pid, comm, (int)pgid, (int)pgid);
        put(dirfd, pid, "stat", buf);
        snprintf(buf, sizeof(buf), "Name:\tx\nTgid:\t%d\nUid:\t0\t0\t0\t0\n", (int)pid);
        put(dirfd, pid, "status", buf);
        snprintf(buf, sizeof(buf), "%d\n", adj);
        put(dirfd, pid, "oom_score_adj", buf);
}

static pid_t sleeper(void)
{
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                /* A failed assertion skips the test's cleanup: die with the test, rather than
                 * hold its stdout open and keep meson waiting for the timeout. */
                (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
                for (;;)
                        pause();
        }
        return pid;
}

/* SIGKILL and reap the test's children, a 0-terminated list. */
static void reap_children(const pid_t *pids)
{
        for (; *pids; pids++) {
                kill(*pids, SIGKILL);
                waitpid(*pids, NULL, 0);
        }
}

static void remove_fake_proc(int dirfd, const char *dir)
{
        char cmd[128];

        close(dirfd);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

/* A leader that exited while a thread runs on is not gone: its identity reads as ever. */
static void test_identity_leader_exited(void **state)
{
        char dir[] = "/tmp/reapd-test-kill-XXXXXX";
        struct kill_identity id = {};
        int fd;

        assert_non_null(mkdtemp(dir));
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        put(fd, 500, "stat", "500 (x) Z 1 500 500 0 -1 4227140 0 0 0 0 0 0 0 0 20 0 2 0 777 0 0 0\n");
        put(fd, 500, "status", "Name:\tx\nState:\tZ (zombie)\nTgid:\t500\nUid:\t42\t42\t42\t42\n");
        put(fd, 500, "oom_score_adj", "5\n");
        /* without a live thread it is a zombie: gone */
        assert_int_equal(kill_identity_read(fd, 500, &id), -ESRCH);
        assert_int_equal(mkdirat(fd, "500/task", 0755), 0);
        assert_int_equal(mkdirat(fd, "500/task/500", 0755), 0);
        assert_int_equal(mkdirat(fd, "500/task/501", 0755), 0);
        put(fd, 500, "task/500/stat",
            "500 (x) Z 1 500 500 0 -1 4227140 0 0 0 0 0 0 0 0 20 0 2 0 777 0 0 0\n");
        put(fd, 500, "task/501/stat",
            "501 (x) S 1 500 500 0 -1 4194368 0 0 0 0 0 0 0 0 20 0 2 0 778 0 0 0\n");
        assert_int_equal(kill_identity_read(fd, 500, &id), 0);
        assert_int_equal(id.uid, 42);
        assert_int_equal(id.starttime, 777);
        assert_int_equal(id.pgid, 500);
        assert_int_equal(id.oom_score_adj, 5);
        /* that thread on its way out too: the process is exiting whole */
        put(fd, 500, "task/501/stat",
            "501 (x) R 1 500 500 0 -1 4194372 0 0 0 0 0 0 0 0 20 0 2 0 778 0 0 0\n");
        assert_int_equal(kill_identity_read(fd, 500, &id), -ESRCH);
        remove_fake_proc(fd, dir);
}

/*
 * Member selection of a process-group kill, dry run, over a fake /proc whose entries name
 * real children (so pidfd_open works) with made-up pgids: the victim's group members are
 * selected, a protected one is marked, a vanished one is "gone", another group is left out.
 */
static void test_pgid_members(void **state)
{
        char dir[] = "/tmp/reapd-test-kill-XXXXXX";
        pid_t victim = sleeper(), member = sleeper(), protected = sleeper(), stranger = sleeper();
        pid_t vanished = 4194303; /* PID_MAX_LIMIT - 1: above this machine's pid_max, never a live PID */
        struct reaper_config rc = {0};
        struct reaper *r = NULL;
        struct victim v = {.pid = victim, .uid = 0, .starttime = 1000};
        struct kill_request req = {.victim = &v, .unit = KILL_UNIT_PROCESS_GROUP, .dry_run = true};
        struct kill_op op = {0};
        bool seen_member = false, seen_protected = false, seen_vanished = false;
        int dirfd;

        assert_non_null(mkdtemp(dir));
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dirfd >= 0);
        fake_proc(dirfd, victim, 4242, "victim", 0);
        fake_proc(dirfd, member, 4242, "a) 9 9 9 (b", 0);
        fake_proc(dirfd, protected, 4242, "sshd", -1000);
        fake_proc(dirfd, stranger, 999, "other", 0);
        fake_proc(dirfd, vanished, 4242, "ghost", 0);
        put(dirfd, 0, "stat", "not a pid dir, skipped by name");
        req.proc_dirfd = dirfd;

        assert_int_equal(reaper_new(&rc, NULL, &r), 0);
        assert_int_equal(kill_start(r, &req, &op), KILL_DRY_RUN);
        assert_int_equal(op.n_targets, 4);
        assert_int_equal(op.n_signalled, 0);
        assert_int_equal(op.targets[0].pid, victim);
        assert_int_equal(op.targets[0].result, KILL_DRY_RUN);
        for (size_t i = 1; i < op.n_targets; i++) {
                const struct kill_target *t = &op.targets[i];

                assert_int_not_equal(t->pid, stranger);
                if (t->pid == member) {
                        assert_int_equal(t->result, KILL_DRY_RUN);
                        seen_member = true;
                } else if (t->pid == protected) {
                        assert_int_equal(t->result, KILL_PROTECTED);
                        seen_protected = true;
                } else if (t->pid == vanished) {
                        assert_int_equal(t->result, KILL_GONE);
                        seen_vanished = true;
                }
                assert_int_equal(t->pidfd, -1); /* unsignalled outcomes keep no pidfd */
        }
        assert_true(seen_member && seen_protected && seen_vanished);

        /* One op at a time. */
        assert_int_equal(kill_start(r, &req, &op), -EBUSY);
        kill_op_done(&op);
        kill_op_done(&op);

        /* The same tree with another start time: the victim is a stranger now, nobody is listed. */
        v.starttime = 1001;
        assert_int_equal(kill_start(r, &req, &op), KILL_REUSED);
        assert_int_equal(op.n_targets, 1);
        kill_op_done(&op);

        /* Never the caller itself. */
        v.pid = getpid();
        assert_int_equal(kill_start(r, &req, &op), -EINVAL);

        reaper_free(r);
        reap_children((pid_t[]){victim, member, protected, stranger, 0});
        remove_fake_proc(dirfd, dir);
}

/*
 * Process group 0 or 1 is no unit (init's group holds the daemons it started without setsid()),
 * and a kernel thread listed in a group is never a member: the kernel's OOM killer never takes one.
 */
static void test_pgid_never_init_or_kthread(void **state)
{
        char dir[] = "/tmp/reapd-test-kill-XXXXXX";
        pid_t victim = sleeper(), kthread = sleeper(), member = sleeper();
        struct reaper_config rc = {0};
        struct reaper *r = NULL;
        struct victim v = {.pid = victim, .uid = 0, .starttime = 1000};
        struct kill_request req = {.victim = &v, .unit = KILL_UNIT_PROCESS_GROUP, .dry_run = true};
        struct kill_op op = {0};
        char buf[256];
        int dirfd;

        assert_non_null(mkdtemp(dir));
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dirfd >= 0);
        req.proc_dirfd = dirfd;
        assert_int_equal(reaper_new(&rc, NULL, &r), 0);

        for (pid_t pgid = 0; pgid <= 1; pgid++) {
                fake_proc(dirfd, victim, pgid, "victim", 0);
                assert_int_equal(kill_start(r, &req, &op), -EINVAL);
        }

        fake_proc(dirfd, victim, 4242, "victim", 0);
        fake_proc(dirfd, member, 4242, "member", 0);
        fake_proc(dirfd, kthread, 4242, "kworker", 0);
        /* flags (field 9) with PF_KTHREAD */
        snprintf(buf, sizeof(buf),
                 "%d (kworker) S 2 4242 4242 0 -1 %u 0 0 0 0 0 0 0 0 20 0 1 0 1000 0 0 0\n", (int)kthread,
                 PROC_PF_KTHREAD);
        put(dirfd, kthread, "stat", buf);
        assert_int_equal(kill_start(r, &req, &op), KILL_DRY_RUN);
        for (size_t i = 1; i < op.n_targets; i++) {
                if (op.targets[i].pid == kthread)
                        assert_int_equal(op.targets[i].result, KILL_OUTSIDE);
                else if (op.targets[i].pid == member)
                        assert_int_equal(op.targets[i].result, KILL_DRY_RUN);
        }
        assert_int_equal(op.n_targets, 3);
        kill_op_done(&op);

        reaper_free(r);
        reap_children((pid_t[]){victim, kthread, member, 0});
        remove_fake_proc(dirfd, dir);
}

/*
 * A scoped daemon (Cgroup=) kills nothing outside its scope: a process group reaches across
 * cgroups, so a member elsewhere is KILL_OUTSIDE; a victim moved out since it was chosen is not
 * signalled, and neither is its group.
 */
static void test_scope(void **state)
{
        char dir[] = "/tmp/reapd-test-kill-XXXXXX";
        pid_t victim = sleeper(), inside = sleeper(), outside = sleeper();
        struct reaper_config rc = {0};
        struct reaper *r = NULL;
        struct victim v = {.pid = victim, .uid = 0, .starttime = 1000};
        struct kill_request req = {
                .victim = &v, .unit = KILL_UNIT_PROCESS_GROUP, .dry_run = true, .scope = "/batch.slice"};
        struct kill_op op = {0};
        bool seen_inside = false, seen_outside = false;
        int dirfd;

        assert_non_null(mkdtemp(dir));
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dirfd >= 0);
        fake_proc(dirfd, victim, 4242, "victim", 0);
        fake_proc(dirfd, inside, 4242, "inside", 0);
        fake_proc(dirfd, outside, 4242, "outside", 0);
        put(dirfd, victim, "cgroup", "0::/batch.slice/job.scope\n");
        put(dirfd, inside, "cgroup", "12:memory:/x\n0::/batch.slice/other.scope\n");
        /* A prefix of the name is not a descendant. */
        put(dirfd, outside, "cgroup", "0::/batch.slice-2/job.scope\n");
        req.proc_dirfd = dirfd;

        assert_int_equal(reaper_new(&rc, NULL, &r), 0);
        assert_int_equal(kill_start(r, &req, &op), KILL_DRY_RUN);
        assert_int_equal(op.n_targets, 3);
        for (size_t i = 1; i < op.n_targets; i++) {
                if (op.targets[i].pid == inside) {
                        assert_int_equal(op.targets[i].result, KILL_DRY_RUN);
                        seen_inside = true;
                } else if (op.targets[i].pid == outside) {
                        assert_int_equal(op.targets[i].result, KILL_OUTSIDE);
                        seen_outside = true;
                }
        }
        assert_true(seen_inside && seen_outside);
        kill_op_done(&op);

        /* Without a scope the whole group is the unit, as before. */
        req.scope = NULL;
        assert_int_equal(kill_start(r, &req, &op), KILL_DRY_RUN);
        for (size_t i = 1; i < op.n_targets; i++)
                assert_int_equal(op.targets[i].result, KILL_DRY_RUN);
        kill_op_done(&op);

        /* The victim itself left the scope: nobody is listed or signalled. */
        req.scope = "/batch.slice";
        put(dirfd, victim, "cgroup", "0::/user.slice\n");
        assert_int_equal(kill_start(r, &req, &op), KILL_OUTSIDE);
        assert_int_equal(op.n_targets, 1);
        assert_int_equal(op.n_signalled, 0);
        kill_op_done(&op);

        /* The scope is the victim's cgroup itself: inside. A real kill, process unit. */
        req.unit = KILL_UNIT_PROCESS;
        req.scope = "/user.slice";
        req.dry_run = false;
        assert_int_equal(kill_start(r, &req, &op), 0);
        assert_int_equal(op.n_signalled, 1);
        kill_op_done(&op);

        reaper_free(r);
        reap_children((pid_t[]){victim, inside, outside, 0});
        remove_fake_proc(dirfd, dir);
}

static void test_reaper_setup(void **state)
{
        struct reaper_config rc = {.cpus_set = true, .nice = 5, .sched_policy = SCHED_OTHER};
        struct reaper_setup setup = {-1, -1, -1};
        struct reaper *r = NULL;

        CPU_ZERO(&rc.cpus);
        CPU_SET(0, &rc.cpus);
        assert_int_equal(reaper_new(&rc, &setup, &r), 0);
        assert_int_equal(setup.affinity, 0);
        assert_int_equal(setup.nice, 0);
        assert_int_equal(setup.sched, REAPER_SETUP_SKIPPED);
        assert_true(reaper_fd(r) >= 0);
        assert_null(reaper_free(r));
        assert_null(reaper_free(NULL));

        /* An unknown policy is reported, not fatal. */
        rc = (struct reaper_config){.sched_policy = 42};
        assert_int_equal(reaper_new(&rc, &setup, &r), 0);
        assert_int_equal(setup.sched, -EINVAL);
        assert_int_equal(setup.affinity, REAPER_SETUP_SKIPPED);
        assert_int_equal(setup.nice, REAPER_SETUP_SKIPPED);
        reaper_free(r);
}

/* A pool of 3, asked for explicitly: every thread applies the settings; too many is refused. */
static void test_reaper_pool_setup(void **state)
{
        struct reaper_config rc = {.nice = 3, .threads = 3};
        struct reaper_setup setup = {-1, -1, -1, 0};
        struct reaper *r = NULL;

        assert_int_equal(reaper_new(&rc, &setup, &r), 0);
        assert_int_equal(setup.threads, 3);
        assert_int_equal(setup.nice, 0);
        assert_int_equal(setup.affinity, REAPER_SETUP_SKIPPED);
        reaper_free(r);

        rc = (struct reaper_config){.threads = REAPER_MAX_THREADS + 1};
        assert_int_equal(reaper_new(&rc, &setup, &r), -EINVAL);

        /* The default: one per allowed CPU, here the one CPU of ReaperCPUs=. */
        rc = (struct reaper_config){.cpus_set = true};
        CPU_ZERO(&rc.cpus);
        CPU_SET(0, &rc.cpus);
        assert_int_equal(reaper_new(&rc, &setup, &r), 0);
        assert_int_equal(setup.threads, 1);
        reaper_free(r);
}

static void test_reaper_threads_default(void **state)
{
        assert_int_equal(reaper_threads_default(0), 1);
        assert_int_equal(reaper_threads_default(1), 1);
        assert_int_equal(reaper_threads_default(2), 2);
        assert_int_equal(reaper_threads_default(REAPER_THREADS_DEFAULT_MAX), REAPER_THREADS_DEFAULT_MAX);
        assert_int_equal(reaper_threads_default(256), REAPER_THREADS_DEFAULT_MAX);
}

static void test_reaper_order(void **state)
{
        struct reaper_item items[] = {{0, 10}, {1, 500}, {2, 0}, {3, 500}, {4, 7}, {5, 9000}, {6, 10}};
        const uint32_t want[] = {5, 1, 3, 0, 6, 4, 2};
        struct reaper_item one = {9, 1};

        reaper_order_by_size(items, sizeof(items) / sizeof(items[0]));
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
                assert_int_equal(items[i].index, want[i]);
        reaper_order_by_size(&one, 1);
        assert_int_equal(one.index, 9);
        reaper_order_by_size(NULL, 0);
}

static void test_reaper_statm(void **state)
{
        assert_int_equal(reaper_statm_pages("131330 131128 243 2 0 131241 0\n"), 131128);
        assert_int_equal(reaper_statm_pages("0 0 0 0 0 0 0\n"), 0);
        assert_int_equal(reaper_statm_pages(""), 0);
        assert_int_equal(reaper_statm_pages("12"), 0);
        assert_int_equal(reaper_statm_pages("x 12"), 0);
        assert_int_equal(reaper_statm_pages("1 99999999999999 0"), UINT32_MAX);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_identity_check),
                cmocka_unit_test(test_classify),
                cmocka_unit_test(test_victim_from_proc),
                cmocka_unit_test(test_identity_leader_exited),
                cmocka_unit_test(test_pgid_members),
                cmocka_unit_test(test_pgid_never_init_or_kthread),
                cmocka_unit_test(test_scope),
                cmocka_unit_test(test_reaper_setup),
                cmocka_unit_test(test_reaper_pool_setup),
                cmocka_unit_test(test_reaper_threads_default),
                cmocka_unit_test(test_reaper_order),
                cmocka_unit_test(test_reaper_statm),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
