/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-util.c - value parsers and file helpers */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static void test_parse_size(void **state)
{
        uint64_t v = 42;

        assert_int_equal(parse_size("4096", &v), 0);
        assert_int_equal(v, 4096);
        assert_int_equal(parse_size("512K", &v), 0);
        assert_int_equal(v, 512 * 1024);
        assert_int_equal(parse_size("512M", &v), 0);
        assert_int_equal(v, 512ULL << 20);
        assert_int_equal(parse_size("2G", &v), 0);
        assert_int_equal(v, 2ULL << 30);
        assert_int_equal(parse_size("1.5G", &v), 0);
        assert_int_equal(v, 3ULL << 29);
        assert_int_equal(parse_size(" 1 GiB ", &v), 0);
        assert_int_equal(v, 1ULL << 30);
        assert_int_equal(parse_size("1T", &v), 0);
        assert_int_equal(v, 1ULL << 40);

        v = 42;
        assert_int_equal(parse_size("", &v), -EINVAL);
        assert_int_equal(parse_size("G", &v), -EINVAL);
        assert_int_equal(parse_size("12X", &v), -EINVAL);
        assert_int_equal(parse_size("-1", &v), -EINVAL);
        assert_int_equal(parse_size("1.5", &v), -EINVAL);
        assert_int_equal(parse_size("99999999999999999999", &v), -ERANGE);
        assert_int_equal(parse_size("99999999999P", &v), -ERANGE);
        assert_int_equal(v, 42);
}

static void test_parse_percent(void **state)
{
        uint32_t v = 7;

        assert_int_equal(parse_percent("10%", &v), 0);
        assert_int_equal(v, 1000);
        assert_int_equal(parse_percent("10", &v), 0);
        assert_int_equal(v, 1000);
        assert_int_equal(parse_percent("12.5%", &v), 0);
        assert_int_equal(v, 1250);
        assert_int_equal(parse_percent("0.05%", &v), 0);
        assert_int_equal(v, 5);
        assert_int_equal(parse_percent("100%", &v), 0);
        assert_int_equal(v, 10000);
        v = 7;
        assert_int_equal(parse_percent("100.01%", &v), -ERANGE);
        assert_int_equal(parse_percent("abc", &v), -EINVAL);
        assert_int_equal(parse_percent("5%%", &v), -EINVAL);
        assert_int_equal(parse_percent("", &v), -EINVAL);
        assert_int_equal(v, 7);
}

static void test_parse_duration(void **state)
{
        usec_t v = 7;

        assert_int_equal(parse_duration("2s", &v), 0);
        assert_int_equal(v, 2 * USEC_PER_SEC);
        assert_int_equal(parse_duration("500ms", &v), 0);
        assert_int_equal(v, 500 * USEC_PER_MSEC);
        assert_int_equal(parse_duration("100us", &v), 0);
        assert_int_equal(v, 100);
        assert_int_equal(parse_duration("1min", &v), 0);
        assert_int_equal(v, 60 * USEC_PER_SEC);
        assert_int_equal(parse_duration("1s 500ms", &v), 0);
        assert_int_equal(v, 1500 * USEC_PER_MSEC);
        assert_int_equal(parse_duration("3", &v), 0);
        assert_int_equal(v, 3 * USEC_PER_SEC);
        assert_int_equal(parse_duration("1.5s", &v), 0);
        assert_int_equal(v, 1500 * USEC_PER_MSEC);
        assert_int_equal(parse_duration("2h", &v), 0);
        assert_int_equal(v, 7200 * USEC_PER_SEC);
        v = 7;
        assert_int_equal(parse_duration("", &v), -EINVAL);
        assert_int_equal(parse_duration("s", &v), -EINVAL);
        assert_int_equal(parse_duration("2 parsecs", &v), -EINVAL);
        assert_int_equal(parse_duration("-1s", &v), -EINVAL);
        assert_int_equal(parse_duration("99999999999999999999h", &v), -ERANGE);
        assert_int_equal(v, 7);
}

static void test_parse_int_bool(void **state)
{
        int i = 3;
        bool b = false;
        uint64_t u;

        assert_int_equal(parse_int("-1000", &i), 0);
        assert_int_equal(i, -1000);
        assert_int_equal(parse_int("+5", &i), 0);
        assert_int_equal(i, 5);
        assert_int_equal(parse_int("-2147483648", &i), 0);
        assert_int_equal(parse_int("2147483648", &i), -ERANGE);
        assert_int_equal(parse_int("1x", &i), -EINVAL);
        assert_int_equal(parse_u64("18446744073709551615", &u), 0);
        assert_true(u == UINT64_MAX);
        assert_int_equal(parse_u64("18446744073709551616", &u), -ERANGE);
        assert_int_equal(parse_bool("Yes", &b), 0);
        assert_true(b);
        assert_int_equal(parse_bool("off", &b), 0);
        assert_false(b);
        assert_int_equal(parse_bool("maybe", &b), -EINVAL);
}

static void test_format(void **state)
{
        char buf[32];

        assert_string_equal(format_size(buf, sizeof(buf), 512), "512B");
        assert_string_equal(format_size(buf, sizeof(buf), 2ULL << 30), "2G");
        assert_string_equal(format_size(buf, sizeof(buf), 3ULL << 29), "1.5G");
        assert_string_equal(format_duration(buf, sizeof(buf), 2 * USEC_PER_SEC), "2s");
        assert_string_equal(format_duration(buf, sizeof(buf), 500 * USEC_PER_MSEC), "500ms");
        assert_string_equal(format_duration(buf, sizeof(buf), 120 * USEC_PER_SEC), "2min");
        assert_string_equal(format_percent(buf, sizeof(buf), 1250), "12.5%");
        assert_string_equal(format_percent(buf, sizeof(buf), 1000), "10%");
        assert_string_equal(format_percent(buf, sizeof(buf), 5), "0.05%");
}

static void test_read_file_at(void **state)
{
        char path[] = "/tmp/reapd-test-util-XXXXXX";
        char buf[8];
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, "0123456789", 10), 10);
        close(fd);
        assert_int_equal(read_file_at(AT_FDCWD, path, buf, sizeof(buf)), 7);
        assert_string_equal(buf, "0123456");
        assert_int_equal(write_file_at(AT_FDCWD, path, "ab"), 0);
        assert_int_equal(read_file_at(AT_FDCWD, path, buf, sizeof(buf)), 7);
        assert_memory_equal(buf, "ab23456", 7);
        unlink(path);
        assert_int_equal(read_file_at(AT_FDCWD, path, buf, sizeof(buf)), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_size),     cmocka_unit_test(test_parse_percent),
                cmocka_unit_test(test_parse_duration), cmocka_unit_test(test_parse_int_bool),
                cmocka_unit_test(test_format),         cmocka_unit_test(test_read_file_at),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
