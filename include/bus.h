#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bus.h - reapd on the D-Bus system bus: its name, and a Killed signal after each kill */

/*
 * The interface, stable (a change gets a new name, org.reapd.Reapd2). Documented in reapd(8),
 * D-BUS INTERFACE; the policy systemd/org.reapd.Reapd1.conf lets root own the names and anyone
 * receive the signal.
 *
 *   name       org.reapd.Reapd1 (reapd.service),
 *              org.reapd.Reapd1.Instance.LABEL (reapd@NAME.service, LABEL: bus_instance_name())
 *   object     /org/reapd/Reapd1
 *   interface  org.reapd.Reapd1
 *     signal   Killed(u pid, s comm, u uid, s cgroup, s reason, s kill_unit, u killed_count,
 *                     t victim_bytes, t released_bytes, s result, s instance)
 *     property Version s (const), Instance s (const; "" for reapd.service)
 *
 * The connection lives in the daemon's sd-event loop, below every source of the kill path in
 * priority, and never blocks: connecting, authenticating, the Hello and the name request all
 * complete in the loop, and a signal is queued when the socket cannot take it at once. A bus
 * that is not there, or goes away, is tried again later (BUS_RETRY_*), and at once when its
 * socket appears (an inotify watch on the socket's directory, so that a machine without a bus
 * does not wake for it); meanwhile signals are not sent (bus_emit_killed() says so) and reapd
 * goes on.
 */

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "report.h"
#include "util.h"

#define BUS_NAME "org.reapd.Reapd1"
#define BUS_INSTANCE_NAME_PREFIX BUS_NAME ".Instance."
#define BUS_PATH "/org/reapd/Reapd1"
#define BUS_INTERFACE "org.reapd.Reapd1"
#define BUS_KILLED_SIGNAL "Killed"
#define BUS_KILLED_SIGNATURE "ususssuttss"

/* 1s: a bus that went away because dbus restarts is back within it. */
#define BUS_RETRY_MIN_USEC (1 * USEC_PER_SEC)
/* 5min: the retry interval doubles up to this, so a machine without a bus pays one connect() per
 * five minutes, and a bus started later (dbus installed) is found within that. */
#define BUS_RETRY_MAX_USEC (300 * USEC_PER_SEC)
/* Where sd-bus looks for the system bus when DBUS_SYSTEM_BUS_ADDRESS is not set. */
#define BUS_SYSTEM_DEFAULT_ADDRESS "unix:path=/run/dbus/system_bus_socket"
/* Below the kill path's sources (priority 0): the loop serves the bus last. */
#define BUS_EVENT_PRIORITY 10
/* A bus name is at most 255 characters (D-Bus specification). */
#define BUS_NAME_MAX 256

/* What happened on the connection, for the daemon to log. */
enum bus_event {
        BUS_EVENT_UNAVAILABLE, /* could not connect (error); a retry is armed */
        BUS_EVENT_DISCONNECTED, /* the bus closed the connection; a reconnection is armed */
        BUS_EVENT_NAME_ACQUIRED, /* connected, and the name is ours */
        BUS_EVENT_NAME_FAILED, /* connected, the name not ours (-EEXIST taken, -EACCES policy); asked again later */
};

struct reapd_bus;

typedef void (*bus_event_fn)(struct reapd_bus *b, enum bus_event ev, int error, void *userdata);

/*
 * bus_new() - connect to the system bus ($DBUS_SYSTEM_BUS_ADDRESS, else the standard socket) in
 * @e, as reapd.service or, with @instance, as reapd@@instance.service, and request the name.
 * @fn (may be NULL) hears of every bus_event, also one from within this call when there is no bus
 * (BUS_EVENT_UNAVAILABLE). Returns 0 and the bus in @ret (caller owns it, bus_free()), whether
 * or not a bus is there, or a negative errno (-ENOMEM, -EINVAL for an instance name that cannot
 * be put on the bus); @ret untouched then.
 */
int bus_new(sd_event *e, const char *instance, bus_event_fn fn, void *userdata, struct reapd_bus **ret);

/*
 * bus_free() - send what is queued as far as the socket takes it without waiting, close, free.
 * NULL-safe; returns NULL.
 */
struct reapd_bus *bus_free(struct reapd_bus *b);

/* bus_get_name() - the well-known name this daemon requests. */
const char *bus_get_name(const struct reapd_bus *b);

/*
 * bus_emit_killed() - the Killed signal of @r, queued on the bus. Not for dry runs nor
 * rehearsals (-EINVAL). Returns 0, -ENOTCONN when there is no bus at the moment, or a negative
 * errno from sd-bus (-ENOBUFS: its queue is full).
 */
int bus_emit_killed(struct reapd_bus *b, const struct kill_report *r);

/*
 * bus_rehearse_killed() - build the Killed signal of @r and drop it unsent: the kill rehearsal
 * (manager-rehearse.c) runs this code once so that it is resident before a real kill needs it.
 * Returns 0 or a negative errno (-ENOTCONN without a bus).
 */
int bus_rehearse_killed(struct reapd_bus *b, const struct kill_report *r);

/* bus_killed_append() - append the arguments of the Killed signal of @r to @m. Returns 0 or a negative errno. */
int bus_killed_append(sd_bus_message *m, const struct kill_report *r);

/*
 * bus_instance_name() - pure: the well-known name of reapd@@instance.service (BUS_NAME for NULL):
 * BUS_INSTANCE_NAME_PREFIX and @instance with every character that is not a letter or digit,
 * and a leading digit, written "_xx" (its hex code), as in systemd's bus labels. Returns 0, or
 * -ENAMETOOLONG if it does not fit in @size or in a bus name.
 */
int bus_instance_name(const char *instance, char *buf, size_t size);

/*
 * bus_address_socket_path() - pure: the socket path of the first address of a D-Bus address
 * list ("unix:path=/run/dbus/system_bus_socket;..."), its %xx escapes decoded. Returns 0, or
 * -EADDRNOTAVAIL if that address is not a unix path (abstract=, tcp:), -EINVAL if it is
 * malformed or relative, -ENAMETOOLONG if it does not fit in @size.
 */
int bus_address_socket_path(const char *address, char *buf, size_t size);
