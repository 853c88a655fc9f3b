/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl-kills.c - reapctl kills: the kill records in the journal, matched on their MESSAGE_ID */

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "ctl.h"
#include "instance.h"
#include "json.h"
#include "report.h"
#include "util.h"

/* Fields shown, in this order, in the JSON objects; numbers are emitted unquoted. */
static const struct {
        const char *field;
        const char *key;
        bool number;
} kill_fields[] = {
        {"VICTIM_PID", "pid", true},
        {"VICTIM_COMM", "comm", false},
        {"VICTIM_UID", "uid", true},
        {"VICTIM_CGROUP", "cgroup", false},
        {"VICTIM_STARTTIME", "starttime", true},
        {"BADNESS", "badness", true},
        {"OOM_SCORE_ADJ", "oom_score_adj", true},
        {"RSS_KB", "rss_kb", true},
        {"SWAP_KB", "swap_kb", true},
        {"PGTABLES_KB", "pgtables_kb", true},
        {"KILL_UNIT", "kill_unit", false},
        {"KILLED_COUNT", "killed_count", true},
        {"MM_SHARERS_KILLED", "mm_sharers_killed", true},
        {"MM_SHARERS_ERRNO", "mm_sharers_errno", true},
        {"TRIGGER", "trigger", false},
        {"PRESSURE_SOME_AVG10", "pressure_some_avg10", true},
        {"PRESSURE_FULL_AVG10", "pressure_full_avg10", true},
        {"MEM_AVAILABLE_KB", "mem_available_kb", true},
        {"SWAP_FREE_KB", "swap_free_kb", true},
        {"RESULT", "result", false},
        {"ERRNO", "errno", true},
        {"KILL_USEC", "kill_usec", true},
        {"RELEASE_USEC", "release_usec", true},
        {"EXIT_USEC", "exit_usec", true},
        {"RELEASED_KB", "released_kb", true},
        {"RELEASED_BY", "released_by", false},
        {"RELEASED_COUNT", "released_count", true},
        {"RELEASE_THREADS", "release_threads", true},
        {"DRY_RUN", "dry_run", true},
        {"INSTANCE", "instance", false},
        {"MESSAGE", "message", false},
};

static void help(void)
{
        printf("Usage: reapctl kills [OPTIONS]\n"
               "\n"
               "List the kills reapd recorded in the journal (MESSAGE_ID=%s).\n"
               "\n"
               "  --since=TIME        Only records newer than TIME: \"YYYY-MM-DD [HH:MM[:SS]]\",\n"
               "                      or a span ago such as \"1h\", \"30min\", \"2d\"\n"
               "  --json              One JSON array, oldest first\n"
               "  -D --directory=DIR  Read the journal files in DIR (e.g. a container's)\n"
               "  -n --limit=N        Show only the N newest records\n"
               "  -i --instance=NAME  Only the records of reapd@NAME.service (INSTANCE=NAME)\n"
               "  -f --follow         Then wait for new records and show each as it comes (with\n"
               "                      --json, one object a line); without --since or --limit,\n"
               "                      only the new ones\n"
               "  -h --help           Show this help\n",
               REPORT_MESSAGE_ID_KILL);
}

/* Parses --since: an absolute local time, or a duration meaning "that long ago". */
static int parse_since(const char *s, uint64_t *ret_realtime_usec)
{
        static const char *const formats[] = {"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"};
        usec_t ago;

        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                struct tm tm = {.tm_isdst = -1};
                const char *end = strptime(s, formats[i], &tm);
                time_t t;

                if (!end || *end != '\0')
                        continue;
                t = mktime(&tm);
                if (t == (time_t)-1)
                        return -EINVAL;
                *ret_realtime_usec = (uint64_t)t * USEC_PER_SEC;
                return 0;
        }
        if (*s == '-')
                s++;
        if (streq(s, "today")) {
                time_t now = time(NULL);
                struct tm tm;

                localtime_r(&now, &tm);
                tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
                *ret_realtime_usec = (uint64_t)mktime(&tm) * USEC_PER_SEC;
                return 0;
        }
        {
                /* "2d" is not a systemd-style unit parse_duration() knows; handle days here. */
                uint64_t days;
                size_t l = strlen(s);
                char tmp[32];

                if (l > 1 && l < sizeof(tmp) && s[l - 1] == 'd') {
                        memcpy(tmp, s, l - 1);
                        tmp[l - 1] = '\0';
                        if (parse_u64(tmp, &days) == 0 && days < 100000) {
                                ago = days * 86400 * USEC_PER_SEC;
                                goto relative;
                        }
                }
        }
        if (parse_duration(s, &ago) < 0)
                return -EINVAL;
relative:
        *ret_realtime_usec = now_usec(CLOCK_REALTIME) - MIN(ago, now_usec(CLOCK_REALTIME));
        return 0;
}

/* Returns the value of @field in the current entry (not NUL-terminated), or NULL. */
static const char *entry_get(sd_journal *j, const char *field, size_t *ret_len)
{
        const void *data;
        size_t len, fl = strlen(field);

        if (sd_journal_get_data(j, field, &data, &len) < 0 || len <= fl)
                return NULL;
        *ret_len = len - fl - 1;
        return (const char *)data + fl + 1;
}

static bool looks_numeric(const char *v, size_t len)
{
        size_t i = 0;

        if (len > 0 && v[0] == '-')
                i = 1;
        if (i == len)
                return false;
        for (; i < len; i++)
                if (!((v[i] >= '0' && v[i] <= '9') || v[i] == '.'))
                        return false;
        return true;
}

/* One object: in the array (@first or not), or alone on its line (@line, for --follow). */
static void print_json_entry(sd_journal *j, bool first, bool line)
{
        uint64_t rt = 0;
        bool sep = false;

        sd_journal_get_realtime_usec(j, &rt);
        printf("%s{", line ? "" : first ? "\n  " : ",\n  ");
        printf("\"time_usec\": %" PRIu64, rt);
        sep = true;
        for (size_t i = 0; i < ELEMENTSOF(kill_fields); i++) {
                size_t len;
                const char *v = entry_get(j, kill_fields[i].field, &len);

                if (!v)
                        continue;
                printf("%s\"%s\": ", sep ? ", " : "", kill_fields[i].key);
                if (kill_fields[i].number && looks_numeric(v, len))
                        fwrite(v, 1, len, stdout);
                else
                        json_print_string(stdout, v, len);
                sep = true;
        }
        printf(line ? "}\n" : "}");
}

static void print_table_entry(sd_journal *j)
{
        static const char *const cols[] = {"VICTIM_PID",  "VICTIM_COMM",  "TRIGGER", "RESULT",
                                           "RELEASED_KB", "RELEASE_USEC", "INSTANCE"};
        static const int widths[] = {8, 16, 14, 9, 12, 12, 0}; /* 0: the last, unpadded */
        uint64_t rt = 0;
        char when[32] = "?";
        time_t t;
        struct tm tm;

        if (sd_journal_get_realtime_usec(j, &rt) >= 0) {
                t = (time_t)(rt / USEC_PER_SEC);
                localtime_r(&t, &tm);
                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
        }
        printf("%-20s", when);
        for (size_t i = 0; i < ELEMENTSOF(cols); i++) {
                size_t len = 1;
                const char *v = entry_get(j, cols[i], &len);

                if (widths[i])
                        printf(" %-*.*s", widths[i], (int)MIN(len, (size_t)widths[i]), v ? v : "-");
                else
                        printf(" %.*s", (int)len, v ? v : "-");
        }
        printf("\n");
}

/*
 * --follow: each new record as journald stores it, until killed (or stdout goes away). Waits in
 * sd_journal_wait(): inotify on the journal files, no polling. Returns the exit code.
 */
static int kills_follow(sd_journal *j, bool json)
{
        for (;;) {
                int r = sd_journal_next(j);

                if (r > 0) {
                        if (json)
                                print_json_entry(j, true, true);
                        else
                                print_table_entry(j);
                        continue;
                }
                if (r == 0) {
                        if (fflush(stdout) != 0 || ferror(stdout))
                                return 1;
                        r = sd_journal_wait(j, UINT64_MAX);
                }
                if (r < 0) {
                        fprintf(stderr, "reapctl kills: cannot follow the journal: %s\n", strerror(-r));
                        return 1;
                }
        }
}

int ctl_kills(int argc, char **argv)
{
        enum { ARG_SINCE = 0x100, ARG_JSON };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},        {"since", required_argument, NULL, ARG_SINCE},
                {"json", no_argument, NULL, ARG_JSON},   {"directory", required_argument, NULL, 'D'},
                {"limit", required_argument, NULL, 'n'}, {"instance", required_argument, NULL, 'i'},
                {"follow", no_argument, NULL, 'f'},      {},
        };
        const char *directory = NULL, *instance = NULL;
        uint64_t since = 0, limit = 0, skip = 0, total = 0, shown = 0;
        bool json = false, follow = false;
        sd_journal *j = NULL;
        int c, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "hD:n:i:f", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_SINCE:
                        if (parse_since(optarg, &since) < 0) {
                                fprintf(stderr, "reapctl kills: invalid --since '%s'\n", optarg);
                                return 2;
                        }
                        break;
                case ARG_JSON:
                        json = true;
                        break;
                case 'D':
                        directory = optarg;
                        break;
                case 'i':
                        if (!instance_name_valid(optarg)) {
                                fprintf(stderr, "reapctl kills: invalid --instance '%s'\n", optarg);
                                return 2;
                        }
                        instance = optarg;
                        break;
                case 'f':
                        follow = true;
                        break;
                case 'n':
                        if (parse_u64(optarg, &limit) < 0 || limit == 0) {
                                fprintf(stderr, "reapctl kills: invalid --limit '%s'\n", optarg);
                                return 2;
                        }
                        break;
                default:
                        fprintf(stderr, "Try 'reapctl kills --help' for more information.\n");
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "reapctl kills: unexpected argument '%s'\n", argv[optind]);
                return 2;
        }

        r = directory ? sd_journal_open_directory(&j, directory, 0)
                      : sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0) {
                fprintf(stderr, "reapctl kills: cannot open the journal%s%s: %s\n", directory ? " in " : "",
                        directory ? directory : "", strerror(-r));
                return 1;
        }
        r = sd_journal_add_match(j, "MESSAGE_ID=" REPORT_MESSAGE_ID_KILL, 0);
        if (r >= 0 && instance) {
                char match[sizeof("INSTANCE=") + INSTANCE_NAME_MAX];

                snprintf(match, sizeof(match), "INSTANCE=%s", instance);
                r = sd_journal_add_match(j, match, 0);
        }
        if (r >= 0 && follow && !since && !limit) {
                /* Only what comes: past the last record there is now. */
                r = sd_journal_seek_tail(j);
                if (r >= 0)
                        r = sd_journal_previous(j);
        } else if (r >= 0)
                r = since ? sd_journal_seek_realtime_usec(j, since) : sd_journal_seek_head(j);
        if (r < 0) {
                fprintf(stderr, "reapctl kills: cannot read the journal: %s\n", strerror(-r));
                sd_journal_close(j);
                return 1;
        }
        /* Two passes when limited: count, then skip the older ones; records are few. */
        if (limit) {
                while (sd_journal_next(j) > 0)
                        total++;
                skip = total > limit ? total - limit : 0;
                r = since ? sd_journal_seek_realtime_usec(j, since) : sd_journal_seek_head(j);
        }
        if (json && !follow)
                printf("[");
        else if (!json)
                printf("%-20s %-8s %-16s %-14s %-9s %-12s %-12s %s\n", "TIME", "PID", "COMM", "TRIGGER",
                       "RESULT", "RELEASED_KB", "RELEASE_USEC", "INSTANCE");
        while (sd_journal_next(j) > 0) {
                uint64_t rt = 0;

                if (since && sd_journal_get_realtime_usec(j, &rt) >= 0 && rt < since)
                        continue;
                if (skip) {
                        skip--;
                        continue;
                }
                if (json)
                        print_json_entry(j, shown == 0, follow);
                else
                        print_table_entry(j);
                shown++;
        }
        if (follow) {
                r = kills_follow(j, json);
                sd_journal_close(j);
                return r;
        }
        if (json)
                printf("%s]\n", shown ? "\n" : "");
        else if (shown == 0)
                printf("No kills recorded.\n");
        sd_journal_close(j);
        return 0;
}
