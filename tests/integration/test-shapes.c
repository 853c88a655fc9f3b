/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-shapes.c - process shapes /proc reads unusually, against the kernel's oom_score, and their kill */

/*
 * Usage: test-shapes HOG   (root; exits 77 when not root)
 *
 * Each shape is a real process of SHAPE_MB next to two smaller bystanders (hogs), all in one
 * scratch cgroup and all at oom_score_adj SHAPE_ADJ, so that they outrank anything else on the
 * machine and the order among them is their size:
 *   groups   its owner is in 1 000 supplementary groups: /proc/<pid>/status is longer than
 *            any one read (issue 13: a 4 KiB buffer lost VmRSS, and the process passed for a
 *            kernel thread);
 *   vfork    a parent that vforked a child which blocks before exec: the child shows the
 *            parent's memory, the kernel does not score it (oom_score 0), the parent it does;
 *   clonevm  a parent and a child of clone(CLONE_VM) sharing one mm: both are scored alike,
 *            and killing one must kill the other or process_mrelease() cannot reap the mm;
 *   zombie   a leader that called pthread_exit() while a worker thread holds the memory: the
 *            leader is a zombie, the process is not, and the kernel scores it.
 * For each, the kernel is the oracle: the victim of select_ranked() over /proc, of the BPF
 * iterator (where built), and of both scoped to the cgroup, is the process with the highest
 * /proc/<pid>/oom_score on the machine, the one the shape expects. Then the cgroup is frozen
 * (v1 freezer), the victim killed through kill_start() with process_mrelease(), scoped to the
 * cgroup: one kill signals the victim and every process sharing its mm, and the memory leaves
 * the cgroup while it is still frozen, which only process_mrelease() can make happen. A dry run
 * before, unscoped, finds the same sharers in all of /proc (a scoped kill looks in its scope).
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"
#include "procfs.h"
#include "rank-bpf.h"
#include "select.h"
#include "util.h"

/* The shape and its bystanders: 685 MB as in the report, bystanders clearly smaller. */
#define SHAPE_MB 685
#define BYSTANDER_MB_A 300
#define BYSTANDER_MB_B 150
/* Half the machine per adj point scale: above anything the rest of the machine runs at adj 0. */
#define SHAPE_ADJ 500
/* Supplementary groups of the "groups" shape: a Groups: line of about 7 KiB. */
#define SHAPE_GROUPS 1000
/* The kill's memory must leave the frozen cgroup within this (process_mrelease: GB/s). */
#define RELEASE_DEADLINE_MS 2000.0
/* "Left" means 90% of the shape's size; the rest is page tables, stacks and libc. */
#define BACK_SHARE 0.9
/* A stack for the clone() children: they only block in read(). */
#define CHILD_STACK (64 * 1024)
#define TEST_TIMEOUT_S 240
#define MB (1024.0 * 1024.0)

enum shape { SHAPE_GROUPS_SHAPE, SHAPE_VFORK, SHAPE_CLONEVM, SHAPE_ZOMBIE, _SHAPE_MAX };
static const char *const shape_names[_SHAPE_MAX] = {"groups", "vfork", "clonevm", "zombie"};

static int failures;

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

/* ---- the shapes, in a forked child that reports "PID OTHER\n" on @fd once its memory is there ---- */

static int report_fd = -1, block_fd = -1;

static void touch(unsigned mb)
{
        size_t len = (size_t)mb << 20;
        char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (m == MAP_FAILED)
                _exit(1);
        for (size_t off = 0; off < len; off += 4096)
                m[off] = (char)(off >> 12 | 1);
}

static void report(pid_t a, pid_t b)
{
        char line[48];
        int n = snprintf(line, sizeof(line), "%d %d\n", (int)a, (int)b);

        if (write(report_fd, line, (size_t)n) != n)
                _exit(1);
}

/* Blocks until the test ends: nothing is ever written to the other end of block_fd. */
static void block(void)
{
        char c;

        for (;;)
                if (read(block_fd, &c, 1) <= 0)
                        pause();
}

/* A vfork child: runs on its parent's memory, reports, and blocks before it would exec. */
static int vfork_child(void *arg)
{
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        report(getppid(), (pid_t)syscall(SYS_getpid));
        block();
        return 0;
}

/* A CLONE_VM child: the same mm as its parent, its own process. */
static int clonevm_child(void *arg)
{
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        block();
        return 0;
}

static void *zombie_worker(void *arg)
{
        touch(SHAPE_MB);
        report(getpid(), (pid_t)syscall(SYS_gettid));
        block();
        return NULL;
}

static void run_shape(enum shape sh)
{
        char *stack;
        pid_t pid;

        switch (sh) {
        case SHAPE_GROUPS_SHAPE: {
                gid_t groups[SHAPE_GROUPS];

                for (size_t i = 0; i < SHAPE_GROUPS; i++)
                        groups[i] = (gid_t)(200000 + i);
                if (setgroups(SHAPE_GROUPS, groups) < 0)
                        _exit(1);
                touch(SHAPE_MB);
                report(getpid(), 0);
                block();
                break;
        }
        case SHAPE_VFORK:
        case SHAPE_CLONEVM:
                touch(SHAPE_MB);
                stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (stack == MAP_FAILED)
                        _exit(1);
                if (sh == SHAPE_VFORK) {
                        /* returns when the child exits or execs: never, until the test kills it */
                        (void)clone(vfork_child, stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD,
                                    NULL);
                        _exit(0);
                }
                pid = clone(clonevm_child, stack + CHILD_STACK, CLONE_VM | SIGCHLD, NULL);
                if (pid < 0)
                        _exit(1);
                report(getpid(), pid);
                block();
                break;
        case SHAPE_ZOMBIE: {
                pthread_t t;

                if (pthread_create(&t, NULL, zombie_worker, NULL) != 0)
                        _exit(1);
                pthread_exit(NULL);
        }
        default:
                _exit(1);
        }
        _exit(0);
}

static void join(const struct lab_cgroup *cg)
{
        static const char *const ctrls[] = {"freezer", "memory", "unified"};
        const bool in[] = {cg->freezer, cg->memory, cg->unified};
        char pid[16];

        snprintf(pid, sizeof(pid), "%d", (int)getpid());
        for (size_t i = 0; i < ELEMENTSOF(ctrls); i++)
                if (in[i] && write_file_at(AT_FDCWD, lab_cgroup_path(cg, ctrls[i], "cgroup.procs"), pid) < 0)
                        _exit(1);
}

/* Forks the shape in @cg; returns its pid (the process the kernel scores) and the other pid it reports. */
static pid_t spawn_shape(enum shape sh, const struct lab_cgroup *cg, int blocker, pid_t *ret_other)
{
        int p[2];
        char line[48] = "";
        struct pollfd pfd;
        int a = 0, b = 0;
        ssize_t n;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                char adj[16];

                prctl(PR_SET_PDEATHSIG, SIGKILL);
                join(cg);
                snprintf(adj, sizeof(adj), "%d", SHAPE_ADJ);
                if (write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", adj) < 0)
                        _exit(1);
                close(p[0]);
                report_fd = p[1];
                block_fd = blocker;
                run_shape(sh);
        }
        close(p[1]);
        pfd = (struct pollfd){.fd = p[0], .events = POLLIN};
        n = poll(&pfd, 1, 60000) == 1 ? read(p[0], line, sizeof(line) - 1) : -1;
        close(p[0]);
        if (n <= 0 || sscanf(line, "%d %d", &a, &b) != 2)
                return -EIO;
        *ret_other = b;
        return a;
}

/* ---- the oracle ---- */

struct top {
        int proc_fd;
        unsigned score;
        pid_t pid;
};

static int top_cb(pid_t pid, void *userdata)
{
        struct top *t = userdata;
        unsigned k;

        if (proc_read_oom_score(t->proc_fd, pid, &k) == 0 && k > t->score) {
                t->score = k;
                t->pid = pid;
        }
        return 0;
}

/* The process with the kernel's highest oom_score on the machine. */
static struct top kernel_top(int proc_fd)
{
        _Alignas(8) char dents[PROC_DENTS_SIZE];
        struct top t = {.proc_fd = proc_fd};

        (void)proc_for_each_pid(proc_fd, dents, sizeof(dents), top_cb, &t);
        return t;
}

static size_t status_length(pid_t pid)
{
        char path[64], buf[4096];
        size_t total = 0;
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                total += (size_t)n;
        close(fd);
        return total;
}

/* ---- selection and kill ---- */

struct setup {
        int proc_fd;
        struct cgroup_roots roots;
        struct rank_bpf *rank;
        struct reaper *reaper;
        const char *hog;
};

/* select_victim() with or without the iterator, system-wide or scoped to @cg; the victim's pid or <= 0. */
static pid_t choose(const struct setup *su, struct rank_bpf *rank, const struct lab_cgroup *cg,
                    struct victim *ret)
{
        struct selector sel = {.rank = rank};
        struct snapshot_opts opts = {.cgroup = cg ? cg->name : NULL, .cgroup_root = su->roots.v2};
        struct candidate c;
        pid_t pid = 0;
        int r;

        r = select_victim(&sel, su->proc_fd, &opts, NULL, &su->roots, &c);
        if (r < 0)
                pid = r;
        else if (r == 0) {
                pid = sel.snapshot.procs[c.idx].pid;
                if (ret) {
                        victim_from_proc(ret, &sel.snapshot, &sel.snapshot.procs[c.idx]);
                        ret->badness = c.badness;
                }
        }
        if (rank && sel.rank_error) {
                printf("# BPF pass 1 failed: %s\n", strerror(-sel.rank_error));
                pid = sel.rank_error;
        }
        select_done(&sel);
        return pid;
}

static bool dies(pid_t pid, double ms)
{
        double end = lab_now_ms() + ms;

        while (lab_alive(pid) && lab_now_ms() < end)
                usleep(1000);
        return !lab_alive(pid);
}

/* The victim each selection path picks, against the kernel's top and the shape's expectation. */
static void check_choices(const struct setup *su, const struct lab_cgroup *cg, const char *name,
                          pid_t expect, pid_t alt, struct victim *ret)
{
        static const char *const paths[] = {"/proc", "/proc, scoped", "BPF", "BPF, scoped"};

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                struct rank_bpf *rank = i >= 2 ? su->rank : NULL;
                const struct lab_cgroup *scope = i % 2 ? cg : NULL;
                struct top top = kernel_top(su->proc_fd);
                struct victim v;
                unsigned k = 0;
                pid_t got;

                if (i >= 2 && !su->rank)
                        continue;
                got = choose(su, rank, scope, &v);
                (void)proc_read_oom_score(su->proc_fd, got, &k);
                CHECK(got == expect || (alt > 0 && got == alt),
                      "%s, %s: victim %d (kernel oom_score %u), expected %d%s; the kernel's top is %d (%u)",
                      name, paths[i], (int)got, k, (int)expect, alt > 0 ? " or its sharer" : "",
                      (int)top.pid, top.score);
                CHECK(got > 0 && k + 1 >= top.score,
                      "%s, %s: the victim's oom_score %u is the kernel's top (%u)", name, paths[i], k,
                      top.score);
                if (i == 0)
                        *ret = v;
        }
}

/*
 * Freezes @cg, kills @v through kill_start() with release, scoped to @cg; checks the kill took @sharer
 * too. @holder is the task that holds the victim's memory: the victim, or the thread that runs on
 * after its leader exited (whose own state is Z throughout).
 */
static void check_kill(const struct setup *su, const struct lab_cgroup *cg, const char *name,
                       struct victim *v, pid_t sharer, pid_t holder)
{
        struct kill_request req = {.victim = v,
                                   .unit = KILL_UNIT_PROCESS,
                                   .release = true,
                                   .proc_dirfd = su->proc_fd,
                                   .roots = &su->roots,
                                   .scope = cg->name};
        struct pollfd pfd = {.fd = reaper_fd(su->reaper), .events = POLLIN};
        struct kill_op op = {};
        uint64_t usage0, usage = 0;
        double t0, t_back = -1;
        bool released = true;
        int r;

        /* a dry run lists the sharers and signals nobody; unscoped, it looks for them in all of /proc */
        req.dry_run = true;
        req.scope = NULL;
        r = kill_start(su->reaper, &req, &op);
        CHECK(r == KILL_DRY_RUN && op.n_sharers == (sharer > 0 ? 1u : 0u) && op.n_signalled == 0,
              "%s: dry run: %d, %zu sharers listed, %zu signalled", name, r, op.n_sharers, op.n_signalled);
        kill_op_done(&op);
        req.dry_run = false;
        req.scope = cg->name;
        CHECK(lab_alive(holder) && (sharer <= 0 || lab_alive(sharer)), "%s: alive after the dry run", name);

        usage0 = lab_memcg_usage(cg);
        CHECK(lab_freeze(cg, true) == 0, "%s: freeze", name);
        t0 = lab_now_ms();
        r = kill_start(su->reaper, &req, &op);
        if (r == 0 && op.release_pending && poll(&pfd, 1, (int)RELEASE_DEADLINE_MS) == 1)
                (void)reaper_collect(su->reaper, &op);
        CHECK(r == 0, "%s: kill_start of %d: %d", name, (int)v->pid, r);
        CHECK(op.n_signalled == (sharer > 0 ? 2u : 1u) && op.n_sharers_signalled == (sharer > 0 ? 1u : 0u),
              "%s: one kill signalled %zu processes, %zu of them sharing the mm (expected %d)", name,
              op.n_signalled, op.n_sharers_signalled, sharer > 0 ? 1 : 0);
        CHECK(op.sharers_error == 0, "%s: the search for sharers was complete (%d)", name, op.sharers_error);
        for (size_t i = 0; i < op.n_targets; i++) {
                if (op.targets[i].result != 0)
                        continue;
                released &= op.targets[i].release == 0;
                printf("# %s: target %d%s: release %d\n", name, (int)op.targets[i].pid,
                       op.targets[i].mm_sharer ? " (shares the mm)" : "", op.targets[i].release);
        }
        CHECK(!op.release_pending && released && op.n_released == op.n_signalled,
              "%s: process_mrelease() of every target: %zu of %zu released, first error %d", name,
              op.n_released, op.n_signalled, op.release_result);
        while (lab_now_ms() - t0 < RELEASE_DEADLINE_MS) {
                usage = lab_memcg_usage(cg);
                if (usage0 - MIN(usage, usage0) >= (uint64_t)(SHAPE_MB * MB * BACK_SHARE)) {
                        t_back = lab_now_ms() - t0;
                        break;
                }
                usleep(1000);
        }
        CHECK(t_back >= 0, "%s: %.0f MB left the frozen cgroup (%.0f -> %.0f MB) in %.1f ms", name,
              (double)(usage0 - MIN(usage, usage0)) / MB, usage0 / MB, usage / MB, t_back);
        kill_op_done(&op);
        CHECK(lab_freeze(cg, false) == 0, "%s: thaw", name);
        CHECK(dies(holder, 2000) && (sharer <= 0 || dies(sharer, 2000)),
              "%s: victim %d (task %d) and sharer %d dead", name, (int)v->pid, (int)holder, (int)sharer);
}

static void test_shape(const struct setup *su, enum shape sh)
{
        const char *name = shape_names[sh];
        struct lab_cgroup *cg = lab_cgroup_new();
        pid_t by[2] = {0, 0}, pid, other = 0, expect, alt = 0, sharer = 0;
        struct victim v = {};
        unsigned k_pid = 0, k_other = 0;
        char val[16];
        int blocker[2] = {-1, -1};

        if (!cg || !cg->freezer || !cg->memory || !cg->unified || pipe2(blocker, O_CLOEXEC) < 0) {
                CHECK(false, "%s: a scratch cgroup in freezer, memory and cgroup2", name);
                goto out;
        }
        snprintf(val, sizeof(val), "%d", SHAPE_ADJ);
        by[0] = lab_spawn_hog(su->hog, BYSTANDER_MB_A, cg);
        by[1] = lab_spawn_hog(su->hog, BYSTANDER_MB_B, cg);
        pid = spawn_shape(sh, cg, blocker[0], &other);
        CHECK(by[0] > 0 && by[1] > 0 && pid > 0, "%s: shape %d (and %d), bystanders %d and %d", name,
              (int)pid, (int)other, (int)by[0], (int)by[1]);
        if (by[0] <= 0 || by[1] <= 0 || pid <= 0)
                goto out;
        for (size_t i = 0; i < 2; i++) {
                char path[64];

                snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)by[i]);
                CHECK(write_file_at(AT_FDCWD, path, val) == 0, "%s: bystander adj", name);
        }

        expect = pid;
        switch (sh) {
        case SHAPE_GROUPS_SHAPE:
                CHECK(status_length(pid) > 2 * 4096, "%s: /proc/%d/status is %zu bytes", name, (int)pid,
                      status_length(pid));
                break;
        case SHAPE_VFORK:
                sharer = other;
                break;
        case SHAPE_CLONEVM:
                /* one mm, one score: either may be chosen, and the other dies with it */
                alt = sharer = other;
                break;
        case SHAPE_ZOMBIE:
                for (int i = 0; i < 1000 && lab_proc_state(pid) != 'Z'; i++)
                        usleep(1000);
                CHECK(lab_proc_state(pid) == 'Z',
                      "%s: leader %d is a zombie (%c), thread %d holds the memory", name, (int)pid,
                      lab_proc_state(pid), (int)other);
                break;
        default:
                break;
        }
        (void)proc_read_oom_score(su->proc_fd, pid, &k_pid);
        if (sh == SHAPE_VFORK || sh == SHAPE_CLONEVM)
                (void)proc_read_oom_score(su->proc_fd, other, &k_other);
        printf("# %s: pid %d oom_score %u, other %d oom_score %u\n", name, (int)pid, k_pid, (int)other,
               k_other);
        if (sh == SHAPE_VFORK)
                CHECK(k_other == 0 && k_pid > 0,
                      "%s: the kernel scores the parent (%u), not the vfork child (%u)", name, k_pid,
                      k_other);

        check_choices(su, cg, name, expect, alt, &v);
        if (v.pid > 0) {
                if (sh == SHAPE_CLONEVM && v.pid == other)
                        sharer = pid;
                check_kill(su, cg, name, &v, sharer, sh == SHAPE_ZOMBIE ? other : v.pid);
                for (size_t i = 0; i < 2; i++)
                        CHECK(lab_alive(by[i]), "%s: bystander %d alive", name, (int)by[i]);
        }
out:
        if (blocker[0] >= 0) {
                close(blocker[0]);
                close(blocker[1]);
        }
        lab_cgroup_destroy(cg);
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
}

int main(int argc, char **argv)
{
        struct setup su = {.hog = argc > 1 ? argv[1] : NULL};
        struct reaper_setup rs;
        int r;

        r = lab_init();
        if (r)
                return r;
        if (!su.hog || !lab_have_v1()) {
                printf("# skip: needs the hog and the v1 freezer and memory hierarchies\n");
                return 77;
        }
        alarm(TEST_TIMEOUT_S);
        su.proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (su.proc_fd < 0 || cgroup_roots_discover("/proc/self/mountinfo", &su.roots) < 0)
                return 1;
        r = reaper_new(&(struct reaper_config){}, &rs, &su.reaper);
        if (r < 0)
                return 1;
        r = rank_bpf_new(&su.rank);
        if (r < 0)
                printf("# BPF rank source unavailable (%s): /proc paths only\n", rank_bpf_strerror(r));
        for (enum shape sh = 0; sh < _SHAPE_MAX; sh++)
                test_shape(&su, sh);
        rank_bpf_free(su.rank);
        reaper_free(su.reaper);
        printf("%d failure(s)\n", failures);
        return failures ? 1 : 0;
}
