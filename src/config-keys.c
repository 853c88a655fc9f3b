/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config-keys.c - every reapd.conf key: its section, type and range, how it is set and dumped (value names: config-names.c) */

#include <ctype.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <syslog.h>

#include "config-internal.h"

/* Ranges. The PSI limits are the kernel's (kernel/sched/psi.c); the others are sanity bounds. */
#define PRESSURE_WINDOW_MIN_USEC (500 * USEC_PER_MSEC)
#define PRESSURE_WINDOW_MAX_USEC (10 * USEC_PER_SEC)
/* An hour of sustained thrashing before acting is no longer "early"; longer is a typo. */
#define PRESSURE_DURATION_MAX_USEC (3600 * USEC_PER_SEC)
/* Below 100ms polling costs wakeups and avg10 (updated every 2s) cannot change that fast. */
#define PRESSURE_POLL_MIN_USEC (100 * USEC_PER_MSEC)
#define PRESSURE_POLL_MAX_USEC (60 * USEC_PER_SEC)
/* Under 100ms even an mrelease'd victim may still be exiting; over 10min the daemon is stuck. */
#define KILL_TIMEOUT_MIN_USEC (100 * USEC_PER_MSEC)
#define KILL_TIMEOUT_MAX_USEC (600 * USEC_PER_SEC)
#define ADJUST_MAX 1000 /* the span of oom_score_adj */
/* A hook that needs more than 10s is not told "before" a kill: the machine is stalling meanwhile. */
#define PREKILL_TIMEOUT_MAX_USEC (10 * USEC_PER_SEC)
/* node_exporter's textfile collector reads only files named *.prom. */
#define METRICS_FILE_SUFFIX ".prom"

/* ---- value parsers: each returns 0 or a negative errno, and writes a reason on failure ---- */

enum key_type {
        KEY_CGROUP,
        KEY_THRESHOLD,
        KEY_HEADROOM,
        KEY_LEVEL, /* a percentage, permyriad in a uint32_t */
        KEY_DURATION, /* usec_t within [min, max] */
        KEY_KILL_UNIT,
        KEY_BOOL,
        KEY_CPUS,
        KEY_INT, /* int within [min, max] */
        KEY_SCHED_POLICY,
        KEY_SCHED_PRIORITY,
        KEY_THREADS, /* "auto" (stored 0) or an unsigned within [min, max] */
        KEY_RULE,
        KEY_LOG_LEVEL,
        KEY_DIRECTORY, /* an absolute path */
        KEY_METRICS_FILE, /* empty, or an absolute path ending in METRICS_FILE_SUFFIX */
};

struct key_def {
        const char *section;
        const char *name;
        enum key_type type;
        size_t offset;
        uint64_t min, max; /* KEY_DURATION; KEY_INT uses them as signed */
        int64_t imin, imax;
        enum policy_action action; /* KEY_RULE */
};

#define FIELD(f) offsetof(struct reapd_config, f)

/* Every key, in the order config_dump() writes them and reapd.conf(5) documents them. */
static const struct key_def keys[] = {
        {"Monitor", "Cgroup", KEY_CGROUP, FIELD(cgroup)},
        {"Monitor", "MinAvailable", KEY_THRESHOLD, FIELD(min_available)},
        {"Monitor", "MinSwapFree", KEY_THRESHOLD, FIELD(min_swap_free)},
        {"Monitor", "HeadroomMode", KEY_HEADROOM, FIELD(headroom_mode)},
        {"Monitor", "PressureSome", KEY_LEVEL, FIELD(pressure_some)},
        {"Monitor", "PressureFull", KEY_LEVEL, FIELD(pressure_full)},
        {"Monitor", "PressureWindow", KEY_DURATION, FIELD(pressure_window), PRESSURE_WINDOW_MIN_USEC,
         PRESSURE_WINDOW_MAX_USEC},
        {"Monitor", "PressureDuration", KEY_DURATION, FIELD(pressure_duration), 0,
         PRESSURE_DURATION_MAX_USEC},
        {"Monitor", "PressurePollInterval", KEY_DURATION, FIELD(pressure_poll_interval),
         PRESSURE_POLL_MIN_USEC, PRESSURE_POLL_MAX_USEC},
        {"Kill", "KillUnit", KEY_KILL_UNIT, FIELD(kill_unit)},
        {"Kill", "DryRun", KEY_BOOL, FIELD(dry_run)},
        {"Kill", "Release", KEY_BOOL, FIELD(release)},
        {"Kill", "KillTimeout", KEY_DURATION, FIELD(kill_timeout), KILL_TIMEOUT_MIN_USEC,
         KILL_TIMEOUT_MAX_USEC},
        {"Kill", "ReaperCPUs", KEY_CPUS, FIELD(reaper_cpus)},
        {"Kill", "ReaperNice", KEY_INT, FIELD(reaper_nice), 0, 0, -20, 19},
        {"Kill", "ReaperSchedPolicy", KEY_SCHED_POLICY, FIELD(reaper_sched_policy)},
        {"Kill", "ReaperPriority", KEY_SCHED_PRIORITY, FIELD(reaper_sched_priority), 0, 0, 0, 99},
        {"Kill", "ReaperThreads", KEY_THREADS, FIELD(reaper_threads), 1, CONFIG_REAPER_THREADS_MAX},
        {"Kill", "PreKillTimeout", KEY_DURATION, FIELD(prekill_timeout), 0, PREKILL_TIMEOUT_MAX_USEC},
        {"Kill", "PreKillDirectory", KEY_DIRECTORY, FIELD(prekill_directory)},
        {"Policy", "Prefer", KEY_RULE, 0, 0, 0, 0, 0, POLICY_PREFER},
        {"Policy", "Avoid", KEY_RULE, 0, 0, 0, 0, 0, POLICY_AVOID},
        {"Policy", "Ignore", KEY_RULE, 0, 0, 0, 0, 0, POLICY_IGNORE},
        {"Policy", "PreferAdjust", KEY_INT, FIELD(policy.prefer_adjust), 0, 0, 0, ADJUST_MAX},
        {"Policy", "AvoidAdjust", KEY_INT, FIELD(policy.avoid_adjust), 0, 0, 0, ADJUST_MAX},
        {"Policy", "HonorCgroupXattrs", KEY_BOOL, FIELD(policy.honor_xattrs)},
        {"Daemon", "LogLevel", KEY_LOG_LEVEL, FIELD(log_level)},
        {"Daemon", "DBus", KEY_BOOL, FIELD(dbus)},
        {"Daemon", "MetricsFile", KEY_METRICS_FILE, FIELD(metrics_file)},
};

static const char *const sections[] = {"Monitor", "Kill", "Policy", "Daemon"};

bool config_section_known(const char *s)
{
        for (size_t i = 0; i < ELEMENTSOF(sections); i++)
                if (streq(s, sections[i]))
                        return true;
        return false;
}
/* "0-3,8 10" into @ret. Returns 0 or -EINVAL/-ERANGE; @ret untouched on failure. */
static int parse_cpus(const char *s, cpu_set_t *ret)
{
        cpu_set_t set;
        const char *p = s;

        CPU_ZERO(&set);
        while (*p) {
                uint64_t a, b;
                char *end;

                if (*p == ',' || *p == ' ' || *p == '\t') {
                        p++;
                        continue;
                }
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                errno = 0;
                a = b = strtoull(p, &end, 10);
                if (errno)
                        return -errno;
                p = end;
                if (*p == '-') {
                        p++;
                        if (!isdigit((unsigned char)*p))
                                return -EINVAL;
                        b = strtoull(p, &end, 10);
                        if (errno)
                                return -errno;
                        p = end;
                        if (b < a)
                                return -EINVAL;
                }
                if (b >= CPU_SETSIZE)
                        return -ERANGE;
                for (uint64_t cpu = a; cpu <= b; cpu++)
                        CPU_SET((int)cpu, &set);
                if (*p && *p != ',' && *p != ' ' && *p != '\t')
                        return -EINVAL;
        }
        if (CPU_COUNT(&set) == 0)
                return -EINVAL;
        *ret = set;
        return 0;
}

static int parse_log_level(const char *s, int *ret)
{
        int v;

        if (config_log_level_from_name(s, ret) == 0)
                return 0;
        if (parse_int(s, &v) < 0 || v < LOG_EMERG || v > LOG_DEBUG)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* A systemd unit name's suffix: the unit types that own a cgroup. */
static bool unit_suffix(const char *s, size_t n, const char *suffix)
{
        size_t l = strlen(suffix);

        return n > l && memcmp(s + n - l, suffix, l) == 0;
}

/*
 * A slice name, as "systemctl status" shows it ("batch.slice", "user-1000.slice"), to its cgroup
 * path: systemd nests a slice in the one its name before the last '-' names, so "a-b-c.slice" is
 * /a.slice/a-b.slice/a-b-c.slice, and "-.slice" is the root.
 */
static int expand_slice(const char *s, size_t n, char *ret, size_t size, const char **reason)
{
        size_t stem = n - strlen(".slice"), len = 0;

        if (n == strlen("-.slice") && s[0] == '-') {
                ret[0] = '\0';
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                if (s[i] == '/' ||
                    (i < stem && s[i] == '-' && (i == 0 || i + 1 == stem || s[i + 1] == '-'))) {
                        *reason = "not a valid slice name (systemd.slice(5))";
                        return -EINVAL;
                }
        for (size_t i = 0; i <= stem; i++) {
                int k;

                if (i < stem && s[i] != '-')
                        continue;
                k = snprintf(ret + len, size - len, "/%.*s.slice", (int)i, s);
                if (k < 0 || (size_t)k >= size - len) {
                        *reason = "path too long";
                        return -ENAMETOOLONG;
                }
                len += (size_t)k;
        }
        return 0;
}

/*
 * A cgroup2 path: "" or "/" for system-wide, else absolute, without "." or ".." components; or a
 * slice's name, expanded as systemd places it. A service or scope has no such rule (its Slice=
 * decides), so its name alone is refused with a hint to the path.
 */
static int parse_cgroup(const char *s, char *ret, size_t size, const char **reason)
{
        size_t n = strlen(s);

        while (n > 1 && s[n - 1] == '/')
                n--;
        if (n == 0 || (n == 1 && s[0] == '/')) {
                ret[0] = '\0';
                return 0;
        }
        if (s[0] != '/' && unit_suffix(s, n, ".slice"))
                return expand_slice(s, n, ret, size, reason);
        if (s[0] != '/' && (unit_suffix(s, n, ".service") || unit_suffix(s, n, ".scope"))) {
                *reason = "a service's or scope's cgroup depends on its Slice=: give its path, such as "
                          "/system.slice/NAME.service (systemctl show -P ControlGroup NAME)";
                return -EINVAL;
        }
        if (s[0] != '/') {
                *reason = "must be an absolute cgroup2 path such as /system.slice, a slice such as "
                          "batch.slice, or empty";
                return -EINVAL;
        }
        if (n >= size) {
                *reason = "path too long";
                return -ENAMETOOLONG;
        }
        for (const char *p = s; p < s + n; p++) {
                const char *q = p + 1;
                size_t l = strcspn(q, "/");

                if (*p != '/')
                        continue;
                if (q + l > s + n)
                        l = (size_t)(s + n - q);
                if (l == 0 || (l == 1 && q[0] == '.') || (l == 2 && q[0] == '.' && q[1] == '.')) {
                        *reason = "empty, \".\" and \"..\" components are not allowed";
                        return -EINVAL;
                }
        }
        memcpy(ret, s, n);
        ret[n] = '\0';
        return 0;
}

/*
 * An absolute path: a directory, its trailing slashes dropped, or with @file a file, which must
 * end in METRICS_FILE_SUFFIX (the empty string is then "off"). Both are PATH_MAX buffers.
 */
static int parse_path(const char *s, bool file, char *ret, const char **reason)
{
        size_t n = strlen(s), l = strlen(METRICS_FILE_SUFFIX);

        while (!file && n > 1 && s[n - 1] == '/')
                n--;
        if (file && n == 0) {
                ret[0] = '\0';
                return 0;
        }
        if (s[0] != '/') {
                *reason = file ? "must be an absolute path, or empty" : "must be an absolute path";
                return -EINVAL;
        }
        if (n >= PATH_MAX) {
                *reason = "path too long";
                return -ENAMETOOLONG;
        }
        if (file && (n <= l || s[n - l - 1] == '/' || strncmp(s + n - l, METRICS_FILE_SUFFIX, l) != 0)) {
                *reason = "must name a file ending in " METRICS_FILE_SUFFIX
                          " (node_exporter's textfile collector reads no other)";
                return -EINVAL;
        }
        memcpy(ret, s, n);
        ret[n] = '\0';
        return 0;
}

/* A hint for the commonest mistake: a systemd-style config has no inline comments. */
static const char *comment_hint(const char *value)
{
        return strpbrk(value, "#;") ? " (comments must be on a line of their own)" : "";
}

static void set_key(struct parse_ctx *ctx, const struct key_def *k, const char *value)
{
        void *field = (char *)ctx->c + k->offset;
        char err[512];
        const char *reason = NULL;
        int r;

        switch (k->type) {
        case KEY_CGROUP: {
                char path[PATH_MAX];

                if (parse_cgroup(value, path, sizeof(path), &reason) < 0) {
                        config_error(ctx, "Cgroup=%s: %s", value, reason);
                        return;
                }
                strlcpy0(field, path, sizeof(ctx->c->cgroup));
                return;
        }
        case KEY_THRESHOLD: {
                struct threshold t = {.percent = strchr(value, '%') != NULL};

                r = t.percent ? parse_percent(value, &t.permyriad) : parse_size(value, &t.bytes);
                if (r < 0) {
                        config_error(ctx, "%s=%s: expected a percentage (5%%) or a size (512M)%s%s", k->name,
                                     value, r == -ERANGE ? ", out of range" : "", comment_hint(value));
                        return;
                }
                *(struct threshold *)field = t;
                return;
        }
        case KEY_HEADROOM:
                if (headroom_mode_from_string(value, (enum headroom_mode *)field) == 0)
                        return;
                config_error(ctx, "%s=%s: expected \"and\" or \"or\"%s", k->name, value,
                             comment_hint(value));
                return;
        case KEY_LEVEL: {
                uint32_t v;

                r = parse_percent(value, &v);
                if (r < 0) {
                        config_error(ctx, "%s=%s: expected a percentage of the window, 0%%..100%%%s",
                                     k->name, value, comment_hint(value));
                        return;
                }
                *(uint32_t *)field = v;
                return;
        }
        case KEY_DURATION: {
                char lo[32], hi[32];
                usec_t v;

                r = parse_duration(value, &v);
                if (r < 0 || v < k->min || v > k->max) {
                        config_error(ctx, "%s=%s: expected a time span from %s to %s (e.g. 2s, 500ms)%s",
                                     k->name, value, format_duration(lo, sizeof(lo), k->min),
                                     format_duration(hi, sizeof(hi), k->max), comment_hint(value));
                        return;
                }
                *(usec_t *)field = v;
                return;
        }
        case KEY_KILL_UNIT:
                if (kill_unit_from_string(value, field) < 0)
                        config_error(ctx, "%s=%s: expected process, process-group or cgroup%s", k->name,
                                     value, comment_hint(value));
                return;
        case KEY_BOOL:
                if (parse_bool(value, field) < 0)
                        config_error(ctx, "%s=%s: expected a boolean (yes/no, true/false, on/off, 1/0)%s",
                                     k->name, value, comment_hint(value));
                return;
        case KEY_CPUS:
                if (value[0] == '\0') {
                        ctx->c->reaper_cpus_set = false;
                        CPU_ZERO(&ctx->c->reaper_cpus);
                        return;
                }
                r = parse_cpus(value, field);
                if (r < 0) {
                        config_error(ctx, "%s=%s: expected a CPU list such as 0 or 0-1,3 (CPUs below %d)%s",
                                     k->name, value, CPU_SETSIZE, comment_hint(value));
                        return;
                }
                ctx->c->reaper_cpus_set = true;
                return;
        case KEY_INT:
        case KEY_SCHED_PRIORITY: {
                int v;

                r = parse_int(value, &v);
                if (r < 0 || v < k->imin || v > k->imax) {
                        config_error(ctx, "%s=%s: expected an integer from %" PRId64 " to %" PRId64 "%s",
                                     k->name, value, k->imin, k->imax, comment_hint(value));
                        return;
                }
                *(int *)field = v;
                if (k->type == KEY_SCHED_PRIORITY)
                        snprintf(ctx->sched_where, sizeof(ctx->sched_where), "%s:%u", ctx->file, ctx->line);
                return;
        }
        case KEY_THREADS: {
                int v;

                if (streq(value, "auto")) {
                        *(unsigned *)field = 0;
                        return;
                }
                r = parse_int(value, &v);
                if (r < 0 || v < 0 || (uint64_t)v > k->max) {
                        config_error(ctx,
                                     "%s=%s: expected auto, or a number of threads from %" PRIu64
                                     " to %" PRIu64 "%s",
                                     k->name, value, k->min, k->max, comment_hint(value));
                        return;
                }
                *(unsigned *)field = (unsigned)v; /* 0 is auto too */
                return;
        }
        case KEY_SCHED_POLICY:
                if (config_sched_policy_from_string(value, (int *)field) == 0) {
                        snprintf(ctx->sched_where, sizeof(ctx->sched_where), "%s:%u", ctx->file, ctx->line);
                        return;
                }
                config_error(ctx, "%s=%s: expected other, fifo or rr%s", k->name, value,
                             comment_hint(value));
                return;
        case KEY_RULE:
                if (value[0] == '\0') {
                        policy_clear_action(&ctx->c->policy, k->action);
                        return;
                }
                if (policy_add_rule(&ctx->c->policy, k->action, value, err, sizeof(err)) < 0)
                        config_error(ctx, "%s=%s: %s", k->name, value, err);
                return;
        case KEY_DIRECTORY:
        case KEY_METRICS_FILE: {
                char path[PATH_MAX];

                if (parse_path(value, k->type == KEY_METRICS_FILE, path, &reason) < 0) {
                        config_error(ctx, "%s=%s: %s%s", k->name, value, reason, comment_hint(value));
                        return;
                }
                strlcpy0(field, path, PATH_MAX);
                return;
        }
        case KEY_LOG_LEVEL:
                if (parse_log_level(value, field) < 0)
                        config_error(ctx,
                                     "%s=%s: expected emerg, alert, crit, err, warning, notice, info, debug "
                                     "or 0..7%s",
                                     k->name, value, comment_hint(value));
                return;
        }
}

void config_key_set(struct parse_ctx *ctx, const char *section, const char *name, const char *value)
{
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (streq(section, keys[i].section) && streq(name, keys[i].name)) {
                        set_key(ctx, &keys[i], value);
                        return;
                }
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (streq(name, keys[i].name)) {
                        config_error(ctx, "unknown key %s= in [%s], it belongs in [%s]", name, section,
                                     keys[i].section);
                        return;
                }
        config_error(ctx, "unknown key %s= in [%s]", name, section);
}

/*
 * Rules go out in their original order, all at the first rule key: the first matching Prefer=
 * or Avoid= decides, so regrouping them by key would change what a dump means.
 */
static void dump_rules(const struct reapd_config *c, enum policy_action action, FILE *f)
{
        bool any = false;

        for (size_t j = 0; j < c->policy.n_rules; j++)
                any = any || c->policy.rules[j].action == action;
        if (!any)
                fprintf(f, "#%s=\n", policy_action_to_string(action));
        if (action != POLICY_IGNORE)
                return;
        for (size_t j = 0; j < c->policy.n_rules; j++)
                fprintf(f, "%s=%s\n", policy_action_to_string(c->policy.rules[j].action),
                        c->policy.rules[j].spec);
}

void config_dump(const struct reapd_config *c, FILE *f)
{
        const char *section = NULL;

        fputs("# reapd effective configuration (built-in defaults, then the files, in order)\n", f);
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const struct key_def *k = &keys[i];
                const void *field = (const char *)c + k->offset;
                char buf[PATH_MAX + 64];

                if (!streq(section, k->section)) {
                        fprintf(f, "%s[%s]\n", section ? "\n" : "", k->section);
                        section = k->section;
                }
                switch (k->type) {
                case KEY_CGROUP:
                        fprintf(f, "%s=%s\n", k->name, c->cgroup);
                        break;
                case KEY_THRESHOLD:
                        fprintf(f, "%s=%s\n", k->name, config_format_threshold(buf, sizeof(buf), field));
                        break;
                case KEY_HEADROOM:
                        fprintf(f, "%s=%s\n", k->name, headroom_mode_to_string(c->headroom_mode));
                        break;
                case KEY_LEVEL:
                        fprintf(f, "%s=%s\n", k->name,
                                format_percent(buf, sizeof(buf), *(const uint32_t *)field));
                        break;
                case KEY_DURATION:
                        fprintf(f, "%s=%s\n", k->name,
                                format_duration(buf, sizeof(buf), *(const usec_t *)field));
                        break;
                case KEY_KILL_UNIT:
                        fprintf(f, "%s=%s\n", k->name, kill_unit_to_string(c->kill_unit));
                        break;
                case KEY_BOOL:
                        fprintf(f, "%s=%s\n", k->name, *(const bool *)field ? "yes" : "no");
                        break;
                case KEY_CPUS:
                        fprintf(f, "%s=%s\n", k->name,
                                c->reaper_cpus_set ? config_format_cpus(buf, sizeof(buf), &c->reaper_cpus)
                                                   : "");
                        break;
                case KEY_INT:
                case KEY_SCHED_PRIORITY:
                        fprintf(f, "%s=%d\n", k->name, *(const int *)field);
                        break;
                case KEY_THREADS:
                        if (*(const unsigned *)field == 0)
                                fprintf(f, "%s=auto\n", k->name);
                        else
                                fprintf(f, "%s=%u\n", k->name, *(const unsigned *)field);
                        break;
                case KEY_SCHED_POLICY:
                        fprintf(f, "%s=%s\n", k->name,
                                config_sched_policy_to_string(c->reaper_sched_policy));
                        break;
                case KEY_RULE:
                        dump_rules(c, k->action, f);
                        break;
                case KEY_DIRECTORY:
                case KEY_METRICS_FILE:
                        fprintf(f, "%s=%s\n", k->name, (const char *)field);
                        break;
                case KEY_LOG_LEVEL: {
                        const char *s = config_log_level_to_string(c->log_level);

                        if (s)
                                fprintf(f, "%s=%s\n", k->name, s);
                        else
                                fprintf(f, "%s=%d\n", k->name, c->log_level);
                        break;
                }
                }
        }
}