/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-proc.c - /proc parsers on hostile input, and the readers on a fixture tree */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "proc.h"
#include "snapshot.h"
#include "util.h"

#define STAT_TAIL                                                                                           \
        " 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 123456 10485760 2500 18446744073709551615 0 0 0 0 0 0 0 0 " \
        "0 0 0 "                                                                                            \
        "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"

static void test_stat_basic(void **state)
{
        struct proc_stat st;

        assert_int_equal(proc_stat_parse("42 (bash) S 1 42 42" STAT_TAIL, &st), 0);
        assert_int_equal(st.pid, 42);
        assert_string_equal(st.comm, "bash");
        assert_int_equal(st.state, 'S');
        assert_int_equal(st.ppid, 1);
        assert_int_equal(st.pgid, 42);
        assert_int_equal(st.flags, 4194560);
        assert_int_equal(st.starttime, 123456);
        assert_int_equal(st.rss_pages, 2500);
}

static void test_stat_hostile_comm(void **state)
{
        struct proc_stat st;

        /* a name that looks like the end of comm plus a state */
        assert_int_equal(proc_stat_parse("7 (foo) Z ) R 3 7 7" STAT_TAIL, &st), 0);
        assert_string_equal(st.comm, "foo) Z ");
        assert_int_equal(st.state, 'R');
        assert_int_equal(st.ppid, 3);
        assert_int_equal(st.starttime, 123456);
        /* newline and parentheses inside */
        assert_int_equal(proc_stat_parse("8 (a\nb)(c) S 3 8 8" STAT_TAIL, &st), 0);
        assert_string_equal(st.comm, "a\nb)(c");
        assert_int_equal(st.state, 'S');
        /* longer than the kernel would ever give: cut at 15 bytes */
        assert_int_equal(proc_stat_parse("9 (abcdefghijklmnopqrst) S 3 9 9" STAT_TAIL, &st), 0);
        assert_string_equal(st.comm, "abcdefghijklmno");
        /* empty comm */
        assert_int_equal(proc_stat_parse("9 () S 3 9 9" STAT_TAIL, &st), 0);
        assert_string_equal(st.comm, "");
}

static void test_stat_garbage(void **state)
{
        struct proc_stat st = {.pid = 77};

        assert_int_equal(proc_stat_parse("", &st), -EINVAL);
        assert_int_equal(proc_stat_parse("42", &st), -EINVAL);
        assert_int_equal(proc_stat_parse("42 (bash", &st), -EINVAL);
        assert_int_equal(proc_stat_parse("42 bash) S 1", &st), -EINVAL);
        assert_int_equal(proc_stat_parse("42 (bash) S 1 42 42 0 -1 4194560\n", &st), -EINVAL);
        assert_int_equal(proc_stat_parse("42 (bash)", &st), -EINVAL);
        assert_int_equal(proc_stat_parse("42 (bash) ", &st), -EINVAL);
        assert_int_equal(proc_stat_parse("-3 (bash) S 1 42 42" STAT_TAIL, &st), -EINVAL);
        assert_int_equal(proc_stat_parse("x (bash) S 1 42 42" STAT_TAIL, &st), -EINVAL);
        assert_int_equal(proc_stat_parse("42 (bash) S x 42 42" STAT_TAIL, &st), -EINVAL);
        assert_int_equal(proc_stat_parse("99999999999 (bash) S 1 42 42" STAT_TAIL, &st), -EINVAL);
        assert_int_equal(
                proc_stat_parse(
                        "42 (a) S 1 1 1 0 -1 99999999999999999999999 0 0 0 0 0 0 0 0 0 0 0 0 1 1 1\n", &st),
                -EINVAL);
        assert_int_equal(proc_stat_parse(NULL, &st), -EINVAL);
        assert_int_equal(st.pid, 77); /* untouched */
}

static const char status_text[] = "Name:\tbash\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\nNgid:\t0\n"
                                  "Pid:\t42\nPPid:\t1\nTracerPid:\t0\nUid:\t1000\t1001\t1002\t1003\n"
                                  "Gid:\t0\t0\t0\t0\nVmPeak:\t  10000 kB\nVmRSS:\t    5000 kB\n"
                                  "RssAnon:\t    3000 kB\nRssFile:\t    1990 kB\nRssShmem:\t      10 kB\n"
                                  "VmPTE:\t      64 kB\nVmSwap:\t     128 kB\nThreads:\t1\n";

static void test_status(void **state)
{
        struct proc_status st;

        assert_int_equal(proc_status_parse(status_text, &st), 0);
        assert_int_equal(st.tgid, 42);
        assert_int_equal(st.ppid, 1);
        assert_int_equal(st.uid, 1000);
        assert_int_equal(st.state, 'S');
        assert_true(st.has_mm);
        assert_int_equal(st.rss_kb, 5000);
        assert_int_equal(st.swap_kb, 128);
        assert_int_equal(st.pgtables_kb, 64);

        /* kernel thread: no Vm lines */
        assert_int_equal(
                proc_status_parse("Name:\tkworker\nState:\tI (idle)\nTgid:\t9\nPPid:\t2\nUid:\t0\t0\t0\t0\n",
                                  &st),
                0);
        assert_false(st.has_mm);
        assert_int_equal(st.rss_kb, 0);
        assert_int_equal(st.ppid, 2);

        /* no VmRSS: the three Rss* lines add up */
        assert_int_equal(proc_status_parse("Tgid:\t5\nUid:\t7\t7\t7\t7\nRssAnon:\t 10 kB\nRssFile:\t 20 kB\n"
                                           "RssShmem:\t 4 kB\n",
                                           &st),
                         0);
        assert_true(st.has_mm);
        assert_int_equal(st.rss_kb, 34);
        assert_int_equal(st.uid, 7);
}

/* A pending SIGKILL (shared or per-thread) marks a task that is already dying. */
static void test_status_sigkill_pending(void **state)
{
        static const char base[] = "Name:\thog\nState:\tD (disk sleep)\nTgid:\t42\nPPid:\t1\n"
                                   "Uid:\t0\t0\t0\t0\nVmRSS:\t   0 kB\n";
        struct proc_status st;
        char buf[512];

        snprintf(buf, sizeof(buf), "%sSigPnd:\t0000000000000000\nShdPnd:\t0000000000000100\n", base);
        assert_int_equal(proc_status_parse(buf, &st), 0);
        assert_true(st.sigkill_pending);
        snprintf(buf, sizeof(buf), "%sSigPnd:\t0000000000000100\nShdPnd:\t0000000000000000\n", base);
        assert_int_equal(proc_status_parse(buf, &st), 0);
        assert_true(st.sigkill_pending);
        /* SIGTERM (bit 14: 0x4000) and SIGHUP (bit 0) pending are not SIGKILL */
        snprintf(buf, sizeof(buf), "%sSigPnd:\t0000000000004001\nShdPnd:\t00000000000000ff\n", base);
        assert_int_equal(proc_status_parse(buf, &st), 0);
        assert_false(st.sigkill_pending);
        snprintf(buf, sizeof(buf), "%sShdPnd:\t1\n", base);
        assert_int_equal(proc_status_parse(buf, &st), 0);
        assert_false(st.sigkill_pending);
}

static void test_status_garbage(void **state)
{
        struct proc_status st = {.tgid = 55};

        assert_int_equal(proc_status_parse("", &st), -EINVAL);
        assert_int_equal(proc_status_parse("Tgid:\t5\n", &st), -EINVAL); /* no Uid */
        assert_int_equal(proc_status_parse("Uid:\t0\n", &st), -EINVAL); /* no Tgid */
        assert_int_equal(proc_status_parse("Tgid:\tx\nUid:\t0\n", &st), -EINVAL);
        assert_int_equal(proc_status_parse("Tgid:\t1\nUid:\t-1\n", &st), -EINVAL);
        assert_int_equal(proc_status_parse("Tgid:\t1\nUid:\t0\nVmRSS:\tlots kB\n", &st), -EINVAL);
        assert_int_equal(proc_status_parse("Tgid:\t1\nUid:\t0\nVmRSS:\t99999999999999999999999 kB\n", &st),
                         -EINVAL);
        assert_int_equal(proc_status_parse("Tgid:\t1\nUid:\t0\nState:\t\n", &st), -EINVAL);
        assert_int_equal(st.tgid, 55);
        /* a Name line with escapes cannot inject lines (the kernel escapes \n) and is skipped */
        assert_int_equal(proc_status_parse("Name:\tUid:\\n\nTgid:\t1\nUid:\t3\n", &st), 0);
        assert_int_equal(st.uid, 3);
        /* no trailing newline, prefixes of keys do not count */
        assert_int_equal(proc_status_parse("Tgid:\t1\nUidx:\t9\nUid:\t4", &st), 0);
        assert_int_equal(st.uid, 4);
}

static void test_adj(void **state)
{
        int adj = 12;

        assert_int_equal(proc_oom_score_adj_parse("0\n", &adj), 0);
        assert_int_equal(adj, 0);
        assert_int_equal(proc_oom_score_adj_parse("-1000\n", &adj), 0);
        assert_int_equal(adj, -1000);
        assert_int_equal(proc_oom_score_adj_parse(" 1000 ", &adj), 0);
        assert_int_equal(adj, 1000);
        assert_int_equal(proc_oom_score_adj_parse("1001\n", &adj), -ERANGE);
        assert_int_equal(proc_oom_score_adj_parse("-1001", &adj), -ERANGE);
        assert_int_equal(proc_oom_score_adj_parse("", &adj), -EINVAL);
        assert_int_equal(proc_oom_score_adj_parse("5x", &adj), -EINVAL);
        assert_int_equal(proc_oom_score_adj_parse("-", &adj), -EINVAL);
        assert_int_equal(adj, 1000);
}

static void test_cmdline(void **state)
{
        char out[16];

        assert_int_equal(proc_cmdline_parse("a\0bc\0d\0", 7, out, sizeof(out)), 6);
        assert_string_equal(out, "a bc d");
        assert_int_equal(proc_cmdline_parse("", 0, out, sizeof(out)), 0);
        assert_string_equal(out, "");
        assert_int_equal(proc_cmdline_parse("\0\0\0", 3, out, sizeof(out)), 0);
        /* truncation keeps the terminator */
        assert_int_equal(proc_cmdline_parse("0123456789abcdefghij", 20, out, sizeof(out)), 15);
        assert_string_equal(out, "0123456789abcde");
        /* a program that rewrote its argv with spaces stays as it is */
        assert_int_equal(proc_cmdline_parse("nginx: worker", 13, out, sizeof(out)), 13);
        assert_int_equal(proc_cmdline_parse("x", 1, out, 0), 0);
        assert_int_equal(proc_cmdline_parse("xy", 2, out, 1), 0);
        assert_string_equal(out, "");
}

static void test_cgroup(void **state)
{
        char out[64] = "junk";

        assert_int_equal(proc_cgroup_parse_v2("12:memory:/a\n1:name=systemd:/a\n0::/user.slice/x.scope\n",
                                              out, sizeof(out)),
                         0);
        assert_string_equal(out, "/user.slice/x.scope");
        assert_int_equal(proc_cgroup_parse_v2("0::/\n", out, sizeof(out)), 0);
        assert_string_equal(out, "/");
        assert_int_equal(proc_cgroup_parse_v2("12:memory:/a\n", out, sizeof(out)), PROC_NO_CGROUP2);
        assert_string_equal(out, "");
        strcpy(out, "keep");
        assert_int_equal(
                proc_cgroup_parse_v2(
                        "0::/a/very/long/path/that/does/not/fit/into/this/small/buffer/at/all\n", out, 16),
                -ENAMETOOLONG);
        assert_string_equal(out, "keep");
        assert_int_equal(proc_cgroup_parse_v2("0::/a", out, 0), -EINVAL);
}

static void test_xattr_flags(void **state)
{
        assert_int_equal(proc_xattr_flags(0, NULL, NULL), 0);
        assert_int_equal(proc_xattr_flags(0, "1", NULL), PROC_AVOID_XATTR);
        assert_int_equal(proc_xattr_flags(0, NULL, "yes\n"), PROC_OMIT_XATTR);
        assert_int_equal(proc_xattr_flags(0, "true", "on"), PROC_AVOID_XATTR | PROC_OMIT_XATTR);
        assert_int_equal(proc_xattr_flags(0, "0", "no"), 0);
        assert_int_equal(proc_xattr_flags(0, "", "garbage-value"), 0);
        /* a delegated (non-root) cgroup cannot exempt itself */
        assert_int_equal(proc_xattr_flags(1000, "1", "1"), 0);
}

static void test_meminfo(void **state)
{
        uint64_t t = 5, swap = 6;

        assert_int_equal(
                proc_meminfo_totalpages_parse(
                        "MemTotal:  4096000 kB\nMemFree: 1 kB\nSwapTotal: 1024000 kB\n", 4096, &t, &swap),
                0);
        assert_int_equal(t, 1280000);
        assert_int_equal(swap, 256000);
        assert_int_equal(proc_meminfo_totalpages_parse("MemTotal:  8192 kB\n", 4096, &t, NULL), 0);
        assert_int_equal(t, 2048);
        assert_int_equal(proc_meminfo_totalpages_parse("SwapTotal: 1 kB\n", 4096, &t, NULL), -EINVAL);
        assert_int_equal(proc_meminfo_totalpages_parse("MemTotal: x kB\n", 4096, &t, NULL), -EINVAL);
        assert_int_equal(proc_meminfo_totalpages_parse("MemTotal: 4 kB\n", 0, &t, NULL), -EINVAL);
        assert_int_equal(t, 2048);
}

static void test_readers(void **state)
{
        _cleanup_(closep) int fd = open(FIXTURES_DIR "/proc-basic", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct proc_status status;
        struct proc_stat st;
        char buf[256];
        int adj;

        assert_true(fd >= 0);
        assert_int_equal(proc_read_stat(fd, 101, &st), 0);
        assert_string_equal(st.comm, "foo) Z ");
        assert_int_equal(proc_read_status(fd, 108, &status), 0);
        assert_int_equal(status.uid, 998);
        assert_int_equal(proc_read_oom_score_adj(fd, 109, &adj), 0);
        assert_int_equal(adj, 300);
        assert_int_equal(proc_read_cmdline(fd, 108, buf, sizeof(buf)), 37);
        assert_string_equal(buf, "/usr/bin/java -Xmx4g -cp app.jar Main");
        assert_true(proc_read_exe(fd, 108, buf, sizeof(buf)) > 0);
        assert_string_equal(buf, "/usr/lib/jvm/bin/java");
        assert_int_equal(proc_read_cgroup(fd, 108, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "/system.slice/app.service");
        /* vanished: missing files and missing pids */
        assert_int_equal(proc_read_status(fd, 106, &status), -ENOENT);
        assert_int_equal(proc_read_stat(fd, 107, &st), -ENOENT);
        assert_int_equal(proc_read_stat(fd, 4000000, &st), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_stat_basic),
                cmocka_unit_test(test_stat_hostile_comm),
                cmocka_unit_test(test_stat_garbage),
                cmocka_unit_test(test_status),
                cmocka_unit_test(test_status_sigkill_pending),
                cmocka_unit_test(test_status_garbage),
                cmocka_unit_test(test_adj),
                cmocka_unit_test(test_cmdline),
                cmocka_unit_test(test_cgroup),
                cmocka_unit_test(test_xattr_flags),
                cmocka_unit_test(test_meminfo),
                cmocka_unit_test(test_readers),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
