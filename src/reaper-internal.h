#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reaper-internal.h - the reaper object shared by kill.c, kill-unit.c (main thread) and reaper.c (its threads) */

#include <pthread.h>
#include <stdatomic.h>

#include "cgroupfs.h"
#include "kill.h"

/* Internal kill_target.release value: handed to the thread, not yet attempted. */
#define KILL_RELEASE_QUEUED 2

/*
 * Who owns the targets: IDLE nobody; HELD the op (main thread); RELEASING the reaper threads;
 * RELEASED the op again, once reaper_collect() consumed the event.
 */
enum reaper_state {
        REAPER_IDLE,
        REAPER_HELD,
        REAPER_RELEASING,
        REAPER_RELEASED,
};

/*
 * A kill of one process (and the processes sharing its mm) handed to worker 0, which sends the
 * SIGKILLs itself and calls process_mrelease() right after: NONE; REQUESTED by the main thread;
 * TAKEN by worker 0 (the main thread may no longer take it back); DONE, signalled, the release
 * (if any) prepared and starting (ack_fd posted only if there is none).
 */
enum reaper_handoff {
        REAPER_HANDOFF_NONE,
        REAPER_HANDOFF_REQUESTED,
        REAPER_HANDOFF_TAKEN,
        REAPER_HANDOFF_DONE,
};

/*
 * One thread of the pool. Worker 0 leads a batch: it orders the targets and wakes the others (the
 * main thread wakes them after a handoff).
 */
struct reaper_worker {
        struct reaper *r;
        pthread_t thread;
        bool started;
        unsigned index;
        int work_fd; /* eventfd, blocking: "release the queued targets" */
        struct reaper_setup setup; /* what this thread got */
};

struct reaper {
        struct reaper_worker workers[REAPER_MAX_THREADS];
        unsigned n_workers;
        int done_fd; /* eventfd, nonblocking: last thread -> main "done"; reaper_fd() */
        int proc_fd; /* "/proc", for the members' sizes; -1: released in listing order */
        atomic_int state; /* enum reaper_state */
        atomic_bool stop;
        atomic_int handoff; /* enum reaper_handoff */
        int ack_fd; /* eventfd, nonblocking: worker 0 -> main "signalled, nothing to release" */
        usec_t t_signal; /* the handed-off SIGKILLs were sent (worker 0, before DONE) */
        bool handoff_queued; /* and a release was queued: the state is RELEASING (idem) */
        bool detached; /* main thread only: a released op's targets await reaper_collect_detached() */

        struct reaper_config config;
        struct reaper_setup setup;

        struct kill_target *targets; /* KILL_MAX_PIDS */
        size_t n_targets;
        usec_t t_release_start, t_release_end;

        /* The batch being released: written by worker 0 before it wakes the others. */
        struct reaper_item *order; /* KILL_MAX_PIDS */
        size_t n_order;
        atomic_bool *busy; /* KILL_MAX_PIDS: order[k] is being released by its owner (helpers join it) */
        unsigned n_batch_threads; /* threads woken for it: all of them, with anything to release */
        atomic_size_t next; /* the next order[] entry a thread takes */
        atomic_uint active; /* threads still releasing; the one that brings it to 0 posts done_fd */
        atomic_uint n_callers; /* threads that called process_mrelease() in it, owners or helpers */

        atomic_bool mrelease_enosys; /* set by the thread, read by kill_start() to skip queueing */
        bool mrelease_warned;
        bool pidfd_enosys;
        bool pidfd_warned;
        bool cgroup_kill_warned;

        struct cgroup_walk_buf *walk; /* listing a cgroup unit */
        void *proc_dents; /* PROC_DENTS_SIZE: listing /proc for a process-group unit */

        /* One bit per PID: already a target of the kill in progress (held or not), for passes
         * over a unit of any size. Bits lo..hi are the ones a kill may have set. */
        unsigned char *seen;
        size_t seen_bits;
        pid_t seen_lo, seen_hi;
};

/*
 * reaper_signal_release() - SIGKILL the targets, the victim first (the others only if it was
 * signalled), from worker 0, which queues those signalled for their release and starts it
 * at once, as a process whose SIGKILL wakes it reaches its exit_mm() within tens of
 * microseconds, after which process_mrelease() cannot reach its memory (ESRCH), and waking a
 * sleeping thread after the signal takes longer than that. Blocks until the signals are sent:
 * each target's result is set, r->t_signal too, and the state is RELEASING if a release was
 * queued (HELD otherwise). If worker 0 does not take it within @timeout_usec (no CPU for it),
 * returns -ETIMEDOUT having done nothing: the caller signals them itself.
 */
int reaper_signal_release(struct reaper *r, usec_t timeout_usec);

/*
 * How long kill_start() waits for worker 0 to take a handoff before it signals the victim
 * itself: far more than waking a thread takes (tens to hundreds of microseconds), and a bound on
 * what a reaper without a CPU (pinned to a saturated one) can add to a kill.
 */
#define KILL_HANDOFF_TIMEOUT_USEC (5 * USEC_PER_MSEC)

/*
 * reaper-setup.c, on the calling thread: 0 applied, REAPER_SETUP_SKIPPED not asked (inherited),
 * or a negative errno (refused, or the kernel gave something else).
 */
int reaper_apply_affinity(const struct reaper_config *c);
int reaper_apply_nice(const struct reaper_config *c);
int reaper_apply_sched(const struct reaper_config *c);

/* reaper_submit() - hand targets marked KILL_RELEASE_QUEUED to the thread. Returns 0 or -errno. */
int reaper_submit(struct reaper *r);

/* reaper_wait() - block until a submitted batch is done and consume its event. */
void reaper_wait(struct reaper *r);

/* Internal kill_target.result while kill_start() runs: checked, not yet signalled. */
#define KILL_PENDING 100

/* The kernel's OOM_SCORE_ADJ_MIN: the admin said "never kill this". */
#define OOM_SCORE_ADJ_MIN (-1000)

/* A process gone from /proc (ENOENT) or exiting (ESRCH): either way, gone. */
static inline int kill_gone(int r)
{
        return r == -ENOENT ? -ESRCH : r;
}

/*
 * What listing the unit does with each member: LIST_CHECK checks it and lets it be (a dry run);
 * LIST_SIGNAL checks and SIGKILLs it at once; LIST_KILLED only takes a pidfd for its release
 * (cgroup.kill has signalled the whole subtree).
 */
enum list_mode {
        LIST_CHECK,
        LIST_SIGNAL,
        LIST_KILLED,
};

/* One kill_start() in progress, for kill.c, kill-unit.c and kill-sharers.c. */
struct kill_ctx {
        struct reaper *r;
        const struct kill_request *req;
        struct kill_op *op;
        pid_t self;
        pid_t pgid; /* KILL_UNIT_PROCESS_GROUP */
        bool unit_v1; /* membership read from the v1 memory line of /proc/<pid>/cgroup */
        enum list_mode mode;
        size_t n_listed; /* members add_member() went over (not kill_seen() before) */
        /*
         * Members whose pidfd stays open for their release, at most held_max (a share of
         * RLIMIT_NOFILE) and KILL_MAX_PIDS; the others are checked and signalled through a pidfd
         * closed at once, and counted in the op (n_unheld), so a unit of any size is signalled
         * whole with bounded open files.
         */
        size_t held_max, n_held;
        char unit_path[PATH_MAX]; /* KILL_UNIT_CGROUP: the victim's cgroup, read while its pidfd is held */
};

/* kill.c: the target array. target_add() returns NULL when it is full. */
struct kill_target *target_add(struct kill_ctx *c, pid_t pid);
int target_open(struct kill_ctx *c, struct kill_target *t);
void target_close(struct kill_target *t);
int target_signal(struct kill_target *t);
/* kill.c: SIGKILL every target from @from on that is still KILL_PENDING; a failed one's pidfd is closed. */
void targets_signal_pending(struct reaper *r, size_t from);
/* kill.c: mark every signalled target with a pidfd KILL_RELEASE_QUEUED; returns how many. */
size_t targets_queue_release(struct reaper *r);

/* kill.c: kill_seen() - whether @pid is a target of this kill already; marks it one if not. */
bool kill_seen(struct kill_ctx *c, pid_t pid);
/* kill.c: kill_seen_test() - kill_seen() without marking. */
bool kill_seen_test(const struct kill_ctx *c, pid_t pid);

/*
 * kill-unit.c: kill_prepare_unit() - before the victim's SIGKILL, while its pidfd is held: the
 * unit it is in (its cgroup path, read now and never again, or its process group) and, for a
 * cgroup, whether cgroup.kill can take it (*@ret_cgroup_kill). Refuses a unit that is the whole
 * machine (the root cgroup, process group 0 or 1): -EINVAL. Returns 0, -ESRCH (the victim is
 * gone), -EOPNOTSUPP (no cgroup hierarchy to read) or another negative errno.
 */
int kill_prepare_unit(struct kill_ctx *c, bool *ret_cgroup_kill);

/*
 * kill-unit.c: kill_list_unit() - go over the members of the unit as c->mode says (each opened
 * through a pidfd, then its membership, that it is no kernel thread and its oom_score_adj
 * checked), skipping those kill_seen() already. Returns 0 or a negative errno.
 */
int kill_list_unit(struct kill_ctx *c);

/* kill-unit.c: kill_count_unit() - the members of a cgroup unit now, not opened: what cgroup.kill takes. */
size_t kill_count_unit(struct kill_ctx *c);

/* kill_read_cgroup() - @pid's cgroup (the line of c->unit_v1's hierarchy). -ESRCH gone, -ENOENT no line. */
int kill_read_cgroup(const struct kill_ctx *c, pid_t pid, char *ret, size_t size);

/*
 * kill-sharers.c: kill_list_mm_sharers() - add to the targets every other process that shares the
 * victim's mm, found with kcmp(KCMP_VM) against each process (of the scope, with one) (pidfd
 * opened, then the sharing, a kernel thread and the scope checked; oom_score_adj does not spare
 * one, as in the kernel); before any SIGKILL, while the victim still has its mm, and before the
 * unit is listed (which then passes over them: kill_seen()). What kept the search from being complete goes to
 * c->op->sharers_error. Returns 0, -ESRCH (the victim is gone), or another negative errno from
 * reading the victim.
 */
int kill_list_mm_sharers(struct kill_ctx *c);

/*
 * kill_check_scope() - with c->req->scope: 0 if @pid's cgroup2 path is inside it, KILL_OUTSIDE if
 * not (or it has no cgroup2 line), -ESRCH if gone, or another negative errno. 0 without a scope.
 */
int kill_check_scope(const struct kill_ctx *c, pid_t pid);
