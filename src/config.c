/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.c - /etc/reapd.conf and /etc/reapd.conf.d/\*.conf: reading, defaults, copy and compare */

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "config-internal.h"

/*
 * Syntax, as in systemd's unit files: "[Section]", "Key=value" (blanks around both are
 * dropped), comments are whole lines starting with '#' or ';'. There are no inline comments:
 * "Prefer=a;b #x" is the regex "a;b #x", since both characters are legal in regexes, cgroup
 * names and command lines. No continuation lines, no "Key: value", no length limit. A short
 * parser of our own: libinih would need a check of its every line for what it reads otherwise
 * (inline ';' comments, "name: value", indented lines continuing the previous value, lines
 * longer than its buffer split in two, section headers with text after the ']'), and its
 * handler gets no line number.
 */

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
                .prekill_timeout = CONFIG_PREKILL_TIMEOUT_USEC,
                .prekill_directory = CONFIG_PREKILL_DIRECTORY,
                .log_level = LOG_INFO,
                .dbus = true,
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
            a->reaper_sched_priority != b->reaper_sched_priority || a->reaper_threads != b->reaper_threads ||
            a->prekill_timeout != b->prekill_timeout || !streq(a->prekill_directory, b->prekill_directory))
                return false;
        if (a->dbus != b->dbus || !streq(a->metrics_file, b->metrics_file))
                return false;
        if (a->policy.prefer_adjust != b->policy.prefer_adjust ||
            a->policy.avoid_adjust != b->policy.avoid_adjust ||
            a->policy.honor_xattrs != b->policy.honor_xattrs)
                return false;
        return rules_equal(&a->policy, &b->policy) && a->log_level == b->log_level;
}

_printf_(2, 3) void config_error(struct parse_ctx *ctx, const char *fmt, ...)
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

/*
 * One physical line. @section is the current section: "" before any, NULL after a bad header
 * (reported there; its keys would only add noise).
 */
static void parse_line(struct parse_ctx *ctx, char *line, char *section, size_t section_size, bool *bad)
{
        char *s = strip(line), *eq, *key;
        size_t klen;

        if (s[0] == '\0' || s[0] == '#' || s[0] == ';')
                return;
        if (s[0] == '[') {
                size_t l = strlen(s);

                *bad = true;
                if (l < 3 || s[l - 1] != ']' || strpbrk(s + 1, "[]") != s + l - 1) {
                        config_error(ctx,
                                     "invalid section header %s, expected [Monitor], [Kill], [Policy] or "
                                     "[Daemon]",
                                     s);
                        return;
                }
                s[l - 1] = '\0';
                if (!config_section_known(s + 1)) {
                        config_error(
                                ctx,
                                "unknown section [%s], expected [Monitor], [Kill], [Policy] or [Daemon]",
                                s + 1);
                        return;
                }
                strlcpy0(section, s + 1, section_size);
                *bad = false;
                return;
        }
        eq = strchr(s, '=');
        if (!eq || eq == s) {
                config_error(ctx, "expected Key=value, a [Section] or a comment, got \"%s\"", s);
                return;
        }
        klen = (size_t)(eq - s);
        while (klen > 0 && isspace((unsigned char)s[klen - 1]))
                klen--;
        if (strcspn(s, ":[] \t") < klen) {
                config_error(ctx, "invalid key name \"%.*s\"", (int)klen, s);
                return;
        }
        key = s;
        key[klen] = '\0';
        if (*bad)
                return;
        if (section[0] == '\0') {
                config_error(ctx,
                             "%s= outside of any section, expected [Monitor], [Kill], [Policy] or [Daemon] "
                             "first",
                             key);
                return;
        }
        config_key_set(ctx, section, key, strip(eq + 1));
}

/*
 * Parses one file into ctx->c. Returns 0 (errors, if any, counted in ctx), -ENOENT if the
 * file does not exist, or another negative errno if it cannot be read.
 */
static int parse_file(struct parse_ctx *ctx, const char *path)
{
        _cleanup_(freep) char *buf = NULL;
        char section[16] = "";
        bool bad = false;
        size_t size = 0;
        struct stat st;
        ssize_t n;
        FILE *f;
        int r = 0;

        f = fopen(path, "re");
        if (!f)
                return -errno;
        if (fstat(fileno(f), &st) < 0)
                r = -errno;
        else if (S_ISDIR(st.st_mode))
                r = -EISDIR;
        ctx->file = path;
        ctx->line = 0;
        while (r == 0 && (errno = 0, n = getline(&buf, &size, f)) >= 0) {
                char *s = buf;

                ctx->line++;
                if (ctx->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
                        s += 3; /* UTF-8 byte order mark */
                if (strlen(buf) != (size_t)n)
                        config_error(ctx, "line contains a NUL byte, ignoring the line");
                else
                        parse_line(ctx, s, section, sizeof(section), &bad);
        }
        if (r == 0 && (ferror(f) || errno == ENOMEM))
                r = errno == ENOMEM ? -ENOMEM : -EIO;
        fclose(f);
        return r;
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

        if (ctx.n_errors == 0)
                check_consistency(&ctx);
        if (ctx.n_errors > 0) {
                config_done(&c);
                return io_error ? io_error : -EINVAL;
        }
        *ret = c;
        return 0;
}
