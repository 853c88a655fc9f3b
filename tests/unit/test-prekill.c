/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-prekill.c - pre-kill hooks: the line, and rounds against real listeners in a directory */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "prekill.h"

static const struct victim victim = {
        .pid = 4242,
        .uid = 1000,
        .starttime = 987654,
        .oom_score_adj = 300,
        .rss_kb = 1048576,
        .swap_kb = 12,
        .comm = "we\"ird\n\x01",
        .cgroup = "/user.slice/a b.scope",
};

static const char expected_line[] =
        "{\"pid\":4242,\"starttime\":987654,\"uid\":1000,\"comm\":\"we\\\"ird\\n\\u0001\","
        "\"cgroup\":\"/user.slice/a b.scope\",\"rss_kb\":1048576,\"swap_kb\":12,\"oom_score_adj\":300,"
        "\"reason\":\"pressure-some\",\"kill_unit\":\"process\",\"instance\":\"batch\",\"timeout_ms\":250}"
        "\n";

static void test_line(void **state)
{
        char buf[PREKILL_LINE_MAX];
        ssize_t n;

        n = prekill_format_line(&victim, "pressure-some", "process", "batch", 250 * USEC_PER_MSEC, buf,
                                sizeof(buf));
        assert_int_equal(n, (ssize_t)strlen(expected_line));
        assert_string_equal(buf, expected_line);
        /* reapd.service: an empty instance */
        n = prekill_format_line(&victim, "memory", "cgroup", NULL, 2 * USEC_PER_SEC, buf, sizeof(buf));
        assert_true(n > 0);
        assert_non_null(strstr(buf, "\"instance\":\"\",\"timeout_ms\":2000}\n"));
        /* refused, never cut */
        assert_int_equal(prekill_format_line(&victim, "memory", "process", NULL, 0, buf, 40), -ENOBUFS);
        assert_string_equal(buf, "");
        assert_int_equal(prekill_format_line(&victim, "pressure-some", "process", "batch",
                                             250 * USEC_PER_MSEC, buf, strlen(expected_line)),
                         -ENOBUFS); /* no room for the NUL */
}

/* --- rounds against real listeners ------------------------------------------------------------ */

static char dir[] = "/tmp/test-prekill.XXXXXX";
static pid_t children[8];
static int n_children;
static int listeners[32];
static int n_listeners;

/* A listening socket @name in the test directory. */
static int listen_at(const char *name)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        assert_true(fd >= 0);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(fd, 8), 0);
        return fd;
}

enum behaviour { ANSWER, CLOSE, SILENT, ABSENT };

/*
 * A hook @name: ANSWER and CLOSE accept in a child of the test, which writes the line it got to
 * @report_fd and then answers "ok" or closes; SILENT listens but never accepts; ABSENT leaves
 * a socket file nobody listens on (as a crashed listener does).
 */
static void hook(const char *name, enum behaviour b, int report_fd)
{
        int fd = listen_at(name);
        pid_t pid;

        if (b == ABSENT) {
                close(fd);
                return;
        }
        if (b == SILENT) {
                listeners[n_listeners++] = fd;
                return;
        }
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char line[PREKILL_LINE_MAX];
                size_t n = 0;
                int c = accept(fd, NULL, NULL);

                while (c >= 0 && n < sizeof(line)) {
                        ssize_t k = read(c, line + n, sizeof(line) - n);

                        if (k <= 0)
                                break;
                        n += (size_t)k;
                        if (line[n - 1] == '\n')
                                break;
                }
                if (write(report_fd, line, n) != (ssize_t)n)
                        _exit(1);
                if (b == ANSWER && write(c, "ok, saved\nmore\n", 15) != 15)
                        _exit(1);
                close(c);
                _exit(0);
        }
        children[n_children++] = pid;
        close(fd);
}

static void reap_all(void)
{
        for (int i = 0; i < n_children; i++) {
                int status;

                kill(children[i], SIGKILL);
                waitpid(children[i], &status, 0);
        }
        n_children = 0;
        for (int i = 0; i < n_listeners; i++)
                close(listeners[i]);
        n_listeners = 0;
}

static void clean_dir(void)
{
        char cmd[256];

        snprintf(cmd, sizeof(cmd), "find %s -mindepth 1 -delete", dir);
        assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
        if (!mkdtemp(dir))
                return -1;
        return chmod(dir, 0755);
}

static int teardown(void **state)
{
        reap_all();
        clean_dir();
        return rmdir(dir);
}

static void on_done(struct prekill *p, void *userdata)
{
        int *calls = userdata;

        (*calls)++;
        assert_false(prekill_busy(p)); /* the round is over when done() runs */
}

/* Runs @e until the round calls done(); returns how many times it did (1). */
static int run_round(sd_event *e, struct prekill *p, const char *line, usec_t timeout, int *calls)
{
        int r = prekill_start(p, dir, line, strlen(line), timeout, on_done, calls);

        if (r != PREKILL_WAITING)
                return r;
        while (prekill_busy(p))
                assert_true(sd_event_run(e, UINT64_MAX) >= 0);
        return PREKILL_WAITING;
}

static const struct prekill_hook *find_hook(const struct prekill *p, const char *name)
{
        size_t n;
        const struct prekill_hook *h = prekill_hooks(p, &n);

        for (size_t i = 0; i < n; i++)
                if (streq(h[i].name, name))
                        return &h[i];
        return NULL;
}

static void test_round(void **state)
{
        sd_event *e = NULL;
        struct prekill *p = NULL;
        const struct prekill_result *res;
        char got[PREKILL_LINE_MAX];
        int report[2], calls = 0;
        ssize_t n;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(prekill_new(e, &p), 0);
        assert_int_equal(pipe2(report, O_CLOEXEC), 0);

        /* one of each, and names that are not hooks */
        hook("answer.sock", ANSWER, report[1]);
        hook("close.sock", CLOSE, report[1]);
        hook("silent.sock", SILENT, -1);
        hook("absent.sock", ABSENT, -1);
        hook(".hidden.sock", ABSENT, -1);
        hook("not-a-hook", ABSENT, -1);
        /* a regular file named like a hook: nobody to talk to */
        {
                char path[PATH_MAX];
                int fd;

                snprintf(path, sizeof(path), "%s/file.sock", dir);
                fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
                assert_true(fd >= 0);
                close(fd);
        }

        assert_int_equal(run_round(e, p, expected_line, 300 * USEC_PER_MSEC, &calls), PREKILL_WAITING);
        assert_int_equal(calls, 1);
        res = prekill_last(p);
        assert_int_equal(res->n_sockets, 5); /* answer, close, silent, absent, file */
        assert_int_equal(res->n_told, 3);
        assert_int_equal(res->n_answered, 1);
        assert_int_equal(res->n_closed, 1);
        assert_int_equal(res->n_timeout, 1);
        assert_int_equal(res->n_refused, 2);
        assert_int_equal(res->n_failed, 0);
        assert_int_equal(res->n_skipped, 0);
        /* the silent one was waited for until the deadline, and not much longer */
        assert_true(res->elapsed >= 300 * USEC_PER_MSEC);
        assert_true(res->elapsed < 2 * USEC_PER_SEC);
        assert_string_equal(find_hook(p, "answer.sock")->answer, "ok, saved");
        assert_int_equal(find_hook(p, "answer.sock")->state, PREKILL_HOOK_ANSWERED);
        assert_int_equal(find_hook(p, "silent.sock")->state, PREKILL_HOOK_TIMEOUT);
        assert_int_equal(find_hook(p, "absent.sock")->state, PREKILL_HOOK_REFUSED);
        assert_int_equal(find_hook(p, "absent.sock")->error, -ECONNREFUSED);
        assert_null(find_hook(p, ".hidden.sock"));
        assert_string_equal(prekill_hook_state_to_string(PREKILL_HOOK_CLOSED), "closed");
        /* both listeners that accepted got the line, whole */
        n = read(report[0], got, sizeof(got) - 1);
        assert_true(n > 0);
        got[n] = '\0';
        if ((size_t)n < 2 * strlen(expected_line)) {
                ssize_t k = read(report[0], got + n, sizeof(got) - 1 - (size_t)n);

                assert_true(k > 0);
                n += k;
                got[n] = '\0';
        }
        assert_int_equal(n, 2 * strlen(expected_line));
        assert_memory_equal(got, expected_line, strlen(expected_line));
        assert_memory_equal(got + strlen(expected_line), expected_line, strlen(expected_line));
        reap_all();
        clean_dir();

        /* every hook answers: the round ends at once, long before its timeout */
        calls = 0;
        hook("a.sock", ANSWER, report[1]);
        hook("b.sock", ANSWER, report[1]);
        assert_int_equal(run_round(e, p, expected_line, 10 * USEC_PER_SEC, &calls), PREKILL_WAITING);
        assert_int_equal(calls, 1);
        assert_int_equal(prekill_last(p)->n_answered, 2);
        assert_true(prekill_last(p)->elapsed < 5 * USEC_PER_SEC);
        reap_all();
        clean_dir();
        close(report[0]);
        close(report[1]);
        prekill_free(p);
        sd_event_unref(e);
}

static void test_nothing_to_wait_for(void **state)
{
        sd_event *e = NULL;
        struct prekill *p = NULL;
        char name[32], missing[PATH_MAX];
        int calls = 0;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(prekill_new(e, &p), 0);
        /* no directory: no hooks */
        snprintf(missing, sizeof(missing), "%s/missing", dir);
        assert_int_equal(prekill_start(p, missing, "x\n", 2, USEC_PER_SEC, on_done, &calls), 0);
        assert_int_equal(prekill_last(p)->n_sockets, 0);
        /* an empty one */
        assert_int_equal(prekill_start(p, dir, "x\n", 2, USEC_PER_SEC, on_done, &calls), 0);
        /* only stale sockets, more than PREKILL_MAX_HOOKS: refused at once, the rest skipped */
        for (int i = 0; i < PREKILL_MAX_HOOKS + 2; i++) {
                snprintf(name, sizeof(name), "stale%d.sock", i);
                hook(name, ABSENT, -1);
        }
        assert_int_equal(prekill_start(p, dir, "x\n", 2, USEC_PER_SEC, on_done, &calls), 0);
        assert_int_equal(prekill_last(p)->n_sockets, PREKILL_MAX_HOOKS + 2);
        assert_int_equal(prekill_last(p)->n_refused, PREKILL_MAX_HOOKS);
        assert_int_equal(prekill_last(p)->n_skipped, 2);
        assert_int_equal(calls, 0);
        assert_false(prekill_busy(p));
        clean_dir();
        /* a directory anyone may put a socket in would let anyone delay every kill */
        assert_int_equal(chmod(dir, 0777), 0);
        assert_int_equal(prekill_start(p, dir, "x\n", 2, USEC_PER_SEC, on_done, &calls), -EPERM);
        assert_int_equal(chmod(dir, 0775), 0);
        assert_int_equal(prekill_start(p, dir, "x\n", 2, USEC_PER_SEC, on_done, &calls), -EPERM);
        assert_int_equal(chmod(dir, 0755), 0);
        /* not a directory */
        assert_int_equal(prekill_start(p, "/dev/null", "x\n", 2, USEC_PER_SEC, on_done, &calls), -ENOTDIR);
        prekill_free(p);
        sd_event_unref(e);
}

static void test_busy_and_cancel(void **state)
{
        sd_event *e = NULL;
        struct prekill *p = NULL;
        int calls = 0;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(prekill_new(e, &p), 0);
        hook("silent.sock", SILENT, -1);
        assert_int_equal(prekill_start(p, dir, "x\n", 2, 50 * USEC_PER_MSEC, on_done, &calls),
                         PREKILL_WAITING);
        assert_true(prekill_busy(p));
        assert_int_equal(prekill_start(p, dir, "x\n", 2, 50 * USEC_PER_MSEC, on_done, &calls), -EBUSY);
        prekill_cancel(p);
        assert_false(prekill_busy(p));
        assert_int_equal(prekill_last(p)->n_timeout, 1);
        /* the deadline that was armed does not call done() after a cancel */
        assert_true(sd_event_run(e, 200 * USEC_PER_MSEC) >= 0);
        assert_int_equal(calls, 0);
        /* freeing a round in progress closes it without done() */
        assert_int_equal(prekill_start(p, dir, "x\n", 2, USEC_PER_SEC, on_done, &calls), PREKILL_WAITING);
        prekill_free(p);
        assert_int_equal(calls, 0);
        reap_all();
        clean_dir();
        sd_event_unref(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_line),
                cmocka_unit_test(test_round),
                cmocka_unit_test(test_nothing_to_wait_for),
                cmocka_unit_test(test_busy_and_cancel),
        };

        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests(tests, setup, teardown);
}
