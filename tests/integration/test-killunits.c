/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-killunits.c - process-group and cgroup kills take the whole unit and nothing outside it */

/*
 * Usage: test-killunits [HOG]   (root; the HOG argument is accepted and unused)
 *
 * Process group: A leads a group with B and C; D has its own group. Killing A as a group
 * kills A, B and C, and D lives.
 * Forking group: H leads a group and forks a new member every 100 us. Killing H as a group
 * leaves no live member of it: children forked between the listing and H's SIGKILL are found
 * by a second pass.
 * Cgroup: E and F sit in a scratch cgroup (cgroup2 and v1 memory at the same path), G
 * outside. Killing E as a cgroup kills E and F (with cgroup.kill of the cgroup2 path, which
 * this hybrid host has too), G lives.
 * Big units: 5000 processes in a process group, a v1 cgroup (pid by pid) and a cgroup2 one
 * (cgroup.kill), under a soft RLIMIT_NOFILE of 1024: all signalled, none left.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kill.h"
#include "procfs.h"
#include "lab.h"

/* Killed sleepers exit in microseconds; a second is a generous bound. */
#define DEATH_TIMEOUT_MS 1000.0

/* Waits until @pid is a zombie or gone; true if it died. Does not reap. */
static bool dies(pid_t pid)
{
        double end = lab_now_ms() + DEATH_TIMEOUT_MS;

        while (lab_alive(pid) && lab_now_ms() < end)
                usleep(1000);
        return !lab_alive(pid);
}

static void test_group(struct reaper *reaper, int proc_dirfd)
{
        pid_t a = lab_spawn_sleeper(NULL, 0), b = lab_spawn_sleeper(NULL, a), c = lab_spawn_sleeper(NULL, a);
        pid_t d = lab_spawn_sleeper(NULL, 0);
        struct victim v;
        struct kill_request req = {
                .victim = &v, .unit = KILL_UNIT_PROCESS_GROUP, .release = true, .proc_dirfd = proc_dirfd};
        struct kill_op op = {0};
        int r;

        LAB_CHECK(a > 0 && b > 0 && c > 0 && d > 0, "sleepers");
        LAB_CHECK(getpgid(b) == a && getpgid(c) == a && getpgid(d) == d, "process groups");
        LAB_CHECK(lab_victim_of(proc_dirfd, a, &v) == 0, "identity");
        r = kill_start(reaper, &req, &op);
        LAB_CHECK(r == 0, "kill_start: %d", r);
        LAB_CHECK(op.n_targets == 3 && op.n_signalled == 3, "targets %zu, signalled %zu", op.n_targets,
                  op.n_signalled);
        LAB_CHECK(dies(a) && dies(b) && dies(c), "group members alive");
        LAB_CHECK(lab_alive(d), "D, outside the group, was killed");
        printf("process group: %zu of the group signalled, outsider alive: %s\n", op.n_signalled,
               lab_alive(d) ? "yes" : "NO");
        kill_op_done(&op);
        waitpid(a, NULL, 0);
        waitpid(b, NULL, 0);
        waitpid(c, NULL, 0);
}

/* Live (not zombie) processes of process group @pgid, from /proc, read as the kill path reads them. */
static unsigned group_alive(pid_t pgid)
{
        DIR *d = opendir("/proc");
        struct dirent *e;
        unsigned n = 0;

        while (d && (e = readdir(d))) {
                pid_t pid = (pid_t)atoi(e->d_name);
                struct proc_stat st;

                if (pid > 0 && proc_read_stat(dirfd(d), pid, &st) == 0 && st.pgid == pgid && lab_alive(pid))
                        n++;
        }
        if (d)
                closedir(d);
        return n;
}

static void test_group_forking(struct reaper *reaper, int proc_dirfd)
{
        struct victim v;
        struct kill_request req = {
                .victim = &v, .unit = KILL_UNIT_PROCESS_GROUP, .release = true, .proc_dirfd = proc_dirfd};
        struct kill_op op = {0};
        unsigned left = 0;
        double end;
        pid_t h;
        int r;

        /* its orphans come to us, to be reaped here and not left as zombies */
        LAB_CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "PR_SET_CHILD_SUBREAPER");
        h = fork();
        if (h == 0) {
                setpgid(0, 0);
                for (;;) {
                        if (fork() == 0)
                                for (;;)
                                        pause();
                        usleep(100);
                }
        }
        LAB_CHECK(h > 0, "fork");
        if (h <= 0)
                return;
        setpgid(h, h); /* also from here, so the group exists before we look */
        usleep(30 * 1000);
        LAB_CHECK(lab_victim_of(proc_dirfd, h, &v) == 0, "identity");
        r = kill_start(reaper, &req, &op);
        LAB_CHECK(r == 0, "kill_start: %d", r);
        for (end = lab_now_ms() + DEATH_TIMEOUT_MS; lab_now_ms() < end; usleep(1000))
                if ((left = group_alive(h)) == 0)
                        break;
        LAB_CHECK(left == 0, "%u members of the forking group alive after its kill", left);
        printf("forking group: %zu signalled, %zu of them listed by a later pass, %u left alive\n",
               op.n_signalled, op.n_late, left);
        kill_op_done(&op);
        kill(-h, SIGKILL); /* whatever happened above, nothing of it outlives the test */
        /* reap the group: H, and its children now ours (other children of the test stay) */
        while (waitpid(-h, NULL, 0) > 0 || errno == EINTR)
                ;
        prctl(PR_SET_CHILD_SUBREAPER, 0);
}

static void test_cgroup(struct reaper *reaper, int proc_dirfd)
{
        struct lab_cgroup *cg = lab_cgroup_new();
        struct cgroup_roots roots;
        struct victim v;
        struct kill_request req = {.victim = &v,
                                   .unit = KILL_UNIT_CGROUP,
                                   .release = true,
                                   .proc_dirfd = proc_dirfd,
                                   .roots = &roots};
        struct kill_op op = {0};
        pid_t e, f, g;
        int r;

        LAB_CHECK(cg && cg->unified && cg->memory, "scratch cgroup");
        if (!cg)
                return;
        lab_cgroup_roots(&roots);
        e = lab_spawn_sleeper(cg, -1);
        f = lab_spawn_sleeper(cg, -1);
        g = lab_spawn_sleeper(NULL, -1);
        LAB_CHECK(e > 0 && f > 0 && g > 0, "sleepers");
        LAB_CHECK(lab_victim_of(proc_dirfd, e, &v) == 0, "identity");
        r = kill_start(reaper, &req, &op);
        LAB_CHECK(r == 0, "kill_start: %d", r);
        /* after cgroup.kill, members are listed for their release: one may be gone already */
        LAB_CHECK(op.n_signalled == 2 && (op.n_targets == 2 || op.cgroup_kill), "targets %zu, signalled %zu",
                  op.n_targets, op.n_signalled);
        LAB_CHECK(op.cgroup_kill, "cgroup.kill, there on the cgroup2 tree of this host, not used");
        LAB_CHECK(dies(e) && dies(f), "cgroup members alive");
        LAB_CHECK(lab_alive(g), "G, outside the cgroup, was killed");
        printf("cgroup %s: %zu signalled (%s), outsider alive: %s, warn_once %#x\n", cg->name,
               op.n_signalled, op.cgroup_kill ? "cgroup.kill" : "pid by pid", lab_alive(g) ? "yes" : "NO",
               op.warn_once);
        kill_op_done(&op);
        waitpid(e, NULL, 0);
        waitpid(f, NULL, 0);
        lab_cgroup_destroy(cg);
}

/* Writes our PID to @path; false if it could not. */
static bool join_path(const char *path)
{
        char pid[32];
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        bool ok;

        if (fd < 0)
                return false;
        snprintf(pid, sizeof(pid), "%d", (int)getpid());
        ok = write(fd, pid, strlen(pid)) == (ssize_t)strlen(pid);
        close(fd);
        return ok;
}

/*
 * A process group of @n processes: a leader (in @cg, when given) that forks @n - 1 members, all
 * pausing. Returns the leader once every member is there, or -1.
 */
static pid_t spawn_big_group(const struct lab_cgroup *cg, unsigned n)
{
        int fds[2];
        char c;
        pid_t leader;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -1;
        leader = fork();
        if (leader == 0) {
                setpgid(0, 0);
                if (cg && !(join_path(lab_cgroup_path(cg, "memory", "cgroup.procs")) &&
                            join_path(lab_cgroup_path(cg, "unified", "cgroup.procs"))))
                        _exit(1);
                for (unsigned i = 1; i < n; i++) {
                        pid_t p = fork();

                        if (p == 0)
                                for (;;)
                                        pause();
                        if (p < 0)
                                _exit(1);
                }
                if (write(fds[1], "x", 1) != 1)
                        _exit(1);
                for (;;)
                        pause();
        }
        close(fds[1]);
        if (leader < 0 || read(fds[0], &c, 1) != 1) {
                close(fds[0]);
                if (leader > 0) {
                        kill(-leader, SIGKILL);
                        kill(leader, SIGKILL);
                }
                return -1;
        }
        close(fds[0]);
        return leader;
}

/*
 * A unit of BIG_UNIT processes, with the soft RLIMIT_NOFILE at Debian's default of 1024: every
 * member is signalled (fewer pidfds are kept for release than there are members), every one
 * dies, the op counts them all and kill_count_alive() finds none left. @how: a process group,
 * a cgroup killed pid by pid (its v1 memory hierarchy), or one killed with cgroup.kill (cgroup2).
 */
#define BIG_UNIT 5000
enum big_how { BIG_PGROUP, BIG_CGROUP_PIDS, BIG_CGROUP_KILL };

static void test_big_unit(struct reaper *reaper, int proc_dirfd, enum big_how how)
{
        static const char *const names[] = {"process group", "cgroup pid by pid", "cgroup.kill"};
        struct lab_cgroup *cg = how == BIG_PGROUP ? NULL : lab_cgroup_new();
        struct cgroup_roots roots;
        struct victim v;
        struct kill_request req = {.victim = &v,
                                   .unit = how == BIG_PGROUP ? KILL_UNIT_PROCESS_GROUP : KILL_UNIT_CGROUP,
                                   .release = true,
                                   .proc_dirfd = proc_dirfd,
                                   .roots = &roots};
        struct kill_op op = {0};
        unsigned left = 0;
        long alive = -1;
        double t0, end;
        pid_t leader;
        int r;

        if (how != BIG_PGROUP && !(cg && cg->unified && cg->memory)) {
                LAB_CHECK(false, "scratch cgroup");
                return;
        }
        lab_cgroup_roots(&roots);
        if (how == BIG_CGROUP_PIDS)
                roots.v2[0] = '\0'; /* the v1 memory hierarchy: no cgroup.kill there */
        LAB_CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "PR_SET_CHILD_SUBREAPER");
        leader = spawn_big_group(cg, BIG_UNIT);
        LAB_CHECK(leader > 0, "%s of %u: spawn", names[how], BIG_UNIT);
        if (leader <= 0)
                goto out;
        LAB_CHECK(group_alive(leader) == BIG_UNIT, "%u members before the kill", group_alive(leader));
        LAB_CHECK(lab_victim_of(proc_dirfd, leader, &v) == 0, "identity");
        t0 = lab_now_ms();
        r = kill_start(reaper, &req, &op);
        LAB_CHECK(r == 0, "kill_start: %d", r);
        LAB_CHECK(op.n_signalled == BIG_UNIT && op.n_failed == 0 && !op.truncated,
                  "%s: signalled %zu of %u, failed %zu, truncated %d", names[how], op.n_signalled, BIG_UNIT,
                  op.n_failed, op.truncated);
        LAB_CHECK(op.cgroup_kill == (how == BIG_CGROUP_KILL), "cgroup.kill used: %d", op.cgroup_kill);
        LAB_CHECK(op.n_unheld > 0 && op.n_targets < BIG_UNIT,
                  "every pidfd kept (%zu), the limit never reached", op.n_targets);
        for (end = lab_now_ms() + 10 * DEATH_TIMEOUT_MS; lab_now_ms() < end; usleep(2000))
                if ((left = group_alive(leader)) == 0)
                        break;
        LAB_CHECK(left == 0, "%s: %u of %u alive after the kill", names[how], left, BIG_UNIT);
        alive = kill_count_alive(reaper, &req, &op);
        LAB_CHECK(alive == 0, "kill_count_alive: %ld", alive);
        printf("%s of %u, RLIMIT_NOFILE 1024: %zu signalled (%zu without a pidfd kept), %zu failed, "
               "%u alive after %.0f ms, kill_count_alive %ld\n",
               names[how], BIG_UNIT, op.n_signalled, op.n_unheld, op.n_failed, left, lab_now_ms() - t0,
               alive);
        kill_op_done(&op);
out:
        if (leader > 0) {
                kill(-leader, SIGKILL);
                while (waitpid(-leader, NULL, 0) > 0 || errno == EINTR)
                        ;
        }
        prctl(PR_SET_CHILD_SUBREAPER, 0);
        if (cg)
                lab_cgroup_destroy(cg);
}

int main(void)
{
        _cleanup_(reaper_freep) struct reaper *reaper = NULL;
        struct reaper_config rc = {0};
        struct rlimit rl;
        int proc_dirfd, r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (lab_init() != 0) {
                printf("SKIP: needs root\n");
                return 77;
        }
        alarm(90);
        proc_dirfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        r = reaper_new(&rc, NULL, &reaper);
        if (r < 0) {
                printf("FAIL: reaper_new: %s\n", strerror(-r));
                return 1;
        }
        test_group(reaper, proc_dirfd);
        test_group_forking(reaper, proc_dirfd);
        test_cgroup(reaper, proc_dirfd);
        /* Debian's default soft limit, as under `ulimit -n 1024` */
        LAB_CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
                          (rl.rlim_cur = 1024, setrlimit(RLIMIT_NOFILE, &rl) == 0),
                  "RLIMIT_NOFILE 1024");
        test_big_unit(reaper, proc_dirfd, BIG_PGROUP);
        test_big_unit(reaper, proc_dirfd, BIG_CGROUP_PIDS);
        test_big_unit(reaper, proc_dirfd, BIG_CGROUP_KILL);
        close(proc_dirfd);
        printf("%s\n", lab_failures ? "FAIL" : "PASS");
        return lab_failures ? 1 : 0;
}
