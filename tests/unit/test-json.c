/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-json.c - JSON string escaping of hostile process names */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/* Both forms, to a stream and into a buffer, give @want. */
static void check(const char *in, size_t len, const char *want)
{
        char out[256] = "", buf[256];
        FILE *f = fmemopen(out, sizeof(out) - 1, "w");

        assert_non_null(f);
        json_print_string(f, in, len);
        fclose(f);
        assert_string_equal(out, want);
        assert_int_equal(json_format_string(buf, sizeof(buf), in, len), (ssize_t)strlen(want));
        assert_string_equal(buf, want);
        /* one byte short of the terminating NUL: refused, never cut */
        assert_int_equal(json_format_string(buf, strlen(want), in, len), -ENOBUFS);
}

static void test_escape(void **state)
{
        check("plain", 5, "\"plain\"");
        check("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
        check("foo) Z \n", 8, "\"foo) Z \\n\"");
        check("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
        check("t\tr\r", 4, "\"t\\tr\\r\"");
        /* valid UTF-8 passes through, invalid bytes are escaped one by one */
        check("caf\xc3\xa9", 5, "\"caf\xc3\xa9\"");
        check("\xff\xfe", 2, "\"\\u00ff\\u00fe\"");
        check("\xc3", 1, "\"\\u00c3\""); /* truncated sequence */
        check("\xc0\xaf", 2, "\"\\u00c0\\u00af\""); /* overlong '/' */
        check("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\""); /* surrogate */
        check("a\0b", 3, "\"a\\u0000b\"");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escape),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
