/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-property.c - select_best() over randomized snapshots against an independent brute force */

/*
 * The victim chooser must never pick PID 1, a kernel thread, reapd itself, an exiting task,
 * an oom_score_adj -1000 process or anything an Ignore= rule or user.reapd_omit exempts, and
 * it must always pick the maximum under the policy. Hand-written cases (test-score.c) cover
 * the rules one at a time; this test throws PROPERTY_SNAPSHOTS random snapshots with random
 * flags, adjs, sizes, strings and policies at select_best() and compares each answer with a
 * reference written here from the documented contract (score.h, policy.h), not from score.c:
 * it does its arithmetic in bytes and 128-bit integers, matches rules without regexec() (the
 * generated patterns are literals with optional ^ and $ anchors), and sorts instead of
 * scanning. Seeds are fixed, so a failure is reproducible; the failing seed is printed.
 *
 * A second test writes PROPERTY_TREES random proc trees (stat, status, oom_score_adj, the
 * kernel's oom_score for those numbers, cgroup, cmdline) and checks that select_ranked(),
 * which reads every oom_score but only the likely victims in full, picks exactly the victim
 * of snapshot_take() + select_best() over the same tree, under random policies.
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

#include "select.h"
#include "util.h"

/* 10 000 snapshots of up to 48 processes: about 240 000 processes, well under a second. */
#define PROPERTY_SNAPSHOTS 10000
#define PROPERTY_MAX_PROCS 48
#define PROPERTY_MAX_RULES 6
/* A fixed base seed; each snapshot i uses PROPERTY_SEED + i, so one case can be replayed. */
#define PROPERTY_SEED UINT64_C(0x5eed0f0ab1e)

/* splitmix64: small, good enough, and the same on every platform. */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
        uint64_t z = (rnd_state += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
        return n ? rnd() % n : 0;
}

static bool rnd_chance(unsigned percent)
{
        return rnd_below(100) < percent;
}

/* Short strings from a tiny alphabet, so rule patterns actually match some of them. */
static void rnd_word(char *buf, size_t size)
{
        static const char alphabet[] = "ab/x.";
        size_t n = rnd_below(MIN(size - 1, 8) + 1);

        for (size_t i = 0; i < n; i++)
                buf[i] = alphabet[rnd_below(sizeof(alphabet) - 1)];
        buf[n] = '\0';
}

struct world {
        struct snapshot s;
        struct proc_info procs[PROPERTY_MAX_PROCS];
        char strings[PROPERTY_MAX_PROCS * 3 * 16 + 1];
        struct policy policy;
        struct score_ctx ctx;
        /* the reference's view of each rule: a literal with anchors */
        struct {
                enum policy_action action;
                enum policy_field field;
                char lit[16];
                bool head, tail;
                uid_t uid;
        } rules[PROPERTY_MAX_RULES];
        size_t n_rules;
};

static uint32_t arena_add(struct world *w, const char *str)
{
        uint32_t off = (uint32_t)w->s.strings_len;

        if (!*str)
                return 0;
        memcpy(w->strings + off, str, strlen(str) + 1);
        w->s.strings_len += strlen(str) + 1;
        return off;
}

static int rnd_adj(void)
{
        static const int interesting[] = {-1000, -999, -998, -500, -1, 0, 1, 300, 999, 1000};

        if (rnd_chance(60))
                return interesting[rnd_below(ELEMENTSOF(interesting))];
        return (int)rnd_below(2001) - 1000;
}

/* Sizes from a few values (so ties happen and the tie-breaks are exercised) or anything. */
static uint64_t rnd_kb(void)
{
        static const uint64_t interesting[] = {0, 4, 8, 1024, 4096, 1048576};

        if (rnd_chance(50))
                return interesting[rnd_below(ELEMENTSOF(interesting))];
        return rnd_below(UINT64_C(1) << (rnd_below(36) + 1));
}

static void make_policy(struct world *w)
{
        static const char *const field_names[] = {
                [POLICY_FIELD_COMM] = "comm", [POLICY_FIELD_CMDLINE] = "cmdline",
                [POLICY_FIELD_EXE] = "exe",   [POLICY_FIELD_CGROUP] = "cgroup",
                [POLICY_FIELD_UID] = "uid",
        };
        size_t n = rnd_below(PROPERTY_MAX_RULES + 1);

        policy_init(&w->policy);
        w->policy.prefer_adjust = (int)rnd_below(1001);
        w->policy.avoid_adjust = (int)rnd_below(1001);
        w->policy.honor_xattrs = rnd_chance(50);
        w->n_rules = 0;
        for (size_t i = 0; i < n; i++) {
                enum policy_action a = (enum policy_action)rnd_below(_POLICY_ACTION_MAX);
                enum policy_field f = (enum policy_field)rnd_below(_POLICY_FIELD_MAX);
                char spec[64], err[128], lit[8];
                bool head = rnd_chance(40), tail = rnd_chance(30);
                uid_t uid = (uid_t)rnd_below(3) * 1000;
                int r;

                if (f == POLICY_FIELD_UID) {
                        snprintf(spec, sizeof(spec), "uid:%u", (unsigned)uid);
                } else {
                        /* letters only: '.' and '/' are fine in a regex but '.' is a wildcard */
                        size_t len = rnd_below(3) + 1;

                        for (size_t k = 0; k < len; k++)
                                lit[k] = "abx"[rnd_below(3)];
                        lit[len] = '\0';
                        snprintf(spec, sizeof(spec), "%s:%s%s%s", field_names[f], head ? "^" : "", lit,
                                 tail ? "$" : "");
                }
                r = policy_add_rule(&w->policy, a, spec, err, sizeof(err));
                if (r < 0)
                        fail_msg("policy_add_rule(%s): %s", spec, err);
                w->rules[w->n_rules].action = a;
                w->rules[w->n_rules].field = f;
                w->rules[w->n_rules].uid = uid;
                w->rules[w->n_rules].head = head;
                w->rules[w->n_rules].tail = tail;
                if (f != POLICY_FIELD_UID)
                        memcpy(w->rules[w->n_rules].lit, lit, sizeof(lit));
                w->n_rules++;
        }
}

static void make_world(struct world *w, uint64_t seed)
{
        size_t n;

        rnd_state = seed;
        memset(&w->s, 0, sizeof(w->s));
        w->s.procs = w->procs;
        w->s.strings = w->strings;
        w->strings[0] = '\0';
        w->s.strings_len = 1;
        w->s.page_size = rnd_chance(80) ? 4096 : 65536;
        w->s.total_pages = rnd_chance(10) ? rnd_below(2000) : rnd_below(UINT64_C(1) << 28);
        w->ctx = (struct score_ctx){
                /* 0 means "use the snapshot's"; small values make adj dominate or vanish */
                .total_pages = rnd_chance(30) ? 0 : rnd_below(UINT64_C(1) << 30),
                .page_size = w->s.page_size,
        };
        n = rnd_below(PROPERTY_MAX_PROCS + 1);
        for (size_t i = 0; i < n; i++) {
                struct proc_info *p = &w->procs[i];
                char word[16];

                *p = (struct proc_info){
                        /* distinct PIDs, 1 among them sometimes */
                        .pid = (pid_t)(i == 0 && rnd_chance(30) ? 1 : 2 + i * 7 + rnd_below(7)),
                        .uid = (uid_t)rnd_below(3) * 1000,
                        .state = "RSDZ"[rnd_below(4)],
                        .oom_score_adj = rnd_adj(),
                        .starttime = rnd_below(8),
                        .rss_kb = rnd_kb(),
                        .swap_kb = rnd_chance(70) ? 0 : rnd_kb(),
                        .pgtables_kb = rnd_below(64),
                };
                if (p->pid == 1)
                        p->flags |= PROC_INIT;
                if (rnd_chance(10))
                        p->flags |= PROC_KTHREAD;
                if (rnd_chance(10))
                        p->flags |= PROC_EXITING;
                if (rnd_chance(5))
                        p->flags |= PROC_SELF;
                if (rnd_chance(15))
                        p->flags |= PROC_AVOID_XATTR;
                if (rnd_chance(15))
                        p->flags |= PROC_OMIT_XATTR;
                rnd_word(p->comm, sizeof(p->comm));
                rnd_word(word, sizeof(word));
                p->cmdline = arena_add(w, word);
                rnd_word(word, sizeof(word));
                p->exe = arena_add(w, word);
                rnd_word(word, sizeof(word));
                p->cgroup = arena_add(w, word);
        }
        w->s.n_procs = n;
        make_policy(w);
}

/* ---- the reference: from the documented contract only ---- */

static bool ref_literal_match(const char *str, const char *lit, bool head, bool tail)
{
        size_t n = strlen(str), l = strlen(lit);

        if (l > n)
                return false;
        if (head && tail)
                return n == l && memcmp(str, lit, l) == 0;
        if (head)
                return memcmp(str, lit, l) == 0;
        if (tail)
                return memcmp(str + n - l, lit, l) == 0;
        return strstr(str, lit) != NULL;
}

static bool ref_rule_matches(const struct world *w, size_t r, const struct proc_info *p)
{
        const char *str;

        switch (w->rules[r].field) {
        case POLICY_FIELD_UID:
                return p->uid == w->rules[r].uid;
        case POLICY_FIELD_COMM:
                str = p->comm;
                break;
        case POLICY_FIELD_CMDLINE:
                str = w->strings + p->cmdline;
                break;
        case POLICY_FIELD_EXE:
                str = w->strings + p->exe;
                break;
        default:
                str = w->strings + p->cgroup;
                break;
        }
        return ref_literal_match(str, w->rules[r].lit, w->rules[r].head, w->rules[r].tail);
}

struct ref {
        size_t idx;
        __int128 score;
};

/*
 * Returns false if @p can never be a victim; else its score in *ret: the kernel's
 * oom_badness() in pages, with the first Prefer/Avoid rule (or user.reapd_avoid) moving its
 * adj by the policy's adjustment, clamped to -999..1000.
 */
static bool ref_score(const struct world *w, const struct proc_info *p, __int128 *ret)
{
        uint64_t total = w->ctx.total_pages ? w->ctx.total_pages : w->s.total_pages;
        __int128 bytes, pages;
        int adj = p->oom_score_adj, shift = 0;
        bool decided = false;

        if (p->pid == 1 || (p->flags & (PROC_INIT | PROC_KTHREAD | PROC_SELF | PROC_EXITING)))
                return false;
        if (adj == -1000)
                return false;
        if (w->policy.honor_xattrs && (p->flags & PROC_OMIT_XATTR))
                return false;
        for (size_t r = 0; r < w->n_rules; r++) {
                if (!ref_rule_matches(w, r, p))
                        continue;
                if (w->rules[r].action == POLICY_IGNORE)
                        return false; /* anywhere in the list, even after a Prefer/Avoid */
                if (!decided) {
                        decided = true;
                        shift = w->rules[r].action == POLICY_PREFER ? w->policy.prefer_adjust
                                                                    : -w->policy.avoid_adjust;
                }
        }
        if (!decided && w->policy.honor_xattrs && (p->flags & PROC_AVOID_XATTR)) {
                decided = true;
                shift = -w->policy.avoid_adjust;
        }
        if (decided) {
                adj += shift;
                adj = adj < -999 ? -999 : adj > 1000 ? 1000 : adj;
        }
        if (total == 0)
                total = 1;
        /* each of rss, swap and page tables rounds down to pages on its own, as the kernel's counters */
        bytes = (__int128)p->rss_kb * 1024;
        pages = bytes / w->s.page_size;
        bytes = (__int128)p->swap_kb * 1024;
        pages += bytes / w->s.page_size;
        bytes = (__int128)p->pgtables_kb * 1024;
        pages += bytes / w->s.page_size;
        *ret = pages + (__int128)adj * (__int128)(total / 1000);
        return true;
}

/* The documented total order: score, then rss, then newer start, then larger PID. */
static int ref_cmp(const void *a, const void *b, void *arg)
{
        const struct world *w = arg;
        const struct ref *x = a, *y = b;
        const struct proc_info *p = &w->procs[x->idx], *q = &w->procs[y->idx];

        if (x->score != y->score)
                return x->score > y->score ? -1 : 1;
        if (p->rss_kb != q->rss_kb)
                return p->rss_kb > q->rss_kb ? -1 : 1;
        if (p->starttime != q->starttime)
                return p->starttime > q->starttime ? -1 : 1;
        return p->pid > q->pid ? -1 : p->pid < q->pid ? 1 : 0;
}

static void check_world(uint64_t seed, size_t *n_picked)
{
        static struct world w;
        struct ref refs[PROPERTY_MAX_PROCS];
        struct candidate c;
        size_t n_refs = 0;
        int r;

        make_world(&w, seed);
        for (size_t i = 0; i < w.s.n_procs; i++) {
                __int128 score;

                if (ref_score(&w, &w.procs[i], &score))
                        refs[n_refs++] = (struct ref){.idx = i, .score = score};
        }
        qsort_r(refs, n_refs, sizeof(refs[0]), ref_cmp, &w);

        r = select_best(&w.s, &w.policy, &w.ctx, &c);
        if (n_refs == 0) {
                if (r != SCORE_NO_CANDIDATE)
                        fail_msg("seed %#llx: picked pid %d, but nothing is killable",
                                 (unsigned long long)seed, (int)w.procs[c.idx].pid);
        } else {
                const struct proc_info *v;

                if (r != 0)
                        fail_msg("seed %#llx: no victim (%d), expected pid %d", (unsigned long long)seed, r,
                                 (int)w.procs[refs[0].idx].pid);
                assert_true(c.idx < w.s.n_procs);
                v = &w.procs[c.idx];
                /* the safety properties, spelled out, before the exact comparison */
                assert_int_not_equal(v->pid, 1);
                assert_false(v->flags & (PROC_INIT | PROC_KTHREAD | PROC_SELF | PROC_EXITING));
                assert_int_not_equal(v->oom_score_adj, -1000);
                if (w.policy.honor_xattrs)
                        assert_false(v->flags & PROC_OMIT_XATTR);
                for (size_t k = 0; k < w.n_rules; k++)
                        if (w.rules[k].action == POLICY_IGNORE && ref_rule_matches(&w, k, v))
                                fail_msg("seed %#llx: picked pid %d, matched by Ignore rule %zu",
                                         (unsigned long long)seed, (int)v->pid, k);
                if (c.idx != refs[0].idx || (__int128)c.score != refs[0].score)
                        fail_msg(
                                "seed %#llx: picked pid %d (score %lld), the maximum is pid %d (score %lld)",
                                (unsigned long long)seed, (int)v->pid, (long long)c.score,
                                (int)w.procs[refs[0].idx].pid, (long long)refs[0].score);
                (*n_picked)++;
        }

        /* select_rank() must agree: the same victims, best first, as many as asked */
        {
                struct candidate ranked[PROPERTY_MAX_PROCS];
                size_t want = rnd_below(PROPERTY_MAX_PROCS + 1), got;

                got = select_rank(&w.s, &w.policy, &w.ctx, false, ranked, want);
                assert_int_equal(got, MIN(want, n_refs));
                for (size_t k = 0; k < got; k++)
                        if (ranked[k].idx != refs[k].idx)
                                fail_msg("seed %#llx: rank %zu is pid %d, expected pid %d",
                                         (unsigned long long)seed, k, (int)w.procs[ranked[k].idx].pid,
                                         (int)w.procs[refs[k].idx].pid);
        }
        policy_done(&w.policy);
}

static void test_random_snapshots(void **state)
{
        size_t picked = 0;

        for (uint64_t i = 0; i < PROPERTY_SNAPSHOTS; i++)
                check_world(PROPERTY_SEED + i, &picked);
        /* the generator must produce both outcomes often, or the test proves little */
        print_message("%d snapshots, %zu with a victim\n", PROPERTY_SNAPSHOTS, picked);
        assert_true(picked > PROPERTY_SNAPSHOTS / 2);
        assert_true(picked < PROPERTY_SNAPSHOTS);
}

/* ---- select_ranked() against the full scan, over random proc trees ---- */

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

/*
 * One random tree under @dirfd. The oom_score files are what the kernel would show for the
 * numbers in status (fs/proc/base.c over mm/oom_kill.c oom_badness(), 4 KiB pages): 0 for
 * kernel threads, zombies and adj -1000. Returns the number of processes.
 */
static size_t make_tree(int dirfd, uint64_t seed, struct policy *pol, struct world *w)
{
        uint64_t mem_kb = (rnd_below(64) + 1) * 1024 * 1024,
                 swap_kb = rnd_chance(50) ? rnd_below(8) << 20 : 0;
        uint64_t total = (mem_kb + swap_kb) / PROPERTY_PAGE_KB;
        size_t n = rnd_below(PROPERTY_TREE_PROCS) + 1;
        char buf[1024], path[64];

        (void)seed;
        snprintf(buf, sizeof(buf),
                 "MemTotal:       %llu kB\nMemFree:        1 kB\nMemAvailable:   %llu kB\n"
                 "SwapTotal:      %llu kB\nSwapFree:       %llu kB\n",
                 (unsigned long long)mem_kb, (unsigned long long)mem_kb / 2, (unsigned long long)swap_kb,
                 (unsigned long long)swap_kb);
        put(dirfd, "meminfo", buf);
        make_policy(w);
        *pol = w->policy;
        for (size_t i = 0; i < n; i++) {
                int pid = (int)(100 + i * 3 + rnd_below(3)), adj = rnd_adj();
                bool kthread = rnd_chance(5), zombie = rnd_chance(5);
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
                snprintf(path, sizeof(path), "%d", pid);
                assert_int_equal(mkdirat(dirfd, path, 0755), 0);
                snprintf(path, sizeof(path), "%d/stat", pid);
                snprintf(buf, sizeof(buf),
                         "%d (%s) %c 1 %d %d 0 -1 %u 0 0 0 0 0 0 0 0 20 0 1 0 %llu 1000 %llu 0 0 0 0 0 0 0 "
                         "0 0 "
                         "0 0 0 17 0 0 0 0 0 0\n",
                         pid, comm, zombie ? 'Z' : 'S', pid, pid, kthread ? 0x00200040u : 0x00400100u,
                         (unsigned long long)rnd_below(1000), (unsigned long long)(rss / PROPERTY_PAGE_KB));
                put(dirfd, path, buf);
                snprintf(path, sizeof(path), "%d/status", pid);
                if (kthread)
                        snprintf(buf, sizeof(buf),
                                 "Name:\t%s\nState:\tS\nTgid:\t%d\nPPid:\t2\nUid:\t0\t0\t0\t0\n", comm, pid);
                else
                        snprintf(buf, sizeof(buf),
                                 "Name:\t%s\nState:\t%c\nTgid:\t%d\nPPid:\t1\nUid:\t%u\t%u\t%u\t%u\n"
                                 "VmRSS:\t%llu kB\nRssAnon:\t%llu kB\nRssFile:\t0 kB\nRssShmem:\t0 kB\n"
                                 "VmPTE:\t%llu kB\nVmSwap:\t%llu kB\n",
                                 comm, zombie ? 'Z' : 'S', pid, (unsigned)uid, (unsigned)uid, (unsigned)uid,
                                 (unsigned)uid, (unsigned long long)rss, (unsigned long long)rss,
                                 (unsigned long long)pte, (unsigned long long)swp);
                put(dirfd, path, buf);
                snprintf(path, sizeof(path), "%d/oom_score_adj", pid);
                snprintf(buf, sizeof(buf), "%d\n", adj);
                put(dirfd, path, buf);
                badness = (long long)((rss + swp + pte) / PROPERTY_PAGE_KB) +
                          (long long)adj * (long long)(total / 1000);
                score = kthread || zombie || adj == -1000
                                ? 0
                                : (unsigned)MAX(0, (1000 + badness * 1000 / (long long)total) * 2 / 3);
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
        }
        return n;
}

static void test_select_matches_full_scan(void **state)
{
        char top[] = "/tmp/reapd-property.XXXXXX", dir[64], cmd[128];
        unsigned agree_victim = 0, agree_none = 0, partial = 0;
        static struct world w;
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
                make_tree(dirfd, seed, &pol, &w);
                opts.fields = pol.fields_used;

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
                close(dirfd);
        }
        print_message("%d trees: the same victim in %u, no victim in both in %u; select_ranked stopped "
                      "early in %u\n",
                      PROPERTY_TREES, agree_victim, agree_none, partial);
        /* the trees must exercise the early stop, or this proves nothing about it */
        assert_true(partial > PROPERTY_TREES / 4);
        snapshot_done(&full);
        select_done(&sel);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_random_snapshots),
                cmocka_unit_test(test_select_matches_full_scan),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
