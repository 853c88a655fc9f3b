/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.c - /etc/reapd.conf and /etc/reapd.conf.d/\*.conf: parsing (libinih), checks and dump */

#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <ini.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "config.h"

/*
 * Syntax, as in systemd's unit files: "[Section]", "Key=value", comments are whole lines
 * starting with '#' or ';'. There are no inline comments: "Prefer=a;b #x" is the regex
 * "a;b #x", since both characters are legal in regexes, cgroup names and command lines.
 * No continuation lines either. libinih splits the lines; config_reader() below feeds it one
 * physical line at a time, already checked and normalized, so every diagnostic carries the
 * line number (inih 55's handler does not get one) and inih's own quirks stay out of reach:
 * "name: value" pairs, inline ';' comments, indented continuation lines, lines longer than
 * its 200-byte buffer (which it would split into two lines).
 */

/*
 * Debian's libinih exports its compile-time switches as variables. Declared weak so that a
 * build against an upstream inih, which lacks them, still links; config_reader() then
 * rejects the one construct that inih would misread (whitespace followed by ';').
 */
#pragma weak ini_allow_inline_comments
#pragma weak ini_allow_multiline
extern bool ini_allow_inline_comments;
extern bool ini_allow_multiline;

/* What config_reader() hands inih instead of a value that does not fit inih's line buffer. */
#define LONG_VALUE_MARKER "\x01"
/* Section name given to inih for a bad "[...]" line: its keys are skipped, already reported. */
#define BAD_SECTION "\x01"
/* inih 55 keeps at most 50 bytes of a key (MAX_NAME); ours are far shorter. */
#define KEY_NAME_MAX 48

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

static const char *const kill_unit_names[_KILL_UNIT_MAX] = {
        [KILL_UNIT_PROCESS] = "process",
        [KILL_UNIT_PROCESS_GROUP] = "process-group",
        [KILL_UNIT_CGROUP] = "cgroup",
};

static const char *const headroom_names[_HEADROOM_MODE_MAX] = {
        [HEADROOM_AND] = "and",
        [HEADROOM_OR] = "or",
};

static const char *const log_level_names[] = {
        [LOG_EMERG] = "emerg",     [LOG_ALERT] = "alert",   [LOG_CRIT] = "crit", [LOG_ERR] = "err",
        [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

static const struct {
        const char *name;
        int policy;
} sched_policies[] = {
        {"other", SCHED_OTHER},
        {"fifo", SCHED_FIFO},
        {"rr", SCHED_RR},
};

const char *kill_unit_to_string(enum kill_unit u)
{
        return u < _KILL_UNIT_MAX ? kill_unit_names[u] : NULL;
}

int kill_unit_from_string(const char *s, enum kill_unit *ret)
{
        for (enum kill_unit u = 0; u < _KILL_UNIT_MAX; u++)
                if (streq(s, kill_unit_names[u])) {
                        *ret = u;
                        return 0;
                }
        return -EINVAL;
}

const char *headroom_mode_to_string(enum headroom_mode m)
{
        return m < _HEADROOM_MODE_MAX ? headroom_names[m] : NULL;
}

const char *config_sched_policy_to_string(int policy)
{
        for (size_t i = 0; i < ELEMENTSOF(sched_policies); i++)
                if (sched_policies[i].policy == policy)
                        return sched_policies[i].name;
        return NULL;
}

const char *config_log_level_to_string(int level)
{
        return level >= 0 && (size_t)level < ELEMENTSOF(log_level_names) ? log_level_names[level] : NULL;
}

uint64_t threshold_bytes(const struct threshold *t, uint64_t total)
{
        if (!t->percent)
                return t->bytes;
        /* 128-bit to stay exact for totals up to exabytes */
        return (uint64_t)((unsigned __int128)total * t->permyriad / PERMYRIAD_MAX);
}

void config_init(struct reapd_config *c)
{
        *c = (struct reapd_config){
                .min_available = {.percent = true, .permyriad = CONFIG_MIN_AVAILABLE_PERMYRIAD},
                .min_swap_free = {.percent = true, .permyriad = CONFIG_MIN_SWAP_FREE_PERMYRIAD},
                .headroom_mode = HEADROOM_AND,
                .pressure_some = CONFIG_PRESSURE_SOME_PERMYRIAD,
                .pressure_full = CONFIG_PRESSURE_FULL_PERMYRIAD,
                .pressure_window = CONFIG_PRESSURE_WINDOW_USEC,
                .pressure_duration = CONFIG_PRESSURE_DURATION_USEC,
                .pressure_poll_interval = CONFIG_PRESSURE_POLL_USEC,
                .kill_unit = KILL_UNIT_PROCESS,
                .release = true,
                .kill_timeout = CONFIG_KILL_TIMEOUT_USEC,
                .reaper_sched_policy = SCHED_OTHER,
                .log_level = LOG_INFO,
        };
        policy_init(&c->policy);
}

void config_done(struct reapd_config *c)
{
        policy_done(&c->policy);
}

int config_copy(const struct reapd_config *src, struct reapd_config *ret)
{
        struct policy p;
        int r;

        r = policy_copy(&p, &src->policy);
        if (r < 0)
                return r;
        *ret = *src;
        ret->policy = p;
        return 0;
}

static bool threshold_equal(const struct threshold *a, const struct threshold *b)
{
        return a->percent == b->percent &&
               (a->percent ? a->permyriad == b->permyriad : a->bytes == b->bytes);
}

/* In order: the first matching Prefer=/Avoid= rule decides, whichever list it came from. */
static bool rules_equal(const struct policy *a, const struct policy *b)
{
        if (a->n_rules != b->n_rules)
                return false;
        for (size_t i = 0; i < a->n_rules; i++)
                if (a->rules[i].action != b->rules[i].action || !streq(a->rules[i].spec, b->rules[i].spec))
                        return false;
        return true;
}

bool config_equal(const struct reapd_config *a, const struct reapd_config *b)
{
        if (!streq(a->cgroup, b->cgroup) || !threshold_equal(&a->min_available, &b->min_available) ||
            !threshold_equal(&a->min_swap_free, &b->min_swap_free) || a->headroom_mode != b->headroom_mode ||
            a->pressure_some != b->pressure_some || a->pressure_full != b->pressure_full ||
            a->pressure_window != b->pressure_window || a->pressure_duration != b->pressure_duration ||
            a->pressure_poll_interval != b->pressure_poll_interval)
                return false;
        if (a->kill_unit != b->kill_unit || a->dry_run != b->dry_run || a->release != b->release ||
            a->kill_timeout != b->kill_timeout || a->reaper_cpus_set != b->reaper_cpus_set ||
            (a->reaper_cpus_set && !CPU_EQUAL(&a->reaper_cpus, &b->reaper_cpus)) ||
            a->reaper_nice != b->reaper_nice || a->reaper_sched_policy != b->reaper_sched_policy ||
            a->reaper_sched_priority != b->reaper_sched_priority)
                return false;
        if (a->policy.prefer_adjust != b->policy.prefer_adjust ||
            a->policy.avoid_adjust != b->policy.avoid_adjust ||
            a->policy.honor_xattrs != b->policy.honor_xattrs)
                return false;
        return rules_equal(&a->policy, &b->policy) && a->log_level == b->log_level;
}

char *config_format_size(char *buf, size_t size, uint64_t bytes)
{
        static const char suffixes[] = "KMGTP";
        int i;

        /* The largest unit that divides exactly, so that a dump parses back to the same value. */
        for (i = (int)sizeof(suffixes) - 2; i >= 0; i--) {
                uint64_t unit = UINT64_C(1) << (10 * (i + 1));

                if (bytes >= unit && bytes % unit == 0) {
                        snprintf(buf, size, "%" PRIu64 "%c", bytes / unit, suffixes[i]);
                        return buf;
                }
        }
        snprintf(buf, size, "%" PRIu64, bytes);
        return buf;
}

char *config_format_threshold(char *buf, size_t size, const struct threshold *t)
{
        return t->percent ? format_percent(buf, size, t->permyriad)
                          : config_format_size(buf, size, t->bytes);
}

char *config_format_cpus(char *buf, size_t size, const cpu_set_t *set)
{
        size_t n = 0;

        if (size == 0)
                return buf;
        buf[0] = '\0';
        for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
                int last = cpu;
                int k;

                if (!CPU_ISSET(cpu, set))
                        continue;
                while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, set))
                        last++;
                if (last == cpu)
                        k = snprintf(buf + n, size - n, "%s%d", n ? "," : "", cpu);
                else
                        k = snprintf(buf + n, size - n, "%s%d-%d", n ? "," : "", cpu, last);
                if (k < 0 || (size_t)k >= size - n) {
                        buf[n] = '\0'; /* no half-written range: only whole items */
                        break;
                }
                n += (size_t)k;
                cpu = last;
        }
        return buf;
}

/* ---- value parsers: each returns 0 or a negative errno, and writes a reason on failure ---- */

struct parse_ctx {
        struct reapd_config *c;
        FILE *errors;
        const char *file;
        FILE *f;
        unsigned line; /* physical line being parsed */
        bool line_done; /* the previous reader chunk ended the line */
        char *buf; /* getline() buffer */
        size_t bufsize;
        char *long_value; /* this line's value when it did not fit inih's buffer */
        unsigned n_errors;
        /* Where ReaperSchedPolicy=/ReaperPriority= were last set, for the cross-check. */
        char sched_where[PATH_MAX + 32];
};

_printf_(2, 3) static void parse_error(struct parse_ctx *ctx, const char *fmt, ...)
{
        va_list ap;

        ctx->n_errors++;
        if (!ctx->errors)
                return;
        fprintf(ctx->errors, "%s:%u: ", ctx->file, ctx->line);
        va_start(ap, fmt);
        vfprintf(ctx->errors, fmt, ap);
        va_end(ap);
        fputc('\n', ctx->errors);
}

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
        KEY_RULE,
        KEY_LOG_LEVEL,
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
        {"Policy", "Prefer", KEY_RULE, 0, 0, 0, 0, 0, POLICY_PREFER},
        {"Policy", "Avoid", KEY_RULE, 0, 0, 0, 0, 0, POLICY_AVOID},
        {"Policy", "Ignore", KEY_RULE, 0, 0, 0, 0, 0, POLICY_IGNORE},
        {"Policy", "PreferAdjust", KEY_INT, FIELD(policy.prefer_adjust), 0, 0, 0, ADJUST_MAX},
        {"Policy", "AvoidAdjust", KEY_INT, FIELD(policy.avoid_adjust), 0, 0, 0, ADJUST_MAX},
        {"Policy", "HonorCgroupXattrs", KEY_BOOL, FIELD(policy.honor_xattrs)},
        {"Daemon", "LogLevel", KEY_LOG_LEVEL, FIELD(log_level)},
};

static const char *const sections[] = {"Monitor", "Kill", "Policy", "Daemon"};

static bool section_known(const char *s)
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

        for (size_t i = 0; i < ELEMENTSOF(log_level_names); i++)
                if (streq(s, log_level_names[i])) {
                        *ret = (int)i;
                        return 0;
                }
        if (parse_int(s, &v) < 0 || v < LOG_EMERG || v > LOG_DEBUG)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* A cgroup2 path: "" or "/" for system-wide, else absolute, without "." or ".." components. */
static int parse_cgroup(const char *s, char *ret, size_t size, const char **reason)
{
        size_t n = strlen(s);

        while (n > 1 && s[n - 1] == '/')
                n--;
        if (n == 0 || (n == 1 && s[0] == '/')) {
                ret[0] = '\0';
                return 0;
        }
        if (s[0] != '/') {
                *reason = "must be an absolute cgroup2 path such as /system.slice, or empty";
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
                        parse_error(ctx, "Cgroup=%s: %s", value, reason);
                        return;
                }
                strlcpy0(field, path, sizeof(ctx->c->cgroup));
                return;
        }
        case KEY_THRESHOLD: {
                struct threshold t = {.percent = strchr(value, '%') != NULL};

                r = t.percent ? parse_percent(value, &t.permyriad) : parse_size(value, &t.bytes);
                if (r < 0) {
                        parse_error(ctx, "%s=%s: expected a percentage (5%%) or a size (512M)%s%s", k->name,
                                    value, r == -ERANGE ? ", out of range" : "", comment_hint(value));
                        return;
                }
                *(struct threshold *)field = t;
                return;
        }
        case KEY_HEADROOM:
                for (enum headroom_mode m = 0; m < _HEADROOM_MODE_MAX; m++)
                        if (streq(value, headroom_names[m])) {
                                *(enum headroom_mode *)field = m;
                                return;
                        }
                parse_error(ctx, "%s=%s: expected \"and\" or \"or\"%s", k->name, value, comment_hint(value));
                return;
        case KEY_LEVEL: {
                uint32_t v;

                r = parse_percent(value, &v);
                if (r < 0) {
                        parse_error(ctx, "%s=%s: expected a percentage of the window, 0%%..100%%%s", k->name,
                                    value, comment_hint(value));
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
                        parse_error(ctx, "%s=%s: expected a time span from %s to %s (e.g. 2s, 500ms)%s",
                                    k->name, value, format_duration(lo, sizeof(lo), k->min),
                                    format_duration(hi, sizeof(hi), k->max), comment_hint(value));
                        return;
                }
                *(usec_t *)field = v;
                return;
        }
        case KEY_KILL_UNIT:
                if (kill_unit_from_string(value, field) < 0)
                        parse_error(ctx, "%s=%s: expected process, process-group or cgroup%s", k->name,
                                    value, comment_hint(value));
                return;
        case KEY_BOOL:
                if (parse_bool(value, field) < 0)
                        parse_error(ctx, "%s=%s: expected a boolean (yes/no, true/false, on/off, 1/0)%s",
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
                        parse_error(ctx, "%s=%s: expected a CPU list such as 0 or 0-1,3 (CPUs below %d)%s",
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
                        parse_error(ctx, "%s=%s: expected an integer from %" PRId64 " to %" PRId64 "%s",
                                    k->name, value, k->imin, k->imax, comment_hint(value));
                        return;
                }
                *(int *)field = v;
                if (k->type == KEY_SCHED_PRIORITY)
                        snprintf(ctx->sched_where, sizeof(ctx->sched_where), "%s:%u", ctx->file, ctx->line);
                return;
        }
        case KEY_SCHED_POLICY:
                for (size_t i = 0; i < ELEMENTSOF(sched_policies); i++)
                        if (streq(value, sched_policies[i].name)) {
                                *(int *)field = sched_policies[i].policy;
                                snprintf(ctx->sched_where, sizeof(ctx->sched_where), "%s:%u", ctx->file,
                                         ctx->line);
                                return;
                        }
                parse_error(ctx, "%s=%s: expected other, fifo or rr%s", k->name, value, comment_hint(value));
                return;
        case KEY_RULE:
                if (value[0] == '\0') {
                        policy_clear_action(&ctx->c->policy, k->action);
                        return;
                }
                if (policy_add_rule(&ctx->c->policy, k->action, value, err, sizeof(err)) < 0)
                        parse_error(ctx, "%s=%s: %s", k->name, value, err);
                return;
        case KEY_LOG_LEVEL:
                if (parse_log_level(value, field) < 0)
                        parse_error(ctx,
                                    "%s=%s: expected emerg, alert, crit, err, warning, notice, info, debug "
                                    "or 0..7%s",
                                    k->name, value, comment_hint(value));
                return;
        }
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
        struct parse_ctx *ctx = user;

        if (streq(value, LONG_VALUE_MARKER) && ctx->long_value)
                value = ctx->long_value;
        if (section[0] == '\0') {
                parse_error(ctx,
                            "%s= outside of any section, expected [Monitor], [Kill], [Policy] or [Daemon] "
                            "first",
                            name);
                return 1;
        }
        if (!section_known(section))
                return 1; /* the header was reported, its keys would only add noise */
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (streq(section, keys[i].section) && streq(name, keys[i].name)) {
                        set_key(ctx, &keys[i], value);
                        return 1;
                }
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (streq(name, keys[i].name)) {
                        parse_error(ctx, "unknown key %s= in [%s], it belongs in [%s]", name, section,
                                    keys[i].section);
                        return 1;
                }
        parse_error(ctx, "unknown key %s= in [%s]", name, section);
        return 1; /* keep going: report every error of the file */
}

static char *strip(char *s)
{
        char *e;

        while (isspace((unsigned char)*s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1]))
                *--e = '\0';
        return s;
}

static char *emit(char *str, int num, const char *line)
{
        snprintf(str, (size_t)num, "%s\n", line);
        return str;
}

/* Called by inih for each line; see the comment at the top. Never returns a partial line. */
static char *config_reader(char *str, int num, void *stream)
{
        struct parse_ctx *ctx = stream;
        char *s, *eq;
        size_t klen;
        ssize_t n;

        free(ctx->long_value);
        ctx->long_value = NULL;
        n = getline(&ctx->buf, &ctx->bufsize, ctx->f);
        if (n < 0)
                return NULL;
        ctx->line++;
        s = ctx->buf;
        if (ctx->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
                s += 3; /* UTF-8 byte order mark */
        if (strlen(ctx->buf) != (size_t)n) {
                parse_error(ctx, "line contains a NUL byte, ignoring the line");
                return emit(str, num, "");
        }
        s = strip(s);
        if (s[0] == '\0' || s[0] == '#' || s[0] == ';')
                return emit(str, num, "");
        if (s[0] == '[') {
                size_t l = strlen(s);

                if (l < 3 || s[l - 1] != ']' || (size_t)num < l + 2 || strpbrk(s + 1, "[]") != s + l - 1) {
                        parse_error(ctx,
                                    "invalid section header %s, expected [Monitor], [Kill], [Policy] or "
                                    "[Daemon]",
                                    s);
                        return emit(str, num, "[" BAD_SECTION "]");
                }
                s[l - 1] = '\0';
                if (!section_known(s + 1)) {
                        parse_error(ctx,
                                    "unknown section [%s], expected [Monitor], [Kill], [Policy] or [Daemon]",
                                    s + 1);
                        return emit(str, num, "[" BAD_SECTION "]");
                }
                s[l - 1] = ']';
                return emit(str, num, s);
        }
        eq = strchr(s, '=');
        if (!eq || eq == s) {
                parse_error(ctx, "expected Key=value, a [Section] or a comment, got \"%s\"", s);
                return emit(str, num, "");
        }
        klen = (size_t)(eq - s);
        while (klen > 0 && isspace((unsigned char)s[klen - 1]))
                klen--;
        if (klen > KEY_NAME_MAX || strcspn(s, ":[] \t") < klen) {
                parse_error(ctx, "invalid key name \"%.*s\"", (int)klen, s);
                return emit(str, num, "");
        }
        if (!&ini_allow_inline_comments && (strstr(eq, " ;") || strstr(eq, "\t;"))) {
                parse_error(ctx,
                            "whitespace before ';' in a value is not supported with this libinih build");
                return emit(str, num, "");
        }
        if (strlen(s) + 2 > (size_t)num) {
                /* Give inih "Key=<marker>" and the handler the real value. */
                ctx->long_value = strdup(strip(eq + 1));
                if (!ctx->long_value) {
                        parse_error(ctx, "out of memory");
                        return emit(str, num, "");
                }
                snprintf(str, (size_t)num, "%.*s=" LONG_VALUE_MARKER "\n", (int)klen, s);
                return str;
        }
        return emit(str, num, s);
}

/*
 * Parses one file into ctx->c. Returns 0 (errors, if any, counted in ctx), -ENOENT if the
 * file does not exist, or another negative errno if it cannot be read.
 */
static int parse_file(struct parse_ctx *ctx, const char *path)
{
        struct stat st;
        int r;

        ctx->f = fopen(path, "re");
        if (!ctx->f)
                return -errno;
        if (fstat(fileno(ctx->f), &st) < 0)
                r = -errno;
        else if (S_ISDIR(st.st_mode))
                r = -EISDIR;
        else
                r = 0;
        if (r < 0) {
                fclose(ctx->f);
                ctx->f = NULL;
                return r;
        }
        ctx->file = path;
        ctx->line = 0;
        r = ini_parse_stream(config_reader, ctx, config_handler, ctx);
        if (r > 0)
                parse_error(ctx, "syntax error"); /* not reached: config_reader() hands inih clean lines */
        else if (r < 0)
                r = -ENOMEM;
        else if (ferror(ctx->f))
                r = -EIO;
        free(ctx->long_value);
        ctx->long_value = NULL;
        fclose(ctx->f);
        ctx->f = NULL;
        return r < 0 ? r : 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dropin_name(const char *n)
{
        size_t l = strlen(n);

        /* Hidden files are editor and package manager leftovers, as in systemd. */
        return n[0] != '.' && l > 5 && streq(n + l - 5, ".conf");
}

/* Lists "@dir/\*.conf" in strcmp() order into @ret. A missing directory is an empty list. */
static int list_dropins(const char *dir, char ***ret, size_t *ret_n)
{
        DIR *d = opendir(dir);
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        int r = 0;

        if (!d) {
                if (errno == ENOENT) {
                        *ret = NULL;
                        *ret_n = 0;
                        return 0;
                }
                return -errno;
        }
        while ((errno = 0, de = readdir(d))) {
                char **nn;
                char *p;

                if (!is_dropin_name(de->d_name))
                        continue;
                if (asprintf(&p, "%s/%s", dir, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                nn = realloc(names, (n + 1) * sizeof(*names));
                if (!nn) {
                        free(p);
                        r = -ENOMEM;
                        break;
                }
                names = nn;
                names[n++] = p;
        }
        if (r == 0 && errno)
                r = -errno;
        closedir(d);
        if (r < 0) {
                while (n > 0)
                        free(names[--n]);
                free(names);
                return r;
        }
        if (n > 0)
                qsort(names, n, sizeof(*names), cmp_str);
        *ret = names;
        *ret_n = n;
        return 0;
}

/* Checks between keys, once every file is in: later files may fix what earlier ones set. */
static void check_consistency(struct parse_ctx *ctx)
{
        const struct reapd_config *c = ctx->c;
        const char *where = ctx->sched_where[0] ? ctx->sched_where : "(defaults)";
        bool rt = c->reaper_sched_policy == SCHED_FIFO || c->reaper_sched_policy == SCHED_RR;

        if (rt && c->reaper_sched_priority == 0) {
                ctx->n_errors++;
                if (ctx->errors)
                        fprintf(ctx->errors, "%s: ReaperSchedPolicy=%s needs ReaperPriority= from 1 to 99\n",
                                where, config_sched_policy_to_string(c->reaper_sched_policy));
        } else if (!rt && c->reaper_sched_priority != 0) {
                ctx->n_errors++;
                if (ctx->errors)
                        fprintf(ctx->errors,
                                "%s: ReaperPriority=%d needs ReaperSchedPolicy=fifo or rr (it is other)\n",
                                where, c->reaper_sched_priority);
        }
}

static void report_io(struct parse_ctx *ctx, const char *path, int r, int *first)
{
        ctx->n_errors++;
        if (ctx->errors)
                fprintf(ctx->errors, "%s: cannot read: %s\n", path, strerror(-r));
        if (*first == 0)
                *first = r;
}

int config_load(const char *path, FILE *errors, struct reapd_config *ret)
{
        struct reapd_config c;
        struct parse_ctx ctx = {.c = &c, .errors = errors};
        char **dropins = NULL;
        size_t n_dropins = 0;
        char *dir = NULL;
        int io_error = 0, r;

        if (!path || !ret)
                return -EINVAL;
        if (&ini_allow_inline_comments)
                ini_allow_inline_comments = false;
        if (&ini_allow_multiline)
                ini_allow_multiline = false;

        config_init(&c);
        r = parse_file(&ctx, path);
        if (r < 0 && r != -ENOENT)
                report_io(&ctx, path, r, &io_error);

        if (asprintf(&dir, "%s.d", path) < 0) {
                config_done(&c);
                return -ENOMEM;
        }
        r = list_dropins(dir, &dropins, &n_dropins);
        if (r < 0)
                report_io(&ctx, dir, r, &io_error);
        for (size_t i = 0; i < n_dropins; i++) {
                r = parse_file(&ctx, dropins[i]);
                /* -ENOENT: removed since readdir(), or a dangling symlink; -EISDIR: not a file */
                if (r < 0 && r != -ENOENT && r != -EISDIR)
                        report_io(&ctx, dropins[i], r, &io_error);
                free(dropins[i]);
        }
        free(dropins);
        free(dir);
        free(ctx.buf);

        if (ctx.n_errors == 0)
                check_consistency(&ctx);
        if (ctx.n_errors > 0) {
                config_done(&c);
                return io_error ? io_error : -EINVAL;
        }
        *ret = c;
        return 0;
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
                case KEY_SCHED_POLICY:
                        fprintf(f, "%s=%s\n", k->name,
                                config_sched_policy_to_string(c->reaper_sched_policy));
                        break;
                case KEY_RULE:
                        dump_rules(c, k->action, f);
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
