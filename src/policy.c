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

/*
 * glibc's regcomp() expands repetitions into copies of the subexpression: stacked quantifiers
 * ("a+++...") cost memory exponential in their number (22 of them: 2.9 GB) and nested counted
 * repeats multiply ("((a{100}){100}){100}": 200 MB). A rule is compiled at start and on every
 * SIGHUP, after mlockall() and possibly at oom_score_adj -1000, so such a pattern would lock
 * memory the kernel cannot take back. POLICY_REGEX_COST_MAX bounds the product of the repeat
 * counts along any nesting ('+' counts 2, as glibc copies the operand once): 10 000 copies is
 * about 3 MB, and "(a{100}){100}" still passes.
 */
#define POLICY_REGEX_COST_MAX 10000
/* Deeper nesting than this is refused too: no match rule needs it, and the scan stays bounded. */
#define POLICY_REGEX_DEPTH_MAX 32

/* Returns true and explains in @err if @re (POSIX ERE) could make regcomp() balloon. */
static bool regex_too_costly(const char *re, char *err, size_t errlen)
{
        uint64_t inner[POLICY_REGEX_DEPTH_MAX + 1] = {1}, last = 1;
        enum { START, ATOM, QUANT } prev = START;
        size_t depth = 0;

        for (const char *c = re; *c; c++) {
                uint64_t times = 0;

                switch (*c) {
                case '\\':
                        if (c[1])
                                c++;
                        last = 1;
                        prev = ATOM;
                        continue;
                case '[':
                        /* a bracket expression is one atom; "]" right after "[" or "[^" is a member */
                        c += c[1] == '^' ? 2 : 1;
                        if (*c == ']')
                                c++;
                        for (; *c && *c != ']'; c++)
                                if (*c == '[' && (c[1] == ':' || c[1] == '.' || c[1] == '=')) {
                                        const char *end = strstr(c + 2, c[1] == ':'   ? ":]"
                                                                        : c[1] == '.' ? ".]"
                                                                                      : "=]");

                                        if (end)
                                                c = end + 1;
                                }
                        if (!*c)
                                return false; /* unterminated: regcomp() refuses it */
                        last = 1;
                        prev = ATOM;
                        continue;
                case '(':
                        if (depth == POLICY_REGEX_DEPTH_MAX) {
                                snprintf(err, errlen, "regular expression nested deeper than %d groups",
                                         POLICY_REGEX_DEPTH_MAX);
                                return true;
                        }
                        inner[++depth] = 1;
                        prev = START;
                        continue;
                case ')':
                        last = depth > 0 ? inner[depth--] : 1;
                        inner[depth] = MAX(inner[depth], last);
                        prev = ATOM;
                        continue;
                case '|':
                        prev = START;
                        continue;
                case '*':
                case '?':
                        times = 1;
                        break;
                case '+':
                        times = 2;
                        break;
                case '{': {
                        const char *d = c + 1;
                        uint64_t lo = 0, hi = 0;
                        bool comma = false;

                        for (; *d >= '0' && *d <= '9' && lo <= POLICY_REGEX_COST_MAX; d++)
                                lo = lo * 10 + (uint64_t)(*d - '0');
                        if (*d == ',') {
                                comma = true;
                                for (d++; *d >= '0' && *d <= '9' && hi <= POLICY_REGEX_COST_MAX; d++)
                                        hi = hi * 10 + (uint64_t)(*d - '0');
                        }
                        while (*d >= '0' && *d <= '9')
                                d++;
                        if (*d != '}' || d == c + 1) {
                                last = 1; /* not an interval: a literal '{' */
                                prev = ATOM;
                                continue;
                        }
                        /* "{n,}" is n copies and a star; "{n,m}" m copies */
                        times = MAX(comma && hi ? hi : lo + (comma ? 1 : 0), 1);
                        c = d;
                        break;
                }
                default:
                        last = 1;
                        prev = ATOM;
                        continue;
                }
                /* a quantifier */
                if (prev == QUANT) {
                        snprintf(err, errlen,
                                 "stacked repetition operators (as in 'a++' or 'a*{2}') are refused: "
                                 "regcomp() needs memory exponential in their number");
                        return true;
                }
                if (prev == START)
                        continue; /* a leading quantifier: regcomp() decides */
                last = MIN(last * times, (uint64_t)POLICY_REGEX_COST_MAX + 1);
                inner[depth] = MAX(inner[depth], last);
                if (last > POLICY_REGEX_COST_MAX) {
                        snprintf(err, errlen,
                                 "nested repetition counts multiply beyond %d copies: regcomp() would need "
                                 "too much memory",
                                 POLICY_REGEX_COST_MAX);
                        return true;
                }
                prev = QUANT;
        }
        return false;
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
                char why[160];
                int k;

                if (regex_too_costly(pattern, why, sizeof(why))) {
                        snprintf(err, errlen, "refusing regular expression '%s': %s", pattern, why);
                        return -EINVAL;
                }
                k = regcomp(&r.re, pattern, REG_EXTENDED | REG_NOSUB);
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
