/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-bus.c - the Killed signal's arguments, read back by a peer, and the instances' bus names */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include "bus.h"

static void test_instance_name(void **state)
{
        char buf[BUS_NAME_MAX];

        assert_int_equal(bus_instance_name(NULL, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "org.reapd.Reapd1");
        assert_int_equal(bus_instance_name("batch", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "org.reapd.Reapd1.Instance.batch");
        /* every character of systemd's %i that a bus name cannot hold, and a leading digit */
        assert_int_equal(bus_instance_name("1a-b_c.d:e\\f", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "org.reapd.Reapd1.Instance._31a_2db_5fc_2ed_3ae_5cf");
        assert_int_equal(bus_instance_name("a1", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "org.reapd.Reapd1.Instance.a1");
        assert_int_equal(bus_instance_name("", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "org.reapd.Reapd1.Instance._");
        /* too long for the buffer, or for a bus name (255) */
        assert_int_equal(bus_instance_name("batch", buf, 20), -ENAMETOOLONG);
        {
                char name[128];

                memset(name, '.', sizeof(name) - 1);
                name[sizeof(name) - 1] = '\0';
                assert_int_equal(bus_instance_name(name, buf, sizeof(buf)), -ENAMETOOLONG);
                name[64] = '\0'; /* the longest instance name: fits */
                assert_int_equal(bus_instance_name(name, buf, sizeof(buf)), 0);
                assert_int_equal(strlen(buf), strlen(BUS_INSTANCE_NAME_PREFIX) + 64 * 3);
        }
}

/* A direct connection over a socketpair: @server and @client, both started. */
static void peers(sd_bus **server, sd_bus **client)
{
        sd_id128_t id;
        int pair[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
        assert_int_equal(sd_id128_randomize(&id), 0);
        assert_int_equal(sd_bus_new(server), 0);
        assert_int_equal(sd_bus_set_fd(*server, pair[0], pair[0]), 0);
        assert_int_equal(sd_bus_set_server(*server, 1, id), 0);
        assert_int_equal(sd_bus_set_anonymous(*server, 1), 0);
        assert_int_equal(sd_bus_start(*server), 0);
        assert_int_equal(sd_bus_new(client), 0);
        assert_int_equal(sd_bus_set_fd(*client, pair[1], pair[1]), 0);
        assert_int_equal(sd_bus_set_anonymous(*client, 1), 0);
        assert_int_equal(sd_bus_start(*client), 0);
}

struct received {
        bool seen;
        uint32_t pid, uid, count;
        const char *comm, *cgroup, *reason, *unit, *result, *instance;
        uint64_t victim_bytes, released_bytes;
        char copy[6][256];
};

static int on_killed(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        struct received *r = userdata;

        if (!sd_bus_message_is_signal(m, BUS_INTERFACE, BUS_KILLED_SIGNAL))
                return 0;
        assert_string_equal(sd_bus_message_get_path(m), BUS_PATH);
        assert_string_equal(sd_bus_message_get_signature(m, 1), BUS_KILLED_SIGNATURE);
        assert_int_equal(sd_bus_message_read(m, BUS_KILLED_SIGNATURE, &r->pid, &r->comm, &r->uid, &r->cgroup,
                                             &r->reason, &r->unit, &r->count, &r->victim_bytes,
                                             &r->released_bytes, &r->result, &r->instance),
                         1);
        /* the strings live in the message: copy them out */
        strcpy(r->copy[0], r->comm);
        strcpy(r->copy[1], r->cgroup);
        strcpy(r->copy[2], r->reason);
        strcpy(r->copy[3], r->unit);
        strcpy(r->copy[4], r->result);
        strcpy(r->copy[5], r->instance);
        r->seen = true;
        return 1;
}

static void test_killed_signal(void **state)
{
        const struct kill_report report = {
                .pid = 4242,
                .uid = 1000,
                .comm = "Web Content",
                .cgroup = "/user.slice/user-1000.slice/app.slice/firefox.scope",
                .kill_unit = "process-group",
                .n_killed = 3,
                .trigger = "pressure-some",
                .rss_kb = 2048,
                .swap_kb = 1024,
                .released_kb = 3000,
                .result = "killed",
                .instance = "desk",
        };
        sd_bus *server = NULL, *client = NULL;
        sd_bus_message *m = NULL;
        struct received got = {};

        peers(&server, &client);
        assert_int_equal(sd_bus_add_filter(server, NULL, on_killed, &got), 0);
        assert_int_equal(sd_bus_message_new_signal(client, &m, BUS_PATH, BUS_INTERFACE, BUS_KILLED_SIGNAL),
                         0);
        assert_int_equal(bus_killed_append(m, &report), 0);
        assert_true(sd_bus_send(client, m, NULL) >= 0);
        sd_bus_message_unref(m);
        for (int i = 0; i < 100 && !got.seen; i++) {
                while (sd_bus_process(client, NULL) > 0)
                        ;
                while (sd_bus_process(server, NULL) > 0)
                        ;
                if (!got.seen)
                        (void)sd_bus_wait(server, 10000);
        }
        assert_true(got.seen);
        assert_int_equal(got.pid, 4242);
        assert_string_equal(got.copy[0], "Web Content");
        assert_int_equal(got.uid, 1000);
        assert_string_equal(got.copy[1], "/user.slice/user-1000.slice/app.slice/firefox.scope");
        assert_string_equal(got.copy[2], "pressure-some");
        assert_string_equal(got.copy[3], "process-group");
        assert_int_equal(got.count, 3);
        assert_int_equal(got.victim_bytes, 3072 * 1024);
        assert_int_equal(got.released_bytes, 3000 * 1024);
        assert_string_equal(got.copy[4], "killed");
        assert_string_equal(got.copy[5], "desk");
        sd_bus_close_unref(client);
        sd_bus_close_unref(server);
}

/* A record with nothing set still makes a valid signal: no NULL string reaches sd-bus. */
static void test_killed_defaults(void **state)
{
        const struct kill_report empty = {.pid = 1};
        sd_bus *server = NULL, *client = NULL;
        sd_bus_message *m = NULL;
        const char *comm, *cgroup, *reason, *unit, *result, *instance;
        uint32_t pid, uid, count;
        uint64_t vb, rb;

        peers(&server, &client);
        assert_int_equal(sd_bus_message_new_signal(client, &m, BUS_PATH, BUS_INTERFACE, BUS_KILLED_SIGNAL),
                         0);
        assert_int_equal(bus_killed_append(m, &empty), 0);
        assert_int_equal(sd_bus_message_seal(m, 1, 0), 0);
        assert_int_equal(sd_bus_message_rewind(m, 1), 1);
        assert_int_equal(sd_bus_message_read(m, BUS_KILLED_SIGNATURE, &pid, &comm, &uid, &cgroup, &reason,
                                             &unit, &count, &vb, &rb, &result, &instance),
                         1);
        assert_string_equal(comm, "");
        assert_string_equal(cgroup, "/");
        assert_string_equal(reason, "unknown");
        assert_string_equal(unit, "process");
        assert_string_equal(result, "killed");
        assert_string_equal(instance, "");
        sd_bus_message_unref(m);
        sd_bus_close_unref(client);
        sd_bus_close_unref(server);
}

/* Without a bus (an address nobody listens on) bus_new() succeeds, says so, and arms a retry. */
static int unavailable;

static void on_event(struct reapd_bus *b, enum bus_event ev, int error, void *userdata)
{
        if (ev == BUS_EVENT_UNAVAILABLE) {
                assert_true(error < 0);
                unavailable++;
        }
}

static void test_no_bus(void **state)
{
        const struct kill_report r = {.pid = 1, .comm = "x"};
        struct reapd_bus *b = NULL;
        sd_event *e = NULL;

        assert_int_equal(setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/reapd-test-bus", 1), 0);
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(bus_new(e, NULL, on_event, NULL, &b), 0);
        assert_int_equal(unavailable, 1);
        assert_string_equal(bus_get_name(b), BUS_NAME);
        assert_int_equal(bus_emit_killed(b, &r), -ENOTCONN);
        assert_int_equal(bus_rehearse_killed(b, &r), -ENOTCONN);
        /* the retry, BUS_RETRY_MIN_USEC later, finds no bus either */
        assert_true(sd_event_run(e, 3 * BUS_RETRY_MIN_USEC) > 0);
        assert_int_equal(unavailable, 2);
        bus_free(b);
        assert_int_equal(bus_new(e, "a.b", on_event, NULL, &b), 0);
        assert_string_equal(bus_get_name(b), "org.reapd.Reapd1.Instance.a_2eb");
        bus_free(b);
        sd_event_unref(e);
}

static void test_address_socket_path(void **state)
{
        char buf[64];

        assert_int_equal(bus_address_socket_path(BUS_SYSTEM_DEFAULT_ADDRESS, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "/run/dbus/system_bus_socket");
        /* other keys around it, escapes, and a second address never looked at */
        assert_int_equal(
                bus_address_socket_path("unix:guid=0f,path=/a%2cb/s%3bk,x=y;unix:path=/c", buf, sizeof(buf)),
                0);
        assert_string_equal(buf, "/a,b/s;k");
        /* nothing on disk to watch */
        assert_int_equal(bus_address_socket_path("unix:abstract=/tmp/dbus-x", buf, sizeof(buf)),
                         -EADDRNOTAVAIL);
        assert_int_equal(bus_address_socket_path("tcp:host=localhost,port=1", buf, sizeof(buf)),
                         -EADDRNOTAVAIL);
        assert_int_equal(bus_address_socket_path("unix:path=", buf, sizeof(buf)), -EADDRNOTAVAIL);
        assert_int_equal(bus_address_socket_path("", buf, sizeof(buf)), -EADDRNOTAVAIL);
        /* malformed: a relative path, a bad or cut escape, an escaped NUL */
        assert_int_equal(bus_address_socket_path("unix:path=run/x", buf, sizeof(buf)), -EINVAL);
        assert_int_equal(bus_address_socket_path("unix:path=/x%zz", buf, sizeof(buf)), -EINVAL);
        assert_int_equal(bus_address_socket_path("unix:path=/x%2", buf, sizeof(buf)), -EINVAL);
        assert_int_equal(bus_address_socket_path("unix:path=/x%00y", buf, sizeof(buf)), -EINVAL);
        assert_int_equal(bus_address_socket_path(NULL, buf, sizeof(buf)), -EINVAL);
        /* too long for the buffer */
        assert_int_equal(bus_address_socket_path("unix:path=/run/dbus/system_bus_socket", buf, 8),
                         -ENAMETOOLONG);
}

/*
 * No socket in a directory that exists: the directory is watched, so no retry wakes the loop
 * while the socket is missing; its appearance makes reapd try at once (here a plain file, which
 * refuses, and from then on the short retries run again).
 */
static void test_watch_socket_dir(void **state)
{
        char dir[] = "/tmp/reapd-test-bus-XXXXXX", sock[64], address[80];
        struct reapd_bus *b = NULL;
        sd_event *e = NULL;
        int fd;

        assert_non_null(mkdtemp(dir));
        snprintf(sock, sizeof(sock), "%s/system_bus_socket", dir);
        snprintf(address, sizeof(address), "unix:path=%s", sock);
        assert_int_equal(setenv("DBUS_SYSTEM_BUS_ADDRESS", address, 1), 0);
        unavailable = 0;
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(bus_new(e, NULL, on_event, NULL, &b), 0);
        assert_int_equal(unavailable, 1);
        /* 3 retry intervals: nothing (the timer backs the watch up only every BUS_RETRY_MAX_USEC) */
        assert_int_equal(sd_event_run(e, 3 * BUS_RETRY_MIN_USEC), 0);
        assert_int_equal(unavailable, 1);
        fd = open(sock, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        close(fd);
        assert_true(sd_event_run(e, BUS_RETRY_MIN_USEC) > 0);
        assert_int_equal(unavailable, 2);
        /* the socket is there but refuses: the next try comes BUS_RETRY_MIN_USEC later */
        assert_true(sd_event_run(e, 3 * BUS_RETRY_MIN_USEC) > 0);
        assert_int_equal(unavailable, 3);
        bus_free(b);
        sd_event_unref(e);
        assert_int_equal(unlink(sock), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void test_not_for_dry_runs(void **state)
{
        struct kill_report r = {.pid = 1, .dry_run = true};

        assert_int_equal(bus_emit_killed(NULL, &r), -EINVAL);
        r = (struct kill_report){.pid = 1, .rehearsal = true};
        assert_int_equal(bus_emit_killed(NULL, &r), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_instance_name),    cmocka_unit_test(test_killed_signal),
                cmocka_unit_test(test_killed_defaults),  cmocka_unit_test(test_no_bus),
                cmocka_unit_test(test_not_for_dry_runs), cmocka_unit_test(test_address_socket_path),
                cmocka_unit_test(test_watch_socket_dir),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
