/* SPDX-License-Identifier: GPL-2.0-or-later */
/* property-gen.c - what the property tests share: a seeded generator, random policies */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "property-gen.h"
#include "util.h"

uint64_t rnd_state;

uint64_t rnd(void)
{
        uint64_t z = (rnd_state += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

uint64_t rnd_below(uint64_t n)
{
        return n ? rnd() % n : 0;
}

bool rnd_chance(unsigned percent)
{
        return rnd_below(100) < percent;
}

void rnd_word(char *buf, size_t size)
{
        static const char alphabet[] = "ab/x.";
        size_t n = rnd_below(MIN(size - 1, 8) + 1);

        for (size_t i = 0; i < n; i++)
                buf[i] = alphabet[rnd_below(sizeof(alphabet) - 1)];
        buf[n] = '\0';
}

int rnd_adj(void)
{
        static const int interesting[] = {-1000, -999, -998, -500, -1, 0, 1, 300, 999, 1000};

        if (rnd_chance(60))
                return interesting[rnd_below(ELEMENTSOF(interesting))];
        return (int)rnd_below(2001) - 1000;
}

void make_policy(struct world *w)
{
        static const char *const field_names[] = {
                [POLICY_FIELD_COMM] = "comm", [POLICY_FIELD_CMDLINE] = "cmdline",
                [POLICY_FIELD_EXE] = "exe",   [POLICY_FIELD_CGROUP] = "cgroup",
                [POLICY_FIELD_UID] = "uid",
        };
        size_t n = rnd_below(PROPERTY_MAX_RULES + 1);

        policy_init(&w->policy);
        w->policy.prefer_adjust = (int)rnd_below(1001);
        w->policy.avoid_adjust = (int)rnd_below(1001);
        w->policy.honor_xattrs = rnd_chance(50);
        w->n_rules = 0;
        for (size_t i = 0; i < n; i++) {
                enum policy_action a = (enum policy_action)rnd_below(_POLICY_ACTION_MAX);
                enum policy_field f = (enum policy_field)rnd_below(_POLICY_FIELD_MAX);
                char spec[64], err[128], lit[8];
                bool head = rnd_chance(40), tail = rnd_chance(30);
                uid_t uid = (uid_t)rnd_below(3) * 1000;
                int r;

                if (f == POLICY_FIELD_UID) {
                        snprintf(spec, sizeof(spec), "uid:%u", (unsigned)uid);
                } else {
                        /* letters only: '.' and '/' are fine in a regex but '.' is a wildcard */
                        size_t len = rnd_below(3) + 1;

                        for (size_t k = 0; k < len; k++)
                                lit[k] = "abx"[rnd_below(3)];
                        lit[len] = '\0';
                        snprintf(spec, sizeof(spec), "%s:%s%s%s", field_names[f], head ? "^" : "", lit,
                                 tail ? "$" : "");
                }
                r = policy_add_rule(&w->policy, a, spec, err, sizeof(err));
                if (r < 0)
                        fail_msg("policy_add_rule(%s): %s", spec, err);
                w->rules[w->n_rules].action = a;
                w->rules[w->n_rules].field = f;
                w->rules[w->n_rules].uid = uid;
                w->rules[w->n_rules].head = head;
                w->rules[w->n_rules].tail = tail;
                if (f != POLICY_FIELD_UID)
                        memcpy(w->rules[w->n_rules].lit, lit, sizeof(lit));
                w->n_rules++;
        }
}
