/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-oracle.c - reapd's badness against the kernel's own /proc/<pid>/oom_score, on live processes;
 * select_ranked() against the full scan */

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs.h"
#include "select.h"
#include "snapshot.h"
#include "util.h"

/*
 * Children: touched anonymous memory in MB and the oom_score_adj the parent raises them to.
 * On 24 GiB one adj unit is worth about 24 MB, so adj 5..20 interleaves with the sizes and
 * the order is decided by both terms. Two of them share a size to exercise near-ties.
 */
static const struct {
        unsigned mb;
        int adj;
} kids[] = {
        {50, 0}, {100, 0}, {200, 0}, {400, 0}, {50, 5}, {100, 10}, {300, 20}, {200, 0}, {80, 3},
};

static pid_t pids[ELEMENTSOF(kids)];

static void cleanup(void)
{
        for (size_t i = 0; i < ELEMENTSOF(pids); i++)
                if (pids[i] > 0) {
                        kill(pids[i], SIGKILL);
                        waitpid(pids[i], NULL, 0);
                        pids[i] = 0;
                }
}

static void on_signal(int sig)
{
        /* only our own children, then die of the same signal */
        for (size_t i = 0; i < ELEMENTSOF(pids); i++)
                if (pids[i] > 0)
                        kill(pids[i], SIGKILL);
        signal(sig, SIG_DFL);
        raise(sig);
}

static pid_t spawn(unsigned mb)
{
        int p[2];
        pid_t pid;
        char c;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                size_t len = (size_t)mb << 20;
                char *m;

                /* never outlive the test, whatever kills it */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() == 1)
                        _exit(1);
                m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (m == MAP_FAILED)
                        _exit(1);
                for (size_t off = 0; off < len; off += 4096)
                        m[off] = 1;
                if (write(p[1], "x", 1) != 1)
                        _exit(1);
                for (;;)
                        pause();
        }
        close(p[1]);
        if (read(p[0], &c, 1) != 1) {
                close(p[0]);
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return -EIO;
        }
        close(p[0]);
        return pid;
}

static int kernel_oom_score(pid_t pid, unsigned *ret)
{
        char path[64], buf[32];
        uint64_t v;

        snprintf(path, sizeof(path), "/proc/%d/oom_score", (int)pid);
        if (read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 || parse_u64(buf, &v) < 0)
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}

/*
 * select_ranked() against snapshot_take() + select_best() on the live machine, under @p.
 * Other processes change memory while we read, so a round only counts when the full scans
 * before and after the fast one agree. Returns the number of disagreements.
 */
static int check_select(int fd, const struct policy *p, const char *what)
{
        struct snapshot_opts opts = {.fields = p ? p->fields_used : 0};
        struct snapshot full = {};
        struct selector fast = {};
        unsigned agreed = 0, unstable = 0;
        int failures = 0;

        for (int round = 0; round < 20 && agreed < 5; round++) {
                struct candidate a, b;
                pid_t before, after, got;

                if (snapshot_take(fd, &opts, &full) < 0 || select_best(&full, p, NULL, &a) != 0)
                        break;
                before = full.procs[a.idx].pid;
                if (select_ranked(&fast, fd, &opts, p, NULL, &b) != 0)
                        break;
                got = fast.snapshot.procs[b.idx].pid;
                if (snapshot_take(fd, &opts, &full) < 0 || select_best(&full, p, NULL, &a) != 0)
                        break;
                after = full.procs[a.idx].pid;
                if (before != after) {
                        unstable++;
                        continue;
                }
                if (got != before) {
                        fprintf(stderr, "FAIL: %s: select_ranked() chose %d, the full scan %d\n", what,
                                (int)got, (int)before);
                        failures++;
                        continue;
                }
                agreed++;
                if (agreed == 1)
                        printf("%s: victim %d (%s); fast path read %zu of %zu processes\n", what, (int)got,
                               fast.snapshot.procs[b.idx].comm, fast.snapshot.n_read, fast.snapshot.n_seen);
        }
        printf("%s: %u rounds agree, %u unstable (the full scans disagreed), %d disagree\n", what, agreed,
               unstable, failures);
        if (agreed == 0) {
                fprintf(stderr, "FAIL: %s: no stable round to compare\n", what);
                failures++;
        }
        snapshot_done(&full);
        select_done(&fast);
        return failures;
}

static int sign(int64_t v)
{
        return (v > 0) - (v < 0);
}

int main(void)
{
        _cleanup_(closep) int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct snapshot s = {};
        struct score_ctx ctx;
        int64_t badness[ELEMENTSOF(kids)];
        unsigned kscore[ELEMENTSOF(kids)], ours[ELEMENTSOF(kids)];
        size_t checked = 0, others = 0, others_off = 0;
        int failures = 0, r;
        struct candidate best;

        atexit(cleanup);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGHUP, on_signal);
        if (fd < 0)
                return 77;

        for (size_t i = 0; i < ELEMENTSOF(kids); i++) {
                char path[64], val[16];

                pids[i] = spawn(kids[i].mb);
                if (pids[i] < 0) {
                        fprintf(stderr, "spawn %u MB: %s\n", kids[i].mb, strerror(-pids[i]));
                        return 1;
                }
                /* raising a child's adj needs no capability */
                snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pids[i]);
                snprintf(val, sizeof(val), "%d", kids[i].adj);
                r = write_file_at(AT_FDCWD, path, val);
                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", path, strerror(-r));
                        return 1;
                }
        }

        r = snapshot_take(fd, &(struct snapshot_opts){}, &s);
        if (r < 0) {
                fprintf(stderr, "snapshot_take: %s\n", strerror(-r));
                return 1;
        }
        ctx = (struct score_ctx){.total_pages = s.total_pages, .page_size = s.page_size};
        printf("totalpages %" PRIu64 " (one adj unit = %" PRIu64 " pages)\n", s.total_pages,
               s.total_pages / 1000);
        printf("%8s %6s %5s %10s %7s %7s\n", "PID", "MB", "ADJ", "BADNESS", "OURS", "KERNEL");
        for (size_t i = 0; i < ELEMENTSOF(kids); i++) {
                const struct proc_info *p = snapshot_find(&s, pids[i]);

                if (!p || kernel_oom_score(pids[i], &kscore[i]) < 0) {
                        fprintf(stderr, "child %d missing from the snapshot\n", (int)pids[i]);
                        return 1;
                }
                badness[i] = score_badness(p, p->oom_score_adj, ctx.total_pages, ctx.page_size);
                ours[i] = score_oom_score(badness[i], ctx.total_pages);
                printf("%8d %6u %5d %10" PRId64 " %7u %7u\n", (int)pids[i], kids[i].mb, p->oom_score_adj,
                       badness[i], ours[i], kscore[i]);
                if (ours[i] + 1 < kscore[i] || ours[i] > kscore[i] + 1) {
                        fprintf(stderr, "FAIL: pid %d: our oom_score %u, kernel %u\n", (int)pids[i], ours[i],
                                kscore[i]);
                        failures++;
                }
        }
        /* the order: every pair the kernel tells apart by more than 1 */
        for (size_t i = 0; i < ELEMENTSOF(kids); i++)
                for (size_t j = i + 1; j < ELEMENTSOF(kids); j++) {
                        int64_t kd = (int64_t)kscore[i] - (int64_t)kscore[j];

                        if (kd >= -1 && kd <= 1)
                                continue;
                        checked++;
                        if (sign(badness[i] - badness[j]) != sign(kd)) {
                                fprintf(stderr,
                                        "FAIL: order of %d and %d: kernel %u vs %u, ours %" PRId64
                                        " vs %" PRId64 "\n",
                                        (int)pids[i], (int)pids[j], kscore[i], kscore[j], badness[i],
                                        badness[j]);
                                failures++;
                        }
                }
        /* the victim among everything on the machine must be the kernel's top scorer (ours here) */
        if (select_best(&s, NULL, &ctx, &best) != 0) {
                fprintf(stderr, "FAIL: no candidate\n");
                failures++;
        } else {
                unsigned top = 0, k;

                for (size_t i = 0; i < s.n_procs; i++)
                        if (!(s.procs[i].flags & (PROC_KTHREAD | PROC_EXITING | PROC_INIT | PROC_SELF)) &&
                            kernel_oom_score(s.procs[i].pid, &k) == 0 && k > top)
                                top = k;
                if (kernel_oom_score(s.procs[best.idx].pid, &k) < 0 || k + 1 < top) {
                        fprintf(stderr, "FAIL: victim %d has kernel oom_score %u, top is %u\n",
                                (int)s.procs[best.idx].pid, k, top);
                        failures++;
                }
                printf("victim %d (%s), kernel oom_score %u, top %u\n", (int)s.procs[best.idx].pid,
                       s.procs[best.idx].comm, k, top);
        }
        /*
         * The inversion select_ranked() relies on, on real numbers: every child's badness lies
         * under the bound of its kernel oom_score plus 2 points (the margin; the per-CPU slack it
         * also adds is left out here, so this is stricter).
         */
        for (size_t i = 0; i < ELEMENTSOF(kids); i++) {
                int64_t bound = score_badness_bound(kscore[i] + 2, ctx.total_pages);

                if (badness[i] > bound) {
                        fprintf(stderr,
                                "FAIL: pid %d: badness %" PRId64 " above the bound %" PRId64 " of %u\n",
                                (int)pids[i], badness[i], bound, kscore[i]);
                        failures++;
                }
        }
        /* the fast path, with no policy, a Prefer that lifts our children and an Avoid that sinks them */
        {
                struct policy p;
                char err[128];

                failures += check_select(fd, NULL, "no policy");
                policy_init(&p);
                if (policy_add_rule(&p, POLICY_PREFER, "^test-oracle$", err, sizeof(err)) < 0)
                        return 1;
                failures += check_select(fd, &p, "prefer children");
                policy_done(&p);
                policy_init(&p);
                if (policy_add_rule(&p, POLICY_AVOID, "^test-oracle$", err, sizeof(err)) < 0)
                        return 1;
                failures += check_select(fd, &p, "avoid children");
                policy_done(&p);
        }
        /* everyone else, for information: other processes change memory while we read */
        for (size_t i = 0; i < s.n_procs; i++) {
                const struct proc_info *p = &s.procs[i];
                unsigned k, o;

                if (p->flags & (PROC_KTHREAD | PROC_EXITING | PROC_INIT | PROC_SELF) ||
                    p->oom_score_adj == -1000 || kernel_oom_score(p->pid, &k) < 0)
                        continue;
                o = score_oom_score(score_badness(p, p->oom_score_adj, ctx.total_pages, ctx.page_size),
                                    ctx.total_pages);
                others++;
                if (o + 1 < k || o > k + 1)
                        others_off++;
        }
        printf("pairs compared %zu, other processes %zu (%zu off by more than 1), failures %d\n", checked,
               others, others_off, failures);
        snapshot_done(&s);
        cleanup();
        return failures ? 1 : 0;
}
