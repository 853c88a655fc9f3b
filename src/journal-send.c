/* SPDX-License-Identifier: GPL-2.0-or-later */
/* journal-send.c - journal records that never block their sender: a nonblocking socket, a bounded queue, a thread */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "journal-send.h"
#include "util.h"

#define JOURNAL_SOCKET_PATH "/run/systemd/journal/socket"
/* 1s: how often the thread tries again while journald's socket refuses (journald restarting). */
#define JOURNAL_RETRY_MSEC 1000
/* The thread only sends: 64 KiB of stack is plenty, and stays small when locked. */
#define JOURNAL_STACK_SIZE (64 * 1024)
/* Queue entries are [uint32_t length][bytes], each padded to this alignment. */
#define JOURNAL_ALIGN 8

static struct {
        pthread_mutex_t lock;
        pthread_cond_t wake;
        pthread_t thread;
        bool started, stop;
        int fd;
        struct sockaddr_un addr;
        socklen_t addr_len;
        /* the queue: a ring of entries from head (the oldest) to tail */
        _Alignas(8) char ring[JOURNAL_QUEUE_SIZE];
        size_t head, tail;
        size_t n_queued;
        uint64_t dropped, dropped_said;
} js = {
        .lock = PTHREAD_MUTEX_INITIALIZER,
        .wake = PTHREAD_COND_INITIALIZER,
        .fd = -1,
};

long journal_serialize(const struct iovec *iov, size_t n, char *buf, size_t size)
{
        size_t len = 0;

        for (size_t i = 0; i < n; i++) {
                const char *f = iov[i].iov_base, *eq = memchr(f, '=', iov[i].iov_len);
                size_t klen, vlen;

                if (!eq)
                        continue;
                klen = (size_t)(eq - f);
                vlen = iov[i].iov_len - klen - 1;
                if (!memchr(eq + 1, '\n', vlen)) {
                        if (size - len < iov[i].iov_len + 1)
                                return -EMSGSIZE;
                        memcpy(buf + len, f, iov[i].iov_len);
                        len += iov[i].iov_len;
                        buf[len++] = '\n';
                        continue;
                }
                if (size - len < klen + 1 + 8 + vlen + 1)
                        return -EMSGSIZE;
                memcpy(buf + len, f, klen);
                len += klen;
                buf[len++] = '\n';
                for (unsigned b = 0; b < 8; b++)
                        buf[len++] = (char)((uint64_t)vlen >> (8 * b));
                memcpy(buf + len, eq + 1, vlen);
                len += vlen;
                buf[len++] = '\n';
        }
        return (long)len;
}

/* Under js.lock. A fresh socket when there is none or journald's went away. */
static int socket_open(void)
{
        int fd;

        if (js.fd >= 0)
                return 0;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&js.addr, js.addr_len) < 0) {
                int e = -errno;

                close(fd);
                return e;
        }
        js.fd = fd;
        return 0;
}

/* Under js.lock: one nonblocking send. -EAGAIN: journald's queue is full. */
static int send_now(const char *buf, size_t len)
{
        int r = socket_open();

        if (r < 0)
                return r;
        if (send(js.fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
                return 0;
        r = -errno;
        if (r == -ECONNREFUSED || r == -ENOTCONN) {
                /* journald restarted: its socket is a new one */
                js.fd = safe_close(js.fd);
                if (socket_open() < 0)
                        return r;
                if (send(js.fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
                        return 0;
                r = -errno;
        }
        return r;
}

static size_t entry_size(size_t len)
{
        return (sizeof(uint32_t) + len + JOURNAL_ALIGN - 1) / JOURNAL_ALIGN * JOURNAL_ALIGN;
}

/*
 * Under js.lock: append a record. Entries never wrap: one that does not fit before the ring's
 * end goes to its start, and a zero length at the old end tells queue_peek() to follow. Entries
 * are 8-aligned, so that marker always fits.
 */
static int queue_push(const char *buf, size_t len)
{
        size_t need = entry_size(len), at;

        if (js.n_queued == 0)
                js.head = js.tail = 0;
        if (js.n_queued > 0 && js.tail <= js.head) {
                /* wrapped: the free space is between tail and head */
                if (js.head - js.tail < need)
                        return -ENOBUFS;
                at = js.tail;
        } else if (JOURNAL_QUEUE_SIZE - js.tail >= need) {
                at = js.tail;
        } else {
                if (js.n_queued > 0 && js.head < need)
                        return -ENOBUFS;
                if (js.n_queued == 0 && need > JOURNAL_QUEUE_SIZE)
                        return -ENOBUFS;
                if (js.tail < JOURNAL_QUEUE_SIZE)
                        memset(js.ring + js.tail, 0, sizeof(uint32_t));
                at = 0;
        }
        memcpy(js.ring + at, &(uint32_t){(uint32_t)len}, sizeof(uint32_t));
        memcpy(js.ring + at + sizeof(uint32_t), buf, len);
        js.tail = (at + need) % JOURNAL_QUEUE_SIZE;
        js.n_queued++;
        return 0;
}

/* Under js.lock: the oldest record, or NULL. */
static const char *queue_peek(size_t *ret_len)
{
        uint32_t len = 0;

        if (js.n_queued == 0)
                return NULL;
        memcpy(&len, js.ring + js.head, sizeof(len));
        if (len == 0) {
                js.head = 0; /* the end of the ring was skipped */
                memcpy(&len, js.ring, sizeof(len));
        }
        *ret_len = len;
        return js.ring + js.head + sizeof(uint32_t);
}

static void queue_pop(size_t len)
{
        js.head = (js.head + entry_size(len)) % JOURNAL_QUEUE_SIZE;
        if (--js.n_queued == 0)
                js.head = js.tail = 0;
}

/* Under js.lock, queue drained: say how many records were dropped meanwhile, once. */
static void say_dropped(void)
{
        char msg[160], count[48], buf[512];
        uint64_t n = js.dropped - js.dropped_said;
        struct iovec iov[4];
        long len;

        if (n == 0)
                return;
        snprintf(msg, sizeof(msg),
                 "MESSAGE=%" PRIu64 " journal record%s of reapd's were dropped while journald did not read "
                 "its socket",
                 n, n == 1 ? "" : "s");
        snprintf(count, sizeof(count), "DROPPED=%" PRIu64, n);
        iov[0] = (struct iovec){msg, strlen(msg)};
        iov[1] = (struct iovec){"PRIORITY=4", 10};
        iov[2] = (struct iovec){"SYSLOG_IDENTIFIER=reapd", 23};
        iov[3] = (struct iovec){count, strlen(count)};
        len = journal_serialize(iov, 4, buf, sizeof(buf));
        if (len > 0 && send_now(buf, (size_t)len) == 0)
                js.dropped_said += n;
}

static void *sender_thread(void *userdata)
{
        (void)pthread_setname_np(pthread_self(), "reapd-journal");
        pthread_mutex_lock(&js.lock);
        for (;;) {
                const char *rec;
                size_t len;
                int r, fd;

                while (js.n_queued == 0 && !js.stop)
                        pthread_cond_wait(&js.wake, &js.lock);
                if (js.n_queued == 0)
                        break;
                rec = queue_peek(&len);
                r = send_now(rec, len);
                if (r == 0 || r == -EMSGSIZE) {
                        queue_pop(len);
                        if (js.n_queued == 0)
                                say_dropped();
                        continue;
                }
                /* journald's queue is full, or journald is away: wait outside the lock */
                fd = js.fd;
                pthread_mutex_unlock(&js.lock);
                if (r == -EAGAIN && fd >= 0)
                        (void)poll(&(struct pollfd){.fd = fd, .events = POLLOUT}, 1, JOURNAL_RETRY_MSEC);
                else
                        (void)poll(NULL, 0, JOURNAL_RETRY_MSEC);
                pthread_mutex_lock(&js.lock);
                if (js.stop)
                        break;
        }
        pthread_mutex_unlock(&js.lock);
        return NULL;
}

int journal_send_start(const char *socket_path)
{
        const char *path = socket_path ?: JOURNAL_SOCKET_PATH;
        pthread_attr_t attr;
        sigset_t all, saved;
        int e;

        if (js.started)
                return 0;
        if (strlen(path) >= sizeof(js.addr.sun_path))
                return -ENAMETOOLONG;
        js.addr.sun_family = AF_UNIX;
        strlcpy0(js.addr.sun_path, path, sizeof(js.addr.sun_path));
        js.addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
        /* resident before any trouble (mlockall(MCL_ONFAULT) locks it as it is touched) */
        for (size_t i = 0; i < sizeof(js.ring); i += 4096)
                ((volatile char *)js.ring)[i] = 0;

        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &saved);
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, JOURNAL_STACK_SIZE);
        e = pthread_create(&js.thread, &attr, sender_thread, NULL);
        pthread_attr_destroy(&attr);
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        if (e != 0)
                return -e;
        js.started = true;
        return 0;
}

void journal_send_stop(uint64_t timeout_usec)
{
        usec_t end = now_usec(CLOCK_MONOTONIC) + timeout_usec;

        if (!js.started)
                return;
        pthread_mutex_lock(&js.lock);
        while (js.n_queued > 0 && now_usec(CLOCK_MONOTONIC) < end) {
                pthread_mutex_unlock(&js.lock);
                (void)poll(NULL, 0, 10);
                pthread_mutex_lock(&js.lock);
        }
        js.dropped += js.n_queued;
        js.n_queued = js.head = js.tail = 0;
        js.stop = true;
        pthread_cond_signal(&js.wake);
        pthread_mutex_unlock(&js.lock);
        pthread_join(js.thread, NULL);
        js.fd = safe_close(js.fd);
        js.started = false;
        js.stop = false;
}

int journal_sendv(const struct iovec *iov, size_t n)
{
        static char buf[JOURNAL_RECORD_MAX]; /* under js.lock: a record is not built on the stack */
        long len;
        int r;

        pthread_mutex_lock(&js.lock);
        if (!js.addr.sun_family) {
                js.addr.sun_family = AF_UNIX;
                strlcpy0(js.addr.sun_path, JOURNAL_SOCKET_PATH, sizeof(js.addr.sun_path));
                js.addr_len =
                        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sizeof(JOURNAL_SOCKET_PATH));
        }
        len = journal_serialize(iov, n, buf, sizeof(buf));
        if (len < 0) {
                r = (int)len;
                goto out;
        }
        /* in order: straight to journald only when nothing waits before it */
        r = js.n_queued == 0 ? send_now(buf, (size_t)len) : -EAGAIN;
        if (r == 0 || !js.started ||
            (r != -EAGAIN && js.n_queued == 0 && r != -ECONNREFUSED && r != -ENOENT))
                goto out;
        r = queue_push(buf, (size_t)len);
        if (r < 0)
                js.dropped++;
        else
                pthread_cond_signal(&js.wake);
out:
        pthread_mutex_unlock(&js.lock);
        return r;
}

uint64_t journal_send_dropped(void)
{
        uint64_t n;

        pthread_mutex_lock(&js.lock);
        n = js.dropped;
        pthread_mutex_unlock(&js.lock);
        return n;
}
