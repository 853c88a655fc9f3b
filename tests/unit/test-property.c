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
 * The snapshots hold the shapes /proc shows unusually (issue 13), with the kernel's rules
 * (mm/oom_kill.c) as the reference: processes whose oom_score read 0 where their adj alone would
 * show more, as a vfork child's does (oom_badness() does not score it, though it shows its
 * parent's memory), and leaders in state Z whose process lives on in a thread. Proc trees with
 * the same shapes, read from files: test-property-trees.c.
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

/* 10 000 snapshots of up to 48 processes: about 240 000 processes, well under a second; snapshot i uses
 * PROPERTY_SEED + i. */
#define PROPERTY_SNAPSHOTS 10000

static uint32_t arena_add(struct world *w, const char *str)
{
        uint32_t off = (uint32_t)w->s.strings_len;

        if (!*str)
                return 0;
        memcpy(w->strings + off, str, strlen(str) + 1);
        w->s.strings_len += strlen(str) + 1;
        return off;
}

/* Sizes from a few values (so ties happen and the tie-breaks are exercised) or anything. */
static uint64_t rnd_kb(void)
{
        static const uint64_t interesting[] = {0, 4, 8, 1024, 4096, 1048576};

        if (rnd_chance(50))
                return interesting[rnd_below(ELEMENTSOF(interesting))];
        return rnd_below(UINT64_C(1) << (rnd_below(36) + 1));
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
                        /* a Z without PROC_EXITING: a leader that exited, its process lives on in a thread */
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
                /* forked, not exec'd, oom_score read 0: a vfork child unless its adj explains the 0 */
                if (rnd_chance(10))
                        p->flags |= PROC_OOM_SCORE_ZERO;
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
 * fs/proc/base.c's oom_score of a process with no memory at all at @adj, in C's truncating
 * division: above 0, a 0 read from the kernel means oom_badness() said LONG_MIN (in_vfork(),
 * MMF_OOM_SKIP). At adj -999 a small process shows 0 too, so then the 0 tells nothing.
 */
static bool ref_kernel_unscored(const struct world *w, const struct proc_info *p)
{
        __int128 t = w->s.total_pages ? (__int128)w->s.total_pages : 1;
        __int128 b = (__int128)p->oom_score_adj * (t / 1000);

        return (p->flags & PROC_OOM_SCORE_ZERO) && (1000 + b * 1000 / t) * 2 / 3 > 0;
}

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
        if (ref_kernel_unscored(w, p))
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
                assert_false(ref_kernel_unscored(&w, v));
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

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_random_snapshots),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
