/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy.c - parsing and lifetime of prefer/avoid/ignore rules (matching lives in score.c) */

#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "util.h"

static const char *const action_names[_POLICY_ACTION_MAX] = {
        [POLICY_PREFER] = "Prefer",
        [POLICY_AVOID] = "Avoid",
        [POLICY_IGNORE] = "Ignore",
};

static const char *const field_names[_POLICY_FIELD_MAX] = {
        [POLICY_FIELD_COMM] = "comm",     [POLICY_FIELD_CMDLINE] = "cmdline", [POLICY_FIELD_EXE] = "exe",
        [POLICY_FIELD_CGROUP] = "cgroup", [POLICY_FIELD_UID] = "uid",
};

const char *policy_action_to_string(enum policy_action a)
{
        return a < _POLICY_ACTION_MAX ? action_names[a] : NULL;
}

const char *policy_field_to_string(enum policy_field f)
{
        return f < _POLICY_FIELD_MAX ? field_names[f] : NULL;
}

void policy_init(struct policy *p)
{
        *p = (struct policy){
                .prefer_adjust = POLICY_PREFER_ADJUST_DEFAULT,
                .avoid_adjust = POLICY_AVOID_ADJUST_DEFAULT,
                .honor_xattrs = true,
        };
}

static void rule_done(struct policy_rule *r)
{
        if (r->field != POLICY_FIELD_UID)
                regfree(&r->re);
        free(r->spec);
}

static void recompute_fields(struct policy *p)
{
        p->fields_used = 0;
        for (size_t i = 0; i < p->n_rules; i++)
                p->fields_used |= POLICY_FIELD_BIT(p->rules[i].field);
}

/* Splits "field:pattern"; a prefix that is not a known field name means the whole text is a comm regex. */
static enum policy_field split_spec(const char *spec, const char **ret_pattern)
{
        const char *colon = strchr(spec, ':');

        if (colon)
                for (enum policy_field f = 0; f < _POLICY_FIELD_MAX; f++)
                        if (strlen(field_names[f]) == (size_t)(colon - spec) &&
                            strncmp(spec, field_names[f], (size_t)(colon - spec)) == 0) {
                                *ret_pattern = colon + 1;
                                return f;
                        }
        *ret_pattern = spec;
        return POLICY_FIELD_COMM;
}

int policy_add_rule(struct policy *p, enum policy_action action, const char *spec, char *err, size_t errlen)
{
        struct policy_rule r = {.action = action};
        struct policy_rule *n;
        const char *pattern;

        if (action >= _POLICY_ACTION_MAX || !spec) {
                snprintf(err, errlen, "invalid rule");
                return -EINVAL;
        }
        r.field = split_spec(spec, &pattern);
        if (*pattern == '\0') {
                snprintf(err, errlen, "empty %s pattern", field_names[r.field]);
                return -EINVAL;
        }
        if (r.field == POLICY_FIELD_UID) {
                uint64_t u;

                if (parse_u64(pattern, &u) < 0 || u >= (uid_t)-1) {
                        snprintf(err, errlen, "uid rule needs a numeric uid, got '%s'", pattern);
                        return -EINVAL;
                }
                r.uid = (uid_t)u;
        } else {
                int k = regcomp(&r.re, pattern, REG_EXTENDED | REG_NOSUB);

                if (k != 0) {
                        char msg[128];

                        regerror(k, &r.re, msg, sizeof(msg));
                        snprintf(err, errlen, "invalid regular expression '%s': %s", pattern, msg);
                        return -EINVAL;
                }
        }
        r.spec = strdup(spec);
        n = r.spec ? realloc(p->rules, (p->n_rules + 1) * sizeof(*p->rules)) : NULL;
        if (!n) {
                rule_done(&r);
                snprintf(err, errlen, "out of memory");
                return -ENOMEM;
        }
        p->rules = n;
        p->rules[p->n_rules++] = r;
        recompute_fields(p);
        return 0;
}

void policy_clear_action(struct policy *p, enum policy_action action)
{
        size_t j = 0;

        for (size_t i = 0; i < p->n_rules; i++) {
                if (p->rules[i].action == action)
                        rule_done(&p->rules[i]);
                else
                        p->rules[j++] = p->rules[i];
        }
        p->n_rules = j;
        recompute_fields(p);
}

int policy_copy(struct policy *dst, const struct policy *src)
{
        char err[256];

        policy_init(dst);
        dst->prefer_adjust = src->prefer_adjust;
        dst->avoid_adjust = src->avoid_adjust;
        dst->honor_xattrs = src->honor_xattrs;
        for (size_t i = 0; i < src->n_rules; i++) {
                int r = policy_add_rule(dst, src->rules[i].action, src->rules[i].spec, err, sizeof(err));

                if (r < 0) {
                        policy_done(dst);
                        return r;
                }
        }
        return 0;
}

void policy_done(struct policy *p)
{
        for (size_t i = 0; i < p->n_rules; i++)
                rule_done(&p->rules[i]);
        free(p->rules);
        p->rules = NULL;
        p->n_rules = 0;
        p->fields_used = 0;
}
