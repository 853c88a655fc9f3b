/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify-server.c - a stand-in desktop notification server for the tests: owns
 * org.freedesktop.Notifications on the session bus ($DBUS_SESSION_BUS_ADDRESS) and writes each
 * Notify call to LOG as one JSON object a line (app_name, icon, summary, body, urgency,
 * expire_timeout), so that a test can read what a user would have seen.
 *
 * Usage: notify-server LOG [--markup] [--ready-fd N]
 *   --markup      announce "body-markup" among the capabilities (the body then needs escaping)
 *   --ready-fd N  write "ready\n" to fd N once the name is owned
 * Runs until SIGTERM.
 */

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "json.h"

static FILE *out;
static bool markup;
static uint32_t next_id = 1;

static void put(const char *key, const char *value, bool last)
{
        fprintf(out, "\"%s\":", key);
        json_print_string(out, value, strlen(value));
        fputs(last ? "" : ",", out);
}

static int method_notify(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *app, *icon, *summary, *body, *key;
        uint32_t replaces;
        int32_t timeout;
        uint8_t urgency = 255;
        int r;

        r = sd_bus_message_read(m, "susss", &app, &replaces, &icon, &summary, &body);
        if (r < 0)
                return r;
        r = sd_bus_message_skip(m, "as");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "urgency") == 0)
                        r = sd_bus_message_read(m, "v", "y", &urgency);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_read(m, "i", &timeout);
        if (r < 0)
                return r;
        fputc('{', out);
        put("app_name", app, false);
        put("icon", icon, false);
        put("summary", summary, false);
        put("body", body, false);
        fprintf(out, "\"urgency\":%u,\"expire_timeout\":%d,\"replaces_id\":%u}\n", urgency, timeout,
                replaces);
        fflush(out);
        return sd_bus_reply_method_return(m, "u", next_id++);
}

static int method_capabilities(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return markup ? sd_bus_reply_method_return(m, "as", 2, "body", "body-markup")
                      : sd_bus_reply_method_return(m, "as", 1, "body");
}

static int method_info(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return sd_bus_reply_method_return(m, "ssss", "reapd-test", "reapd", "1", "1.2");
}

static int method_close(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return sd_bus_reply_method_return(m, "");
}

static const sd_bus_vtable vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Notify", "susssasa{sv}i", "u", method_notify, 0),
        SD_BUS_METHOD("GetCapabilities", "", "as", method_capabilities, 0),
        SD_BUS_METHOD("GetServerInformation", "", "ssss", method_info, 0),
        SD_BUS_METHOD("CloseNotification", "u", "", method_close, 0),
        SD_BUS_VTABLE_END,
};

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
        stop = 1;
}

int main(int argc, char **argv)
{
        sd_bus *bus = NULL;
        int ready_fd = -1, r;

        if (argc < 2) {
                fprintf(stderr, "usage: %s LOG [--markup] [--ready-fd N]\n", argv[0]);
                return 2;
        }
        for (int i = 2; i < argc; i++) {
                if (strcmp(argv[i], "--markup") == 0)
                        markup = true;
                else if (strcmp(argv[i], "--ready-fd") == 0 && i + 1 < argc)
                        ready_fd = atoi(argv[++i]);
                else {
                        fprintf(stderr, "%s: unknown argument %s\n", argv[0], argv[i]);
                        return 2;
                }
        }
        out = fopen(argv[1], "ae");
        if (!out) {
                perror(argv[1]);
                return 1;
        }
        signal(SIGTERM, on_term);
        r = sd_bus_open_user(&bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/Notifications",
                                             "org.freedesktop.Notifications", vtable, NULL);
        if (r >= 0)
                r = sd_bus_request_name(bus, "org.freedesktop.Notifications", 0);
        if (r < 0) {
                fprintf(stderr, "notify-server: %s\n", strerror(-r));
                return 1;
        }
        if (ready_fd >= 0 && write(ready_fd, "ready\n", 6) != 6)
                return 1;
        while (!stop) {
                r = sd_bus_process(bus, NULL);
                if (r < 0) {
                        fprintf(stderr, "notify-server: %s\n", strerror(-r));
                        break;
                }
                if (r == 0)
                        (void)sd_bus_wait(bus, 200 * 1000);
        }
        sd_bus_flush_close_unref(bus);
        fclose(out);
        return r < 0 ? 1 : 0;
}
