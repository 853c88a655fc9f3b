/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-pressure.c - PSI file parser, trigger formatting and 2s-window rounding */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>

#include "pressure.h"

static void test_parse_good(void **state)
{
        struct pressure p;

        assert_int_equal(pressure_read_at(AT_FDCWD, FIXTURES_DIR "/pressure-memory", &p), 0);
        assert_int_equal(p.some.avg10, 1234);
        assert_int_equal(p.some.avg60, 425);
        assert_int_equal(p.some.avg300, 206);
        assert_int_equal(p.some.total, 13676530);
        assert_true(p.have_full);
        assert_int_equal(p.full.avg10, 50);
        assert_int_equal(p.full.avg300, 10000);
        assert_true(p.full.total == UINT64_MAX);

        /* Old kernels (and cpu before 5.13) have no "full" line. */
        assert_int_equal(pressure_read_at(AT_FDCWD, FIXTURES_DIR "/pressure-cpu-old", &p), 0);
        assert_false(p.have_full);
        assert_int_equal(p.some.avg10, 523);
        assert_int_equal(p.full.total, 0);

        /* Keys in any order, one decimal, unknown keys ignored, full before some. */
        assert_int_equal(pressure_parse("full total=5 avg300=1 avg60=2 avg10=3\n"
                                        "some avg10=1.5 avg60=0 avg300=0.05 total=7 avg1=9.99",
                                        &p),
                         0);
        assert_int_equal(p.some.avg10, 150);
        assert_int_equal(p.some.avg60, 0);
        assert_int_equal(p.some.avg300, 5);
        assert_int_equal(p.some.total, 7);
        assert_int_equal(p.full.avg10, 300);
        assert_int_equal(p.full.total, 5);
}

static void test_parse_broken(void **state)
{
        static const char *const files[] = {
                "pressure-missing-key",  "pressure-no-some",        "pressure-bad-avg",
                "pressure-avg-over-100", "pressure-total-overflow", "pressure-empty",
        };
        struct pressure p = {.some.total = 42};
        char path[512];

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, files[i]);
                assert_int_equal(pressure_read_at(AT_FDCWD, path, &p), -EINVAL);
        }
        assert_int_equal(pressure_parse("some avg10=1.234 avg60=0 avg300=0 total=0\n", &p), -EINVAL);
        assert_int_equal(pressure_parse("some avg10=.5 avg60=0 avg300=0 total=0\n", &p), -EINVAL);
        assert_int_equal(pressure_parse("some avg10=1. avg60=0 avg300=0 total=0\n", &p), -EINVAL);
        assert_int_equal(pressure_parse("some avg10 avg60=0 avg300=0 total=0\n", &p), -EINVAL);
        assert_int_equal(pressure_parse("some avg10=1 avg60=0 avg300=0 total=-1\n", &p), -EINVAL);
        assert_int_equal(pressure_parse("some avg10=1 avg60=0 avg300=0 total=1x\n", &p), -EINVAL);
        assert_int_equal(pressure_parse("some avg10=0 avg60=0 avg300=0 total=0\n"
                                        "full avg10=0 avg60=0\n",
                                        &p),
                         -EINVAL);
        assert_int_equal(pressure_parse("some avg10=0 avg60=0 avg300=0 total=0\n"
                                        "some avg10=0 avg60=0 avg300=0 total=0\n",
                                        &p),
                         -EINVAL);
        assert_int_equal(pressure_read_at(AT_FDCWD, FIXTURES_DIR "/pressure-nope", &p), -ENOENT);
        assert_int_equal(p.some.total, 42);
}

static void test_format(void **state)
{
        struct psi_trigger t = {.level = PSI_FULL, .stall = 150000, .window = 2000000};
        char buf[64];

        assert_int_equal(psi_trigger_format(&t, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "full 150000 2000000");
        assert_int_equal(psi_trigger_format(&t, buf, 5), -ENOBUFS);
        t.level = 7;
        assert_int_equal(psi_trigger_format(&t, buf, sizeof(buf)), -EINVAL);
        assert_string_equal(psi_level_to_string(PSI_SOME), "some");
        assert_null(psi_level_to_string(_PSI_LEVEL_MAX));
}

static void check_round(usec_t stall, usec_t window, int want_r, usec_t want_stall, usec_t want_window)
{
        struct psi_trigger t = {.level = PSI_SOME, .stall = stall, .window = window}, r;

        assert_int_equal(psi_trigger_round(&t, &r), want_r);
        assert_int_equal(r.level, PSI_SOME);
        assert_int_equal(r.stall, want_stall);
        assert_int_equal(r.window, want_window);
}

static void test_round(void **state)
{
        struct psi_trigger t = {.level = PSI_SOME, .stall = 0, .window = 1000000}, r = {.stall = 42};

        /* 1s window: 15% stays 15% of 2s. */
        check_round(150000, 1000000, 1, 300000, 2000000);
        /* Already a multiple of 2s: unchanged. */
        check_round(150000, 2000000, 0, 150000, 2000000);
        check_round(1000000, 10000000, 0, 1000000, 10000000);
        /* 500ms minimum window -> 2s. */
        check_round(50000, 500000, 1, 200000, 2000000);
        /* 3s -> 4s, 5.5s -> 6s. */
        check_round(300000, 3000000, 1, 400000, 4000000);
        check_round(550000, 5500000, 1, 600000, 6000000);
        /* Above the kernel maximum: capped to 10s, same share. */
        check_round(6000000, 60000000, 1, 1000000, 10000000);
        /* Huge values do not overflow. */
        check_round(UINT64_MAX / 2, UINT64_MAX, 1, 4999999, 10000000);
        /* A stall above its window is clamped to the window. */
        check_round(3000000, 1000000, 1, 2000000, 2000000);
        /* A tiny stall stays at least 1us. */
        check_round(1, 10000000, 0, 1, 10000000);
        check_round(1, 3000000, 1, 1, 4000000);

        assert_int_equal(psi_trigger_round(&t, &r), -EINVAL);
        t = (struct psi_trigger){.level = PSI_FULL, .stall = 1, .window = 0};
        assert_int_equal(psi_trigger_round(&t, &r), -EINVAL);
        t = (struct psi_trigger){.level = 9, .stall = 1, .window = 1};
        assert_int_equal(psi_trigger_round(&t, &r), -EINVAL);
        assert_int_equal(r.stall, 42);

        /* In place, and the level is kept. */
        t = (struct psi_trigger){.level = PSI_FULL, .stall = 100000, .window = 1000000};
        assert_int_equal(psi_trigger_round(&t, &t), 1);
        assert_int_equal(t.level, PSI_FULL);
        assert_int_equal(t.stall, 200000);
        assert_int_equal(t.window, 2000000);
}

static void test_open_errors(void **state)
{
        struct psi_trigger t = {.level = PSI_SOME, .stall = 100000, .window = 2000000}, eff = {.stall = 42};
        int fd = -42;

        assert_int_equal(psi_trigger_open(FIXTURES_DIR "/no-such-pressure", &t, &eff, &fd), -ENOENT);
        assert_int_equal(fd, -42);
        assert_int_equal(eff.stall, 42);
        assert_int_equal(psi_trigger_open(NULL, &t, &eff, &fd), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_good),  cmocka_unit_test(test_parse_broken),
                cmocka_unit_test(test_format),      cmocka_unit_test(test_round),
                cmocka_unit_test(test_open_errors),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
