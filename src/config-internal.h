#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config-internal.h - what the file reader (config.c) and the key table (config-keys.c) share */

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

/* One config_load(): where it is, and what went wrong so far. */
struct parse_ctx {
        struct reapd_config *c;
        FILE *errors;
        const char *file;
        unsigned line; /* the physical line being parsed */
        unsigned n_errors;
        /* Where ReaperSchedPolicy=/ReaperPriority= were last set, for the cross-check. */
        char sched_where[PATH_MAX + 32];
};

/* config_error() - count an error and print "file:line: message" to ctx->errors. */
_printf_(2, 3) void config_error(struct parse_ctx *ctx, const char *fmt, ...);

/* config_section_known() - true for "Monitor", "Kill", "Policy" and "Daemon". */
bool config_section_known(const char *section);

/*
 * config_key_set() - "@name=@value" in [@section] (a known one) into ctx->c, or an error:
 * an unknown key, a key of another section, a value out of its range.
 */
void config_key_set(struct parse_ctx *ctx, const char *section, const char *name, const char *value);

/* config-names.c: the parser's side of the value names; 0, or -EINVAL for an unknown name. */
int config_log_level_from_name(const char *s, int *ret);
int headroom_mode_from_string(const char *s, enum headroom_mode *ret);
int config_sched_policy_from_string(const char *s, int *ret);
