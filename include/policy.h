#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy.h - the admin's prefer/avoid/ignore rules, applied on top of the kernel's badness */

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum policy_action {
        POLICY_PREFER,
        POLICY_AVOID,
        POLICY_IGNORE,
        _POLICY_ACTION_MAX,
};

enum policy_field {
        POLICY_FIELD_COMM,
        POLICY_FIELD_CMDLINE,
        POLICY_FIELD_EXE,
        POLICY_FIELD_CGROUP,
        POLICY_FIELD_UID,
        _POLICY_FIELD_MAX,
};

/* Bit (1u << field) set in policy.fields_used for every field some rule looks at. */
#define POLICY_FIELD_BIT(f) (1u << (f))

struct policy_rule {
        enum policy_action action;
        enum policy_field field;
        char *spec; /* the text as written, "cmdline:^java " */
        regex_t re; /* POSIX ERE over the string fields, unanchored unless the pattern anchors */
        uid_t uid; /* for POLICY_FIELD_UID */
};

/*
 * Default shifts, in oom_score_adj units (so +300 is what "oom_score_adj += 300" would do).
 * 300 follows earlyoom's --prefer/--avoid: large enough to reorder processes of similar size,
 * small enough that a preferred 10 MB process does not die before an avoided 10 GB one.
 */
#define POLICY_PREFER_ADJUST_DEFAULT 300
#define POLICY_AVOID_ADJUST_DEFAULT 300

struct policy {
        struct policy_rule *rules;
        size_t n_rules;
        int prefer_adjust; /* added to the effective oom_score_adj of a Prefer= match, 0..1000 */
        int avoid_adjust; /* subtracted for an Avoid= match, 0..1000 */
        bool honor_xattrs; /* cgroup user.reapd_avoid / user.reapd_omit, root-owned cgroups only */
        unsigned fields_used;
};

const char *policy_action_to_string(enum policy_action a);
const char *policy_field_to_string(enum policy_field f);

/* policy_init() - empty policy with the default adjustments. */
void policy_init(struct policy *p);

/*
 * policy_add_rule() - parse "FIELD:PATTERN" (FIELD one of comm, cmdline, exe, cgroup, uid;
 * a bare PATTERN matches comm) and append it. For uid the pattern is a number.
 * On failure returns -EINVAL and writes a human-readable reason to @err; @p is unchanged.
 */
int policy_add_rule(struct policy *p, enum policy_action action, const char *spec, char *err, size_t errlen);

/* policy_clear_action() - drop every rule of @action (an empty "Prefer=" resets, systemd-style). */
void policy_clear_action(struct policy *p, enum policy_action action);

/* policy_copy() - deep copy (recompiles the regexes). Returns 0 or -ENOMEM; @dst is initialized. */
int policy_copy(struct policy *dst, const struct policy *src);

/* policy_done() - free everything; @p is left as an empty policy. Accepts a zeroed struct. */
void policy_done(struct policy *p);
