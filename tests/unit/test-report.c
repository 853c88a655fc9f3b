/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-report.c - the kill record carries every documented field */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "report.h"

static const struct kill_report sample = {
        .pid = 4242,
        .uid = 1000,
        .comm = "hog) Z x",
        .cgroup = "/reapd-test/a",
        .starttime = 123456,
        .badness = 262144,
        .oom_score_adj = 200,
        .rss_kb = 1048576,
        .swap_kb = 4,
        .pgtables_kb = 2056,
        .kill_unit = "process",
        .n_killed = 1,
        .trigger = "memory",
        .pressure_some_avg10 = 1234,
        .mem_available_kb = 51200,
        .result = "killed",
        .kill_usec = 180,
        .release_usec = 95000,
        .exit_usec = 0,
        .released_kb = 1040000,
        .released_by_mrelease = true,
        .n_released = 1,
        .release_threads = 1,
};

static void test_fields(void **state)
{
        static const char *const required[] = {
                "MESSAGE",
                "MESSAGE_ID",
                "PRIORITY",
                "VICTIM_PID",
                "VICTIM_COMM",
                "VICTIM_UID",
                "VICTIM_CGROUP",
                "BADNESS",
                "OOM_SCORE_ADJ",
                "RSS_KB",
                "SWAP_KB",
                "TRIGGER",
                "PRESSURE_SOME_AVG10",
                "MEM_AVAILABLE_KB",
                "KILL_USEC",
                "RELEASE_USEC",
                "RELEASED_KB",
                "DRY_RUN",
                "SYSLOG_IDENTIFIER",
                "KILL_UNIT",
        };
        static struct report_fields f;

        report_kill_fields(&sample, &f);
        for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
                assert_non_null(report_field_get(&f, required[i]));
        assert_string_equal(report_field_get(&f, "MESSAGE_ID"), REPORT_MESSAGE_ID_KILL);
        assert_string_equal(report_field_get(&f, "VICTIM_PID"), "4242");
        assert_string_equal(report_field_get(&f, "VICTIM_COMM"), "hog) Z x");
        assert_string_equal(report_field_get(&f, "VICTIM_CGROUP"), "/reapd-test/a");
        assert_string_equal(report_field_get(&f, "BADNESS"), "262144");
        assert_string_equal(report_field_get(&f, "TRIGGER"), "memory");
        assert_string_equal(report_field_get(&f, "PRESSURE_SOME_AVG10"), "12.34");
        assert_string_equal(report_field_get(&f, "RELEASE_USEC"), "95000");
        assert_string_equal(report_field_get(&f, "RELEASED_KB"), "1040000");
        assert_string_equal(report_field_get(&f, "RELEASED_BY"), "process_mrelease");
        assert_string_equal(report_field_get(&f, "RELEASED_COUNT"), "1");
        assert_string_equal(report_field_get(&f, "RELEASE_THREADS"), "1");
        assert_string_equal(report_field_get(&f, "DRY_RUN"), "0");
        assert_null(report_field_get(&f, "ERRNO"));
        assert_null(report_field_get(&f, "VICTIM"));
        for (size_t i = 0; i < f.n; i++)
                assert_int_equal(f.iov[i].iov_len, strlen(f.buf[i]));
        assert_non_null(strstr(report_field_get(&f, "MESSAGE"), "Killed process 4242 (hog) Z x)"));
        assert_non_null(strstr(report_field_get(&f, "MESSAGE"), "via process_mrelease"));
}

/* "back in" runs to the later of release and exit; the message names both when they differ. */
static void test_back_split(void **state)
{
        struct kill_report r = sample;
        char msg[1024];

        r.exit_usec = 96000; /* 1 ms after the release: one figure */
        report_kill_message(&r, msg, sizeof(msg));
        assert_non_null(strstr(msg, "back in 96.180 ms via process_mrelease."));
        r.exit_usec = 988000; /* a victim starved of CPU finishing its exit */
        r.release_usec = 150000;
        report_kill_message(&r, msg, sizeof(msg));
        assert_non_null(strstr(msg, "back in 988.180 ms via process_mrelease (the release took 150.000 ms, "
                                    "the exit 988.000 ms after the signal)."));
        r.released_by_mrelease = false; /* the exit freed it: no release to name */
        report_kill_message(&r, msg, sizeof(msg));
        assert_non_null(strstr(msg, "back in 988.180 ms."));
}

/* A group or cgroup kill says how, and what became of its members; a process kill only how. */
static void test_unit_members(void **state)
{
        struct kill_report r = sample;
        struct report_fields f;

        r.kill_method = "pidfd";
        r.n_alive = -1;
        report_kill_fields(&r, &f);
        assert_string_equal(report_field_get(&f, "KILL_METHOD"), "pidfd");
        assert_null(report_field_get(&f, "MEMBERS_ALIVE"));
        assert_null(strstr(report_field_get(&f, "MESSAGE"), "signalled by"));

        r.kill_unit = "process-group";
        r.kill_method = "cgroup.kill";
        r.n_killed = 5000;
        r.n_failed = 2;
        r.n_protected = 1;
        r.n_unreleased = 4552;
        r.n_alive = 0;
        r.truncated = true;
        report_kill_fields(&r, &f);
        assert_string_equal(report_field_get(&f, "KILL_METHOD"), "cgroup.kill");
        assert_string_equal(report_field_get(&f, "KILLED_COUNT"), "5000");
        assert_string_equal(report_field_get(&f, "MEMBERS_FAILED"), "2");
        assert_string_equal(report_field_get(&f, "MEMBERS_PROTECTED"), "1");
        assert_string_equal(report_field_get(&f, "MEMBERS_UNRELEASED"), "4552");
        assert_string_equal(report_field_get(&f, "MEMBERS_ALIVE"), "0");
        assert_string_equal(report_field_get(&f, "MEMBERS_TRUNCATED"), "1");
        assert_non_null(
                strstr(report_field_get(&f, "MESSAGE"),
                       "5000 processes signalled by cgroup.kill, 2 could not be, 1 spared (oom_score_adj "
                       "-1000), 0 alive at the end, not all listed"));

        /* not known: no MEMBERS_ALIVE, nothing said of it */
        r.n_alive = -1;
        report_kill_fields(&r, &f);
        assert_null(report_field_get(&f, "MEMBERS_ALIVE"));
        assert_null(strstr(report_field_get(&f, "MESSAGE"), "alive"));
}

static void test_dry_run_and_error(void **state)
{
        static struct report_fields f;
        struct kill_report r = sample;

        r.dry_run = true;
        r.result = NULL;
        report_kill_fields(&r, &f);
        assert_string_equal(report_field_get(&f, "DRY_RUN"), "1");
        assert_string_equal(report_field_get(&f, "RESULT"), "dry-run");
        assert_non_null(strstr(report_field_get(&f, "MESSAGE"), "Would kill"));

        r = sample;
        r.result = "failed";
        r.error = -1; /* EPERM, either sign */
        report_kill_fields(&r, &f);
        assert_string_equal(report_field_get(&f, "ERRNO"), "1");

        /* the processes sharing the victim's mm, and why some could not be looked for */
        assert_string_equal(report_field_get(&f, "MM_SHARERS_KILLED"), "0");
        assert_null(report_field_get(&f, "MM_SHARERS_ERRNO"));
        r.n_mm_sharers = 1;
        r.mm_sharers_error = -38;
        report_kill_fields(&r, &f);
        assert_string_equal(report_field_get(&f, "MM_SHARERS_KILLED"), "1");
        assert_string_equal(report_field_get(&f, "MM_SHARERS_ERRNO"), "38");
}

/* A rehearsal's record must not pass for a kill: its own MESSAGE_ID, debug priority, REHEARSAL=1. */
static void test_rehearsal(void **state)
{
        static struct report_fields f;
        struct kill_report r = sample;

        report_kill_fields(&r, &f);
        assert_null(report_field_get(&f, "REHEARSAL"));
        assert_string_equal(report_field_get(&f, "PRIORITY"), "4");

        r.rehearsal = true;
        r.comm = "reapd-rehearse";
        r.trigger = "rehearsal";
        report_kill_fields(&r, &f);
        assert_string_equal(report_field_get(&f, "MESSAGE_ID"), REPORT_MESSAGE_ID_REHEARSAL);
        assert_string_not_equal(REPORT_MESSAGE_ID_REHEARSAL, REPORT_MESSAGE_ID_KILL);
        assert_string_equal(report_field_get(&f, "PRIORITY"), "7");
        assert_string_equal(report_field_get(&f, "REHEARSAL"), "1");
        assert_string_equal(report_field_get(&f, "TRIGGER"), "rehearsal");
        assert_null(strstr(report_field_get(&f, "MESSAGE"), "Killed"));
        assert_non_null(strstr(report_field_get(&f, "MESSAGE"), "rehearsed on reapd's own child 4242"));
}

/* reapd@NAME.service names itself in every record; reapd.service's records have no INSTANCE=. */
static void test_instance(void **state)
{
        static struct report_fields f;
        struct kill_report r = sample;

        report_kill_fields(&r, &f);
        assert_null(report_field_get(&f, "INSTANCE"));
        r.instance = "batch";
        report_kill_fields(&r, &f);
        assert_string_equal(report_field_get(&f, "INSTANCE"), "batch");
        r.dry_run = true;
        report_kill_fields(&r, &f);
        assert_string_equal(report_field_get(&f, "INSTANCE"), "batch");
}

static void test_truncation(void **state)
{
        static struct report_fields f;
        char longpath[2048];
        struct kill_report r = sample;

        memset(longpath, 'x', sizeof(longpath) - 1);
        longpath[sizeof(longpath) - 1] = '\0';
        r.cgroup = longpath;
        report_kill_fields(&r, &f);
        assert_true(strlen(report_field_get(&f, "VICTIM_CGROUP")) < REPORT_FIELD_SIZE);
        assert_string_equal(report_field_get(&f, "DRY_RUN"), "0");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fields),       cmocka_unit_test(test_dry_run_and_error),
                cmocka_unit_test(test_rehearsal),    cmocka_unit_test(test_instance),
                cmocka_unit_test(test_truncation),   cmocka_unit_test(test_back_split),
                cmocka_unit_test(test_unit_members),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
