/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bus.c - reapd on the D-Bus system bus: its name, and a Killed signal after each kill */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "bus.h"

struct reapd_bus {
        sd_event *event;
        sd_bus *bus; /* NULL: none at the moment (retry_source says when the next try is) */
        sd_bus_slot *vtable_slot, *filter_slot, *name_slot;
        sd_event_source *retry_source;
        usec_t retry_usec; /* the next retry's delay; doubles up to BUS_RETRY_MAX_USEC */
        sd_event_source *watch_source; /* inotify on the socket's directory; NULL if not watched */
        char socket_path[PATH_MAX]; /* the system bus socket; "" if its address is not a path */
        const char *socket_name; /* its last component, in socket_path */
        bus_event_fn fn;
        void *userdata;
        char instance[BUS_NAME_MAX]; /* "" for reapd.service */
        char name[BUS_NAME_MAX];
};

int bus_instance_name(const char *instance, char *buf, size_t size)
{
        static const char hex[] = "0123456789abcdef";
        size_t n;

        if (!instance) {
                if (size < sizeof(BUS_NAME))
                        return -ENAMETOOLONG;
                memcpy(buf, BUS_NAME, sizeof(BUS_NAME));
                return 0;
        }
        n = strlen(BUS_INSTANCE_NAME_PREFIX);
        if (size > BUS_NAME_MAX)
                size = BUS_NAME_MAX;
        if (n >= size)
                return -ENAMETOOLONG;
        memcpy(buf, BUS_INSTANCE_NAME_PREFIX, n);
        /* An empty element is not allowed in a bus name: "" is written as a lone "_". */
        if (!*instance) {
                if (n + 2 > size)
                        return -ENAMETOOLONG;
                buf[n++] = '_';
        }
        for (const char *p = instance; *p; p++) {
                unsigned char c = (unsigned char)*p;
                bool keep = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9' && p != instance));

                if (n + (keep ? 1 : 3) >= size)
                        return -ENAMETOOLONG;
                if (keep) {
                        buf[n++] = (char)c;
                        continue;
                }
                buf[n++] = '_';
                buf[n++] = hex[c >> 4];
                buf[n++] = hex[c & 15];
        }
        buf[n] = '\0';
        return 0;
}

static int unhex(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int bus_address_socket_path(const char *address, char *buf, size_t size)
{
        const char *p = address, *end;
        size_t n = 0;

        if (!address || size == 0)
                return -EINVAL;
        /* the first address only: sd-bus moves to the next when it fails, which is rare */
        end = p + strcspn(p, ";");
        if (strncmp(p, "unix:", 5) != 0)
                return -EADDRNOTAVAIL;
        p += 5;
        while (p < end) {
                size_t len = strcspn(p, ",;");

                if (len > 5 && strncmp(p, "path=", 5) == 0) {
                        for (const char *q = p + 5; q < p + len; q++) {
                                char c = *q;

                                if (c == '%') {
                                        int hi = q + 2 < p + len ? unhex(q[1]) : -1;
                                        int lo = hi >= 0 ? unhex(q[2]) : -1;

                                        if (lo < 0)
                                                return -EINVAL;
                                        c = (char)(hi << 4 | lo);
                                        q += 2;
                                }
                                if (c == '\0' || n + 1 >= size)
                                        return c == '\0' ? -EINVAL : -ENAMETOOLONG;
                                buf[n++] = c;
                        }
                        buf[n] = '\0';
                        return buf[0] == '/' ? 0 : -EINVAL;
                }
                p += len;
                if (p < end && *p == ',')
                        p++;
        }
        return -EADDRNOTAVAIL; /* abstract=, dir=, runtime=: nothing on disk to watch */
}

const char *bus_get_name(const struct reapd_bus *b)
{
        return b->name;
}

static int get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "s", REAPD_VERSION);
}

static int get_instance(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        const struct reapd_bus *b = userdata;

        return sd_bus_message_append(reply, "s", b->instance);
}

static const sd_bus_vtable reapd_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Instance", "s", get_instance, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_SIGNAL_WITH_NAMES(BUS_KILLED_SIGNAL, BUS_KILLED_SIGNATURE,
                                 SD_BUS_PARAM(pid) SD_BUS_PARAM(comm) SD_BUS_PARAM(uid) SD_BUS_PARAM(cgroup)
                                         SD_BUS_PARAM(reason) SD_BUS_PARAM(kill_unit)
                                                 SD_BUS_PARAM(killed_count) SD_BUS_PARAM(victim_bytes)
                                                         SD_BUS_PARAM(released_bytes) SD_BUS_PARAM(result)
                                                                 SD_BUS_PARAM(instance),
                                 0),
        SD_BUS_VTABLE_END,
};

static void bus_event(struct reapd_bus *b, enum bus_event ev, int error)
{
        if (b->fn)
                b->fn(b, ev, error, b->userdata);
}

/*
 * Drops the connection and its slots. What is queued goes out as far as the socket takes it now:
 * sd_bus_flush() would wait for a bus that does not read (or is still authenticating us), and
 * hold up reapd's stop or reload.
 */
static void bus_drop(struct reapd_bus *b)
{
        b->name_slot = sd_bus_slot_unref(b->name_slot);
        b->filter_slot = sd_bus_slot_unref(b->filter_slot);
        b->vtable_slot = sd_bus_slot_unref(b->vtable_slot);
        if (b->bus) {
                for (int i = 0; i < 8 && sd_bus_process(b->bus, NULL) > 0; i++)
                        ;
                (void)sd_bus_detach_event(b->bus);
                b->bus = sd_bus_close_unref(b->bus);
        }
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata);

static void bus_retry_later(struct reapd_bus *b)
{
        usec_t delay = b->retry_usec;

        /* No socket, and its directory watched: its creation wakes us (on_socket_dir), and the
         * timer only backs the watch up. An idle machine without a bus then never wakes for it. */
        if (b->watch_source && access(b->socket_path, F_OK) < 0 && errno == ENOENT)
                delay = BUS_RETRY_MAX_USEC;
        else
                b->retry_usec = MIN(2 * b->retry_usec, BUS_RETRY_MAX_USEC);
        if (b->retry_source) {
                if (sd_event_source_set_time_relative(b->retry_source, delay) >= 0)
                        (void)sd_event_source_set_enabled(b->retry_source, SD_EVENT_ONESHOT);
                return;
        }
        if (sd_event_add_time_relative(b->event, &b->retry_source, CLOCK_MONOTONIC, delay, USEC_PER_SEC,
                                       on_retry, b) >= 0)
                (void)sd_event_source_set_enabled(b->retry_source, SD_EVENT_ONESHOT);
        else
                b->retry_source = NULL;
}

static int on_name(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct reapd_bus *b = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        uint32_t reply = 0;
        int r;

        b->name_slot = sd_bus_slot_unref(b->name_slot);
        /* The connection is closing: its pending calls fail, and BUS_EVENT_DISCONNECTED follows. */
        if (sd_bus_is_open(sd_bus_message_get_bus(m)) <= 0)
                return 0;
        if (e) {
                r = sd_bus_error_get_errno(e);
                r = r > 0 ? -r : -EIO;
        } else {
                r = sd_bus_message_read(m, "u", &reply);
                if (r >= 0)
                        r = reply == 1 /* primary owner */ || reply == 4 /* already the owner */ ? 0
                                                                                                 : -EEXIST;
        }
        if (r == 0) {
                b->retry_usec = BUS_RETRY_MIN_USEC;
                bus_event(b, BUS_EVENT_NAME_ACQUIRED, 0);
                return 0;
        }
        /* Asked again later: the owner may leave, the policy may be installed meanwhile (dbus reads
         * it when the package is unpacked, and the package starts reapd right after). */
        bus_event(b, BUS_EVENT_NAME_FAILED, r);
        bus_retry_later(b);
        return 0;
}

/* Every incoming message passes here first; only the loss of the connection matters. */
static int on_filter(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct reapd_bus *b = userdata;

        if (!sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected"))
                return 0;
        /* sd-bus has closed it already; it is dropped in on_retry(), not inside its own dispatch. */
        bus_event(b, BUS_EVENT_DISCONNECTED, 0);
        bus_retry_later(b);
        return 0;
}

static int bus_connect(struct reapd_bus *b)
{
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system_with_description(&bus, "reapd");
        if (r < 0)
                return r;
        r = sd_bus_add_filter(bus, &b->filter_slot, on_filter, b);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, &b->vtable_slot, BUS_PATH, BUS_INTERFACE, reapd_vtable, b);
        if (r >= 0)
                r = sd_bus_request_name_async(bus, &b->name_slot, b->name, 0, on_name, b);
        if (r >= 0)
                r = sd_bus_attach_event(bus, b->event, BUS_EVENT_PRIORITY);
        b->bus = bus;
        if (r < 0)
                bus_drop(b);
        return r;
}

static void bus_try(struct reapd_bus *b)
{
        int r;

        if (b->bus && sd_bus_is_open(b->bus) > 0) {
                /* Connected: only the name is missing. */
                r = b->name_slot ? 0
                                 : sd_bus_request_name_async(b->bus, &b->name_slot, b->name, 0, on_name, b);
                if (r < 0)
                        bus_retry_later(b);
                return;
        }
        bus_drop(b);
        r = bus_connect(b);
        if (r < 0) {
                bus_event(b, BUS_EVENT_UNAVAILABLE, r);
                bus_retry_later(b);
        }
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        bus_try(userdata);
        return 0;
}

/* Something appeared in the socket's directory: if it is the socket, connect now. */
static int on_socket_dir(sd_event_source *s, const struct inotify_event *ev, void *userdata)
{
        struct reapd_bus *b = userdata;

        if (ev->mask & (IN_IGNORED | IN_Q_OVERFLOW)) {
                /* the directory went away (or events were lost): the timer alone from now on */
                if (ev->mask & IN_IGNORED)
                        b->watch_source = sd_event_source_disable_unref(b->watch_source);
        } else if (ev->len == 0 || !streq(ev->name, b->socket_name)) {
                return 0;
        }
        if (b->bus && sd_bus_is_open(b->bus) > 0)
                return 0; /* connected: a bus that restarts disconnects us first */
        /* A socket is bound before it listens: if this try is refused, the retries start short. */
        b->retry_usec = BUS_RETRY_MIN_USEC;
        bus_try(b);
        return 0;
}

/* Watches the system bus socket's directory, where sd-bus will look for it; without it (an
 * address that is not a path, no such directory), the timer alone retries. */
static void bus_watch(struct reapd_bus *b)
{
        const char *address = secure_getenv("DBUS_SYSTEM_BUS_ADDRESS");
        char dir[PATH_MAX];
        char *slash;
        int r;

        r = bus_address_socket_path(address ? address : BUS_SYSTEM_DEFAULT_ADDRESS, b->socket_path,
                                    sizeof(b->socket_path));
        if (r < 0) {
                b->socket_path[0] = '\0';
                return;
        }
        strlcpy0(dir, b->socket_path, sizeof(dir));
        slash = strrchr(dir, '/');
        b->socket_name = strrchr(b->socket_path, '/') + 1;
        slash[slash == dir] = '\0'; /* "/sock" watches "/" */
        r = sd_event_add_inotify(b->event, &b->watch_source, dir, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR,
                                 on_socket_dir, b);
        if (r < 0) {
                b->watch_source = NULL;
                return;
        }
        (void)sd_event_source_set_priority(b->watch_source, BUS_EVENT_PRIORITY);
}

int bus_new(sd_event *e, const char *instance, bus_event_fn fn, void *userdata, struct reapd_bus **ret)
{
        struct reapd_bus *b;
        int r;

        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        r = bus_instance_name(instance, b->name, sizeof(b->name));
        if (r < 0) {
                free(b);
                return -EINVAL;
        }
        strlcpy0(b->instance, instance ? instance : "", sizeof(b->instance));
        b->event = sd_event_ref(e);
        b->fn = fn;
        b->userdata = userdata;
        b->retry_usec = BUS_RETRY_MIN_USEC;
        *ret = b;
        bus_watch(b);
        r = bus_connect(b);
        if (r < 0) {
                bus_event(b, BUS_EVENT_UNAVAILABLE, r);
                bus_retry_later(b);
        }
        return 0;
}

struct reapd_bus *bus_free(struct reapd_bus *b)
{
        if (!b)
                return NULL;
        bus_drop(b);
        b->retry_source = sd_event_source_disable_unref(b->retry_source);
        b->watch_source = sd_event_source_disable_unref(b->watch_source);
        sd_event_unref(b->event);
        free(b);
        return NULL;
}

int bus_killed_append(sd_bus_message *m, const struct kill_report *r)
{
        int k = sd_bus_message_append(
                m, BUS_KILLED_SIGNATURE, (uint32_t)r->pid, r->comm ? r->comm : "", (uint32_t)r->uid,
                r->cgroup && *r->cgroup ? r->cgroup : "/", r->trigger ? r->trigger : "unknown",
                r->kill_unit ? r->kill_unit : "process", (uint32_t)r->n_killed,
                (uint64_t)(r->rss_kb + r->swap_kb) * 1024, (uint64_t)r->released_kb * 1024,
                r->result ? r->result : "killed", r->instance ? r->instance : "");

        return k < 0 ? k : 0;
}

/* The signal of @r, in @ret. */
static int killed_message(struct reapd_bus *b, const struct kill_report *r, sd_bus_message **ret)
{
        sd_bus_message *m = NULL;
        int k;

        if (!b->bus || sd_bus_is_open(b->bus) <= 0)
                return -ENOTCONN;
        k = sd_bus_message_new_signal(b->bus, &m, BUS_PATH, BUS_INTERFACE, BUS_KILLED_SIGNAL);
        if (k < 0)
                return k;
        k = bus_killed_append(m, r);
        if (k < 0) {
                sd_bus_message_unref(m);
                return k;
        }
        *ret = m;
        return 0;
}

int bus_emit_killed(struct reapd_bus *b, const struct kill_report *r)
{
        sd_bus_message *m = NULL;
        int k;

        if (r->dry_run || r->rehearsal)
                return -EINVAL;
        k = killed_message(b, r, &m);
        if (k < 0)
                return k;
        k = sd_bus_send(b->bus, m, NULL);
        sd_bus_message_unref(m);
        return k < 0 ? k : 0;
}

int bus_rehearse_killed(struct reapd_bus *b, const struct kill_report *r)
{
        sd_bus_message *m = NULL;
        int k;

        k = killed_message(b, r, &m);
        if (k < 0)
                return k;
        /* Sealed as sending would, so that the same code runs; then dropped. */
        k = sd_bus_message_seal(m, 1, 0);
        sd_bus_message_unref(m);
        return k < 0 ? k : 0;
}
