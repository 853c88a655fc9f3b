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

struct seen {
        char text[256];
        size_t n;
};

/* Records each line as "<line>|" ("<first cap bytes>+|" when longer). */
static int record(void *userdata, const char *line, size_t len, bool overlong)
{
        struct seen *s = userdata;

        assert_true(s->n + len + 2 < sizeof(s->text));
        memcpy(s->text + s->n, line, len);
        s->n += len;
        if (overlong)
                s->text[s->n++] = '+';
        s->text[s->n++] = '|';
        s->text[s->n] = '\0';
        return 0;
}

/* Whatever the cut, the same lines; a line longer than the carry is cut to it and said so. */
static void test_lines(void **state)
{
        static const char text[] = "a\nbb\n0123456789abcdef\n\nlast";
        size_t len = strlen(text);

        for (size_t piece = 1; piece <= len; piece++) {
                char carry[8];
                struct seen s = {};
                struct lines l = {.carry = carry, .cap = sizeof(carry), .fn = record, .userdata = &s};

                for (size_t off = 0; off < len; off += piece)
                        assert_int_equal(lines_feed(&l, text + off, MIN(piece, len - off)), 0);
                assert_int_equal(lines_finish(&l), 0);
                assert_string_equal(s.text, "a|bb|01234567+||last|");
        }
}

static bool int_above(const void *a, const void *b, void *userdata)
{
        return *(const int *)a > *(const int *)b;
}

/* The heap: pops come largest first, and a sort ends ascending. */
static void test_heap(void **state)
{
        int v[] = {5, 1, 9, 3, 9, 0, -4, 7}, w[ELEMENTSOF(v)];
        size_t n = ELEMENTSOF(v);

        memcpy(w, v, sizeof(v));
        heap_make(v, n, sizeof(v[0]), int_above, NULL);
        for (int last = 100; n > 0;) {
                heap_pop(v, &n, sizeof(v[0]), int_above, NULL);
                assert_true(v[n] <= last);
                last = v[n];
        }
        heap_sort(w, ELEMENTSOF(w), sizeof(w[0]), int_above, NULL);
        for (size_t i = 1; i < ELEMENTSOF(w); i++)
                assert_true(w[i - 1] <= w[i]);
        n = 0;
        for (size_t i = 0; i < 3; i++) {
                w[n] = (int)(10 - i);
                heap_sift_up(w, sizeof(w[0]), n++, int_above, NULL);
        }
        assert_int_equal(w[0], 10);
}

/* A piece that does not fit ends the text: nothing after it, and full says so. */
static void test_textbuf(void **state)
{
        char buf[8];
        struct textbuf t = {.buf = buf, .size = sizeof(buf)};

        textbuf_printf(&t, "%s", "abc");
        textbuf_printf(&t, "%d", 1234);
        assert_false(t.full);
        assert_string_equal(buf, "abc1234");
        textbuf_printf(&t, "x");
        assert_true(t.full);
        assert_int_equal(t.len, 7);
        textbuf_printf(&t, "%s", "");
        assert_true(t.full);
        t = (struct textbuf){.buf = buf, .size = sizeof(buf)};
        textbuf_printf(&t, "%s", "12345678");
        assert_true(t.full);
        assert_int_equal(t.len, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_size),     cmocka_unit_test(test_parse_percent),
                cmocka_unit_test(test_parse_duration), cmocka_unit_test(test_parse_int_bool),
                cmocka_unit_test(test_format),         cmocka_unit_test(test_read_file_at),
                cmocka_unit_test(test_lines),          cmocka_unit_test(test_heap),
                cmocka_unit_test(test_textbuf),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
