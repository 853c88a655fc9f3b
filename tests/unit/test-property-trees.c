/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-property-trees.c - select_ranked() and the full scan over random proc trees, the kernel as reference */

/*
 * Writes PROPERTY_TREES random proc trees (stat, status, oom_score_adj, the kernel's oom_score
 * for those numbers, cgroup, cmdline, and for leaders that exited their task/ directories) and
 * checks that select_ranked(), which reads every oom_score but only the likely victims in full,
 * picks exactly the victim of snapshot_take() + select_best() over the same tree, under random
 * policies; and that without a policy both pick a process the kernel's oom_badness() ranks
 * first. The trees hold the shapes /proc shows unusually (issue 13), with the kernel's rules
 * (mm/oom_kill.c) as the reference: vfork children, whose oom_score is 0 because oom_badness()
 * does not score them though they show their parent's memory; leaders that exited while a
 * thread runs on, which the kernel scores by that thread's memory (find_lock_task_mm()); and
 * status files longer than any one read. Seeds are fixed; a failure prints its tree's.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "property-gen.h"
#include "util.h"

/* 300 trees of up to 40 processes, ~40 000 small files on tmpfs or /tmp: about a second. */
#define PROPERTY_TREES 300
#define PROPERTY_TREE_PROCS 40
#define PROPERTY_PAGE_KB 4

static void put(int dirfd, const char *path, const char *text)
{
        int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
}

/* What the kernel makes of one process of a tree: its oom_badness() in pages, if it is a candidate. */
struct kernel_ref {
        int pid;
        bool candidate; /* scored by oom_badness(), and not exiting (reapd passes over those) */
        long long badness;
};

struct tree {
        size_t n_refs;
        struct kernel_ref refs[2 * PROPERTY_TREE_PROCS];
        unsigned
                shapes[4]; /* vfork pairs, leaders exited with a live thread, with an exiting one, zombies */
};

/* Supplementary groups in a "huge" status: a Groups: line of about 7 KiB, VmRSS after it. */
#define PROPERTY_HUGE_GROUPS 1000

static void put_stat(int dirfd, const char *path, int pid, const char *comm, char state, int ppid,
                     unsigned flags, uint64_t rss_kb)
{
        char buf[512];

        snprintf(buf, sizeof(buf),
                 "%d (%s) %c %d %d %d 0 -1 %u 0 0 0 0 0 0 0 0 20 0 1 0 %llu 1000 %llu 0 0 0 0 0 0 0 0 0 0 0 "
                 "0 0 "
                 "17 0 0 0 0 0 0\n",
                 pid, comm, state, ppid, pid, pid, flags, (unsigned long long)rnd_below(1000),
                 (unsigned long long)(rss_kb / PROPERTY_PAGE_KB));
        put(dirfd, path, buf);
}

/* A status as the kernel writes it; no Vm lines without @mm; with @huge, a long Groups: line first. */
static void put_status(int dirfd, const char *path, const char *comm, char state, int tgid, int ppid,
                       uid_t uid, bool mm, uint64_t rss, uint64_t pte, uint64_t swp, bool huge)
{
        static char buf[PROPERTY_HUGE_GROUPS * 8 + 1024];
        size_t n;

        n = (size_t)snprintf(buf, sizeof(buf),
                             "Name:\t%s\nState:\t%c\nTgid:\t%d\nPPid:\t%d\nUid:\t%u\t%u\t%u\t%u\n", comm,
                             state, tgid, ppid, (unsigned)uid, (unsigned)uid, (unsigned)uid, (unsigned)uid);
        if (huge) {
                n += (size_t)snprintf(buf + n, sizeof(buf) - n, "Groups:\t");
                for (unsigned g = 0; g < PROPERTY_HUGE_GROUPS; g++)
                        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%u ", 200000 + g);
                n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\n");
        }
        if (mm)
                n += (size_t)snprintf(buf + n, sizeof(buf) - n,
                                      "VmRSS:\t%llu kB\nRssAnon:\t%llu kB\nRssFile:\t0 kB\nRssShmem:\t0 kB\n"
                                      "VmPTE:\t%llu kB\nVmSwap:\t%llu kB\n",
                                      (unsigned long long)rss, (unsigned long long)rss,
                                      (unsigned long long)pte, (unsigned long long)swp);
        snprintf(buf + n, sizeof(buf) - n, "Threads:\t%d\n", mm ? 1 : 2);
        put(dirfd, path, buf);
}

/*
 * One random tree under @dirfd, and in @t what the kernel would choose from it. The oom_score
 * files are what the kernel shows for the numbers in status (fs/proc/base.c over mm/oom_kill.c
 * oom_badness(), 4 KiB pages): 0 for kernel threads, zombies, adj -1000 and vfork children;
 * a leader that exited while a thread runs on is scored by that thread's memory. Returns the
 * number of top-level processes.
 */
static size_t make_tree(int dirfd, struct policy *pol, struct world *w, struct tree *t)
{
        uint64_t mem_kb = (rnd_below(64) + 1) * 1024 * 1024,
                 swap_kb = rnd_chance(50) ? rnd_below(8) << 20 : 0;
        uint64_t total = (mem_kb + swap_kb) / PROPERTY_PAGE_KB;
        size_t n = rnd_below(PROPERTY_TREE_PROCS) + 1, n_procs = 0;
        char buf[1024], path[96];

        snprintf(buf, sizeof(buf),
                 "MemTotal:       %llu kB\nMemFree:        1 kB\nMemAvailable:   %llu kB\n"
                 "SwapTotal:      %llu kB\nSwapFree:       %llu kB\n",
                 (unsigned long long)mem_kb, (unsigned long long)mem_kb / 2, (unsigned long long)swap_kb,
                 (unsigned long long)swap_kb);
        put(dirfd, "meminfo", buf);
        make_policy(w);
        *pol = w->policy;
        memset(t, 0, sizeof(*t));
        for (size_t i = 0; i < n; i++) {
                /* pids 3 apart: a vfork child or a leader's thread takes pid + 1 */
                int pid = (int)(100 + i * 3), adj = rnd_adj(), shape = (int)rnd_below(100);
                bool kthread = shape >= 16 && rnd_chance(5), zombie = shape >= 16 && rnd_chance(5);
                bool vfork = shape < 8, leader_exited = shape >= 8 && shape < 13, exiting_thread = false;
                bool dead_group = shape >= 13 && shape < 16, huge = rnd_chance(10);
                uint64_t rss = rnd_chance(30) ? rnd_below(64) * 4 : rnd_below(mem_kb / 4) & ~3ull;
                uint64_t swp = swap_kb && rnd_chance(30) ? rnd_below(swap_kb / 4) & ~3ull : 0;
                uint64_t pte = rnd_below(32) * 4;
                uid_t uid = (uid_t)rnd_below(3) * 1000;
                char comm[16], word[16];
                long long badness;
                unsigned score;

                rnd_word(comm, sizeof(comm));
                if (!comm[0])
                        strcpy(comm, "x");
                /* a vfork child's adj is its parent's; at -999 its 0 cannot be told (score_kernel_unscored()) */
                if (vfork && adj == -999)
                        adj = -998;
                zombie |= dead_group;
                badness = (long long)((rss + swp + pte) / PROPERTY_PAGE_KB) +
                          (long long)adj * (long long)(total / 1000);
                score = kthread || zombie || adj == -1000
                                ? 0
                                : (unsigned)MAX(0, (1000 + badness * 1000 / (long long)total) * 2 / 3);

                snprintf(path, sizeof(path), "%d", pid);
                assert_int_equal(mkdirat(dirfd, path, 0755), 0);
                snprintf(path, sizeof(path), "%d/stat", pid);
                put_stat(dirfd, path, pid, comm, zombie || leader_exited ? 'Z' : 'S', 1,
                         kthread                   ? 0x00200040u
                         : leader_exited || zombie ? 0x00400144u
                                                   : 0x00400100u,
                         zombie || leader_exited ? 0 : rss);
                snprintf(path, sizeof(path), "%d/status", pid);
                if (kthread)
                        snprintf(buf, sizeof(buf),
                                 "Name:\t%s\nState:\tS\nTgid:\t%d\nPPid:\t2\nUid:\t0\t0\t0\t0\n", comm, pid);
                if (kthread)
                        put(dirfd, path, buf);
                else
                        put_status(dirfd, path, comm, zombie || leader_exited ? 'Z' : 'S', pid, 1, uid,
                                   !zombie && !leader_exited, rss, pte, swp, huge);
                if (leader_exited || dead_group) {
                        /* the thread list: the leader, a zombie, and with leader_exited a thread with the memory */
                        snprintf(path, sizeof(path), "%d/task", pid);
                        assert_int_equal(mkdirat(dirfd, path, 0755), 0);
                        snprintf(path, sizeof(path), "%d/task/%d", pid, pid);
                        assert_int_equal(mkdirat(dirfd, path, 0755), 0);
                        snprintf(path, sizeof(path), "%d/task/%d/stat", pid, pid);
                        put_stat(dirfd, path, pid, comm, 'Z', 1, 0x00400144u, 0);
                }
                if (leader_exited) {
                        exiting_thread = rnd_chance(25); /* its whole group is on its way out */
                        snprintf(path, sizeof(path), "%d/task/%d", pid, pid + 1);
                        assert_int_equal(mkdirat(dirfd, path, 0755), 0);
                        snprintf(path, sizeof(path), "%d/task/%d/stat", pid, pid + 1);
                        put_stat(dirfd, path, pid + 1, comm, 'S', 1,
                                 exiting_thread ? 0x00400144u : 0x00400040u, rss);
                        snprintf(path, sizeof(path), "%d/task/%d/status", pid, pid + 1);
                        put_status(dirfd, path, comm, 'S', pid, 1, uid, true, rss, pte, swp, huge);
                        t->shapes[exiting_thread ? 2 : 1]++;
                }
                t->shapes[3] += dead_group;
                snprintf(path, sizeof(path), "%d/oom_score_adj", pid);
                snprintf(buf, sizeof(buf), "%d\n", adj);
                put(dirfd, path, buf);
                snprintf(path, sizeof(path), "%d/oom_score", pid);
                snprintf(buf, sizeof(buf), "%u\n", score);
                put(dirfd, path, buf);
                rnd_word(word, sizeof(word));
                snprintf(path, sizeof(path), "%d/cgroup", pid);
                snprintf(buf, sizeof(buf), "0::/%s\n", word);
                put(dirfd, path, buf);
                rnd_word(word, sizeof(word));
                snprintf(path, sizeof(path), "%d/cmdline", pid);
                put(dirfd, path, word);
                t->refs[t->n_refs++] = (struct kernel_ref){
                        .pid = pid,
                        .candidate = !kthread && !zombie && !exiting_thread && adj != -1000,
                        .badness = badness,
                };
                n_procs++;

                if (!vfork)
                        continue;
                /* its vfork child, blocked before exec: the parent's memory and adj, PF_FORKNOEXEC, oom_score 0 */
                t->shapes[0]++;
                snprintf(path, sizeof(path), "%d", pid + 1);
                assert_int_equal(mkdirat(dirfd, path, 0755), 0);
                snprintf(path, sizeof(path), "%d/stat", pid + 1);
                put_stat(dirfd, path, pid + 1, comm, 'S', pid, 0x00400140u, rss);
                snprintf(path, sizeof(path), "%d/status", pid + 1);
                put_status(dirfd, path, comm, 'S', pid + 1, pid, uid, true, rss, pte, swp, huge);
                snprintf(path, sizeof(path), "%d/oom_score_adj", pid + 1);
                snprintf(buf, sizeof(buf), "%d\n", adj);
                put(dirfd, path, buf);
                snprintf(path, sizeof(path), "%d/oom_score", pid + 1);
                put(dirfd, path, "0\n");
                snprintf(path, sizeof(path), "%d/cgroup", pid + 1);
                put(dirfd, path, "0::/\n");
                snprintf(path, sizeof(path), "%d/cmdline", pid + 1);
                put(dirfd, path, "");
                t->refs[t->n_refs++] = (struct kernel_ref){.pid = pid + 1, .candidate = false};
                n_procs++;
        }
        return n_procs;
}

/*
 * Without a policy the victim is a process the kernel ranks first: the largest oom_badness()
 * among its candidates (ties: any of them). Returns false, with the reason in @why, otherwise.
 */
static bool kernel_agrees(const struct tree *t, int rc, pid_t victim, char *why, size_t size)
{
        const struct kernel_ref *best = NULL, *v = NULL;

        for (size_t i = 0; i < t->n_refs; i++) {
                if (t->refs[i].pid == victim)
                        v = &t->refs[i];
                if (t->refs[i].candidate && (!best || t->refs[i].badness > best->badness))
                        best = &t->refs[i];
        }
        if (!best) {
                snprintf(why, size, "the kernel has no candidate, reapd chose %d",
                         rc == 0 ? (int)victim : 0);
                return rc != 0;
        }
        if (rc != 0 || !v || !v->candidate || v->badness != best->badness) {
                snprintf(why, size, "reapd chose %d (%s, badness %lld), the kernel's first is %d (%lld)",
                         rc == 0 ? (int)victim : 0, v && v->candidate ? "a candidate" : "not a candidate",
                         v ? v->badness : 0, best->pid, best->badness);
                return false;
        }
        return true;
}

static void test_select_matches_full_scan(void **state)
{
        char top[] = "/tmp/reapd-property.XXXXXX", dir[64], cmd[128];
        unsigned agree_victim = 0, agree_none = 0, partial = 0, shapes[4] = {0}, kernel_victims = 0;
        static struct world w;
        static struct tree tree;
        char why[160];
        struct snapshot full = {};
        struct selector sel = {};

        assert_non_null(mkdtemp(top));
        for (uint64_t t = 0; t < PROPERTY_TREES; t++) {
                uint64_t seed = PROPERTY_SEED ^ (UINT64_C(0x7ee) << 20) ^ t;
                struct snapshot_opts opts = {.self = 1}; /* PID 1 is never in these trees */
                struct candidate a, b;
                struct policy pol;
                struct score_ctx ctx;
                int dirfd, ra, rb;

                rnd_state = seed;
                memset(&w, 0, sizeof(w));
                snprintf(dir, sizeof(dir), "%s/%llu", top, (unsigned long long)t);
                assert_int_equal(mkdir(dir, 0755), 0);
                dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                assert_true(dirfd >= 0);
                make_tree(dirfd, &pol, &w, &tree);
                opts.fields = pol.fields_used;
                for (size_t k = 0; k < ELEMENTSOF(shapes); k++)
                        shapes[k] += tree.shapes[k];

                assert_int_equal(snapshot_take(dirfd, &opts, &full), 0);
                ctx = (struct score_ctx){.total_pages = full.total_pages, .page_size = full.page_size};
                ra = select_best(&full, &pol, &ctx, &a);
                rb = select_ranked(&sel, dirfd, &opts, &pol, NULL, &b);
                assert_true(rb >= 0);
                if (ra != rb || (ra == 0 && full.procs[a.idx].pid != sel.snapshot.procs[b.idx].pid))
                        fail_msg("tree %llu (seed %#llx, %s): full scan %s %d, select_ranked %s %d",
                                 (unsigned long long)t, (unsigned long long)seed, dir, ra ? "none" : "pid",
                                 ra ? ra : full.procs[a.idx].pid, rb ? "none" : "pid",
                                 rb ? rb : sel.snapshot.procs[b.idx].pid);
                if (ra == 0)
                        agree_victim++;
                else
                        agree_none++;
                partial += sel.partial;
                policy_done(&pol);

                /* the kernel's rules as the reference, without a policy: both paths */
                opts.fields = 0;
                assert_int_equal(snapshot_take(dirfd, &opts, &full), 0);
                ra = select_best(&full, NULL, NULL, &a);
                if (!kernel_agrees(&tree, ra, ra == 0 ? full.procs[a.idx].pid : 0, why, sizeof(why)))
                        fail_msg("tree %llu (seed %#llx, %s), full scan: %s", (unsigned long long)t,
                                 (unsigned long long)seed, dir, why);
                rb = select_ranked(&sel, dirfd, &opts, NULL, NULL, &b);
                assert_true(rb >= 0);
                if (!kernel_agrees(&tree, rb, rb == 0 ? sel.snapshot.procs[b.idx].pid : 0, why, sizeof(why)))
                        fail_msg("tree %llu (seed %#llx, %s), select_ranked: %s", (unsigned long long)t,
                                 (unsigned long long)seed, dir, why);
                kernel_victims += rb == 0;
                close(dirfd);
        }
        print_message("%d trees: the same victim in %u, no victim in both in %u; select_ranked stopped "
                      "early in %u\n",
                      PROPERTY_TREES, agree_victim, agree_none, partial);
        print_message("shapes: %u vfork children, %u leaders exited with a live thread, %u with an exiting "
                      "one, %u zombies with a thread list; the kernel's first chosen in %u trees\n",
                      shapes[0], shapes[1], shapes[2], shapes[3], kernel_victims);
        /* the trees must exercise the early stop and every shape, or this proves nothing about them */
        assert_true(partial > PROPERTY_TREES / 4);
        for (size_t k = 0; k < ELEMENTSOF(shapes); k++)
                assert_true(shapes[k] > PROPERTY_TREES / 20);
        snapshot_done(&full);
        select_done(&sel);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_select_matches_full_scan),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
