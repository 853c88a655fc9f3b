/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-select.c - select_ranked() against the full scan (snapshot_take() + select_best()) on fixtures */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "select.h"
#include "util.h"

/* The fixture's reapd, excluded as "self". */
#define FIXTURE_SELF 111

static int open_fixture(void)
{
        int fd = open(FIXTURES_DIR "/proc-basic", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        assert_true(fd >= 0);
        return fd;
}

static int open_select(const char *scenario)
{
        char path[256];
        int fd;

        snprintf(path, sizeof(path), FIXTURES_DIR "/proc-select/%s", scenario);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

static void add_rule(struct policy *p, enum policy_action a, const char *spec)
{
        char err[256];

        assert_int_equal(policy_add_rule(p, a, spec, err, sizeof(err)), 0);
}

/*
 * select_ranked() into @fast must give what the full scan gives, candidate for candidate;
 * returns the victim's pid, or 0 for SCORE_NO_CANDIDATE.
 */
static pid_t same_victim(int fd, struct snapshot_opts *opts, const struct policy *p,
                         const struct score_ctx *ctx, struct selector *fast)
{
        struct snapshot full = {};
        struct candidate a, b;
        pid_t pid = 0;
        int r;

        opts->fields = p ? p->fields_used : 0;
        assert_int_equal(snapshot_take(fd, opts, &full), 0);
        r = select_best(
                &full, p,
                ctx ? ctx
                    : &(struct score_ctx){.total_pages = full.total_pages, .page_size = full.page_size},
                &a);
        assert_int_equal(select_ranked(fast, fd, opts, p, ctx, &b), r);
        if (r == 0) {
                pid = full.procs[a.idx].pid;
                assert_int_equal(fast->snapshot.procs[b.idx].pid, pid);
                assert_int_equal(b.badness, a.badness);
                assert_int_equal(b.score, a.score);
                assert_int_equal(b.match, a.match);
                assert_int_equal(b.rule, a.rule);
        } else
                assert_int_equal(r, SCORE_NO_CANDIDATE);
        assert_int_equal(fast->snapshot.n_seen, full.n_seen);
        assert_true(fast->snapshot.n_read <= full.n_procs);
        assert_int_equal(fast->partial, fast->snapshot.n_read < full.n_procs);
        snapshot_done(&full);
        return pid;
}

/* The highest oom_scores belong to PID 1, self, an ignored hog, exiting tasks; 0 hides big ones. */
static void test_select_excluded(void **state)
{
        _cleanup_(closep) int fd = open_select("excluded");
        struct snapshot_opts opts = {.self = 300};
        struct selector sel = {};
        struct policy p;

        policy_init(&p);
        assert_int_equal(same_victim(fd, &opts, &p, NULL, &sel), 301);
        /* the fillers' oom_scores are far below: never read */
        assert_true(sel.partial);
        assert_int_equal(sel.snapshot.n_seen, 31);
        assert_null(snapshot_find(&sel.snapshot, 339));
        /* read, and all but 301 passed over: init, PID 2 and 10, self, the exiting and zombie
         * ones, and the oom_scores of 0 or none; 303 is below 301's bound. Only the victim is kept. */
        assert_int_equal(sel.snapshot.n_read, 10);
        assert_int_equal(sel.snapshot.n_procs, 1);
        assert_int_equal(sel.snapshot.procs[0].pid, 301);

        /* oom_score 0 (a vfork child's) is no bound: 306 is read first and wins */
        add_rule(&p, POLICY_IGNORE, "^hog-ignored$");
        assert_int_equal(same_victim(fd, &opts, &p, NULL, &sel), 306);
        /* no oom_score file: read as well */
        add_rule(&p, POLICY_IGNORE, "^vforked$");
        assert_int_equal(same_victim(fd, &opts, &p, NULL, &sel), 307);
        add_rule(&p, POLICY_IGNORE, "^noscore$");
        assert_int_equal(same_victim(fd, &opts, &p, NULL, &sel), 303);
        assert_true(sel.partial);
        add_rule(&p, POLICY_IGNORE, "^worker$");
        assert_int_equal(same_victim(fd, &opts, &p, NULL, &sel), 339);
        add_rule(&p, POLICY_IGNORE, "^filler$");
        assert_int_equal(same_victim(fd, &opts, &p, NULL, &sel), 0);
        assert_false(sel.partial);
        policy_done(&p);

        /* self elsewhere: the fixture's reapd is a candidate, and init still is not */
        opts.self = 99999;
        assert_int_equal(same_victim(fd, &opts, NULL, NULL, &sel), 300);
        select_done(&sel);
}

/*
 * 401..403 show one oom_score: 401 and 403 tie exactly but for 403's later start, 402 is
 * smaller. 404 is the largest but its oom_score is a point low (per-CPU counters lagging).
 */
static void test_select_ties(void **state)
{
        _cleanup_(closep) int fd = open_select("ties");
        struct snapshot_opts opts = {.self = 99999};
        struct selector sel = {};
        struct policy p;

        assert_int_equal(same_victim(fd, &opts, NULL, NULL, &sel), 404);
        assert_true(sel.partial);
        assert_null(snapshot_find(&sel.snapshot, 429));
        /* every process that shares the best oom_score is read (401..403), with 404 and the two
         * without an oom_score */
        assert_int_equal(sel.snapshot.n_read, 6);

        opts.self = 404;
        assert_int_equal(same_victim(fd, &opts, NULL, NULL, &sel), 403);
        policy_init(&p);
        add_rule(&p, POLICY_IGNORE, "^t403$");
        assert_int_equal(same_victim(fd, &opts, &p, NULL, &sel), 401);
        policy_done(&p);
        select_done(&sel);
}

/* Prefer lifts a process from far down the oom_score order; Avoid sinks the top ones. */
static void test_select_rules(void **state)
{
        _cleanup_(closep) int fd = open_select("rules");
        struct snapshot_opts opts = {.self = 99999};
        struct selector sel = {};
        struct policy p;

        /* chrome: 50000 + 300 * 1280 pages */
        assert_int_equal(same_victim(fd, &opts, NULL, NULL, &sel), 504);
        policy_init(&p);
        add_rule(&p, POLICY_AVOID, "cmdline:^/usr/bin/java ");
        add_rule(&p, POLICY_AVOID, "^chrome$");
        assert_int_equal(same_victim(fd, &opts, &p, NULL, &sel), 502);
        assert_true(sel.partial);
        /* the arena keeps the cmdline of each best so far (chrome, then big), not of the others
         * read (java's, 0 and missing ones): "" + "chrome" + "big" */
        assert_int_equal(sel.snapshot.n_read, 5);
        assert_string_equal(snapshot_str(&sel.snapshot, sel.snapshot.procs[0].cmdline), "big");
        assert_int_equal(sel.snapshot.strings_len, 1 + 7 + 4);
        policy_done(&p);

        /* prefer-me, 10000 + 384000, under java's 400000 */
        policy_init(&p);
        add_rule(&p, POLICY_PREFER, "^prefer-me$");
        add_rule(&p, POLICY_AVOID, "^chrome$");
        assert_int_equal(same_victim(fd, &opts, &p, NULL, &sel), 503);
        /* and with java avoided it wins from the bottom of the oom_score order */
        add_rule(&p, POLICY_AVOID, "exe:/jvm/");
        assert_int_equal(same_victim(fd, &opts, &p, NULL, &sel), 501);
        /* a Prefer rule that matches nothing still raises every bound: correct, only slower */
        policy_done(&p);
        policy_init(&p);
        add_rule(&p, POLICY_PREFER, "^nothing$");
        assert_int_equal(same_victim(fd, &opts, &p, NULL, &sel), 504);
        policy_done(&p);
        select_done(&sel);
}

/* Without oom_score files (proc-basic), for a cgroup scope or another totalpages: the full scan. */
static void test_select_fallback(void **state)
{
        _cleanup_(closep) int fd = open_fixture();
        struct snapshot_opts opts = {.self = FIXTURE_SELF};
        struct score_ctx ctx = {.total_pages = 1000000, .page_size = 4096};
        struct selector sel = {};
        struct policy p;

        assert_int_equal(same_victim(fd, &opts, NULL, NULL, &sel), 109);
        assert_false(sel.partial);
        assert_int_equal(sel.snapshot.n_read, 15);
        policy_init(&p);
        add_rule(&p, POLICY_AVOID, "chrome");
        add_rule(&p, POLICY_PREFER, "cgroup:session-1");
        assert_int_equal(same_victim(fd, &opts, &p, NULL, &sel), 101);
        policy_done(&p);

        opts.cgroup = "/system.slice/";
        assert_int_equal(same_victim(fd, &opts, NULL, NULL, &sel), 108);
        assert_int_equal(sel.snapshot.n_procs, 4);
        opts.cgroup = NULL;

        /* a scope's own totalpages: /proc oom_score says nothing about it */
        close(fd);
        fd = open_select("ties");
        assert_int_equal(same_victim(fd, &opts, NULL, &ctx, &sel), 404);
        assert_false(sel.partial);
        select_done(&sel);
}

static void test_select_reuse(void **state)
{
        _cleanup_(closep) int fd = open_select("excluded");
        struct snapshot_opts opts = {.self = 300};
        struct selector sel = {};
        struct candidate c;
        struct proc_info *procs;
        uint64_t *ranks;

        assert_int_equal(select_ranked(&sel, fd, &opts, NULL, NULL, &c), 0);
        procs = sel.snapshot.procs;
        ranks = sel.ranks;
        for (int i = 0; i < 5; i++) {
                assert_int_equal(select_ranked(&sel, fd, &opts, NULL, NULL, &c), 0);
                assert_ptr_equal(sel.snapshot.procs, procs);
                assert_ptr_equal(sel.ranks, ranks);
                assert_int_equal(sel.snapshot.n_seen, 31);
                /* pass 1 keeps every process; pass 2 reads the few that can win */
                assert_int_equal(sel.n_ranks, 31);
                assert_int_equal(sel.snapshot.n_read, 10);
                assert_int_equal(sel.snapshot.procs[c.idx].pid, 301);
        }
        select_done(&sel);
        assert_null(sel.ranks);
        /* an unreadable root leaves an empty snapshot, as snapshot_take() */
        close(fd);
        fd = open(FIXTURES_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(select_ranked(&sel, fd, NULL, NULL, NULL, &c), -ENOENT);
        assert_int_equal(sel.snapshot.n_procs, 0);
        select_done(&sel);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_select_excluded), cmocka_unit_test(test_select_ties),
                cmocka_unit_test(test_select_rules),    cmocka_unit_test(test_select_fallback),
                cmocka_unit_test(test_select_reuse),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
