/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-policy.c - rule parsing, reset and copy */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "policy.h"

static void test_add_rules(void **state)
{
        struct policy p;
        char err[256];

        policy_init(&p);
        assert_int_equal(p.prefer_adjust, POLICY_PREFER_ADJUST_DEFAULT);
        assert_int_equal(policy_add_rule(&p, POLICY_PREFER, "^chrom", err, sizeof(err)), 0);
        assert_int_equal(p.rules[0].field, POLICY_FIELD_COMM);
        assert_int_equal(
                policy_add_rule(&p, POLICY_AVOID, "cmdline:^/usr/bin/java .*-Xmx", err, sizeof(err)), 0);
        assert_int_equal(p.rules[1].field, POLICY_FIELD_CMDLINE);
        assert_int_equal(policy_add_rule(&p, POLICY_IGNORE, "uid:0", err, sizeof(err)), 0);
        assert_int_equal(p.rules[2].field, POLICY_FIELD_UID);
        assert_int_equal(p.rules[2].uid, 0);
        assert_int_equal(policy_add_rule(&p, POLICY_IGNORE, "cgroup:/system.slice/", err, sizeof(err)), 0);
        assert_int_equal(policy_add_rule(&p, POLICY_IGNORE, "exe:/sshd$", err, sizeof(err)), 0);
        /* an unknown prefix is part of a comm regex */
        assert_int_equal(policy_add_rule(&p, POLICY_PREFER, "foo:bar", err, sizeof(err)), 0);
        assert_int_equal(p.rules[5].field, POLICY_FIELD_COMM);
        assert_int_equal(p.n_rules, 6);
        assert_int_equal(p.fields_used,
                         POLICY_FIELD_BIT(POLICY_FIELD_COMM) | POLICY_FIELD_BIT(POLICY_FIELD_CMDLINE) |
                                 POLICY_FIELD_BIT(POLICY_FIELD_UID) | POLICY_FIELD_BIT(POLICY_FIELD_CGROUP) |
                                 POLICY_FIELD_BIT(POLICY_FIELD_EXE));

        policy_clear_action(&p, POLICY_IGNORE);
        assert_int_equal(p.n_rules, 3);
        assert_int_equal(p.fields_used,
                         POLICY_FIELD_BIT(POLICY_FIELD_COMM) | POLICY_FIELD_BIT(POLICY_FIELD_CMDLINE));
        policy_done(&p);
        assert_int_equal(p.n_rules, 0);
}

static void test_bad_rules(void **state)
{
        struct policy p;
        char err[256];

        policy_init(&p);
        assert_int_equal(policy_add_rule(&p, POLICY_PREFER, "comm:(", err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "invalid regular expression"));
        assert_int_equal(policy_add_rule(&p, POLICY_PREFER, "uid:root", err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "numeric uid"));
        assert_int_equal(policy_add_rule(&p, POLICY_PREFER, "cmdline:", err, sizeof(err)), -EINVAL);
        assert_int_equal(policy_add_rule(&p, POLICY_PREFER, "", err, sizeof(err)), -EINVAL);
        assert_int_equal(p.n_rules, 0);
        policy_done(&p);
}

static void test_copy(void **state)
{
        struct policy p, q;
        char err[256];

        policy_init(&p);
        p.prefer_adjust = 500;
        assert_int_equal(policy_add_rule(&p, POLICY_AVOID, "cgroup:^/db", err, sizeof(err)), 0);
        assert_int_equal(policy_copy(&q, &p), 0);
        policy_done(&p);
        assert_int_equal(q.n_rules, 1);
        assert_int_equal(q.prefer_adjust, 500);
        assert_string_equal(q.rules[0].spec, "cgroup:^/db");
        assert_int_equal(regexec(&q.rules[0].re, "/db/main", 0, NULL, 0), 0);
        policy_done(&q);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_add_rules),
                cmocka_unit_test(test_bad_rules),
                cmocka_unit_test(test_copy),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
