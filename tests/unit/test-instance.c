/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-instance.c - instance names (what systemd's %i gives) and each daemon's paths */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "instance.h"

static void test_names(void **state)
{
        char longest[INSTANCE_NAME_MAX + 2];

        assert_true(instance_name_valid("user"));
        assert_true(instance_name_valid("batch"));
        /* systemd-escape --template of "system.slice/batch-jobs.slice" */
        assert_true(instance_name_valid("system.slice-batch\\x2djobs.slice"));
        assert_true(instance_name_valid("a:b_c.d-e"));

        assert_false(instance_name_valid(NULL));
        assert_false(instance_name_valid(""));
        assert_false(instance_name_valid("../etc/passwd"));
        assert_false(instance_name_valid("a/b"));
        assert_false(instance_name_valid(".hidden"));
        assert_false(instance_name_valid("."));
        assert_false(instance_name_valid("a b"));
        assert_false(instance_name_valid("a@b"));
        assert_false(instance_name_valid("a\nb"));
        /* reapd.service's own files in /run/reapd */
        assert_false(instance_name_valid("state"));
        assert_false(instance_name_valid("state.tmp"));
        assert_true(instance_name_valid("states"));

        memset(longest, 'x', sizeof(longest));
        longest[INSTANCE_NAME_MAX] = '\0';
        assert_true(instance_name_valid(longest));
        longest[INSTANCE_NAME_MAX] = 'x';
        longest[INSTANCE_NAME_MAX + 1] = '\0';
        assert_false(instance_name_valid(longest));
}

static void test_paths(void **state)
{
        struct instance_paths p;

        assert_int_equal(instance_paths("/etc", "/run/reapd", NULL, &p), 0);
        assert_string_equal(p.config, "/etc/reapd.conf");
        assert_string_equal(p.state_dir, "/run/reapd");
        assert_string_equal(p.state, "/run/reapd/state");

        assert_int_equal(instance_paths(INSTANCE_CONF_ROOT, INSTANCE_RUN_DIR, "user", &p), 0);
        assert_string_equal(p.config, "/etc/reapd/user.conf");
        assert_string_equal(p.state_dir, "/run/reapd/user");
        assert_string_equal(p.state, "/run/reapd/user/state");

        /* Failure leaves @ret alone. */
        assert_int_equal(instance_paths("/etc", "/run/reapd", "../x", &p), -EINVAL);
        assert_int_equal(instance_paths("/etc", "/run/reapd", "", &p), -EINVAL);
        assert_int_equal(instance_paths(NULL, "/run/reapd", "user", &p), -EINVAL);
        assert_string_equal(p.config, "/etc/reapd/user.conf");
}

static void test_too_long(void **state)
{
        static char root[PATH_MAX];
        struct instance_paths p = {.config = "untouched"};

        memset(root, 'r', sizeof(root) - 10);
        root[0] = '/';
        root[sizeof(root) - 10] = '\0';
        assert_int_equal(instance_paths(root, "/run/reapd", "user", &p), -ENAMETOOLONG);
        assert_int_equal(instance_paths("/etc", root, "user", &p), -ENAMETOOLONG);
        assert_string_equal(p.config, "untouched");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_paths),
                cmocka_unit_test(test_too_long),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
