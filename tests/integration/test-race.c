/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-race.c - processes that exit, turn unkillable or change cgroups between snapshot and kill */

/*
 * Usage: test-race [HOG]   (root; HOG is accepted and unused)
 *
 * Real processes this test starts, in scratch cgroups it creates (lab.c):
 * 1. Exit between snapshot and kill: the victim is taken from a real snapshot, then exits
 *    and is reaped: KILL_GONE and nobody signalled, for the process, process-group and
 *    cgroup units (the group/cgroup bystanders must survive: a gone victim kills no one).
 * 2. The same race as it happens, RACE_ROUNDS times: a child that exits after a random
 *    delay while kill_start() runs; every outcome must be "signalled" or KILL_GONE, and a
 *    bystander in the same cgroup must never be signalled.
 * 3. A zombie (exited, not yet reaped) victim is gone: nobody is signalled, for every unit;
 *    and the identity of a dead or zombie task (fixture stat lines) reads as gone.
 * 4. oom_score_adj turned -1000 after the snapshot. Simulated: lowering oom_score_adj needs
 *    CAP_SYS_RESOURCE, which no process in this lab has (LAB.md), so no real process can get
 *    there. kill_start() opens the pidfd of the real PID but reads identity and adj through
 *    req.proc_dirfd; the test points that at a fixture proc dir mirroring the live process's
 *    stat and status (same start time and uid) with oom_score_adj "-1000". KILL_PROTECTED is
 *    expected and the real process must not be signalled, for every unit.
 * 5. A cgroup scope whose subgroups are created, filled, emptied and removed while
 *    snapshot_take() scans it from another thread: every scan succeeds, sees only processes
 *    of the scope, and never more than exist.
 * PID reuse is test-pidreuse.c's.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "kill.h"
#include "lab.h"
#include "snapshot.h"

/*
 * 300 rounds of a child exiting 0-300 us after it was chosen while the kill starts 0-300 us
 * after the choice: kill_start() takes tens of microseconds here, so both outcomes occur.
 */
#define RACE_ROUNDS 300
#define RACE_MAX_DELAY_US 300
/* 3 s of concurrent scans and cgroup churn: thousands of scans and hundreds of rmdirs here. */
#define CHURN_MS 3000
#define CHURN_SLEEPERS 8
#define CHURN_SUBGROUPS 4

static int proc_dirfd = -1;
static struct cgroup_roots roots;

static int try_kill(struct reaper *r, int dirfd, const struct victim *v, enum kill_unit unit,
                    size_t *ret_signalled)
{
        struct kill_request req = {
                .victim = v, .unit = unit, .release = true, .proc_dirfd = dirfd, .roots = &roots};
        struct kill_op op = {0};
        int ret = kill_start(r, &req, &op);

        *ret_signalled = ret >= 0 ? op.n_signalled : 0;
        kill_op_done(&op);
        return ret;
}

/* A sleeper's signal state: alive, not a zombie, and no SIGKILL pending (it would be fatal). */
static bool untouched(pid_t pid)
{
        usleep(20000); /* a SIGKILL takes effect at once; give it a scheduler tick to show */
        return lab_alive(pid);
}

static const char *unit_name(enum kill_unit u)
{
        return kill_unit_to_string(u);
}

/* 1. The victim exits and is reaped between snapshot and kill. */
static void test_gone(struct reaper *reaper)
{
        for (enum kill_unit u = 0; u < _KILL_UNIT_MAX; u++) {
                struct lab_cgroup *cg = lab_cgroup_new();
                struct snapshot s = {};
                struct snapshot_opts opts = {.fields = POLICY_FIELD_BIT(POLICY_FIELD_CGROUP)};
                const struct proc_info *p;
                struct victim v;
                pid_t victim, bystander;
                size_t signalled;
                int r;

                LAB_CHECK(cg && cg->unified, "scratch cgroup");
                if (!cg)
                        return;
                victim = lab_spawn_sleeper(cg, 0); /* its own process group */
                bystander = lab_spawn_sleeper(cg, victim);
                LAB_CHECK(victim > 0 && bystander > 0, "sleepers");
                opts.cgroup = cg->name;
                r = snapshot_take(proc_dirfd, &opts, &s);
                p = snapshot_find(&s, victim);
                LAB_CHECK(r == 0 && p && s.n_procs == 2, "snapshot of the scope: %d, %zu", r, s.n_procs);
                if (!p) {
                        snapshot_done(&s);
                        return;
                }
                victim_from_proc(&v, &s, p);
                snapshot_done(&s);

                kill(victim, SIGKILL);
                waitpid(victim, NULL, 0);
                r = try_kill(reaper, proc_dirfd, &v, u, &signalled);
                LAB_CHECK(r == KILL_GONE && signalled == 0, "%s unit: %d, %zu signalled", unit_name(u), r,
                          signalled);
                LAB_CHECK(untouched(bystander), "%s unit: the bystander was signalled", unit_name(u));
                printf("gone before the kill, %s unit -> %s, bystander alive: %s\n", unit_name(u),
                       kill_result_to_string(r), lab_alive(bystander) ? "yes" : "NO");
                lab_cgroup_destroy(cg);
        }
}

static void *waiter(void *arg)
{
        waitpid((pid_t)(intptr_t)arg, NULL, 0);
        return NULL;
}

static unsigned rand_below(unsigned n)
{
        return (unsigned)random() % n;
}

/* 2. The race as it happens: the victim exits on its own while kill_start() runs. */
static void test_exit_race(struct reaper *reaper)
{
        struct lab_cgroup *cg = lab_cgroup_new();
        unsigned killed = 0, gone = 0, other = 0;
        pid_t bystander;

        LAB_CHECK(cg && cg->unified, "scratch cgroup");
        if (!cg)
                return;
        bystander = lab_spawn_sleeper(cg, -1);
        srandom(42); /* fixed: the delays are the same on every run */
        for (int i = 0; i < RACE_ROUNDS; i++) {
                unsigned delay = rand_below(RACE_MAX_DELAY_US);
                int ready[2];
                struct victim v;
                size_t signalled;
                pthread_t t;
                pid_t pid;
                char c;
                int r;

                if (pipe(ready) < 0)
                        break;
                pid = fork();
                if (pid == 0) {
                        close(ready[0]);
                        (void)!write(ready[1], "x", 1);
                        usleep(delay);
                        _exit(0);
                }
                close(ready[1]);
                (void)!read(ready[0], &c, 1);
                close(ready[0]);
                /* reaped the moment it exits, as by a busy parent: the PID leaves /proc mid-kill */
                if (pthread_create(&t, NULL, waiter, (void *)(intptr_t)pid) != 0) {
                        kill(pid, SIGKILL);
                        waitpid(pid, NULL, 0);
                        break;
                }
                if (lab_victim_of(proc_dirfd, pid, &v) < 0) {
                        pthread_join(t, NULL);
                        gone++;
                        continue;
                }
                usleep(rand_below(RACE_MAX_DELAY_US));
                r = try_kill(reaper, proc_dirfd, &v, KILL_UNIT_PROCESS, &signalled);
                pthread_join(t, NULL);
                if (r == 0 && signalled == 1)
                        killed++;
                else if (r == KILL_GONE && signalled == 0)
                        gone++;
                else {
                        other++;
                        printf("# round %d: %d (%s), %zu signalled\n", i, r, kill_result_to_string(r),
                               signalled);
                }
        }
        LAB_CHECK(other == 0, "%u outcomes were neither a kill nor KILL_GONE", other);
        LAB_CHECK(untouched(bystander), "the bystander was signalled");
        printf("exit race, %d rounds: %u killed, %u gone, %u other; bystander alive: %s\n", RACE_ROUNDS,
               killed, gone, other, lab_alive(bystander) ? "yes" : "NO");
        lab_cgroup_destroy(cg);
}

/* 3. A zombie victim: it has exited but nobody reaped it; its PID still names it. */
static void test_zombie(struct reaper *reaper)
{
        for (enum kill_unit u = 0; u < _KILL_UNIT_MAX; u++) {
                struct lab_cgroup *cg = lab_cgroup_new();
                pid_t victim, bystander;
                struct victim v;
                size_t signalled;
                int r;

                LAB_CHECK(cg && cg->unified, "scratch cgroup");
                if (!cg)
                        return;
                victim = lab_spawn_sleeper(cg, 0);
                bystander = lab_spawn_sleeper(cg, victim);
                LAB_CHECK(lab_victim_of(proc_dirfd, victim, &v) == 0, "identity");
                snprintf(v.cgroup, sizeof(v.cgroup), "%s", cg->name);
                kill(victim, SIGKILL);
                while (lab_proc_state(victim) != 'Z')
                        usleep(1000);
                r = try_kill(reaper, proc_dirfd, &v, u, &signalled);
                /* its memory is already freed: killing its group or cgroup now would be for nothing */
                LAB_CHECK(r == KILL_GONE && signalled == 0, "%s unit: %d, %zu signalled", unit_name(u), r,
                          signalled);
                LAB_CHECK(untouched(bystander), "%s unit: the bystander was signalled", unit_name(u));
                printf("zombie victim, %s unit -> %s (%zu signalled), bystander alive: %s\n", unit_name(u),
                       kill_result_to_string(r), signalled, lab_alive(bystander) ? "yes" : "NO");
                waitpid(victim, NULL, 0);
                lab_cgroup_destroy(cg);
        }
}

/* Creates @path under @dirfd with @text (write_file_at() only writes existing files). */
static int create_file(int dirfd, const char *path, const char *text)
{
        int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, text, strlen(text));
        close(fd);
        return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

static int copy_file(int from_dirfd, const char *from, int to_dirfd, const char *to)
{
        char buf[8192];
        ssize_t n = read_file_at(from_dirfd, from, buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return create_file(to_dirfd, to, buf);
}

/*
 * 3b. The instant between exit and release: /proc/<pid>/stat of a dead task ("X") shows
 * pgrp -1, seen live by the exit race above about once in a few hundred rounds. A fixture
 * makes it deterministic: the identity read must say "gone" (-ESRCH), not "unparsable".
 */
static void test_dead_stat(void)
{
        static const char dead[] =
                "329 (idr) X 0 -1 -1 0 -1 4227148 27 0 0 0 0 0 0 0 20 0 0 0 346937 0 0 0 0 0 0 "
                "0 0 0 0 0 0 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        static const char zombie[] =
                "330 (idr) Z 1 330 330 0 -1 4227148 27 0 0 0 0 0 0 0 20 0 1 0 346937 0 0 0 "
                "0 0 0 0 0 0 0 0 0 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        char dir[] = "/tmp/reapd-race-dead.XXXXXX", cmd[128];
        struct kill_identity id;
        int fixture, r1, r2;

        LAB_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
        fixture = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        LAB_CHECK(mkdirat(fixture, "329", 0755) == 0 && mkdirat(fixture, "330", 0755) == 0, "mkdir");
        LAB_CHECK(create_file(fixture, "329/stat", dead) == 0 &&
                          create_file(fixture, "330/stat", zombie) == 0,
                  "stat");
        LAB_CHECK(create_file(fixture, "329/status", "Name:\tidr\nUid:\t0\t0\t0\t0\n") == 0 &&
                          create_file(fixture, "330/status", "Name:\tidr\nUid:\t0\t0\t0\t0\n") == 0,
                  "status");
        LAB_CHECK(create_file(fixture, "329/oom_score_adj", "0\n") == 0 &&
                          create_file(fixture, "330/oom_score_adj", "0\n") == 0,
                  "oom_score_adj");
        r1 = kill_identity_read(fixture, 329, &id);
        r2 = kill_identity_read(fixture, 330, &id);
        LAB_CHECK(r1 == -ESRCH, "dead task: %d (%s)", r1, strerror(-r1));
        LAB_CHECK(r2 == -ESRCH, "zombie: %d (%s)", r2, strerror(-r2));
        printf("identity of a dead (X) task -> %s, of a zombie -> %s\n", strerror(-r1), strerror(-r2));
        close(fixture);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        (void)!system(cmd);
}

/* 4. oom_score_adj became -1000 after the snapshot: simulated through a fixture proc dir. */
static void test_protected(struct reaper *reaper)
{
        char dir[] = "/tmp/reapd-race-proc.XXXXXX", sub[64], path[128];
        int fixture;

        LAB_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
        fixture = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (enum kill_unit u = 0; u < _KILL_UNIT_MAX; u++) {
                struct lab_cgroup *cg = lab_cgroup_new();
                pid_t victim, bystander;
                struct victim v;
                size_t signalled;
                int r;

                LAB_CHECK(cg && cg->unified, "scratch cgroup");
                if (!cg)
                        break;
                victim = lab_spawn_sleeper(cg, 0);
                bystander = lab_spawn_sleeper(cg, victim);
                /* the snapshot's view: the live identity, adj 0 */
                LAB_CHECK(lab_victim_of(proc_dirfd, victim, &v) == 0 && v.oom_score_adj > -1000, "identity");
                snprintf(v.cgroup, sizeof(v.cgroup), "%s", cg->name);
                /* what /proc says "now": the same process (stat, status, cgroup), adj -1000 */
                snprintf(sub, sizeof(sub), "%d", (int)victim);
                LAB_CHECK(mkdirat(fixture, sub, 0755) == 0, "mkdir %s", sub);
                for (size_t i = 0; i < 3; i++) {
                        static const char *const files[] = {"stat", "status", "cgroup"};

                        snprintf(path, sizeof(path), "%d/%s", (int)victim, files[i]);
                        LAB_CHECK(copy_file(proc_dirfd, path, fixture, path) == 0, "copy %s", path);
                }
                snprintf(path, sizeof(path), "%d/oom_score_adj", (int)victim);
                LAB_CHECK(create_file(fixture, path, "-1000\n") == 0, "write %s", path);

                r = try_kill(reaper, fixture, &v, u, &signalled);
                LAB_CHECK(r == KILL_PROTECTED && signalled == 0, "%s unit: %d, %zu signalled", unit_name(u),
                          r, signalled);
                LAB_CHECK(untouched(victim), "%s unit: the protected victim was signalled", unit_name(u));
                LAB_CHECK(untouched(bystander), "%s unit: the bystander was signalled", unit_name(u));
                printf("adj -1000 after the snapshot (simulated), %s unit -> %s, victim alive: %s\n",
                       unit_name(u), kill_result_to_string(r), lab_alive(victim) ? "yes" : "NO");

                /* and the live proc dir, where adj is still 0, does kill: the fixture made the difference */
                if (u == KILL_UNIT_PROCESS) {
                        r = try_kill(reaper, proc_dirfd, &v, u, &signalled);
                        LAB_CHECK(r == 0 && signalled == 1, "live proc: %d", r);
                        waitpid(victim, NULL, 0);
                }
                lab_cgroup_destroy(cg);
        }
        if (fixture >= 0)
                close(fixture);
        {
                char cmd[128];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
                (void)!system(cmd);
        }
}

/* 5. Subgroups of a scanned scope created, filled, emptied and removed under the scanner. */
struct churn {
        const struct lab_cgroup *scope;
        pid_t sleepers[CHURN_SLEEPERS];
        atomic_bool stop;
        unsigned rmdirs;
};

static struct churn churn;

static void subgroup_path(char *buf, size_t size, const char *file, unsigned i)
{
        snprintf(buf, size, "%s/sub%u%s%s", lab_cgroup_path(churn.scope, "unified", NULL), i,
                 file ? "/" : "", file ? file : "");
}

static void move(pid_t pid, const char *procs)
{
        char s[32];
        int fd = open(procs, O_WRONLY | O_CLOEXEC);

        if (fd < 0)
                return;
        snprintf(s, sizeof(s), "%d", (int)pid);
        (void)!write(fd, s, strlen(s));
        close(fd);
}

static void *churn_thread(void *arg)
{
        char top[512], path[512];

        snprintf(top, sizeof(top), "%s", lab_cgroup_path(churn.scope, "unified", "cgroup.procs"));
        for (unsigned round = 0; !atomic_load(&churn.stop); round++) {
                unsigned g = round % CHURN_SUBGROUPS;

                subgroup_path(path, sizeof(path), NULL, g);
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        continue;
                subgroup_path(path, sizeof(path), "cgroup.procs", g);
                for (size_t i = 0; i < CHURN_SLEEPERS; i++)
                        if ((i + round) % 2)
                                move(churn.sleepers[i], path);
                for (size_t i = 0; i < CHURN_SLEEPERS; i++)
                        move(churn.sleepers[i], top);
                subgroup_path(path, sizeof(path), NULL, g);
                if (rmdir(path) == 0)
                        churn.rmdirs++;
        }
        return NULL;
}

static void churn_cleanup(void)
{
        char path[512], top[512];

        if (!churn.scope)
                return;
        snprintf(top, sizeof(top), "%s", lab_cgroup_path(churn.scope, "unified", "cgroup.procs"));
        for (unsigned g = 0; g < CHURN_SUBGROUPS; g++) {
                for (size_t i = 0; i < CHURN_SLEEPERS; i++)
                        if (churn.sleepers[i] > 0)
                                move(churn.sleepers[i], top);
                subgroup_path(path, sizeof(path), NULL, g);
                (void)rmdir(path);
        }
}

static void on_fatal(int sig)
{
        churn_cleanup();
        lab_cleanup_all();
        signal(sig, SIG_DFL);
        raise(sig);
}

static void test_cgroup_churn(void)
{
        struct lab_cgroup *cg = lab_cgroup_new();
        struct snapshot s = {};
        struct snapshot_opts opts = {.fields = POLICY_FIELD_BIT(POLICY_FIELD_CGROUP), .xattrs = true};
        unsigned scans = 0, errors = 0, strays = 0, too_many = 0;
        size_t most = 0;
        pthread_t t;

        LAB_CHECK(cg && cg->unified, "scratch cgroup");
        if (!cg)
                return;
        churn.scope = cg;
        atexit(churn_cleanup);
        signal(SIGALRM, on_fatal);
        signal(SIGTERM, on_fatal);
        signal(SIGINT, on_fatal);
        for (size_t i = 0; i < CHURN_SLEEPERS; i++)
                churn.sleepers[i] = lab_spawn_sleeper(cg, -1);
        opts.cgroup = cg->name;
        opts.cgroup_root = roots.v2;
        LAB_CHECK(pthread_create(&t, NULL, churn_thread, NULL) == 0, "pthread_create");
        for (double end = lab_now_ms() + CHURN_MS; lab_now_ms() < end;) {
                int r = snapshot_take(proc_dirfd, &opts, &s);

                scans++;
                if (r < 0) {
                        errors++;
                        continue;
                }
                most = MAX(most, s.n_procs);
                if (s.n_procs > CHURN_SLEEPERS)
                        too_many++;
                for (size_t i = 0; i < s.n_procs; i++)
                        if (!cgroup_is_descendant(snapshot_str(&s, s.procs[i].cgroup), cg->name))
                                strays++;
        }
        atomic_store(&churn.stop, true);
        pthread_join(t, NULL);
        LAB_CHECK(errors == 0, "%u of %u scans failed", errors, scans);
        LAB_CHECK(strays == 0, "%u processes outside the scope were listed", strays);
        LAB_CHECK(too_many == 0, "%u scans listed more processes than exist", too_many);
        LAB_CHECK(churn.rmdirs > 10, "only %u subgroups were removed", churn.rmdirs);
        printf("cgroup churn: %u scans of %s while %u subgroups were removed: %u errors, at most %zu "
               "processes, %u strays\n",
               scans, cg->name, churn.rmdirs, errors, most, strays);
        snapshot_done(&s);
        churn_cleanup();
        churn.scope = NULL;
        lab_cgroup_destroy(cg);
}

int main(void)
{
        _cleanup_(reaper_freep) struct reaper *reaper = NULL;
        struct reaper_config rc = {0};
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (lab_init() != 0) {
                printf("SKIP: needs root\n");
                return 77;
        }
        alarm(90);
        proc_dirfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgroup_roots_discover("/proc/self/mountinfo", &roots) < 0 || !lab_have_v1()) {
                printf("SKIP: needs the hybrid cgroup layout of the lab (lab.c)\n");
                return 77;
        }
        r = reaper_new(&rc, NULL, &reaper);
        if (r < 0) {
                printf("FAIL: reaper_new: %s\n", strerror(-r));
                return 1;
        }
        test_gone(reaper);
        test_exit_race(reaper);
        test_zombie(reaper);
        test_dead_stat();
        test_protected(reaper);
        test_cgroup_churn();
        close(proc_dirfd);
        printf("%s\n", lab_failures ? "FAIL" : "PASS");
        return lab_failures ? 1 : 0;
}
