/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-score.c - kernel badness, every rule kind and field, exclusions, ties, scope totalpages */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>

#include "select.h"
#include "util.h"

/* 1 280 000 pages: totalpages / 1000 = 1280, as in the proc-basic fixture */
#define TOTAL 1280000
#define SCALE 1280

/* A hand-built snapshot: strings are laid out as "\0<cmdline>\0<exe>\0<cgroup>\0" per process. */
struct fake {
        struct snapshot s;
        struct proc_info procs[16];
        char strings[2048];
};

static uint32_t add_str(struct fake *f, const char *str)
{
        uint32_t off = (uint32_t)f->s.strings_len;

        if (!str || !*str)
                return 0;
        strcpy(f->strings + off, str);
        f->s.strings_len += strlen(str) + 1;
        return off;
}

static struct proc_info *add(struct fake *f, pid_t pid, const char *comm, uint64_t rss_kb, int adj)
{
        struct proc_info *p = &f->procs[f->s.n_procs++];

        *p = (struct proc_info){.pid = pid,
                                .ppid = 1,
                                .uid = 1000,
                                .state = 'S',
                                .oom_score_adj = adj,
                                .starttime = 1000 + (uint64_t)pid,
                                .rss_kb = rss_kb};
        strlcpy0(p->comm, comm, sizeof(p->comm));
        return p;
}

static void fake_init(struct fake *f)
{
        memset(f, 0, sizeof(*f));
        f->s.procs = f->procs;
        f->s.strings = f->strings;
        f->s.strings_len = 1;
        f->s.total_pages = TOTAL;
        f->s.page_size = 4096;
}

static const struct score_ctx ctx = {.total_pages = TOTAL, .page_size = 4096};

static pid_t victim(struct fake *f, const struct policy *p)
{
        struct candidate c;

        if (select_best(&f->s, p, &ctx, &c) != 0)
                return 0;
        return f->s.procs[c.idx].pid;
}

static void test_badness(void **state)
{
        struct proc_info p = {.rss_kb = 400000, .swap_kb = 4000, .pgtables_kb = 800};

        /* 100000 + 1000 + 200 pages */
        assert_int_equal(score_badness(&p, 0, TOTAL, 4096), 101200);
        assert_int_equal(score_badness(&p, 300, TOTAL, 4096), 101200 + 300 * SCALE);
        assert_int_equal(score_badness(&p, -999, TOTAL, 4096), 101200 - 999 * SCALE);
        assert_true(score_badness(&p, -1000, TOTAL, 4096) == SCORE_BADNESS_NONE);
        /* the kernel divides totalpages by 1000 first: 1999 pages scale adj by 1, not 1.999 */
        assert_int_equal(score_badness(&p, 1000, 1999, 4096), 101200 + 1000);
        /* /proc/<pid>/oom_score */
        assert_int_equal(score_oom_score(SCORE_BADNESS_NONE, TOTAL), 0);
        assert_int_equal(score_oom_score(0, TOTAL), 666);
        assert_int_equal(score_oom_score(TOTAL, TOTAL), 1333);
        assert_int_equal(score_oom_score(500 * SCALE, TOTAL), 1000);
        assert_int_equal(score_oom_score(500 * SCALE + 5000, TOTAL), 1002);
        assert_int_equal(score_oom_score(-TOTAL, TOTAL), 0);
}

static void test_exclusions(void **state)
{
        struct fake f;
        struct candidate c;

        fake_init(&f);
        add(&f, 1, "init", 900000, 0)->flags = PROC_INIT;
        add(&f, 2, "kthreadd", 900000, 0)->flags = PROC_KTHREAD;
        add(&f, 3, "reapd", 900000, 0)->flags = PROC_SELF;
        add(&f, 4, "zombie", 900000, 0)->flags = PROC_EXITING;
        add(&f, 5, "precious", 900000, -1000);
        assert_int_equal(select_best(&f.s, NULL, &ctx, &c), SCORE_NO_CANDIDATE);
        assert_int_equal(select_rank(&f.s, NULL, &ctx, true, &c, 1), 0);
        for (size_t i = 0; i < f.s.n_procs; i++)
                assert_int_equal(score_evaluate(&f.s, i, NULL, &ctx, &c), SCORE_EXCLUDED);
        add(&f, 6, "small", 1000, -999);
        assert_int_equal(victim(&f, NULL), 6);
}

/*
 * The kernel's oom_score of 0 for a process whose adj alone shows more: oom_badness() did not
 * score it (a vfork child showing its parent's memory, an mm already reaped), nor does reapd.
 */
static void test_kernel_unscored(void **state)
{
        struct fake f;

        fake_init(&f);
        add(&f, 20, "parent", 700000, 0);
        add(&f, 21, "vforked", 700000, 0)->flags = PROC_OOM_SCORE_ZERO; /* newer: it would win the tie */
        add(&f, 22, "small", 1000, 0);
        assert_true(score_kernel_unscored(&f.procs[1], TOTAL));
        assert_false(score_kernel_unscored(&f.procs[0], TOTAL));
        assert_int_equal(victim(&f, NULL), 20);
        /* adj -998 shows at least 1 whatever the size: a 0 is the kernel's LONG_MIN still */
        f.procs[1].oom_score_adj = -998;
        assert_true(score_kernel_unscored(&f.procs[1], TOTAL));
        /* adj -999 shows 0 for a small process: the 0 tells nothing, the process is scored */
        f.procs[1].oom_score_adj = -999;
        assert_false(score_kernel_unscored(&f.procs[1], TOTAL));
        f.procs[0].oom_score_adj = f.procs[2].oom_score_adj = -999;
        assert_int_equal(victim(&f, NULL), 21);
        /* under 1000 pages adj counts nothing: every process shows 666 */
        f.procs[1].oom_score_adj = -998;
        assert_true(score_kernel_unscored(&f.procs[1], 999));
        assert_false(score_kernel_unscored(
                &(struct proc_info){.oom_score_adj = -1000, .flags = PROC_OOM_SCORE_ZERO}, TOTAL));
}

static void test_kernel_order(void **state)
{
        struct fake f;

        fake_init(&f);
        add(&f, 10, "big", 2000000, 0);
        add(&f, 11, "adj", 100000, 500); /* 25000 + 640000 */
        add(&f, 12, "small", 1000, 0);
        assert_int_equal(victim(&f, NULL), 11);
        f.procs[1].oom_score_adj = 0;
        assert_int_equal(victim(&f, NULL), 10);
        /* swap and page tables count like rss */
        f.procs[2].swap_kb = 3000000;
        assert_int_equal(victim(&f, NULL), 12);
}

static void test_ties(void **state)
{
        struct fake f;
        struct candidate out[4];

        fake_init(&f);
        /* equal score; 20 has more rss (its badness is made up by page tables of the other) */
        add(&f, 20, "a", 4000, 0);
        add(&f, 21, "b", 2000, 0)->pgtables_kb = 2000;
        assert_int_equal(victim(&f, NULL), 20);
        /* equal score and rss: newer start time wins */
        f.procs[1] = f.procs[0];
        f.procs[1].pid = 21;
        f.procs[1].starttime = f.procs[0].starttime + 1;
        assert_int_equal(victim(&f, NULL), 21);
        /* all equal but the pid: larger pid, in any order */
        f.procs[1].starttime = f.procs[0].starttime;
        assert_int_equal(victim(&f, NULL), 21);
        f.procs[0].pid = 22;
        assert_int_equal(victim(&f, NULL), 22);
        assert_int_equal(select_rank(&f.s, NULL, &ctx, false, out, 4), 2);
        assert_int_equal(f.procs[out[0].idx].pid, 22);
        assert_int_equal(f.procs[out[1].idx].pid, 21);
}

static void add_rule(struct policy *p, enum policy_action a, const char *spec)
{
        char err[256];

        assert_int_equal(policy_add_rule(p, a, spec, err, sizeof(err)), 0);
}

static void test_rules(void **state)
{
        struct fake f;
        struct policy p;
        struct candidate c;
        struct proc_info *java, *chrome, *sshd;

        fake_init(&f);
        java = add(&f, 30, "java", 800000, 0);
        java->cmdline = add_str(&f, "/usr/bin/java -Xmx4g Main");
        java->exe = add_str(&f, "/usr/lib/jvm/bin/java");
        java->cgroup = add_str(&f, "/system.slice/app.service");
        java->uid = 998;
        chrome = add(&f, 31, "chrome", 400000, 0);
        chrome->exe = add_str(&f, "/opt/chrome/chrome");
        chrome->cgroup = add_str(&f, "/user.slice/app-chrome.scope");
        sshd = add(&f, 32, "sshd", 4000, 0);
        sshd->uid = 0;
        sshd->exe = add_str(&f, "/usr/sbin/sshd");
        assert_int_equal(victim(&f, NULL), 30);

        /* comm prefer: 100000 pages + 300 * 1280 beats 200000 */
        policy_init(&p);
        add_rule(&p, POLICY_PREFER, "^chrome$");
        assert_int_equal(victim(&f, &p), 31);
        assert_int_equal(score_evaluate(&f.s, 1, &p, &ctx, &c), 0);
        assert_int_equal(c.match, SCORE_MATCH_PREFER);
        assert_int_equal(c.rule, 0);
        assert_int_equal(c.badness, 100000);
        assert_int_equal(c.score, 100000 + 300 * SCALE);
        assert_string_equal(score_match_to_string(c.match), "prefer");
        policy_done(&p);

        /* cmdline avoid */
        policy_init(&p);
        p.avoid_adjust = 100; /* 200000 - 128000 < 100000 */
        add_rule(&p, POLICY_AVOID, "cmdline:-Xmx[0-9]+g");
        assert_int_equal(victim(&f, &p), 31);
        assert_int_equal(score_evaluate(&f.s, 0, &p, &ctx, &c), 0);
        assert_int_equal(c.match, SCORE_MATCH_AVOID);
        assert_int_equal(c.score, 200000 - 100 * SCALE);
        policy_done(&p);

        /* exe ignore */
        policy_init(&p);
        add_rule(&p, POLICY_IGNORE, "exe:/java$");
        assert_int_equal(victim(&f, &p), 31);
        assert_int_equal(score_evaluate(&f.s, 0, &p, &ctx, &c), SCORE_IGNORED);
        assert_int_equal(c.match, SCORE_MATCH_IGNORE);
        assert_int_equal(c.rule, 0);
        policy_done(&p);

        /* cgroup ignore, uid ignore: only sshd... unless uid 0 is ignored too */
        policy_init(&p);
        add_rule(&p, POLICY_IGNORE, "cgroup:^/(system|user)\\.slice/");
        assert_int_equal(victim(&f, &p), 32);
        add_rule(&p, POLICY_IGNORE, "uid:0");
        assert_int_equal(select_best(&f.s, &p, &ctx, &c), SCORE_NO_CANDIDATE);
        policy_done(&p);

        /* uid prefer; an Ignore later in the list still wins over an earlier Prefer */
        policy_init(&p);
        add_rule(&p, POLICY_PREFER, "uid:0");
        assert_int_equal(victim(&f, &p), 32);
        add_rule(&p, POLICY_IGNORE, "sshd");
        assert_int_equal(victim(&f, &p), 30);
        policy_done(&p);

        /* the first matching Prefer/Avoid decides */
        policy_init(&p);
        add_rule(&p, POLICY_AVOID, "^java$");
        add_rule(&p, POLICY_PREFER, "exe:java");
        assert_int_equal(score_evaluate(&f.s, 0, &p, &ctx, &c), 0);
        assert_int_equal(c.match, SCORE_MATCH_AVOID);
        assert_int_equal(c.rule, 0);
        policy_done(&p);
}

static void test_adj_clamp(void **state)
{
        struct fake f;
        struct policy p;
        struct candidate c;

        fake_init(&f);
        add(&f, 40, "low", 4000, -900);
        add(&f, 41, "high", 4000, 900);
        policy_init(&p);
        add_rule(&p, POLICY_AVOID, "low");
        add_rule(&p, POLICY_PREFER, "high");
        /* avoid never makes a process unkillable: -900 - 300 clamps to -999 */
        assert_int_equal(score_evaluate(&f.s, 0, &p, &ctx, &c), 0);
        assert_int_equal(c.score, 1000 - 999 * SCALE);
        assert_int_equal(c.badness, 1000 - 900 * SCALE);
        /* prefer stops at +1000 */
        assert_int_equal(score_evaluate(&f.s, 1, &p, &ctx, &c), 0);
        assert_int_equal(c.score, 1000 + 1000 * SCALE);
        policy_done(&p);
}

static void test_xattrs(void **state)
{
        struct fake f;
        struct policy p;
        struct candidate c;

        fake_init(&f);
        add(&f, 50, "big", 800000, 0)->flags = PROC_OMIT_XATTR;
        add(&f, 51, "mid", 400000, 0)->flags = PROC_AVOID_XATTR;
        add(&f, 52, "small", 1000, 0);
        policy_init(&p);
        /* mid: 100000 - 300 * 1280 < 0 < small: 250 */
        assert_int_equal(victim(&f, &p), 52);
        assert_int_equal(score_evaluate(&f.s, 1, &p, &ctx, &c), 0);
        assert_int_equal(c.match, SCORE_MATCH_XATTR_AVOID);
        assert_int_equal(score_evaluate(&f.s, 0, &p, &ctx, &c), SCORE_IGNORED);
        assert_int_equal(c.match, SCORE_MATCH_XATTR_OMIT);
        assert_int_equal(c.rule, -1);
        /* a rule that matches beats the xattr avoid */
        add_rule(&p, POLICY_PREFER, "mid");
        assert_int_equal(score_evaluate(&f.s, 1, &p, &ctx, &c), 0);
        assert_int_equal(c.match, SCORE_MATCH_PREFER);
        /* xattrs off: the flags mean nothing */
        p.honor_xattrs = false;
        policy_clear_action(&p, POLICY_PREFER);
        assert_int_equal(victim(&f, &p), 50);
        policy_done(&p);
}

static void test_scope_totalpages(void **state)
{
        struct cgroup_memory m = {.max = 400ULL << 20, .swap_max = CGROUP_LIMIT_MAX};
        struct score_ctx sc = {.page_size = 4096};
        struct fake f;
        struct candidate c;

        /* 400 MiB = 102400 pages, no swap on the system */
        assert_int_equal(score_scope_total_pages(&m, 0, TOTAL, 4096), 102400);
        /* swap allowed up to the system's */
        assert_int_equal(score_scope_total_pages(&m, 1000, TOTAL, 4096), 103400);
        m.swap_max = 4096 * 10;
        assert_int_equal(score_scope_total_pages(&m, 1000, TOTAL, 4096), 102410);
        m.max = CGROUP_LIMIT_MAX;
        assert_int_equal(score_scope_total_pages(&m, 1000, TOTAL, 4096), TOTAL);
        assert_int_equal(score_scope_total_pages(NULL, 0, TOTAL, 4096), TOTAL);
        m.max = 0;
        m.swap_max = 0;
        assert_int_equal(score_scope_total_pages(&m, 0, TOTAL, 4096), 1);

        /* in a 400 MiB cgroup adj 100 is worth 10240 pages, not 128000 */
        fake_init(&f);
        add(&f, 60, "a", 100000, 100); /* 25000 + 10200 */
        add(&f, 61, "b", 160000, 0); /* 40000 */
        sc.total_pages = 102400;
        assert_int_equal(select_best(&f.s, NULL, &sc, &c), 0);
        assert_int_equal(f.procs[c.idx].pid, 61);
        assert_int_equal(c.badness, 40000);
        /* system-wide the same adj wins */
        assert_int_equal(victim(&f, NULL), 60);
}

static void test_rank(void **state)
{
        struct fake f;
        struct policy p;
        struct candidate out[16];
        size_t n;

        fake_init(&f);
        for (int i = 0; i < 12; i++)
                add(&f, 100 + i, "p", (uint64_t)((i * 7) % 12) * 1000, 0);
        add(&f, 200, "ignored", 900000, 0);
        policy_init(&p);
        add_rule(&p, POLICY_IGNORE, "^ignored$");
        n = select_rank(&f.s, &p, &ctx, false, out, ELEMENTSOF(out));
        assert_int_equal(n, 12);
        for (size_t i = 1; i < n; i++)
                assert_true(select_better(&f.s, &out[i - 1], &out[i]));
        /* a limit keeps the best ones */
        n = select_rank(&f.s, &p, &ctx, false, out, 3);
        assert_int_equal(n, 3);
        assert_int_equal(f.procs[out[0].idx].rss_kb, 11000);
        assert_int_equal(f.procs[out[2].idx].rss_kb, 9000);
        /* --all lists the ignored one, by its badness */
        n = select_rank(&f.s, &p, &ctx, true, out, 3);
        assert_int_equal(f.procs[out[0].idx].pid, 200);
        assert_int_equal(out[0].match, SCORE_MATCH_IGNORE);
        policy_done(&p);
}

/*
 * Every badness the kernel can show (adj -999..1000 over 0..totalpages of memory) lies at or
 * under the bound of its oom_score, and for totalpages >= 1000 each bound is the largest
 * badness that shows that score: the inversion is exact, any margin is on top.
 */
static void test_badness_bound(void **state)
{
        static const uint64_t totals[] = {1, 7, 999, 1000, 1001, 4096, 65537, TOTAL, 6291456 + 12345};
        static int64_t top[2001];

        for (size_t k = 0; k < ELEMENTSOF(totals); k++) {
                int64_t t = (int64_t)totals[k], lo = -999 * (t / 1000), hi = 2 * t;

                for (size_t i = 0; i < ELEMENTSOF(top); i++)
                        top[i] = INT64_MIN;
                for (int64_t b = lo; b <= hi; b++) {
                        unsigned s = score_oom_score(b, (uint64_t)t);

                        if (s > 2000)
                                fail_msg("t %" PRId64 " b %" PRId64 ": oom_score %u", t, b, s);
                        if (s == 0)
                                continue;
                        if (score_badness_bound(s, (uint64_t)t) < b)
                                fail_msg("t %" PRId64 " b %" PRId64 ": bound of %u is %" PRId64, t, b, s,
                                         score_badness_bound(s, (uint64_t)t));
                        if (b > top[s])
                                top[s] = b;
                }
                /* the top score continues above 2t, where the loop stops */
                for (unsigned s = 1; t >= 1000 && s < score_oom_score(hi, (uint64_t)t); s++)
                        if (top[s] != INT64_MIN)
                                assert_int_equal(score_badness_bound(s, (uint64_t)t), top[s]);
        }
        /* t 1000: badness 3 shows (1000 + 3) * 2 / 3 = 668, so 668 cannot mean "below 3" */
        assert_int_equal(score_oom_score(3, 1000), 668);
        assert_int_equal(score_badness_bound(668, 1000), 3);
        assert_int_equal(score_badness_bound(667, 1000), 1);
        /* 0 is also what unkillable, mm-less and vfork tasks show: no bound */
        assert_true(score_badness_bound(0, TOTAL) == INT64_MAX);
        assert_true(score_badness_bound(UINT32_MAX, UINT64_MAX / 2) == INT64_MAX);
}

static void test_policy_max_raise(void **state)
{
        struct policy p;

        assert_int_equal(score_policy_max_raise(NULL, TOTAL), 0);
        policy_init(&p);
        assert_int_equal(score_policy_max_raise(&p, TOTAL), 0);
        add_rule(&p, POLICY_AVOID, "java");
        add_rule(&p, POLICY_IGNORE, "sshd");
        assert_int_equal(score_policy_max_raise(&p, TOTAL), 0);
        add_rule(&p, POLICY_PREFER, "chrome");
        assert_int_equal(score_policy_max_raise(&p, TOTAL), 300 * SCALE);
        p.prefer_adjust = 1000;
        assert_int_equal(score_policy_max_raise(&p, TOTAL), 1000 * SCALE);
        p.prefer_adjust = 0;
        assert_int_equal(score_policy_max_raise(&p, TOTAL), 0);
        policy_done(&p);
}

static void test_fixture(void **state)
{
        _cleanup_(closep) int fd = open(FIXTURES_DIR "/proc-basic", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct snapshot_opts opts = {.self = 111};
        struct snapshot s = {};
        struct score_ctx sc = {};
        struct candidate c, out[16];
        struct policy p;
        size_t n;

        assert_true(fd >= 0);
        policy_init(&p);
        assert_int_equal(snapshot_take(fd, &opts, &s), 0);
        sc.total_pages = s.total_pages;
        assert_int_equal(select_best(&s, &p, &sc, &c), 0);
        assert_int_equal(s.procs[c.idx].pid, 109); /* chrome: 37500 + 75 + 300 * 1280 */
        assert_int_equal(c.badness, 421575);
        n = select_rank(&s, &p, &sc, false, out, ELEMENTSOF(out));
        /* 100, 101, 102, 103, 108, 109, 110 */
        assert_int_equal(n, 7);
        assert_int_equal(s.procs[out[1].idx].pid, 108);
        assert_int_equal(out[1].badness, 75000 + 1000 + 200);
        assert_int_equal(s.procs[out[2].idx].pid, 101);
        /* 102 and 103 tie on score and rss: the newer 103 first */
        assert_int_equal(s.procs[out[5].idx].pid, 103);
        assert_int_equal(s.procs[out[6].idx].pid, 102);

        add_rule(&p, POLICY_AVOID, "chrome");
        assert_int_equal(select_best(&s, &p, &sc, &c), 0);
        assert_int_equal(s.procs[c.idx].pid, 108);
        policy_done(&p);
        snapshot_done(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_badness),
                cmocka_unit_test(test_exclusions),
                cmocka_unit_test(test_kernel_order),
                cmocka_unit_test(test_ties),
                cmocka_unit_test(test_rules),
                cmocka_unit_test(test_adj_clamp),
                cmocka_unit_test(test_xattrs),
                cmocka_unit_test(test_scope_totalpages),
                cmocka_unit_test(test_rank),
                cmocka_unit_test(test_fixture),
                cmocka_unit_test(test_badness_bound),
                cmocka_unit_test(test_policy_max_raise),
                cmocka_unit_test(test_kernel_unscored),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
