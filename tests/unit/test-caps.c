/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-caps.c - capability masks of status, formatting, and caps_setup() run for real in a child process */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "caps.h"
#include "procfs.h"
#include "util.h"

static const char status[] = "Name:\tcat\n"
                             "Umask:\t0022\n"
                             "Tgid:\t42\n"
                             "Uid:\t0\t0\t0\t0\n"
                             "CapInh:\t0000000000000000\n"
                             "CapPrm:\t000001fffeffffff\n"
                             "CapEff:\t000001FFFEFFFFFF\n"
                             "CapBnd:\t000001fffeffffff\n"
                             "CapAmb:\t0000000000000000\n"
                             "NoNewPrivs:\t0\n";

/* The capability masks come from procfs's one status parser. */
static void test_parse_status(void **state)
{
        struct proc_status st = {.cap_eff = 42};

        assert_int_equal(proc_status_parse(status, &st), 0);
        assert_true(st.has_caps);
        assert_int_equal(st.cap_eff, UINT64_C(0x1fffeffffff));
        assert_false(st.cap_eff & CAPS_BIT(CAP_SYS_RESOURCE)); /* this lab's machine: bit 24 clear */
        assert_int_equal(st.cap_inh, 0);
        assert_int_equal(st.cap_bnd, UINT64_C(0x1fffeffffff));
        /* "CapFoo:" and "Cap:" are no masks: not read */
        assert_int_equal(proc_status_parse("Tgid:\t1\nUid:\t0\nCapFoo:\tzz\nCap:\t1\n", &st), 0);
        assert_false(st.has_caps);
        st.cap_eff = 42;
        assert_int_equal(proc_status_parse("Tgid:\t1\nUid:\t0\nCapEff:\tzz\n", &st), -EINVAL);
        assert_int_equal(proc_status_parse("Tgid:\t1\nUid:\t0\nCapEff:\t00000000000000001\n", &st), -EINVAL);
        assert_int_equal(proc_status_parse("Tgid:\t1\nUid:\t0\nCapEff:\n", &st), -EINVAL);
        assert_int_equal(st.cap_eff, 42);
        assert_int_equal(proc_status_parse("Tgid:\t1\nUid:\t0\nCapEff:\t20", &st), 0);
        assert_int_equal(st.cap_eff, CAPS_BIT(CAP_KILL));
}

static void test_format(void **state)
{
        char buf[256];

        assert_string_equal(caps_format(buf, sizeof(buf), 0), "none");
        assert_string_equal(
                caps_format(buf, sizeof(buf), CAPS_WANTED),
                "cap_dac_override cap_kill cap_ipc_lock cap_sys_ptrace cap_sys_nice cap_sys_resource");
        assert_string_equal(caps_format(buf, sizeof(buf), CAPS_BIT(40) | CAPS_BIT(63)),
                            "cap_checkpoint_restore 63");
        assert_string_equal(caps_format(buf, 20, CAPS_WANTED), "cap_dac_override");
}

static void test_costs(void **state)
{
        for (int cap = 0; cap < 64; cap++)
                if (CAPS_WANTED & CAPS_BIT(cap))
                        assert_non_null(caps_cost(cap));
                else
                        assert_null(caps_cost(cap));
        assert_non_null(strstr(caps_cost(CAP_SYS_RESOURCE), "2s"));
}

/* In a child: caps_setup() changes the process for good. */
static void test_setup(void **state)
{
        char path[] = "/tmp/test-caps-oom-XXXXXX";
        uint64_t before;
        int fd, status_code;
        pid_t pid;

        assert_int_equal(caps_read_effective("/proc", 0, &before), 0);
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "0\n", 2), 2);
        close(fd);

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct caps_setup_args args = {
                        .keep = CAPS_WANTED,
                        .mlock = true,
                        .drop_bounding = true,
                        .oom_score_adj_path = path,
                };
                struct caps_report rep;
                char buf[4096];
                struct proc_status st;
                int proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                int r;

                r = caps_setup(&args, &rep);
                if (r < 0)
                        _exit(10);
                if (rep.held != before || rep.missing != (CAPS_WANTED & ~before))
                        _exit(11);
                if (rep.kept != (CAPS_WANTED & before) || rep.drop_error != 0)
                        _exit(12);
                if (read_file_at(AT_FDCWD, "/proc/self/status", buf, sizeof(buf)) < 0 ||
                    proc_read_status(proc_fd, getpid(), &st) < 0 || !st.has_caps)
                        _exit(13);
                if (st.cap_eff != rep.kept || st.cap_inh != 0 || !strstr(buf, "NoNewPrivs:\t1"))
                        _exit(14);
                /* With CAP_SETPCAP the bounding set shrinks to what we keep; without, -EPERM. */
                if (before & CAPS_BIT(CAP_SETPCAP)
                            ? rep.bounding_error != 0 || (st.cap_bnd & ~CAPS_WANTED) != 0
                            : rep.bounding_error != -EPERM)
                        _exit(15);
                /* A plain file stands in for /proc/self/oom_score_adj: the write must land. */
                if (rep.oom_score_adj_error != 0 || rep.oom_score_adj != CAPS_OOM_SCORE_ADJ)
                        _exit(16);
                /* mlockall may only fail for want of CAP_IPC_LOCK (RLIMIT_MEMLOCK) */
                if (rep.mlock_error != 0 && (before & CAPS_BIT(CAP_IPC_LOCK)))
                        _exit(17);
                if (rep.mlock_error == 0 &&
                    (read_file_at(AT_FDCWD, "/proc/self/status", buf, sizeof(buf)) < 0 ||
                     !strstr(buf, "VmLck:")))
                        _exit(18);
                /* the real file: without CAP_SYS_RESOURCE lowering is refused with EACCES */
                args = (struct caps_setup_args){.keep = CAPS_WANTED,
                                                .oom_score_adj_path = "/proc/self/oom_score_adj"};
                r = caps_setup(&args, &rep);
                if (r < 0)
                        _exit(19);
                if (before & CAPS_BIT(CAP_SYS_RESOURCE) ? rep.oom_score_adj != CAPS_OOM_SCORE_ADJ
                                                        : rep.oom_score_adj_error != -EACCES || r != 1)
                        _exit(20);
                _exit(0);
        }
        assert_int_equal(waitpid(pid, &status_code, 0), pid);
        unlink(path);
        assert_true(WIFEXITED(status_code));
        assert_int_equal(WEXITSTATUS(status_code), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_status),
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_costs),
                cmocka_unit_test(test_setup),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
