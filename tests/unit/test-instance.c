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

static void test_state_get(void **state)
{
        const char *text = "PID=42\nSCOPE=/user.slice\nINSTANCE=user\nEMPTY=\nLONG=abcdefgh";
        char buf[5];
        char big[64];

        assert_string_equal(instance_state_get(text, "PID", big, sizeof(big)), "42");
        assert_string_equal(instance_state_get(text, "SCOPE", big, sizeof(big)), "/user.slice");
        assert_string_equal(instance_state_get(text, "EMPTY", big, sizeof(big)), "");
        assert_string_equal(instance_state_get(text, "MISSING", big, sizeof(big)), "");
        /* A key is a whole key: "SCOP" is not "SCOPE". */
        assert_string_equal(instance_state_get(text, "SCOP", big, sizeof(big)), "");
        assert_string_equal(instance_state_get(text, "LONG", buf, sizeof(buf)), "abcd");
        assert_string_equal(instance_state_get(NULL, "PID", big, sizeof(big)), "");
}

static void test_overlap(void **state)
{
        /* The whole machine holds every scope. */
        assert_true(instance_scopes_overlap("system", "/user.slice"));
        assert_true(instance_scopes_overlap("/batch.slice", ""));
        assert_true(instance_scopes_overlap("system", "system"));
        /* Nested either way. */
        assert_true(instance_scopes_overlap("/system.slice", "/system.slice/batch.slice"));
        assert_true(instance_scopes_overlap("/system.slice/batch.slice", "/system.slice"));
        assert_true(instance_scopes_overlap("/user.slice", "/user.slice/"));
        /* Siblings, and names that only share a prefix. */
        assert_false(instance_scopes_overlap("/user.slice", "/system.slice/batch.slice"));
        assert_false(instance_scopes_overlap("/pkga.slice", "/pkga.slice-2"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),    cmocka_unit_test(test_paths),
                cmocka_unit_test(test_too_long), cmocka_unit_test(test_state_get),
                cmocka_unit_test(test_overlap),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
