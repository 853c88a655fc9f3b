/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-config.c - reapd.conf parsing: every key, every kind of bad input, drop-ins, reload, dump */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "config.h"
#include "unit-files.h"

#define FULL FIXTURES_DIR "/config-full/reapd.conf"
#define DROPINS FIXTURES_DIR "/config-dropins/reapd.conf"
#define SAMPLE FIXTURES_DIR "/../../systemd/reapd.conf"

static char tmpdir[] = "/tmp/test-config-XXXXXX";

static int setup(void **state)
{
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[PATH_MAX + 16];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        return system(cmd) == 0 ? 0 : -1;
}

/* Writes @text to a fresh file under tmpdir and returns its path (static buffer). */
static const char *write_conf(const char *name, const char *text)
{
        static char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        unit_write_file(path, text);
        return path;
}

/* Loads @path, capturing the error lines into *errs (caller frees). */
static int load(const char *path, struct reapd_config *c, char **errs)
{
        size_t n;
        FILE *f = open_memstream(errs, &n);
        int r;

        assert_non_null(f);
        r = config_load(path, f, c);
        fclose(f);
        return r;
}

static unsigned count_lines(const char *s)
{
        unsigned n = 0;

        for (const char *p = s; (p = strchr(p, '\n')); p++)
                n++;
        return n;
}

static int load_text(const char *text, struct reapd_config *c, char **errs)
{
        return load(write_conf("t.conf", text), c, errs);
}

static void test_defaults_without_files(void **state)
{
        struct reapd_config c, d;
        char *errs = NULL;

        assert_int_equal(load("/nonexistent/reapd.conf", &c, &errs), 0);
        assert_string_equal(errs, "");
        config_init(&d);
        assert_true(config_equal(&c, &d));
        assert_string_equal(c.cgroup, "");
        assert_true(c.min_available.percent);
        assert_int_equal(c.min_available.permyriad, CONFIG_MIN_AVAILABLE_PERMYRIAD);
        assert_int_equal(c.min_swap_free.permyriad, CONFIG_MIN_SWAP_FREE_PERMYRIAD);
        assert_int_equal(c.pressure_window, CONFIG_PRESSURE_WINDOW_USEC);
        assert_true(c.release);
        assert_false(c.dry_run);
        assert_int_equal(c.log_level, LOG_INFO);
        assert_int_equal(c.reaper_sched_policy, SCHED_OTHER);
        assert_true(c.policy.honor_xattrs);
        assert_int_equal(c.prekill_timeout, 0);
        assert_string_equal(c.prekill_directory, CONFIG_PREKILL_DIRECTORY);
        assert_true(c.dbus);
        assert_string_equal(c.metrics_file, "");
        config_done(&c);
        config_done(&d);
        free(errs);
}

static void test_every_key(void **state)
{
        struct reapd_config c;
        char *errs = NULL;
        cpu_set_t cpus;

        assert_int_equal(load(FULL, &c, &errs), 0);
        assert_string_equal(errs, "");
        assert_string_equal(c.cgroup, "/workload.slice/batch.service");
        assert_false(c.min_available.percent);
        assert_int_equal(c.min_available.bytes, 512ULL << 20);
        assert_true(c.min_swap_free.percent);
        assert_int_equal(c.min_swap_free.permyriad, 1250);
        assert_int_equal(c.headroom_mode, HEADROOM_OR);
        assert_int_equal(c.pressure_some, 1500);
        assert_int_equal(c.pressure_full, 0);
        assert_int_equal(c.pressure_window, 500 * USEC_PER_MSEC);
        assert_int_equal(c.pressure_duration, 1500 * USEC_PER_MSEC);
        assert_int_equal(c.pressure_poll_interval, 250 * USEC_PER_MSEC);
        assert_int_equal(c.kill_unit, KILL_UNIT_PROCESS_GROUP);
        assert_true(c.dry_run);
        assert_false(c.release);
        assert_int_equal(c.kill_timeout, 120 * USEC_PER_SEC);
        assert_true(c.reaper_cpus_set);
        CPU_ZERO(&cpus);
        CPU_SET(0, &cpus);
        CPU_SET(1, &cpus);
        CPU_SET(3, &cpus);
        assert_true(CPU_EQUAL(&cpus, &c.reaper_cpus));
        assert_int_equal(c.reaper_nice, -5);
        assert_int_equal(c.reaper_sched_policy, SCHED_RR);
        assert_int_equal(c.reaper_sched_priority, 50);
        assert_int_equal(c.reaper_threads, 3);
        assert_int_equal(c.policy.n_rules, 5);
        assert_int_equal(c.policy.rules[0].action, POLICY_PREFER);
        assert_string_equal(c.policy.rules[1].spec, "cmdline:^/usr/bin/java .*-Xmx");
        assert_int_equal(c.policy.rules[2].action, POLICY_AVOID);
        assert_int_equal(c.policy.rules[2].field, POLICY_FIELD_EXE);
        assert_int_equal(c.policy.rules[3].field, POLICY_FIELD_UID);
        assert_int_equal(c.policy.rules[4].field, POLICY_FIELD_CGROUP);
        assert_int_equal(c.policy.prefer_adjust, 500);
        assert_int_equal(c.policy.avoid_adjust, 1000);
        assert_false(c.policy.honor_xattrs);
        assert_int_equal(c.log_level, LOG_DEBUG);
        assert_int_equal(c.prekill_timeout, 1500 * USEC_PER_MSEC);
        assert_string_equal(c.prekill_directory, "/run/hooks");
        assert_false(c.dbus);
        assert_string_equal(c.metrics_file, "/var/lib/prometheus/node-exporter/reapd.prom");
        config_done(&c);
        free(errs);
}

/* Other accepted spellings: each line alone must load and give the expected value. */
static void test_spellings(void **state)
{
        struct reapd_config c;
        char *errs = NULL;

        assert_int_equal(
                load_text("[Monitor]\nCgroup=/\nMinAvailable=0\nMinSwapFree=2G\n"
                          "PressureSome=0%\nPressureFull=100%\nPressureWindow=10s\n"
                          "PressureDuration=0\nHeadroomMode=and\n"
                          "[Kill]\nKillUnit=cgroup\nDryRun=true\nRelease=1\nReaperCPUs=2 4,6-7\n"
                          "ReaperNice=19\nReaperSchedPolicy=fifo\nReaperPriority=99\n"
                          "ReaperThreads=auto\nKillTimeout=100ms\nPreKillTimeout=10s\nPreKillDirectory=/\n"
                          "[Daemon]\nLogLevel=3\nDBus=on\nMetricsFile=/m.prom\n",
                          &c, &errs),
                0);
        assert_string_equal(errs, "");
        assert_string_equal(c.cgroup, "");
        assert_false(c.min_available.percent);
        assert_int_equal(c.min_available.bytes, 0);
        assert_int_equal(c.min_swap_free.bytes, 2ULL << 30);
        assert_int_equal(c.pressure_some, 0);
        assert_int_equal(c.pressure_full, PERMYRIAD_MAX);
        assert_int_equal(c.pressure_window, 10 * USEC_PER_SEC);
        assert_int_equal(c.pressure_duration, 0);
        assert_int_equal(c.kill_unit, KILL_UNIT_CGROUP);
        assert_true(c.dry_run);
        assert_int_equal(CPU_COUNT(&c.reaper_cpus), 4);
        assert_true(CPU_ISSET(7, &c.reaper_cpus));
        assert_int_equal(c.reaper_sched_policy, SCHED_FIFO);
        assert_int_equal(c.reaper_sched_priority, 99);
        assert_int_equal(c.reaper_threads, 0);
        assert_int_equal(c.log_level, LOG_ERR);
        assert_int_equal(c.prekill_timeout, 10 * USEC_PER_SEC);
        assert_string_equal(c.prekill_directory, "/");
        assert_true(c.dbus);
        assert_string_equal(c.metrics_file, "/m.prom");
        config_done(&c);
        free(errs);

        /* whitespace, CRLF, a byte order mark, trailing slashes, and an empty list value */
        assert_int_equal(load_text("\xEF\xBB\xBF  [Monitor]  \r\n  Cgroup = /a/b// \r\n"
                                   "[Kill]\nReaperCPUs=\n[Daemon]\nLogLevel=warning\nMetricsFile=\n",
                                   &c, &errs),
                         0);
        assert_string_equal(errs, "");
        assert_string_equal(c.cgroup, "/a/b");
        assert_false(c.reaper_cpus_set);
        assert_int_equal(c.log_level, LOG_WARNING);
        config_done(&c);
        free(errs);

        /* a slice's name, as systemctl shows it, is its path as systemd nests it */
        for (const char *const *t =
                     (const char *const[]){"batch.slice", "/batch.slice", "user-1000.slice",
                                           "/user.slice/user-1000.slice", "a-b-c.slice",
                                           "/a.slice/a-b.slice/a-b-c.slice", "-.slice", "", NULL};
             *t; t += 2) {
                char text[128];

                snprintf(text, sizeof(text), "[Monitor]\nCgroup=%s\n", t[0]);
                assert_int_equal(load_text(text, &c, &errs), 0);
                assert_string_equal(c.cgroup, t[1]);
                config_done(&c);
                free(errs);
        }
}

/* A long line (longer than the 200 bytes libinih read at a time) arrives whole. */
static void test_long_line(void **state)
{
        struct reapd_config c;
        char *errs = NULL;
        char text[4096], pattern[1500];

        memset(pattern, 'x', sizeof(pattern) - 1);
        pattern[sizeof(pattern) - 1] = '\0';
        memcpy(pattern, "cmdline:^", 9);
        snprintf(text, sizeof(text), "[Policy]\nPrefer=%s\nAvoid=short\n", pattern);
        assert_int_equal(load_text(text, &c, &errs), 0);
        assert_string_equal(errs, "");
        assert_int_equal(c.policy.n_rules, 2);
        assert_string_equal(c.policy.rules[0].spec, pattern);
        assert_string_equal(c.policy.rules[1].spec, "short");
        config_done(&c);
        free(errs);
}

static const struct bad_case {
        const char *text;
        const char *message; /* expected in the "file:line: message" output, after the prefix */
        unsigned line;
} bad_cases[] = {
        {"[Monitor]\n[Foo]\nA=1\n", "unknown section [Foo]", 2},
        {"[Monitor\nA=1\n", "invalid section header [Monitor", 1},
        {"[Monitor] x\n", "invalid section header", 1},
        {"[Monitor]\nFoo=1\n", "unknown key Foo= in [Monitor]", 2},
        {"[Monitor]\ncgroup=/a\n", "unknown key cgroup=", 2}, /* keys are case-sensitive, as in systemd */
        {"[Kill]\nCgroup=/a\n", "it belongs in [Monitor]", 2},
        {"Cgroup=/a\n", "outside of any section", 1},
        {"[Monitor]\njust words\n", "expected Key=value", 2},
        {"[Monitor]\n=1\n", "expected Key=value", 2},
        {"[Monitor]\nMin Available=1\n", "invalid key name", 2},
        {"[Monitor]\nCgroup:/a\n", "expected Key=value", 2},
        {"[Monitor]\nMinAvailable=lots\n", "MinAvailable=lots: expected a percentage", 2},
        {"[Monitor]\nMinSwapFree=101%\n", "out of range", 2},
        {"[Monitor]\nMinAvailable=5% # five\n", "comments must be on a line of their own", 2},
        {"[Monitor]\nHeadroomMode=xor\n", "HeadroomMode=xor", 2},
        {"[Monitor]\nPressureSome=120%\n", "PressureSome=120%", 2},
        {"[Monitor]\nPressureWindow=100ms\n", "from 500ms to 10s", 2},
        {"[Monitor]\nPressureWindow=11s\n", "from 500ms to 10s", 2},
        {"[Monitor]\nPressureDuration=soon\n", "PressureDuration=soon", 2},
        {"[Monitor]\nPressurePollInterval=10ms\n", "PressurePollInterval=10ms", 2},
        {"[Monitor]\nCgroup=system\n", "absolute cgroup2 path", 2},
        {"[Monitor]\nCgroup=nginx.service\n", "/system.slice/NAME.service", 2},
        {"[Monitor]\nCgroup=user-.slice\n", "not a valid slice name", 2},
        {"[Monitor]\nCgroup=a--b.slice\n", "not a valid slice name", 2},
        {"[Monitor]\nCgroup=/a/../b\n", "components are not allowed", 2},
        {"[Kill]\nKillUnit=session\n", "expected process, process-group or cgroup", 2},
        {"[Kill]\nDryRun=maybe\n", "expected a boolean", 2},
        {"[Kill]\nKillTimeout=0\n", "KillTimeout=0", 2},
        {"[Kill]\nReaperCPUs=3-1\n", "expected a CPU list", 2},
        {"[Kill]\nReaperCPUs=0,a\n", "expected a CPU list", 2},
        {"[Kill]\nReaperCPUs=99999\n", "expected a CPU list", 2},
        {"[Kill]\nReaperNice=20\n", "from -20 to 19", 2},
        {"[Kill]\nReaperNice=-21\n", "from -20 to 19", 2},
        {"[Kill]\nReaperSchedPolicy=deadline\n", "expected other, fifo or rr", 2},
        {"[Kill]\nReaperPriority=100\n", "from 0 to 99", 2},
        {"[Kill]\nReaperThreads=17\n", "expected auto, or a number of threads from 1 to 16", 2},
        {"[Kill]\nReaperThreads=-1\n", "expected auto", 2},
        {"[Kill]\nReaperThreads=many\n", "expected auto", 2},
        {"[Kill]\nReaperSchedPolicy=fifo\n", "needs ReaperPriority=", 2},
        {"[Kill]\nReaperPriority=5\n", "needs ReaperSchedPolicy=fifo or rr", 2},
        {"[Policy]\nPrefer=(unclosed\n", "invalid regular expression", 2},
        {"[Policy]\nIgnore=uid:root\n", "numeric uid", 2},
        {"[Policy]\nAvoid=cmdline:\n", "empty cmdline pattern", 2},
        {"[Policy]\nPreferAdjust=1001\n", "from 0 to 1000", 2},
        {"[Policy]\nAvoidAdjust=-1\n", "from 0 to 1000", 2},
        {"[Policy]\nHonorCgroupXattrs=2\n", "expected a boolean", 2},
        {"[Daemon]\nLogLevel=loud\n", "LogLevel=loud", 2},
        {"[Daemon]\nLogLevel=8\n", "LogLevel=8", 2},
        {"[Kill]\nPreKillTimeout=11s\n", "from 0s to 10s", 2},
        {"[Kill]\nPreKillTimeout=never\n", "PreKillTimeout=never", 2},
        {"[Kill]\nPreKillDirectory=run/reapd\n", "must be an absolute path", 2},
        {"[Kill]\nPreKillDirectory=\n", "must be an absolute path", 2},
        {"[Daemon]\nDBus=perhaps\n", "expected a boolean", 2},
        {"[Daemon]\nMetricsFile=reapd.prom\n", "must be an absolute path, or empty", 2},
        {"[Daemon]\nMetricsFile=/var/lib/reapd.txt\n", "ending in .prom", 2},
        {"[Daemon]\nMetricsFile=/var/lib/.prom\n", "ending in .prom", 2},
        {"[Daemon]\nMetricsFile=/var/lib/reapd.prom/\n", "ending in .prom", 2},
        {"[Daemon]\nMetricsFile=/a.prom # metrics\n", "comments must be on a line of their own", 2},
};

static void test_bad_input(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
                const struct bad_case *b = &bad_cases[i];
                const char *path = write_conf("bad.conf", b->text);
                struct reapd_config c;
                char *errs = NULL, prefix[PATH_MAX + 32];

                memset(&c, 0xAA, sizeof(c));
                print_message("case %zu: %s", i, b->text);
                assert_int_equal(load(path, &c, &errs), -EINVAL);
                snprintf(prefix, sizeof(prefix), "%s:%u: ", path, b->line);
                assert_non_null(strstr(errs, prefix));
                assert_non_null(strstr(errs, b->message));
                assert_int_equal(count_lines(errs), 1); /* one error, one line */
                /* untouched on failure */
                for (size_t j = 0; j < sizeof(c); j++)
                        assert_int_equal(((unsigned char *)&c)[j], 0xAA);
                free(errs);
        }
}

static void test_all_errors_reported(void **state)
{
        struct reapd_config c;
        char *errs = NULL;
        char expect[PATH_MAX + 64];
        const char *path = FIXTURES_DIR "/config-bad/reapd.conf";

        assert_int_equal(load(path, &c, &errs), -EINVAL);
        assert_int_equal(count_lines(errs), 3);
        snprintf(expect, sizeof(expect), "%s:2: ", path);
        assert_non_null(strstr(errs, expect));
        snprintf(expect, sizeof(expect), "%s:3: ", path);
        assert_non_null(strstr(errs, expect));
        snprintf(expect, sizeof(expect), "%s:5: ", path);
        assert_non_null(strstr(errs, expect));
        free(errs);

        /* a NULL errors stream is allowed */
        assert_int_equal(config_load(path, NULL, &c), -EINVAL);
}

static void test_dropins(void **state)
{
        struct reapd_config c;
        char *errs = NULL;

        assert_int_equal(load(DROPINS, &c, &errs), 0);
        assert_string_equal(errs, "");
        /* later files override earlier ones */
        assert_int_equal(c.pressure_some, 3000);
        assert_int_equal(c.min_available.bytes, 1ULL << 30);
        /* Prefer= appends across files, Avoid= was reset by 20-second.conf, then appended to */
        assert_int_equal(c.policy.n_rules, 4);
        assert_string_equal(c.policy.rules[0].spec, "main-prefer");
        assert_string_equal(c.policy.rules[1].spec, "first-prefer");
        assert_int_equal(c.policy.rules[2].action, POLICY_AVOID);
        assert_string_equal(c.policy.rules[2].spec, "second-avoid");
        assert_int_equal(c.policy.rules[3].action, POLICY_IGNORE);
        config_done(&c);
        free(errs);
}

static void test_dropins_without_main_file(void **state)
{
        char dir[PATH_MAX], main_path[PATH_MAX];
        struct reapd_config c;
        char *errs = NULL;

        snprintf(dir, sizeof(dir), "%s/nomain.conf.d", tmpdir);
        assert_int_equal(mkdir(dir, 0755), 0);
        write_conf("nomain.conf.d/50-x.conf", "[Kill]\nDryRun=yes\n");
        write_conf("nomain.conf.d/40-x.conf", "[Kill]\nDryRun=no\n");
        snprintf(main_path, sizeof(main_path), "%s/nomain.conf", tmpdir);
        assert_int_equal(load(main_path, &c, &errs), 0);
        assert_true(c.dry_run);
        config_done(&c);
        free(errs);

        /* an error in a drop-in names the drop-in */
        write_conf("nomain.conf.d/60-bad.conf", "[Kill]\nDryRun=perhaps\n");
        assert_int_equal(load(main_path, &c, &errs), -EINVAL);
        assert_non_null(strstr(errs, "nomain.conf.d/60-bad.conf:2: DryRun=perhaps"));
        free(errs);
}

static void test_unreadable(void **state)
{
        struct reapd_config c;
        char *errs = NULL;

        /* a directory where the file should be is an I/O error, reported */
        assert_int_equal(load(tmpdir, &c, &errs), -EISDIR);
        assert_non_null(strstr(errs, "cannot read"));
        free(errs);
}

/* A failing reload must leave the running configuration exactly as it was. */
static void test_reload_keeps_old_config(void **state)
{
        struct reapd_config running, before;
        char *errs = NULL;

        assert_int_equal(load(FULL, &running, &errs), 0);
        free(errs);
        memcpy(&before, &running, sizeof(before));
        assert_int_equal(load_text("[Monitor]\nPressureSome=5%\n[Kill]\nKillUnit=nope\n", &running, &errs),
                         -EINVAL);
        assert_memory_equal(&before, &running, sizeof(before));
        assert_int_equal(running.policy.n_rules, 5);
        assert_int_equal(running.pressure_some, 1500);
        free(errs);

        /* a good reload replaces it (the caller frees the old one) */
        assert_int_equal(load_text("[Monitor]\nPressureSome=5%\n", &running, &errs), 0);
        assert_int_equal(running.pressure_some, 500);
        assert_int_equal(running.policy.n_rules, 0);
        config_done(&running);
        config_done(&before);
        free(errs);
}

static void round_trip(const char *path)
{
        struct reapd_config a, b;
        char *dump1 = NULL, *dump2 = NULL, *errs = NULL;
        size_t n1, n2;
        FILE *f;

        assert_int_equal(load(path, &a, &errs), 0);
        free(errs);
        f = open_memstream(&dump1, &n1);
        config_dump(&a, f);
        fclose(f);
        /* every key is there */
        for (const char *k = "Cgroup=\0MinAvailable=\0MinSwapFree=\0HeadroomMode=\0PressureSome=\0"
                             "PressureFull=\0PressureWindow=\0PressureDuration=\0PressurePollInterval=\0"
                             "KillUnit=\0DryRun=\0Release=\0KillTimeout=\0ReaperCPUs=\0ReaperNice=\0"
                             "ReaperSchedPolicy=\0ReaperPriority=\0ReaperThreads=\0Prefer=\0Avoid=\0"
                             "Ignore=\0PreferAdjust=\0AvoidAdjust=\0HonorCgroupXattrs=\0LogLevel=\0"
                             "PreKillTimeout=\0PreKillDirectory=\0DBus=\0MetricsFile=\0";
             *k; k += strlen(k) + 1)
                assert_non_null(strstr(dump1, k));

        assert_int_equal(load_text(dump1, &b, &errs), 0);
        assert_string_equal(errs, "");
        free(errs);
        assert_true(config_equal(&a, &b));
        f = open_memstream(&dump2, &n2);
        config_dump(&b, f);
        fclose(f);
        assert_string_equal(dump1, dump2);
        config_done(&a);
        config_done(&b);
        free(dump1);
        free(dump2);
}

static void test_dump_round_trip(void **state)
{
        round_trip(FULL);
        round_trip(DROPINS);
        round_trip("/nonexistent/reapd.conf");
        /* sizes that are not a whole unit, and odd durations */
        round_trip(write_conf("odd.conf", "[Monitor]\nMinAvailable=1.5G\nMinSwapFree=12345\n"
                                          "PressureDuration=1min 30s 7ms\nPressureSome=12.34%\n"));
        /* interleaved rules keep their order: the first matching Prefer=/Avoid= decides */
        round_trip(write_conf("order.conf", "[Policy]\nAvoid=x\nIgnore=uid:0\nPrefer=x\nAvoid=y\n"));
}

/* The installed sample shows every key with its default: as shipped and with every key uncommented. */
static void test_sample_config(void **state)
{
        struct reapd_config c, d;
        char *errs = NULL, line[512], *text = NULL;
        size_t n = 0, keys = 0;
        FILE *in, *out;

        config_init(&d);
        assert_int_equal(load(SAMPLE, &c, &errs), 0);
        assert_string_equal(errs, "");
        free(errs);
        assert_true(config_equal(&c, &d));
        config_done(&c);

        in = fopen(SAMPLE, "re");
        assert_non_null(in);
        out = open_memstream(&text, &n);
        while (fgets(line, sizeof(line), in)) {
                bool key = line[0] == '#' && line[1] >= 'A' && line[1] <= 'Z' && strchr(line, '=') &&
                           strcspn(line, "= ") == (size_t)(strchr(line, '=') - line);

                fputs(key ? line + 1 : line, out);
                keys += key;
        }
        fclose(in);
        fclose(out);
        assert_int_equal(keys, 29); /* every key of reapd.conf(5) */
        assert_int_equal(load_text(text, &c, &errs), 0);
        assert_string_equal(errs, "");
        assert_true(config_equal(&c, &d));
        config_done(&c);
        config_done(&d);
        free(errs);
        free(text);
}

static void test_copy_and_equal(void **state)
{
        struct reapd_config a, b;
        char *errs = NULL;

        assert_int_equal(load(FULL, &a, &errs), 0);
        free(errs);
        assert_int_equal(config_copy(&a, &b), 0);
        assert_true(config_equal(&a, &b));
        assert_ptr_not_equal(a.policy.rules, b.policy.rules);
        b.reaper_nice = 3;
        assert_false(config_equal(&a, &b));
        b.reaper_nice = a.reaper_nice;
        b.reaper_threads = 0;
        assert_false(config_equal(&a, &b));
        b.reaper_threads = a.reaper_threads;
        b.prekill_timeout = 0;
        assert_false(config_equal(&a, &b));
        b.prekill_timeout = a.prekill_timeout;
        strcpy(b.prekill_directory, "/elsewhere");
        assert_false(config_equal(&a, &b));
        strcpy(b.prekill_directory, a.prekill_directory);
        b.dbus = !a.dbus;
        assert_false(config_equal(&a, &b));
        b.dbus = a.dbus;
        b.metrics_file[0] = '\0';
        assert_false(config_equal(&a, &b));
        strcpy(b.metrics_file, a.metrics_file);
        assert_true(config_equal(&a, &b));
        policy_clear_action(&b.policy, POLICY_AVOID);
        assert_false(config_equal(&a, &b));
        config_done(&a);
        config_done(&b);
}

static void test_helpers(void **state)
{
        struct threshold pct = {.percent = true, .permyriad = 500}, abs = {.bytes = 4096};
        enum kill_unit u;
        char buf[64];
        cpu_set_t set;

        assert_int_equal(threshold_bytes(&pct, 1000000), 50000);
        assert_int_equal(threshold_bytes(&abs, 1000000), 4096);
        assert_int_equal(kill_unit_from_string("process-group", &u), 0);
        assert_int_equal(u, KILL_UNIT_PROCESS_GROUP);
        assert_int_equal(kill_unit_from_string("Process", &u), -EINVAL);
        assert_string_equal(kill_unit_to_string(KILL_UNIT_CGROUP), "cgroup");
        assert_null(kill_unit_to_string(_KILL_UNIT_MAX));
        assert_string_equal(headroom_mode_to_string(HEADROOM_OR), "or");
        assert_string_equal(config_sched_policy_to_string(SCHED_RR), "rr");
        assert_string_equal(config_log_level_to_string(LOG_NOTICE), "notice");
        assert_null(config_log_level_to_string(8));
        assert_string_equal(config_format_size(buf, sizeof(buf), 512ULL << 20), "512M");
        assert_string_equal(config_format_size(buf, sizeof(buf), 1536ULL << 20), "1536M");
        assert_string_equal(config_format_size(buf, sizeof(buf), 1000), "1000");
        assert_string_equal(config_format_size(buf, sizeof(buf), 0), "0");
        assert_string_equal(config_format_threshold(buf, sizeof(buf), &pct), "5%");
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        CPU_SET(2, &set);
        CPU_SET(3, &set);
        CPU_SET(4, &set);
        CPU_SET(9, &set);
        assert_string_equal(config_format_cpus(buf, sizeof(buf), &set), "0,2-4,9");
        assert_string_equal(config_format_cpus(buf, 4, &set), "0");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults_without_files),
                cmocka_unit_test(test_every_key),
                cmocka_unit_test(test_spellings),
                cmocka_unit_test(test_long_line),
                cmocka_unit_test(test_bad_input),
                cmocka_unit_test(test_all_errors_reported),
                cmocka_unit_test(test_dropins),
                cmocka_unit_test(test_dropins_without_main_file),
                cmocka_unit_test(test_unreadable),
                cmocka_unit_test(test_reload_keeps_old_config),
                cmocka_unit_test(test_dump_round_trip),
                cmocka_unit_test(test_sample_config),
                cmocka_unit_test(test_copy_and_equal),
                cmocka_unit_test(test_helpers),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
