/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-metrics.c - the Prometheus text of the kills and readings, and its atomic rewrite */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"

static const struct metrics_labels labels = {
        .service = "reapd@a\\b.service",
        .version = "0.1.0",
        .scope = "/batch \"x\".slice",
};

static struct kill_report kill_of(const char *trigger, const char *unit, const char *result,
                                  usec_t kill_usec, usec_t release_usec, uint64_t released_kb)
{
        return (struct kill_report){
                .pid = 42,
                .comm = "hog",
                .kill_unit = unit,
                .trigger = trigger,
                .result = result,
                .kill_usec = kill_usec,
                .release_usec = release_usec,
                .released_kb = released_kb,
        };
}

static char text[METRICS_TEXT_MAX];

static const char *render(const struct metrics *m)
{
        ssize_t n = metrics_render(m, &labels, text, sizeof(text));

        assert_true(n > 0);
        assert_int_equal(strlen(text), (size_t)n);
        return text;
}

/* The line of @series (its name and labels, up to the value) in @t, or NULL. */
static const char *line_of(const char *t, const char *series)
{
        size_t l = strlen(series);

        for (const char *p = t; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strncmp(p, series, l) == 0 && p[l] == ' ')
                        return p + l + 1;
        return NULL;
}

static void assert_value(const char *t, const char *series, const char *value)
{
        const char *v = line_of(t, series);

        if (!v)
                fail_msg("no series %s in:\n%s", series, t);
        if (strncmp(v, value, strlen(value)) != 0 || v[strlen(value)] != '\n')
                fail_msg("%s is %.*s, expected %s", series, (int)strcspn(v, "\n"), v, value);
}

#define SVC "service=\"reapd@a\\\\b.service\""

static void test_empty(void **state)
{
        struct metrics m;
        const char *t;

        metrics_init(&m);
        t = render(&m);
        assert_value(t, "reapd_build_info{" SVC ",version=\"0.1.0\",scope=\"/batch \\\"x\\\".slice\"}", "1");
        assert_non_null(strstr(t, "# TYPE reapd_kills_total counter\n"));
        assert_null(strstr(t, "reapd_kills_total{"));
        assert_value(t, "reapd_futile_kills_total{" SVC "}", "0");
        assert_value(t, "reapd_released_bytes_total{" SVC "}", "0");
        assert_value(t, "reapd_kill_duration_seconds_bucket{" SVC ",le=\"+Inf\"}", "0");
        assert_value(t, "reapd_kill_duration_seconds_count{" SVC "}", "0");
        assert_value(t, "reapd_last_kill_timestamp_seconds{" SVC "}", "0.000000");
        /* no reading yet: no series rather than a 0 that would read as "no memory" */
        assert_null(strstr(t, "reapd_memory_available_bytes"));
        assert_null(strstr(t, "reapd_pressure_some_avg10_ratio"));
        /* every line is a comment or ends in a value */
        for (const char *p = t; *p; p = strchr(p, '\n') + 1)
                assert_true(p[0] == '#' || strcspn(p, " ") < strcspn(p, "\n"));
}

static void test_kills(void **state)
{
        struct metrics m;
        struct kill_report r;
        const char *t;

        metrics_init(&m);
        r = kill_of("memory", "process", "killed", 800, 120000, 2048);
        metrics_count_kill(&m, &r, 1700000000123456);
        metrics_count_kill(&m, &r, 1700000001000000);
        r = kill_of("pressure-some", "cgroup", "timeout", 3 * USEC_PER_SEC, 0, 0);
        metrics_count_kill(&m, &r, 1700000002000000);
        /* futile is a finding about a kill (FUTILE=), not its result */
        r = kill_of("memory", "process", "killed", 20 * USEC_PER_SEC, 0, 1);
        r.futile = "shmem";
        metrics_count_kill(&m, &r, 1700000003000000);
        /* a dry run counts as a choice, with nothing signalled, released or timed */
        r = kill_of("memory", "process", "dry-run", 500, 0, 0);
        r.dry_run = true;
        metrics_count_kill(&m, &r, 1800000000000000);
        /* a rehearsal is not a kill */
        r = kill_of("rehearsal", "process", "killed", 500, 100, 100);
        r.rehearsal = true;
        metrics_count_kill(&m, &r, 1900000000000000);

        t = render(&m);
        assert_value(t,
                     "reapd_kills_total{" SVC ",reason=\"memory\",kill_unit=\"process\",result=\"killed\"}",
                     "3");
        assert_value(t,
                     "reapd_kills_total{" SVC
                     ",reason=\"pressure-some\",kill_unit=\"cgroup\",result=\"timeout\"}",
                     "1");
        assert_value(t,
                     "reapd_kills_total{" SVC ",reason=\"memory\",kill_unit=\"process\",result=\"dry-run\"}",
                     "1");
        assert_null(strstr(t, "rehearsal"));
        assert_value(t, "reapd_futile_kills_total{" SVC "}", "1");
        assert_value(t, "reapd_released_bytes_total{" SVC "}", "4195328"); /* (2048 * 2 + 1) KiB */
        /* 800us twice in the first bucket, 3s under 5s, 20s only in +Inf; cumulative */
        assert_value(t, "reapd_kill_duration_seconds_bucket{" SVC ",le=\"0.001\"}", "2");
        assert_value(t, "reapd_kill_duration_seconds_bucket{" SVC ",le=\"2.5\"}", "2");
        assert_value(t, "reapd_kill_duration_seconds_bucket{" SVC ",le=\"5\"}", "3");
        assert_value(t, "reapd_kill_duration_seconds_bucket{" SVC ",le=\"10\"}", "3");
        assert_value(t, "reapd_kill_duration_seconds_bucket{" SVC ",le=\"+Inf\"}", "4");
        assert_value(t, "reapd_kill_duration_seconds_count{" SVC "}", "4");
        assert_value(t, "reapd_kill_duration_seconds_sum{" SVC "}", "23.001600");
        /* process_mrelease() ran twice, 120ms each */
        assert_value(t, "reapd_release_duration_seconds_bucket{" SVC ",le=\"0.1\"}", "0");
        assert_value(t, "reapd_release_duration_seconds_bucket{" SVC ",le=\"0.25\"}", "2");
        assert_value(t, "reapd_release_duration_seconds_count{" SVC "}", "2");
        assert_value(t, "reapd_release_duration_seconds_sum{" SVC "}", "0.240000");
        /* the last real kill, not the dry run */
        assert_value(t, "reapd_last_kill_timestamp_seconds{" SVC "}", "1700000003.000000");
}

/* Beyond METRICS_MAX_SERIES - 1 label sets, kills go to one "other" series: counted, never lost. */
static void test_series_overflow(void **state)
{
        struct metrics m;
        char result[16];
        uint64_t total = 0;

        metrics_init(&m);
        for (int i = 0; i < METRICS_MAX_SERIES + 10; i++) {
                struct kill_report r;

                snprintf(result, sizeof(result), "r%d", i);
                r = kill_of("memory", "process", result, 10, 0, 0);
                metrics_count_kill(&m, &r, 1);
        }
        assert_int_equal(m.n_kills, METRICS_MAX_SERIES);
        assert_string_equal(m.kills[METRICS_MAX_SERIES - 1].result, "other");
        assert_int_equal(m.kills[METRICS_MAX_SERIES - 1].count, 11);
        for (size_t i = 0; i < m.n_kills; i++)
                total += m.kills[i].count;
        assert_int_equal(total, METRICS_MAX_SERIES + 10);
        assert_value(render(&m),
                     "reapd_kills_total{" SVC ",reason=\"other\",kill_unit=\"other\",result=\"other\"}",
                     "11");
}

static void test_readings(void **state)
{
        struct monitor_sample s = {
                .have_pressure = true,
                .have_memory = true,
                .mem_total = 1 << 30,
                .mem_available = 100 << 20,
                .swap_total = 0,
                .swap_free = 0,
        };
        struct metrics m;
        const char *t;

        s.pressure.some.avg10 = 1234;
        s.pressure.full.avg10 = 5;
        metrics_init(&m);
        assert_true(metrics_set_readings(&m, &s, 50 << 20, 0));
        assert_false(metrics_set_readings(&m, &s, 50 << 20, 0));
        t = render(&m);
        assert_value(t, "reapd_pressure_some_avg10_ratio{" SVC "}", "0.1234");
        assert_value(t, "reapd_pressure_full_avg10_ratio{" SVC "}", "0.0005");
        assert_value(t, "reapd_memory_available_bytes{" SVC "}", "104857600");
        assert_value(t, "reapd_memory_total_bytes{" SVC "}", "1073741824");
        assert_value(t, "reapd_swap_total_bytes{" SVC "}", "0");
        assert_value(t, "reapd_min_available_bytes{" SVC "}", "52428800");
        s.mem_available -= 4096;
        assert_true(metrics_set_readings(&m, &s, 50 << 20, 0));
        s.pressure.some.avg10 = PERMYRIAD_MAX;
        assert_true(metrics_set_readings(&m, &s, 50 << 20, 0));
        assert_value(render(&m), "reapd_pressure_some_avg10_ratio{" SVC "}", "1.0000");
        /* readings gone (the scope's cgroup went away): their series go too */
        s.have_memory = s.have_pressure = false;
        assert_true(metrics_set_readings(&m, &s, 0, 0));
        assert_null(strstr(render(&m), "reapd_memory_available_bytes"));
}

static void test_too_small(void **state)
{
        struct metrics m;
        char small[512];

        metrics_init(&m);
        memset(small, 'x', sizeof(small));
        assert_int_equal(metrics_render(&m, &labels, small, sizeof(small)), -ENOBUFS);
        assert_string_equal(small, "");
        assert_int_equal(metrics_render(&m, &labels, small, 0), -ENOBUFS);
}

static void test_label_escape(void **state)
{
        char buf[16];

        assert_string_equal(metrics_label_escape(buf, sizeof(buf), "a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        /* cut on a whole escape */
        assert_string_equal(metrics_label_escape(buf, 5, "abc\"d"), "abc");
        assert_string_equal(metrics_label_escape(buf, sizeof(buf), NULL), "");
}

static void test_write_file(void **state)
{
        char dir[] = "/tmp/test-metrics.XXXXXX", path[PATH_MAX], tmp[PATH_MAX + 32], got[64];
        struct stat st;
        DIR *d;
        struct dirent *de;
        int fd, entries = 0;
        mode_t old = umask(077);

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/reapd.prom", dir);
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        assert_int_equal(metrics_write_file(path, "first 1\n", 8), 0);
        assert_int_equal(metrics_write_file(path, "second 2\n", 9), 0);
        fd = open(path, O_RDONLY);
        assert_true(fd >= 0);
        assert_int_equal(read(fd, got, sizeof(got)), 9);
        assert_memory_equal(got, "second 2\n", 9);
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0644); /* readable by node_exporter's user, whatever the umask */
        close(fd);
        /* no temporary file left behind */
        d = opendir(dir);
        assert_non_null(d);
        while ((de = readdir(d)))
                entries += de->d_name[0] != '.';
        closedir(d);
        assert_int_equal(entries, 1);
        /* a stale temporary file (a crash between write and rename) is replaced; a symbolic link
         * in its place is removed, not followed */
        fd = open(tmp, O_WRONLY | O_CREAT, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "stale stale stale\n", 18), 18);
        close(fd);
        assert_int_equal(metrics_write_file(path, "x 1\n", 4), 0);
        assert_int_equal(lstat(tmp, &st), -1);
        snprintf(got, sizeof(got), "%s", "/nonexistent-target");
        assert_int_equal(symlink(got, tmp), 0);
        assert_int_equal(metrics_write_file(path, "y 2\n", 4), 0);
        assert_int_equal(lstat(got, &st), -1);
        assert_int_equal(lstat(tmp, &st), -1);
        fd = open(path, O_RDONLY);
        assert_int_equal(read(fd, got, sizeof(got)), 4);
        assert_memory_equal(got, "y 2\n", 4);
        close(fd);
        /* a directory that is not there */
        snprintf(tmp, sizeof(tmp), "%s/missing/reapd.prom", dir);
        assert_int_equal(metrics_write_file(tmp, "x 1\n", 4), -ENOENT);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
        umask(old);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_empty),           cmocka_unit_test(test_kills),
                cmocka_unit_test(test_series_overflow), cmocka_unit_test(test_readings),
                cmocka_unit_test(test_too_small),       cmocka_unit_test(test_label_escape),
                cmocka_unit_test(test_write_file),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
