/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-snapshot.c - walking a fixture proc tree: flags, skips, optional strings, cgroup scope, reuse */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "procfs.h"
#include "select.h"
#include "snapshot.h"
#include "util.h"
#include "unit-files.h"

/* The fixture's reapd, excluded as "self". */
#define FIXTURE_SELF 111

static int open_fixture(void)
{
        int fd = open(FIXTURES_DIR "/proc-basic", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        assert_true(fd >= 0);
        return fd;
}

static const struct proc_info *get(const struct snapshot *s, pid_t pid)
{
        const struct proc_info *p = snapshot_find(s, pid);

        assert_non_null(p);
        return p;
}

static void test_basic(void **state)
{
        _cleanup_(closep) int fd = open_fixture();
        struct snapshot_opts opts = {.self = FIXTURE_SELF};
        struct snapshot s = {};
        const struct proc_info *p;

        assert_int_equal(snapshot_take(fd, &opts, &s), 0);
        assert_int_equal(s.total_pages, 1280000);
        assert_int_equal(s.swap_pages, 256000);
        /* 16 pid dirs, 106 (no status) and 107 (empty) vanished mid-scan */
        assert_int_equal(s.n_procs, 15);
        assert_null(snapshot_find(&s, 106));
        assert_null(snapshot_find(&s, 107));

        assert_int_equal(get(&s, 1)->flags, PROC_INIT);
        assert_int_equal(get(&s, 2)->flags, PROC_KTHREAD);
        assert_int_equal(get(&s, 10)->flags, PROC_KTHREAD);
        assert_int_equal(get(&s, 11)->flags, PROC_KTHREAD); /* child of kthreadd */
        assert_int_equal(get(&s, 104)->flags, PROC_EXITING);
        assert_int_equal(get(&s, 104)->state, 'Z');
        assert_int_equal(get(&s, 111)->flags, PROC_SELF);
        assert_int_equal(get(&s, 112)->flags, PROC_EXITING);
        assert_int_equal(get(&s, 105)->oom_score_adj, -1000);

        p = get(&s, 101);
        assert_string_equal(p->comm, "foo) Z ");
        assert_int_equal(p->flags, 0);
        assert_int_equal(p->ppid, 100);
        assert_int_equal(p->pgid, 101);
        assert_int_equal(p->uid, 1000);
        assert_int_equal(p->rss_kb, 200000);
        assert_int_equal(p->pgtables_kb, 400);
        assert_int_equal(p->starttime, 5100);
        assert_string_equal(get(&s, 102)->comm, "a\nb");
        assert_string_equal(get(&s, 103)->comm, "abcdefghijklmno");

        p = get(&s, 108);
        assert_int_equal(p->uid, 998);
        assert_int_equal(p->swap_kb, 4000);
        /* strings were not asked for */
        assert_string_equal(snapshot_str(&s, p->cmdline), "");
        assert_string_equal(snapshot_str(&s, p->exe), "");
        assert_string_equal(snapshot_str(&s, p->cgroup), "");
        /* RssAnon + RssFile + RssShmem when VmRSS is missing */
        assert_int_equal(get(&s, 110)->rss_kb, 8000);
        assert_int_equal(get(&s, 109)->oom_score_adj, 300);
        snapshot_done(&s);
}

static void test_fields(void **state)
{
        _cleanup_(closep) int fd = open_fixture();
        struct snapshot_opts opts = {
                .self = FIXTURE_SELF,
                .fields = POLICY_FIELD_BIT(POLICY_FIELD_CMDLINE) | POLICY_FIELD_BIT(POLICY_FIELD_EXE) |
                          POLICY_FIELD_BIT(POLICY_FIELD_CGROUP),
        };
        struct snapshot s = {};
        const struct proc_info *p, *q;

        assert_int_equal(snapshot_take(fd, &opts, &s), 0);
        p = get(&s, 108);
        assert_string_equal(snapshot_str(&s, p->cmdline), "/usr/bin/java -Xmx4g -cp app.jar Main");
        assert_string_equal(snapshot_str(&s, p->exe), "/usr/lib/jvm/bin/java");
        assert_string_equal(snapshot_str(&s, p->cgroup), "/system.slice/app.service");
        /* one string per distinct cgroup */
        p = get(&s, 101);
        q = get(&s, 102);
        assert_int_equal(p->cgroup, q->cgroup);
        assert_string_equal(snapshot_str(&s, p->cgroup), "/user.slice/user-1000.slice/session-1.scope");
        /* 102 has no exe link in the fixture */
        assert_string_equal(snapshot_str(&s, q->exe), "");
        snapshot_done(&s);
}

static void test_scope(void **state)
{
        _cleanup_(closep) int fd = open_fixture();
        struct snapshot_opts opts = {.self = FIXTURE_SELF, .cgroup = "/system.slice/"};
        struct snapshot s = {};

        assert_int_equal(snapshot_take(fd, &opts, &s), 0);
        /* 105 precious, 108 app, 110 ssh, 111 reapd */
        assert_int_equal(s.n_procs, 4);
        assert_non_null(snapshot_find(&s, 105));
        assert_non_null(snapshot_find(&s, 108));
        assert_non_null(snapshot_find(&s, 110));
        assert_non_null(snapshot_find(&s, 111));

        opts.cgroup = "/user.slice/user-1000.slice/app-chrome.scope";
        assert_int_equal(snapshot_take(fd, &opts, &s), 0);
        assert_int_equal(s.n_procs, 1);
        assert_int_equal(s.procs[0].pid, 109);

        /* a sibling with a common prefix is not inside */
        opts.cgroup = "/system.slice/app";
        assert_int_equal(snapshot_take(fd, &opts, &s), 0);
        assert_int_equal(s.n_procs, 0);
        snapshot_done(&s);
}

/* Writes @text to @root/@dir/cgroup.procs, creating @dir. */
static void fake_cgroup(const char *root, const char *dir, const char *text)
{
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s", root, dir);
        assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
        snprintf(path, sizeof(path), "%s/%s/cgroup.procs", root, dir);
        unit_write_file(path, text);
}

/* With the cgroup2 root known, a scope is listed from its cgroup.procs tree, not all of /proc. */
static void test_scope_cgroup_procs(void **state)
{
        _cleanup_(closep) int fd = open_fixture();
        char root[] = "/tmp/reapd-test-cgroups-XXXXXX", cmd[PATH_MAX + 16];
        struct snapshot_opts opts = {.self = FIXTURE_SELF, .cgroup = "/system.slice"};
        struct snapshot s = {};

        assert_non_null(mkdtemp(root));
        opts.cgroup_root = root;
        fake_cgroup(root, "system.slice", "");
        fake_cgroup(root, "system.slice/precious.service", "105\n");
        fake_cgroup(root, "system.slice/app.service", "108\n");
        /* 109 moved to app-chrome.scope after the listing: its /proc cgroup says so, it is left out */
        fake_cgroup(root, "system.slice/ssh.service", "110\n109\n");
        /* garbage and a pid past pid_max are skipped, a vanished pid (999) too */
        fake_cgroup(root, "system.slice/reapd.service", "111\n99999999999\nx\n999\n");

        assert_int_equal(snapshot_take(fd, &opts, &s), 0);
        assert_int_equal(s.n_procs, 4);
        assert_non_null(snapshot_find(&s, 105));
        assert_non_null(snapshot_find(&s, 108));
        assert_non_null(snapshot_find(&s, 110));
        assert_non_null(snapshot_find(&s, 111));
        assert_null(snapshot_find(&s, 109));
        assert_int_equal(s.n_seen, 6); /* 105 108 110 109 111 999 */

        /* a scope that does not exist holds nobody */
        opts.cgroup = "/gone.slice";
        assert_int_equal(snapshot_take(fd, &opts, &s), 0);
        assert_int_equal(s.n_procs, 0);
        snapshot_done(&s);

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        assert_int_equal(system(cmd), 0);
}

/* In a PID namespace PID 2 is an ordinary process: neither it nor its children are kernel threads. */
static void test_pidns(void **state)
{
        _cleanup_(closep) int fd = open(FIXTURES_DIR "/proc-pidns", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct snapshot_opts opts = {.self = 999};
        struct snapshot s = {};
        struct candidate c;

        assert_true(fd >= 0);
        assert_int_equal(snapshot_take(fd, &opts, &s), 0);
        assert_false(s.kthreadd);
        assert_int_equal(s.n_procs, 3);
        assert_int_equal(snapshot_find(&s, 1)->flags, PROC_INIT);
        assert_int_equal(snapshot_find(&s, 2)->flags, 0);
        assert_int_equal(snapshot_find(&s, 3)->flags, 0);
        assert_int_equal(select_best(&s, NULL, &(struct score_ctx){.total_pages = s.total_pages}, &c), 0);
        assert_int_equal(s.procs[c.idx].pid, 3); /* equal twins: the larger pid */
        snapshot_done(&s);
}

static void test_reuse(void **state)
{
        _cleanup_(closep) int fd = open_fixture();
        struct snapshot_opts opts = {.self = FIXTURE_SELF, .fields = POLICY_FIELD_BIT(POLICY_FIELD_CMDLINE)};
        struct snapshot s = {};
        struct proc_info *procs;
        char *strings;
        size_t n, len;

        assert_int_equal(snapshot_take(fd, &opts, &s), 0);
        procs = s.procs;
        strings = s.strings;
        n = s.n_procs;
        len = s.strings_len;
        for (int i = 0; i < 5; i++) {
                assert_int_equal(snapshot_take(fd, &opts, &s), 0);
                /* same storage, same content: nothing grew */
                assert_ptr_equal(s.procs, procs);
                assert_ptr_equal(s.strings, strings);
                assert_int_equal(s.n_procs, n);
                assert_int_equal(s.strings_len, len);
        }
        snapshot_done(&s);
        assert_null(s.procs);
        snapshot_done(&s); /* twice is fine */
}

static void test_bad_root(void **state)
{
        _cleanup_(closep) int fd = open(FIXTURES_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct snapshot s = {};
        uint64_t t = 9;

        /* the fixtures directory itself has no meminfo */
        assert_true(fd >= 0);
        assert_int_equal(snapshot_take(fd, NULL, &s), -ENOENT);
        assert_int_equal(s.n_procs, 0);
        assert_int_equal(snapshot_read_totalpages(fd, &t, NULL), -ENOENT);
        assert_int_equal(t, 9);
        snapshot_done(&s);
}

static void test_live(void **state)
{
        _cleanup_(closep) int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct snapshot_opts opts = {.fields = POLICY_FIELD_BIT(POLICY_FIELD_CGROUP)};
        struct snapshot s = {};
        const struct proc_info *me;

        assert_true(fd >= 0);
        assert_int_equal(snapshot_take(fd, &opts, &s), 0);
        assert_true(s.n_procs > 1);
        me = snapshot_find(&s, getpid());
        assert_non_null(me);
        assert_int_equal(me->flags & PROC_SELF, PROC_SELF);
        assert_non_null(snapshot_find(&s, 1));
        assert_int_equal(snapshot_find(&s, 1)->flags & PROC_INIT, PROC_INIT);
        snapshot_done(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_basic),    cmocka_unit_test(test_fields),
                cmocka_unit_test(test_scope),    cmocka_unit_test(test_scope_cgroup_procs),
                cmocka_unit_test(test_pidns),    cmocka_unit_test(test_reuse),
                cmocka_unit_test(test_bad_root), cmocka_unit_test(test_live),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
