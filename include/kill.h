#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kill.h - stage 5: pidfd-checked SIGKILL of a victim (or its group/cgroup) and process_mrelease() */

/*
 * How the daemon drives a kill from an sd-event loop:
 *
 *   reaper_new(&rc, &setup, &reaper);            once, at startup; log setup's failures
 *   sd_event_add_io(e, ..., reaper_fd(reaper), EPOLLIN, on_released, ...);
 *
 *   victim_from_proc(&v, snapshot, proc);        copy out of the snapshot before it is freed
 *   r = kill_start(reaper, &req, &op);           synchronous: pidfds, identity checks, SIGKILL
 *   if r == 0 and op.release_pending:            the reaper thread is running process_mrelease()
 *           on_released: reaper_collect(reaper, &op) fills the release timings and results
 *   poll kill_op_pidfd(&op) (POLLIN = exited) with CONFIG_KILL_TIMEOUT_USEC, read MemAvailable
 *   kill_op_done(&op);                           closes the pidfds, frees the reaper for the next kill
 *
 * The main thread never blocks on process_mrelease(): that runs on the reaper threads, which
 * may be pinned, niced or real-time. A unit of many members is released by a small pool of
 * them in parallel, largest member first. One kill is in flight per reaper at a time, which is all
 * the daemon needs (it waits for the result before choosing again).
 *
 * Nothing on the kill path allocates: kill_start(), the reaper thread's work and
 * reaper_collect() use only the buffers reaper_new() preallocated (the target array, the
 * /proc listing and cgroup walk buffers) and the stack. A kill under memory pressure therefore
 * cannot stall in the allocator or fail with ENOMEM.
 */

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroupfs.h"
#include "config.h"
#include "snapshot.h"
#include "util.h"

/*
 * The most processes of one kill whose pidfds are kept for their process_mrelease(). 4096 covers
 * a large build (make -j with hundreds of compilers) or a fat container; the targets array is
 * then about 200 KiB, preallocated once. Members beyond it (or beyond the share of
 * RLIMIT_NOFILE the kill may hold open) are signalled all the same, through a pidfd closed at
 * once, and free their memory as they exit (kill_op.n_unheld).
 */
#define KILL_MAX_PIDS 4096

/*
 * Positive results: expected outcomes, not failures. kill_start() returns them for the
 * victim; kill_target.result carries them per process.
 */
#define KILL_GONE 1 /* exited before it could be signalled: nothing to do, memory is (being) freed */
#define KILL_REUSED 2 /* the PID now names another process (start time or uid differ): not signalled */
#define KILL_PROTECTED 3 /* oom_score_adj is -1000 now: not signalled */
#define KILL_DRY_RUN 4 /* every check passed, the signal was not sent (dry run) */
#define KILL_OUTSIDE 5 /* a member that left the unit between listing and checking, or outside the scope */

/* kill_target.release, besides 0 (released) and -errno from process_mrelease(). */
#define KILL_RELEASE_SKIPPED 1 /* not attempted: not signalled, release=false, or no kernel support */

/* kill_op.warn_once bits: set only on the first op that discovers them, so the daemon warns once. */
#define KILL_WARN_NO_PIDFD (1u << 0) /* pidfd_open() ENOSYS (< 5.3): plain kill(2), racy against PID reuse */
#define KILL_WARN_NO_MRELEASE (1u << 1) /* process_mrelease() ENOSYS (< 5.15): memory comes back at exit */
#define KILL_WARN_NO_CGROUP_KILL (1u << 2) /* no cgroup.kill: cgroup killed pid by pid */

/* The victim as the snapshot saw it; identity is (pid, starttime, uid). */
struct victim {
        pid_t pid;
        pid_t pgid;
        uid_t uid; /* real uid */
        uint64_t starttime; /* clock ticks after boot, /proc/<pid>/stat field 22 */
        int oom_score_adj;
        int64_t badness;
        uint64_t rss_kb, swap_kb, pgtables_kb;
        char comm[16];
        char cgroup[PATH_MAX]; /* cgroup2 path; "" if the snapshot did not read it */
};

/*
 * victim_from_proc() - copy @p (an element of @s) into @v so that it outlives the snapshot.
 * badness is left 0 for the caller (score stage) to fill. The cgroup path is copied only if
 * the snapshot read it (POLICY_FIELD_CGROUP); a cgroup kill reads it from /proc otherwise.
 */
void victim_from_proc(struct victim *v, const struct snapshot *s, const struct proc_info *p);

/* What the reaper thread should run as. Defaults in config.h ([Kill] Reaper*=). */
struct reaper_config {
        bool cpus_set; /* false: inherit the daemon's affinity */
        cpu_set_t cpus;
        int nice; /* -20..19; 0 leaves it alone */
        int sched_policy; /* SCHED_OTHER, SCHED_FIFO or SCHED_RR */
        int sched_priority; /* 1..99 for FIFO/RR, 0 for OTHER */
        unsigned threads; /* reaper threads, 1..REAPER_MAX_THREADS; 0: reaper_threads_default() */
        /* How long kill_start() waits for a reaper thread to take a one-process kill; 0:
         * KILL_HANDOFF_TIMEOUT_USEC. Not configurable: tests shorten it to reach the fallback. */
        usec_t handoff_usec;
};

/* The most reaper threads (ReaperThreads=). */
#define REAPER_MAX_THREADS CONFIG_REAPER_THREADS_MAX

/*
 * The default pool's ceiling. process_mrelease() is CPU work in the kernel (unmapping and
 * freeing pages), so up to a thread per CPU helps; the ceiling bounds what a big machine pays
 * for it: locked stacks, and CPUs taken from the workload at the moment it recovers, with the
 * threads freeing pages into the same zones. Only 1 and 2 threads were measured (2-core lab
 * machine); see bench/TUNABLES.md (ReaperThreads).
 */
#define REAPER_THREADS_DEFAULT_MAX 4

/*
 * reaper_threads_default() - pure: the pool size for a reaper allowed to run on @n_cpus CPUs:
 * one per CPU, at least 1, at most REAPER_THREADS_DEFAULT_MAX.
 */
unsigned reaper_threads_default(unsigned n_cpus);

/* reaper_setup fields: 0 applied and verified, REAPER_SETUP_SKIPPED not asked for, or -errno. */
#define REAPER_SETUP_SKIPPED 1
struct reaper_setup {
        int affinity;
        int nice;
        int sched; /* -EPERM without CAP_SYS_NICE: the thread stays SCHED_OTHER (with the nice) */
        unsigned threads; /* threads started; each applied the settings, a field holds the worst */
};

struct reaper;

/*
 * reaper_new() - preallocate the kill buffers and start the reaper threads (@c->threads, or
 * reaper_threads_default() of the CPUs it may run on), each of which applies @c to itself and
 * checks that it stuck. Failing to apply a setting is not fatal: the threads run with what
 * they got, and @ret_setup (may be NULL) says per setting what was applied or which errno
 * refused it (the worst over the threads), for the daemon to log and carry on. Blocks until
 * the threads are set up (startup only). Returns 0 and the reaper in @ret (caller owns it,
 * reaper_free()), or a negative errno (-EINVAL for more than REAPER_MAX_THREADS, -ENOMEM,
 * -EAGAIN from pthread_create, eventfd errors); @ret and @ret_setup untouched on failure.
 */
int reaper_new(const struct reaper_config *c, struct reaper_setup *ret_setup, struct reaper **ret);

/*
 * reaper_free() - stop and join the thread (waiting for a release in progress), close the
 * pidfds of an op not yet kill_op_done()'d, free everything. NULL-safe; returns NULL.
 */
struct reaper *reaper_free(struct reaper *r);

static inline void reaper_freep(struct reaper **r)
{
        reaper_free(*r);
}

/*
 * reaper_fd() - an eventfd (nonblocking) that becomes readable when the thread has finished
 * the releases of the current op; add it to sd-event with EPOLLIN and call reaper_collect().
 * Owned by the reaper.
 */
int reaper_fd(const struct reaper *r);

/* One process of the unit. */
struct kill_target {
        pid_t pid;
        int pidfd; /* owned by the op; -1 if it could not be opened (or already closed) */
        int result; /* 0 signalled, KILL_* (not signalled, why), or -errno from the signal/pidfd_open */
        int release; /* 0 released, KILL_RELEASE_SKIPPED, or -errno from process_mrelease() */
        usec_t t_release_start, t_release_end; /* CLOCK_MONOTONIC; 0 if not attempted */
        bool mm_sharer; /* shares the victim's mm (a vfork child, a CLONE_VM process): killed with it */
        bool by_cgroup_kill; /* a member cgroup.kill signalled, listed after it for its release */
};

/* A kill in progress or done. Filled by kill_start(), completed by reaper_collect(). */
struct kill_op {
        pid_t pid; /* the victim */
        enum kill_unit unit;
        bool dry_run;
        bool release_pending; /* the reaper thread owns the targets until reaper_fd fires */
        bool truncated; /* not every member listed: a cgroup walk fell short (too deep, unreadable) */
        bool cgroup_kill; /* the unit was killed by writing cgroup.kill */
        bool no_pidfd; /* no pidfds (Linux < 5.3): signalled with kill(2), racy against PID reuse */
        pid_t pgid; /* KILL_UNIT_PROCESS_GROUP: the victim's process group */
        char unit_path[PATH_MAX]; /* KILL_UNIT_CGROUP: its cgroup, as read before its SIGKILL */
        bool unit_v1; /* unit_path is in the v1 memory hierarchy */
        unsigned warn_once; /* KILL_WARN_* */
        size_t n_targets; /* entries in targets[] */
        size_t n_late; /* of them, listed by a pass after the first SIGKILLs (forked meanwhile) */
        size_t n_signalled; /* processes signalled (by pidfd, kill(2) or cgroup.kill), the victim included */
        size_t n_failed; /* processes that could not be signalled (-errno) */
        size_t n_protected; /* members spared for their oom_score_adj -1000 */
        size_t n_unheld; /* of n_signalled, those without a pidfd kept for release (not in targets[]) */
        size_t n_sharers; /* targets sharing the victim's mm (see kill_start()) */
        size_t n_sharers_signalled; /* of them, signalled */
        int sharers_error; /* 0, or why the search for sharers was not complete (-ENOSYS, -EPERM) */
        size_t n_released; /* targets with release 0; valid after reaper_collect() */
        int release_result; /* 0, or the first -errno of a failed release; after reaper_collect() */
        usec_t t_start; /* CLOCK_MONOTONIC: kill_start() entered */
        usec_t t_signal; /* the last SIGKILL (or cgroup.kill) was sent; 0 if none */
        usec_t t_release_start, t_release_end; /* the reaper's batch; 0 if no release ran */
        unsigned n_release_threads; /* reaper threads that took part; after reaper_collect() */
        struct kill_target *targets; /* the reaper's preallocated array; valid until kill_op_done() */
        struct reaper *reaper;
};

struct kill_request {
        const struct victim *victim;
        enum kill_unit unit;
        bool dry_run; /* everything but the signal (pidfds are opened and checked, then closed) */
        bool release; /* process_mrelease() after SIGKILL */
        int proc_dirfd; /* an open "/proc" (the test may pass a fixture for the pure parts) */
        const struct cgroup_roots *roots; /* for KILL_UNIT_CGROUP; may be NULL otherwise */
        const char *scope; /* cgroup2 path (Cgroup=) every process signalled must be in; NULL: any */
};

/*
 * kill_start() - the synchronous part of a kill. For each process of the unit: open a pidfd,
 * THEN re-read its identity (start time and uid for the victim, pgid or cgroup membership
 * for the other members) and oom_score_adj, and send SIGKILL through the pidfd, so a recycled
 * PID is never signalled. With @req->release, hand the signalled pidfds to the reaper thread
 * for process_mrelease() and return at once (op->release_pending).
 *
 * With @req->scope, the victim and every member must be in that cgroup2 subtree (their
 * /proc/PID/cgroup, read after the pidfd is open): a process group reaches across cgroups, and a
 * victim may have moved since it was chosen. A member outside is KILL_OUTSIDE and not signalled.
 *
 * Every other process that shares the victim's mm (a vfork child, a CLONE_VM process) is a
 * target too, whatever the unit, as the kernel's OOM killer kills them all: process_mrelease()
 * cannot reap an mm that a live process still uses. They are found by kcmp(KCMP_VM) against
 * each process (ptrace access: CAP_SYS_PTRACE), pidfd first as members are; init, kernel threads
 * and processes outside the scope are spared, adj -1000 is not (the kernel's rule).
 *
 * Group and cgroup kills first check and signal the victim itself; if it is gone, reused,
 * protected or outside the scope, nobody is signalled. Then cgroup.kill, wherever the file is
 * (its path read while the victim's pidfd was held), or each member in turn, signalled as it is
 * listed, whatever the unit's size: pidfds are kept for at most KILL_MAX_PIDS members and half
 * of what RLIMIT_NOFILE leaves, the others are signalled through a pidfd closed at once
 * (n_unheld). Members with oom_score_adj -1000 are skipped, except by cgroup.kill, which the
 * kernel applies to the whole subtree. Kernel threads are never members.
 *
 * Returns, about the victim: 0 signalled (see op for the other members), KILL_GONE,
 * KILL_REUSED, KILL_PROTECTED, KILL_OUTSIDE, KILL_DRY_RUN, or a negative errno: -EPERM (not allowed to
 * signal it), -EBUSY (the previous op was not kill_op_done()'d), -EINVAL (bad request, the victim is the
 * caller itself, a cgroup kill of the root cgroup, or a process-group kill of group 0 or 1),
 * other -errno from /proc or the cgroup files. On success or a positive code @op is filled
 * and must be kill_op_done()'d; on a negative errno @op is untouched and nothing was signalled
 * (except -EPERM for a member: that is per target, with 0 returned). Does not allocate.
 */
int kill_start(struct reaper *r, const struct kill_request *req, struct kill_op *op);

/*
 * reaper_collect() - after reaper_fd() became readable: consume the event and complete @op
 * (n_released, release_result, per-target release and timings). Returns 0, or -EAGAIN if the
 * releases are still running (spurious wakeup), -EINVAL if @op is not the reaper's current op.
 * Returns 0 at once for an op without release_pending. Does not allocate.
 */
int reaper_collect(struct reaper *r, struct kill_op *op);

/*
 * kill_op_pidfd() - a pidfd of the victim (or of the first signalled member), pollable:
 * POLLIN once it has exited. Owned by the op; -1 if there is none. Use it to wait for death.
 */
int kill_op_pidfd(const struct kill_op *op);

/*
 * kill_op_done() - close the op's pidfds and let the reaper take the next kill. If releases
 * are still pending it waits for them (they are bounded by the victim's size).
 * Safe on a zeroed op and twice.
 */
void kill_op_done(struct kill_op *op);

/*
 * kill_op_done_nowait() - kill_op_done() that never blocks: if the reaper thread is still running
 * the op's process_mrelease() calls (a victim of hundreds of GB), the op is forgotten and the
 * reaper keeps its targets until they are done; reaper_fd() then becomes readable and
 * reaper_collect_detached() frees the reaper for the next kill_start() (-EBUSY until then).
 * Returns true in that case, false when the op was done at once. Safe on a zeroed op.
 */
bool kill_op_done_nowait(struct kill_op *op);

/*
 * reaper_collect_detached() - after reaper_fd() became readable with no op of the caller's in
 * flight: finish what kill_op_done_nowait() left to the reaper. Returns 1 when that was done (the
 * reaper is free), 0 when nothing was left, -EAGAIN while the releases still run. Does not block.
 */
int reaper_collect_detached(struct reaper *r);

/* reaper_busy() - true while a release left by kill_op_done_nowait() runs. */
bool reaper_busy(const struct reaper *r);

/*
 * kill_count_alive() - after a group or cgroup kill: how many processes of its unit live on
 * now (not exited, zombies not counted; for a scoped kill, inside the scope). Lists the unit
 * again with the reaper's buffers, from the main thread: the pgid or cgroup path saved in @op,
 * @req's /proc, roots and scope. 0 for a process kill. Returns the count, or a negative errno
 * if the unit could not be listed.
 */
long kill_count_alive(struct reaper *r, const struct kill_request *req, const struct kill_op *op);

/* kill_result_to_string() - "gone", "reused", ... for KILL_* codes; NULL for others. */
const char *kill_result_to_string(int result);

/*
 * Pure parts, exported for the unit tests.
 */

/* What /proc says about a process now. */
struct kill_identity {
        pid_t pgid;
        uid_t uid;
        uint64_t starttime;
        int oom_score_adj;
};

/*
 * kill_identity_read() - read stat, status and oom_score_adj of @pid under @proc_dirfd.
 * Returns 0, -ESRCH if the process is gone (ENOENT/ESRCH from /proc, or a zombie), or a negative
 * errno. A leader that exited while other threads run on is not gone: its stat and status
 * still say who it is, and pidfds signal and release the whole process.
 */
int kill_identity_read(int proc_dirfd, pid_t pid, struct kill_identity *ret);

/*
 * kill_identity_check() - pure: compare what /proc says now with the victim. Returns 0 (same
 * process, killable), KILL_REUSED (start time or uid differ) or KILL_PROTECTED (adj -1000).
 * Start times have clock-tick (10 ms) resolution: a PID reused within its old owner's tick
 * would pass, which needs the PID space to wrap in 10 ms (or set_tid, CAP_SYS_ADMIN).
 */
int kill_identity_check(const struct victim *v, const struct kill_identity *now);

/*
 * kill_classify_errno() - map an errno (either sign) from pidfd_open()/pidfd_send_signal()
 * to a target result: ESRCH -> KILL_GONE, others -> -errno.
 */
int kill_classify_errno(int err);

/* A queued target in release order: its index in the targets and its resident size. */
struct reaper_item {
        uint32_t index;
        uint32_t pages;
};

/*
 * reaper_order_by_size() - pure: sort @items largest first (ties: lower index first), in place,
 * without allocating (a heap sort: qsort() may malloc). The pool takes them in this order, so the
 * largest members, which set how long the batch lasts, start first.
 */
void reaper_order_by_size(struct reaper_item *items, size_t n);

/*
 * reaper_statm_pages() - pure: the resident pages (second field) of a /proc/PID/statm text;
 * 0 if unreadable.
 */
uint32_t reaper_statm_pages(const char *buf);
