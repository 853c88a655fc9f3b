#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* prekill.h - pre-kill hooks: tell the listeners in PreKillDirectory= of a victim, wait a bounded time */

/*
 * Before a kill, with PreKillTimeout= set, the daemon tells every program that listens on a
 * unix stream socket "*.sock" in PreKillDirectory= whom it is about to kill: one line of JSON
 * (prekill_format_line()), then it waits until each has answered (any bytes, or closed the
 * connection) or PreKillTimeout= has passed, and kills anyway. A hook cannot veto a kill, only
 * learn of it; the victim's identity is checked again when it is killed (kill_start()).
 *
 *   prekill_new(event, &p);                                once, at start
 *   r = prekill_start(p, dir, line, len, timeout, done, userdata);
 *   r == 0: nobody to wait for (prekill_last(p) says why): kill now
 *   r == PREKILL_WAITING: done(p, userdata) runs from the event loop once every hook answered or
 *           the timeout passed (prekill_last(p) has the counts); kill then
 *   prekill_cancel(p): give up waiting, done() is not called (a reload, a stop)
 *
 * Nothing blocks and nothing forks: the sockets are nonblocking and connect() to a unix socket
 * completes at once or fails; the answers are waited for on an epoll set of the hooks' sockets,
 * one sd-event io source, and the timeout is one sd-event timer. Both sources, the slots and the
 * buffers are made by prekill_new(), so a round of hooks does not allocate.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "kill.h"
#include "util.h"

/* The most hooks contacted per kill; more "*.sock" are not contacted, and counted as skipped. */
#define PREKILL_MAX_HOOKS 16
/* The line: a victim's cgroup path may be PATH_MAX long, escaped JSON up to six bytes a byte of
 * control characters; longer lines (never seen in practice) are not sent, and said so. */
#define PREKILL_LINE_MAX (2 * PATH_MAX)
/* Bytes of an answer kept for the debug log; the rest is read and ignored. */
#define PREKILL_ANSWER_MAX 64
/* The file name suffix of a hook's socket. */
#define PREKILL_SOCKET_SUFFIX ".sock"

/* prekill_start() returns it when done() will follow. */
#define PREKILL_WAITING 1

/* What became of one round of hooks. */
struct prekill_result {
        unsigned n_sockets; /* "*.sock" entries found */
        unsigned n_told; /* connected and sent the line */
        unsigned n_answered; /* of them: answered with at least a byte */
        unsigned n_closed; /* of them: closed the connection without a byte */
        unsigned n_timeout; /* of them: neither within the timeout (or cancelled) */
        unsigned n_refused; /* nobody listening (a stale socket), or not a socket */
        unsigned n_failed; /* other errors: connect() or send() failed, name too long */
        unsigned n_skipped; /* beyond PREKILL_MAX_HOOKS */
        usec_t elapsed; /* from prekill_start() to the end of the round */
};

/* One hook's outcome, for the debug log: name, what it said (its first line, cut). */
enum prekill_hook_state {
        PREKILL_HOOK_WAITING,
        PREKILL_HOOK_ANSWERED,
        PREKILL_HOOK_CLOSED,
        PREKILL_HOOK_TIMEOUT,
        PREKILL_HOOK_REFUSED,
        PREKILL_HOOK_FAILED,
};

struct prekill_hook {
        int fd; /* -1 once done */
        enum prekill_hook_state state;
        int error; /* -errno of PREKILL_HOOK_FAILED/REFUSED */
        char name[256];
        char answer[PREKILL_ANSWER_MAX];
};

struct prekill;

typedef void (*prekill_done_fn)(struct prekill *p, void *userdata);

/* prekill_new() - the epoll set, its io source and the timer in @e. Returns 0 or a negative errno. */
int prekill_new(sd_event *e, struct prekill **ret);

/* prekill_free() - cancel a round in progress (done() not called), free. NULL-safe; returns NULL. */
struct prekill *prekill_free(struct prekill *p);

/*
 * prekill_start() - tell the hooks in @dir @len bytes of @line (which should end in a newline),
 * and wait at most @timeout for their answers. @dir must be a directory owned by root (or by
 * reapd's user) and writable by no one else: anyone who can put a socket there can delay every
 * kill by @timeout. Returns PREKILL_WAITING (done() follows), 0 when there is nothing to wait
 * for (no directory, no socket, none reachable: see prekill_last()), -EPERM for a directory
 * others can write to, -EBUSY while a round is in progress, or another negative errno from
 * reading @dir. Does not allocate.
 */
int prekill_start(struct prekill *p, const char *dir, const char *line, size_t len, usec_t timeout,
                  prekill_done_fn done, void *userdata);

/* prekill_cancel() - end a round in progress: its sockets closed, done() not called. */
void prekill_cancel(struct prekill *p);

/* prekill_busy() - a round is in progress. */
bool prekill_busy(const struct prekill *p);

/* prekill_last() - the counts of the current or last round. */
const struct prekill_result *prekill_last(const struct prekill *p);

/* prekill_hooks() - the hooks of the current or last round, @ret_n of them. */
const struct prekill_hook *prekill_hooks(const struct prekill *p, size_t *ret_n);

/* prekill_hook_state_to_string() - "answered", "timeout", ...; NULL out of range. */
const char *prekill_hook_state_to_string(enum prekill_hook_state s);

/*
 * prekill_format_line() - pure: the line a hook receives about @v, to be killed for @reason as a
 * @kill_unit by the instance @instance (NULL: reapd.service), with @timeout to answer:
 *
 *   {"pid":1234,"starttime":5678,"uid":1000,"comm":"firefox","cgroup":"/user.slice/...",
 *    "rss_kb":1,"swap_kb":0,"oom_score_adj":0,"reason":"memory","kill_unit":"process",
 *    "instance":"","timeout_ms":500}\n
 *
 * one JSON object on one line, strings escaped (control characters, invalid UTF-8 as \u00XX).
 * Returns the length written to @buf (NUL-terminated), or -ENOBUFS if it does not fit.
 */
ssize_t prekill_format_line(const struct victim *v, const char *reason, const char *kill_unit,
                            const char *instance, usec_t timeout, char *buf, size_t size);
