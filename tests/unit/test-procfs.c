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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"
#include "unit-files.h"

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
        assert_int_equal(st.vsize, 10485760);
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

/* A real-looking stat line: pgid 4242, starttime 987654 (field 22). */
#define KILL_STAT_TAIL                                                                                      \
        "S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 12345678 300 18446744073709551615"

/* What the kill path's identity check takes from stat: pgid and start time, whatever the comm. */
static void test_stat_identity(void **state)
{
        struct proc_stat st = {.pgid = 1, .starttime = 1};

        assert_int_equal(proc_stat_parse("123 (cat) " KILL_STAT_TAIL "\n", &st), 0);
        assert_int_equal(st.pgid, 4242);
        assert_int_equal(st.starttime, 987654);

        /* A hostile comm with ") " and digits must not shift the fields. */
        st = (struct proc_stat){.pgid = 1, .starttime = 1};
        assert_int_equal(proc_stat_parse("123 (foo) Z 9 9 9) " KILL_STAT_TAIL, &st), 0);
        assert_int_equal(st.pgid, 4242);
        assert_int_equal(st.starttime, 987654);

        /* Truncated or garbage: -EINVAL, out-params untouched. */
        st = (struct proc_stat){.pgid = 7, .starttime = 7};
        assert_int_equal(proc_stat_parse("123 (cat) S 1 4242", &st), -EINVAL);
        assert_int_equal(proc_stat_parse("no paren here", &st), -EINVAL);
        assert_int_equal(proc_stat_parse("1 (x) S 1 abc", &st), -EINVAL);
        assert_int_equal(proc_stat_parse(NULL, &st), -EINVAL);
        assert_int_equal(st.pgid, 7);
        assert_int_equal(st.starttime, 7);

        assert_int_equal(proc_stat_parse("1 (x) " KILL_STAT_TAIL, &st), 0);
}

/* The real uid is the first number of the first "Uid:" line, and only of a line that starts so. */
static void test_status_uid(void **state)
{
        struct proc_status st = {.uid = 5};

        assert_int_equal(
                proc_status_parse("Name:\tcat\nUmask:\t0022\nTgid:\t1\nUid:\t1000\t0\t0\t0\nGid:\t0\n", &st),
                0);
        assert_int_equal(st.uid, 1000);
        assert_int_equal(proc_status_parse("Tgid:\t1\nUid:\t0\t0\t0\t0\n", &st), 0);
        assert_int_equal(st.uid, 0);
        st.uid = 5;
        assert_int_equal(proc_status_parse("Name:\tcat\nTgid:\t1\nGid:\t0\n", &st), -EINVAL);
        assert_int_equal(proc_status_parse("Name:\tUid:\t7\nTgid:\t1\n", &st), -EINVAL);
        assert_int_equal(proc_status_parse("Tgid:\t1\nUid:\tx\n", &st), -EINVAL);
        assert_int_equal(st.uid, 5);
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
        /* what a kill may not give back: shared memory, mlocked, HugeTLB (not part of VmRSS) */
        assert_int_equal(st.shmem_kb, 10);
        assert_int_equal(st.locked_kb + st.hugetlb_kb, 0);
        assert_int_equal(
                proc_status_parse("Tgid:\t1\nUid:\t0\nVmLck:\t  4 kB\nHugetlbPages:\t 2048 kB\n", &st), 0);
        assert_true(st.locked_kb == 4 && st.hugetlb_kb == 2048);

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

        assert_int_equal(proc_cgroup_parse("12:memory:/a\n1:name=systemd:/a\n0::/user.slice/x.scope\n", out,
                                           sizeof(out), NULL, 0),
                         0);
        assert_string_equal(out, "/user.slice/x.scope");
        assert_int_equal(proc_cgroup_parse("0::/\n", out, sizeof(out), NULL, 0), 0);
        assert_string_equal(out, "/");
        /* no cgroup2 line: "" */
        assert_int_equal(proc_cgroup_parse("12:memory:/a\n", out, sizeof(out), NULL, 0), 0);
        assert_string_equal(out, "");
        strcpy(out, "keep");
        assert_int_equal(
                proc_cgroup_parse("0::/a/very/long/path/that/does/not/fit/into/this/small/buffer/at/all\n",
                                  out, 16, NULL, 0),
                -ENAMETOOLONG);
        assert_string_equal(out, "keep");
        assert_int_equal(proc_cgroup_parse("0::/a", out, 0, NULL, 0), -EINVAL);
}

/* the v2 and v1 memory lines of a hybrid host's file, and what is garbage */
static void test_cgroup_fixtures(void **state)
{
        char v2[PATH_MAX] = "x", v1[PATH_MAX] = "x", small[4] = "x";

        assert_int_equal(
                proc_cgroup_parse(unit_fixture("cgroup-proc-hybrid"), v2, sizeof(v2), v1, sizeof(v1)), 0);
        assert_string_equal(v2, "/t1/sub");
        assert_string_equal(v1, "/t1/sub");

        assert_int_equal(proc_cgroup_parse(unit_fixture("cgroup-proc-v2"), v2, sizeof(v2), v1, sizeof(v1)),
                         0);
        assert_string_equal(v2, "/user.slice/user-1000.slice/session-2.scope");
        assert_string_equal(v1, "");

        /* memory co-mounted with cpu; a path containing ':'. Only one buffer asked for. */
        assert_int_equal(proc_cgroup_parse(unit_fixture("cgroup-proc-combined"), NULL, 0, v1, sizeof(v1)),
                         0);
        assert_string_equal(v1, "/a:b");

        strcpy(v2, "keep");
        assert_int_equal(
                proc_cgroup_parse(unit_fixture("cgroup-proc-garbage"), v2, sizeof(v2), v1, sizeof(v1)),
                -EINVAL);
        assert_int_equal(proc_cgroup_parse(unit_fixture("cgroup-proc-relative"), v2, sizeof(v2), NULL, 0),
                         -EINVAL);
        assert_int_equal(proc_cgroup_parse("0:/x\n", v2, sizeof(v2), NULL, 0), -EINVAL);
        assert_int_equal(proc_cgroup_parse(":memory:/x\n", v2, sizeof(v2), NULL, 0), -EINVAL);
        assert_int_equal(proc_cgroup_parse("0::\n", v2, sizeof(v2), NULL, 0), -EINVAL);
        assert_string_equal(v2, "keep");
        assert_int_equal(proc_cgroup_parse("0::/abcd\n", small, sizeof(small), NULL, 0), -ENAMETOOLONG);
        assert_string_equal(small, "x");

        assert_int_equal(proc_cgroup_parse("", v2, sizeof(v2), v1, sizeof(v1)), 0);
        assert_string_equal(v2, "");
        assert_string_equal(v1, "");
}

static void test_oom_score(void **state)
{
        _cleanup_(closep) int fd =
                open(FIXTURES_DIR "/proc-select/excluded", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        unsigned v = 7;

        assert_true(fd >= 0);
        assert_int_equal(proc_read_oom_score(fd, 301, &v), 0);
        assert_int_equal(v, 926);
        assert_int_equal(proc_read_oom_score(fd, 302, &v), 0);
        assert_int_equal(v, 0);
        v = 7;
        assert_int_equal(proc_read_oom_score(fd, 307, &v), -ENOENT);
        assert_int_equal(proc_read_oom_score(fd, 12345, &v), -ENOENT);
        assert_int_equal(v, 7);
        assert_int_equal(proc_oom_score_parse(" 1333\n", &v), 0);
        assert_int_equal(v, 1333);
        assert_int_equal(proc_oom_score_parse("-1\n", &v), -EINVAL);
        assert_int_equal(proc_oom_score_parse("12x\n", &v), -EINVAL);
        assert_int_equal(proc_oom_score_parse("", &v), -EINVAL);
        assert_int_equal(proc_oom_score_parse("99999999999\n", &v), -ERANGE);
        assert_int_equal(v, 1333);
}

/* A temporary proc root with one process, 4242: its files are written by put(). */
struct tmp_proc {
        char dir[64];
        int fd;
};

static void tmp_proc_init(struct tmp_proc *t)
{
        strcpy(t->dir, "/tmp/reapd-test-procfs-XXXXXX");
        assert_non_null(mkdtemp(t->dir));
        t->fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(t->fd >= 0);
        assert_int_equal(mkdirat(t->fd, "4242", 0755), 0);
}

static void put(struct tmp_proc *t, const char *file, const char *content, size_t len)
{
        char path[64];
        int fd;

        snprintf(path, sizeof(path), "4242/%s", file);
        fd = openat(t->fd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, len), (ssize_t)len);
        close(fd);
}

static void tmp_proc_done(struct tmp_proc *t)
{
        char cmd[128];

        close(t->fd);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
        assert_int_equal(system(cmd), 0);
}

/* The status of a task whose owner is in @groups supplementary groups: VmRSS after the Groups: line. */
static char *long_status(unsigned groups)
{
        size_t size = 1024 + (size_t)groups * 8, n;
        char *buf = malloc(size);

        assert_non_null(buf);
        n = (size_t)snprintf(buf, size,
                             "Name:\tbig\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\n"
                             "PPid:\t1\nUid:\t1000\t1000\t1000\t1000\nGroups:\t");
        for (unsigned g = 0; g < groups; g++)
                n += (size_t)snprintf(buf + n, size - n, "%u ", 100000 + g);
        snprintf(buf + n, size - n,
                 "\nVmRSS:\t  123456 kB\nRssAnon:\t  100000 kB\nVmPTE:\t 512 kB\n"
                 "VmSwap:\t 64 kB\nShdPnd:\t0000000000000100\nCapEff:\t000001fffeffffff\n");
        return buf;
}

static void assert_long_status(const struct proc_status *st)
{
        assert_int_equal(st->tgid, 4242);
        assert_int_equal(st->uid, 1000);
        assert_true(st->has_mm);
        assert_int_equal(st->rss_kb, 123456);
        assert_int_equal(st->pgtables_kb, 512);
        assert_int_equal(st->swap_kb, 64);
        assert_true(st->sigkill_pending);
        assert_true(st->has_caps);
        assert_int_equal(st->cap_eff, 0x000001fffeffffffULL);
}

/* Far longer than any fixed buffer reapd had: read whole, not taken for a kernel thread. */
static void test_status_long(void **state)
{
        _cleanup_(freep) char *text = long_status(6000);
        struct proc_status st = {};
        struct tmp_proc t;
        size_t len = strlen(text);

        assert_true(len > 6 * 4096);
        /* the pure parser over the whole text */
        assert_int_equal(proc_status_parse(text, &st), 0);
        assert_long_status(&st);
        /* the reader, streaming a real file */
        tmp_proc_init(&t);
        put(&t, "status", text, len);
        st = (struct proc_status){};
        assert_int_equal(proc_read_status(t.fd, 4242, &st), 0);
        assert_long_status(&st);
        tmp_proc_done(&t);
        /* and the streaming parser fed in pieces of every awkward size */
        for (size_t piece = 1; piece < 5000; piece = piece * 3 + 1) {
                struct proc_status_parser p;

                proc_status_parser_init(&p);
                for (size_t off = 0; off < len; off += piece)
                        assert_int_equal(proc_status_parser_feed(&p, text + off, MIN(piece, len - off)), 0);
                st = (struct proc_status){};
                assert_int_equal(proc_status_parser_finish(&p, &st), 0);
                assert_long_status(&st);
        }
}

/* A line reapd needs that is longer than any the kernel writes is an error, never a wrong number. */
static void test_status_overlong(void **state)
{
        char buf[1024];
        struct proc_status st = {.uid = 9};
        int n;

        n = snprintf(buf, sizeof(buf), "Tgid:\t1\nUid:\t0\nVmRSS:");
        memset(buf + n, ' ', PROC_STATUS_LINE_MAX);
        snprintf(buf + n + PROC_STATUS_LINE_MAX, sizeof(buf) - (size_t)n - PROC_STATUS_LINE_MAX, "5 kB\n");
        assert_int_equal(proc_status_parse(buf, &st), -EINVAL);
        assert_int_equal(st.uid, 9);
        /* one that reapd does not need is skipped, however long */
        n = snprintf(buf, sizeof(buf), "Tgid:\t1\nUid:\t0\nName:");
        memset(buf + n, 'x', 600);
        snprintf(buf + n + 600, sizeof(buf) - (size_t)n - 600, "\nVmRSS:\t5 kB\n");
        assert_int_equal(proc_status_parse(buf, &st), 0);
        assert_int_equal(st.rss_kb, 5);
        /* capability masks: hex, at most 16 digits */
        assert_int_equal(proc_status_parse("Tgid:\t1\nUid:\t0\nCapEff:\tzz\n", &st), -EINVAL);
        assert_int_equal(proc_status_parse("Tgid:\t1\nUid:\t0\nCapEff:\t00000000000000001\n", &st), -EINVAL);
        assert_int_equal(proc_status_parse("Tgid:\t1\nUid:\t0\nCapEff:\t20", &st), 0);
        assert_int_equal(st.cap_eff, 0x20);
}

/* The other files: too long is an error (stat) or said (cmdline); empty is an exiting task. */
static void test_readers_whole(void **state)
{
        char big[3000], buf[16], cg[PATH_MAX];
        _cleanup_(freep) char *text = NULL;
        struct proc_status status;
        struct proc_stat st;
        struct tmp_proc t;
        bool truncated = true;
        size_t n = 0;

        tmp_proc_init(&t);
        memset(big, '1', sizeof(big));
        memcpy(big, "4242 (x) S", 10);
        put(&t, "stat", big, sizeof(big));
        assert_int_equal(proc_read_stat(t.fd, 4242, &st), -EFBIG);
        put(&t, "status", "", 0);
        assert_int_equal(proc_read_status(t.fd, 4242, &status), -ESRCH);

        put(&t, "cmdline", "abc\0def\0", 8);
        assert_int_equal(proc_read_cmdline(t.fd, 4242, buf, sizeof(buf), &truncated), 7);
        assert_false(truncated);
        put(&t, "cmdline", "0123456789abcdef", 15);
        assert_int_equal(proc_read_cmdline(t.fd, 4242, buf, sizeof(buf), &truncated), 15);
        assert_false(truncated);
        put(&t, "cmdline", "0123456789abcdefgh", 18);
        assert_int_equal(proc_read_cmdline(t.fd, 4242, buf, sizeof(buf), &truncated), 15);
        assert_true(truncated);
        assert_string_equal(buf, "0123456789abcde");

        /* a cgroup file of many hierarchies and deep paths: longer than one read */
        text = malloc(64 * 1024);
        assert_non_null(text);
        for (int h = 12; h > 0; h--) {
                n += (size_t)sprintf(text + n, "%d:%s:/", h, h == 4 ? "memory" : "cpu");
                for (int d = 0; d < 60; d++)
                        n += (size_t)sprintf(text + n, "level-%02d.slice/", d);
                n += (size_t)sprintf(text + n, "leaf-%d\n", h);
        }
        n += (size_t)sprintf(text + n, "0::/user.slice/deep.scope\n");
        assert_true(n > 2 * 4096);
        put(&t, "cgroup", text, n);
        assert_int_equal(proc_read_cgroup(t.fd, 4242, cg, sizeof(cg), buf, sizeof(buf)), -ENAMETOOLONG);
        assert_int_equal(proc_read_cgroup(t.fd, 4242, cg, sizeof(cg), NULL, 0), 0);
        assert_string_equal(cg, "/user.slice/deep.scope");
        assert_int_equal(proc_read_cgroup(t.fd, 4242, NULL, 0, cg, sizeof(cg)), 0);
        assert_true(strncmp(cg, "/level-00.slice/", 16) == 0);
        assert_true(strlen(cg) > 900);
        tmp_proc_done(&t);
}

/* A stat line of task @tid in state @state with task flags @flags. */
static void put_task_stat(struct tmp_proc *t, pid_t tid, char state, unsigned flags)
{
        char path[64], line[256];
        int n;

        snprintf(path, sizeof(path), "task/%d/stat", (int)tid);
        n = snprintf(line, sizeof(line),
                     "%d (x) %c 1 4242 4242 0 -1 %u 0 0 0 0 0 0 0 0 20 0 2 0 123456 10485760 2500 0 0 0 0 0 "
                     "0 0 0 "
                     "0 0 0 0 0 0 17 0 0 0 0 0 0\n",
                     (int)tid, state, flags);
        put(t, path, line, (size_t)n);
}

/* A leader that exited while other threads run on: find_lock_task_mm() from the thread list. */
static void test_live_thread(void **state)
{
        static const char thread_status[] =
                "Name:\tx\nState:\tS (sleeping)\nTgid:\t4242\nPid:\t4244\nPPid:\t1\n"
                "Uid:\t7\t7\t7\t7\nVmRSS:\t  700000 kB\nVmPTE:\t 1400 kB\n";
        _cleanup_(closep) int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct proc_status status;
        struct proc_stat st;
        struct tmp_proc t;
        pid_t tid = 0;

        tmp_proc_init(&t);
        /* no thread list: gone, or a proc root without one */
        assert_int_equal(proc_find_live_thread(t.fd, 4242, &tid), -ENOENT);
        assert_int_equal(mkdirat(t.fd, "4242/task", 0755), 0);
        assert_int_equal(proc_find_live_thread(t.fd, 4242, &tid), -ESRCH);
        /* a zombie leader and a thread on its way out: a process exiting whole */
        assert_int_equal(mkdirat(t.fd, "4242/task/4242", 0755), 0);
        assert_int_equal(mkdirat(t.fd, "4242/task/4243", 0755), 0);
        put_task_stat(&t, 4242, 'Z', 0x00400144);
        put_task_stat(&t, 4243, 'R', 0x00400144);
        assert_int_equal(proc_find_live_thread(t.fd, 4242, &tid), -ESRCH);
        assert_int_equal(tid, 0);
        /* a thread that runs on holds the memory: its status shows it */
        assert_int_equal(mkdirat(t.fd, "4242/task/4244", 0755), 0);
        put_task_stat(&t, 4244, 'S', 0x00400040);
        put(&t, "task/4244/status", thread_status, strlen(thread_status));
        assert_int_equal(proc_find_live_thread(t.fd, 4242, &tid), 0);
        assert_int_equal(tid, 4244);
        assert_int_equal(proc_read_task_stat(t.fd, 4242, 4244, &st), 0);
        assert_int_equal(st.pid, 4244);
        assert_int_equal(st.state, 'S');
        assert_int_equal(proc_read_task_status(t.fd, 4242, 4244, &status), 0);
        assert_true(status.has_mm);
        assert_int_equal(status.rss_kb, 700000);
        assert_int_equal(status.uid, 7);
        assert_int_equal(proc_read_task_status(t.fd, 4242, 4243, &status), -ENOENT);
        tmp_proc_done(&t);

        /* the real thread list: this process's leader is alive, and listed first */
        assert_true(proc >= 0);
        assert_int_equal(proc_find_live_thread(proc, getpid(), &tid), 0);
        assert_int_equal(tid, getpid());
        assert_int_equal(proc_read_task_status(proc, getpid(), getpid(), &status), 0);
        assert_true(status.has_mm);
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
        assert_int_equal(proc_read_cmdline(fd, 108, buf, sizeof(buf), NULL), 37);
        assert_string_equal(buf, "/usr/bin/java -Xmx4g -cp app.jar Main");
        assert_true(proc_read_exe(fd, 108, buf, sizeof(buf)) > 0);
        assert_string_equal(buf, "/usr/lib/jvm/bin/java");
        assert_int_equal(proc_read_cgroup(fd, 108, buf, sizeof(buf), NULL, 0), 0);
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
                cmocka_unit_test(test_stat_identity),
                cmocka_unit_test(test_status_uid),
                cmocka_unit_test(test_status),
                cmocka_unit_test(test_status_sigkill_pending),
                cmocka_unit_test(test_status_garbage),
                cmocka_unit_test(test_adj),
                cmocka_unit_test(test_cmdline),
                cmocka_unit_test(test_cgroup),
                cmocka_unit_test(test_cgroup_fixtures),
                cmocka_unit_test(test_oom_score),
                cmocka_unit_test(test_readers),
                cmocka_unit_test(test_status_long),
                cmocka_unit_test(test_status_overlong),
                cmocka_unit_test(test_readers_whole),
                cmocka_unit_test(test_live_thread),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
