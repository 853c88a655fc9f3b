/* SPDX-License-Identifier: GPL-2.0-or-later */
/* prekill.c - pre-kill hooks: tell the listeners in PreKillDirectory= of a victim, wait a bounded time */

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "json.h"
#include "prekill.h"

struct prekill {
        sd_event *event;
        int epoll_fd; /* the waiting hooks' sockets, data.u32 = their index */
        sd_event_source *io_source; /* on epoll_fd; off between rounds */
        sd_event_source *timer_source; /* the round's deadline; off between rounds */
        bool busy;
        prekill_done_fn done;
        void *userdata;
        usec_t t_start;
        unsigned n_waiting;
        size_t n_hooks;
        struct prekill_hook hooks[PREKILL_MAX_HOOKS];
        struct prekill_result result;
        /* getdents64() buffer: aligned for struct linux_dirent64 */
        uint64_t dents[4096 / sizeof(uint64_t)];
};

/* The head of a struct linux_dirent64, as getdents64(2) fills the buffer. */
struct dirent64_head {
        uint64_t d_ino;
        int64_t d_off;
        unsigned short d_reclen;
        unsigned char d_type;
        char d_name[];
};

static const char *const hook_state_names[] = {
        [PREKILL_HOOK_WAITING] = "waiting", [PREKILL_HOOK_ANSWERED] = "answered",
        [PREKILL_HOOK_CLOSED] = "closed",   [PREKILL_HOOK_TIMEOUT] = "timeout",
        [PREKILL_HOOK_REFUSED] = "refused", [PREKILL_HOOK_FAILED] = "failed",
};

const char *prekill_hook_state_to_string(enum prekill_hook_state s)
{
        return (size_t)s < ELEMENTSOF(hook_state_names) ? hook_state_names[s] : NULL;
}

static void put_string(struct textbuf *l, const char *key, const char *s)
{
        ssize_t n;

        textbuf_printf(l, ",\"%s\":", key);
        if (l->full)
                return;
        s = s ? s : "";
        n = json_format_string(l->buf + l->len, l->size - l->len, s, strlen(s));
        if (n < 0)
                l->full = true;
        else
                l->len += (size_t)n;
}

ssize_t prekill_format_line(const struct victim *v, const char *reason, const char *kill_unit,
                            const char *instance, usec_t timeout, char *buf, size_t size)
{
        struct textbuf l = {.buf = buf, .size = size};

        if (size == 0)
                return -ENOBUFS;
        textbuf_printf(&l, "{\"pid\":%d,\"starttime\":%" PRIu64 ",\"uid\":%u", (int)v->pid, v->starttime,
                       (unsigned)v->uid);
        put_string(&l, "comm", v->comm);
        put_string(&l, "cgroup", v->cgroup);
        textbuf_printf(&l, ",\"rss_kb\":%" PRIu64 ",\"swap_kb\":%" PRIu64 ",\"oom_score_adj\":%d", v->rss_kb,
                       v->swap_kb, v->oom_score_adj);
        put_string(&l, "reason", reason);
        put_string(&l, "kill_unit", kill_unit);
        put_string(&l, "instance", instance);
        textbuf_printf(&l, ",\"timeout_ms\":%" PRIu64 "}\n", timeout / USEC_PER_MSEC);
        if (l.full) {
                buf[0] = '\0';
                return -ENOBUFS;
        }
        return (ssize_t)l.len;
}

static void hook_close(struct prekill *p, struct prekill_hook *h, enum prekill_hook_state state)
{
        if (h->fd >= 0) {
                (void)epoll_ctl(p->epoll_fd, EPOLL_CTL_DEL, h->fd, NULL);
                h->fd = safe_close(h->fd);
        }
        if (h->state == PREKILL_HOOK_WAITING && p->n_waiting > 0)
                p->n_waiting--;
        h->state = state;
        switch (state) {
        case PREKILL_HOOK_ANSWERED:
                p->result.n_answered++;
                break;
        case PREKILL_HOOK_CLOSED:
                p->result.n_closed++;
                break;
        case PREKILL_HOOK_TIMEOUT:
                p->result.n_timeout++;
                break;
        case PREKILL_HOOK_REFUSED:
                p->result.n_refused++;
                break;
        case PREKILL_HOOK_FAILED:
                p->result.n_failed++;
                break;
        case PREKILL_HOOK_WAITING:
                break;
        }
}

/* The round is over: sources off, counts final. */
static void round_end(struct prekill *p)
{
        for (size_t i = 0; i < p->n_hooks; i++)
                if (p->hooks[i].state == PREKILL_HOOK_WAITING)
                        hook_close(p, &p->hooks[i], PREKILL_HOOK_TIMEOUT);
        (void)sd_event_source_set_enabled(p->io_source, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(p->timer_source, SD_EVENT_OFF);
        p->result.elapsed = sub_sat(now_usec(CLOCK_MONOTONIC), p->t_start);
        p->busy = false;
}

static void round_finish(struct prekill *p)
{
        round_end(p);
        if (p->done)
                p->done(p, p->userdata);
}

/* Connects to @name in @dfd and sends the line; the hook then waits for its answer. */
static void hook_tell(struct prekill *p, int dfd, const char *name, const char *line, size_t len)
{
        struct prekill_hook *h = &p->hooks[p->n_hooks++];
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP};
        ssize_t n;
        int k;

        *h = (struct prekill_hook){.fd = -1, .state = PREKILL_HOOK_WAITING};
        p->n_waiting++;
        strlcpy0(h->name, name, sizeof(h->name));
        /* Through the directory's fd: the directory's own path may be longer than sun_path. */
        k = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, name);
        if (k < 0 || (size_t)k >= sizeof(sa.sun_path)) {
                h->error = -ENAMETOOLONG;
                hook_close(p, h, PREKILL_HOOK_FAILED);
                return;
        }
        h->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (h->fd < 0) {
                h->error = -errno;
                hook_close(p, h, PREKILL_HOOK_FAILED);
                return;
        }
        /* A unix stream connect() is queued on the listener or refused at once: it never blocks.
         * EAGAIN: the listener's backlog is full. */
        if (connect(h->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                h->error = -errno;
                hook_close(p, h,
                           errno == ECONNREFUSED || errno == ENOENT || errno == ENOTSOCK
                                   ? PREKILL_HOOK_REFUSED
                                   : PREKILL_HOOK_FAILED);
                return;
        }
        n = send(h->fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 || (size_t)n != len) {
                h->error = n < 0 ? -errno : -EAGAIN;
                hook_close(p, h, PREKILL_HOOK_FAILED);
                return;
        }
        p->result.n_told++;
        ev.data.u32 = (uint32_t)(h - p->hooks);
        if (epoll_ctl(p->epoll_fd, EPOLL_CTL_ADD, h->fd, &ev) < 0) {
                h->error = -errno;
                hook_close(p, h, PREKILL_HOOK_FAILED);
        }
}

static bool is_hook_name(const char *name)
{
        size_t l = strlen(name), s = strlen(PREKILL_SOCKET_SUFFIX);

        return name[0] != '.' && l > s && streq(name + l - s, PREKILL_SOCKET_SUFFIX);
}

int prekill_start(struct prekill *p, const char *dir, const char *line, size_t len, usec_t timeout,
                  prekill_done_fn done, void *userdata)
{
        struct stat st;
        int dfd, r = 0;

        if (p->busy)
                return -EBUSY;
        p->result = (struct prekill_result){};
        p->n_hooks = 0;
        p->n_waiting = 0;
        p->t_start = now_usec(CLOCK_MONOTONIC);
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (fstat(dfd, &st) < 0) {
                r = -errno;
                goto out;
        }
        if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
                r = -EPERM;
                goto out;
        }
        for (;;) {
                ssize_t n = getdents64(dfd, p->dents, sizeof(p->dents));

                if (n < 0) {
                        r = -errno;
                        break;
                }
                if (n == 0)
                        break;
                for (ssize_t off = 0; off < n;) {
                        const struct dirent64_head *de = (const void *)((const char *)p->dents + off);

                        off += de->d_reclen;
                        if (!is_hook_name(de->d_name))
                                continue;
                        p->result.n_sockets++;
                        if (p->n_hooks == PREKILL_MAX_HOOKS)
                                p->result.n_skipped++;
                        else
                                hook_tell(p, dfd, de->d_name, line, len);
                }
        }
out:
        close(dfd);
        if (r < 0 || p->n_waiting == 0) {
                round_end(p);
                return r;
        }
        p->done = done;
        p->userdata = userdata;
        p->busy = true;
        r = sd_event_source_set_time(p->timer_source, p->t_start + timeout);
        if (r >= 0)
                r = sd_event_source_set_enabled(p->timer_source, SD_EVENT_ONESHOT);
        if (r >= 0)
                r = sd_event_source_set_enabled(p->io_source, SD_EVENT_ON);
        if (r < 0) {
                round_end(p);
                return r;
        }
        return PREKILL_WAITING;
}

static int on_answer(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct prekill *p = userdata;
        struct epoll_event evs[PREKILL_MAX_HOOKS];
        int n = epoll_wait(p->epoll_fd, evs, PREKILL_MAX_HOOKS, 0);

        for (int i = 0; i < n; i++) {
                struct prekill_hook *h;
                char buf[PREKILL_ANSWER_MAX];
                ssize_t k;

                if (evs[i].data.u32 >= p->n_hooks)
                        continue;
                h = &p->hooks[evs[i].data.u32];
                if (h->fd < 0)
                        continue;
                k = read(h->fd, buf, sizeof(buf) - 1);
                if (k < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                if (k > 0) {
                        buf[k] = '\0';
                        buf[strcspn(buf, "\r\n")] = '\0';
                        strlcpy0(h->answer, buf, sizeof(h->answer));
                        hook_close(p, h, PREKILL_HOOK_ANSWERED);
                } else {
                        h->error = k < 0 ? -errno : 0;
                        hook_close(p, h, PREKILL_HOOK_CLOSED);
                }
        }
        if (p->busy && p->n_waiting == 0)
                round_finish(p);
        return 0;
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct prekill *p = userdata;

        if (p->busy)
                round_finish(p);
        return 0;
}

int prekill_new(sd_event *e, struct prekill **ret)
{
        struct prekill *p;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->event = sd_event_ref(e);
        p->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (p->epoll_fd < 0) {
                r = -errno;
                goto fail;
        }
        r = sd_event_add_io(e, &p->io_source, p->epoll_fd, EPOLLIN, on_answer, p);
        if (r >= 0)
                r = sd_event_source_set_enabled(p->io_source, SD_EVENT_OFF);
        if (r >= 0)
                /* 1ms accuracy: the deadline is what a hook was promised (timeout_ms), not sd-event's
                 * default 250ms later. */
                r = sd_event_add_time(e, &p->timer_source, CLOCK_MONOTONIC, USEC_INFINITY, USEC_PER_MSEC,
                                      on_deadline, p);
        if (r >= 0)
                r = sd_event_source_set_enabled(p->timer_source, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        *ret = p;
        return 0;
fail:
        prekill_free(p);
        return r;
}

void prekill_cancel(struct prekill *p)
{
        if (p && p->busy)
                round_end(p);
}

struct prekill *prekill_free(struct prekill *p)
{
        if (!p)
                return NULL;
        prekill_cancel(p);
        p->io_source = sd_event_source_disable_unref(p->io_source);
        p->timer_source = sd_event_source_disable_unref(p->timer_source);
        if (p->epoll_fd >= 0)
                close(p->epoll_fd);
        sd_event_unref(p->event);
        free(p);
        return NULL;
}

bool prekill_busy(const struct prekill *p)
{
        return p && p->busy;
}

const struct prekill_result *prekill_last(const struct prekill *p)
{
        return &p->result;
}

const struct prekill_hook *prekill_hooks(const struct prekill *p, size_t *ret_n)
{
        *ret_n = p->n_hooks;
        return p->hooks;
}
