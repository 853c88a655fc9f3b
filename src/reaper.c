/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reaper.c - the reaper threads: process_mrelease() of killed processes, off the event loop, in parallel */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "procfs.h"
#include "reaper-internal.h"

#ifndef __NR_process_mrelease
#define __NR_process_mrelease 448
#endif

/*
 * process_mrelease() fails with EAGAIN when it could not reap every mapping (mmap lock or
 * an mmu notifier that would block). The kernel's own oom_reaper retries 10 times, 100 ms
 * apart; the victim is already dying so its own exit may finish the job meanwhile. We retry
 * as often but faster, because we run for a daemon that is waiting for memory.
 */
#define REAPER_MRELEASE_RETRIES 10
#define REAPER_MRELEASE_RETRY_NSEC (10 * 1000 * 1000L)

/*
 * The thread only calls syscalls and touches the preallocated targets: 256 KiB of stack is
 * plenty, and keeps the daemon's RSS small when it mlockall()s (the 8 MiB default would be
 * locked in whole).
 */
#define REAPER_STACK_SIZE (256 * 1024)

/*
 * The other threads of the pool only run the release loop (no /proc reads, no sorting): a
 * quarter of that, since every stack of the pool is locked with the daemon.
 */
#define REAPER_WORKER_STACK_SIZE (64 * 1024)

/*
 * How often the main thread looks whether worker 0 has sent a handed-off kill's SIGKILLs: it is
 * not woken for it, since its wakeup could take worker 0's CPU between the signal and the release
 * (bench-contended: a victim woken by its SIGKILL then exits out of process_mrelease()'s reach).
 * The kill's bookkeeping and the helpers' start wait at most that long.
 */
#define REAPER_HANDOFF_LOOK_MSEC 1

/* The kernel's PID_MAX_LIMIT on 64-bit: pid_max is never above it. */
#define REAPER_PID_MAX_LIMIT (4UL * 1024 * 1024)

static int sys_process_mrelease(int pidfd, unsigned flags)
{
        return (int)syscall(__NR_process_mrelease, pidfd, flags);
}

static int eventfd_post(int fd)
{
        uint64_t one = 1;

        for (;;) {
                if (write(fd, &one, sizeof(one)) == sizeof(one))
                        return 0;
                if (errno != EINTR)
                        return -errno;
        }
}

static int release_one(struct reaper *r, struct kill_target *t)
{
        int tries = 0;

        for (;;) {
                if (sys_process_mrelease(t->pidfd, 0) == 0)
                        return 0;
                if (errno == EINTR)
                        continue;
                if (errno == ENOSYS)
                        atomic_store(&r->mrelease_enosys, true);
                if (errno != EAGAIN || ++tries > REAPER_MRELEASE_RETRIES)
                        return -errno;
                nanosleep(&(struct timespec){.tv_nsec = REAPER_MRELEASE_RETRY_NSEC}, NULL);
        }
}

/*
 * The resident size of a signalled target, from /proc/PID/statm: one small read, no parsing of
 * status. Swap is left out: zapping a swap entry costs a fraction of freeing a page. The PID
 * cannot name another process while the pidfd says it has not exited (the PID is only freed
 * once it is reaped); if it has exited, its size no longer matters.
 */
static uint32_t target_pages(const struct reaper *r, const struct kill_target *t)
{
        char path[32], buf[128];
        uint32_t pages;

        snprintf(path, sizeof(path), "%d/statm", (int)t->pid);
        if (read_file_at(r->proc_fd, path, buf, sizeof(buf)) < 0)
                return 0;
        pages = reaper_statm_pages(buf);
        if (poll(&(struct pollfd){.fd = t->pidfd, .events = POLLIN}, 1, 0) != 0)
                return 0;
        return pages;
}

/*
 * Worker 0, at the start of a batch: the queued targets in the order the pool takes them,
 * largest first (with more than one thread: a single thread keeps the listing order), so that
 * the biggest, which set how long the batch lasts, start first and get the helpers first.
 */
static void batch_order(struct reaper *r)
{
        size_t n = 0;

        for (size_t i = 0; i < r->n_targets; i++)
                if (r->targets[i].release == KILL_RELEASE_QUEUED)
                        r->order[n++] = (struct reaper_item){.index = (uint32_t)i};
        if (r->n_workers > 1 && n > 1 && r->proc_fd >= 0) {
                for (size_t k = 0; k < n; k++)
                        r->order[k].pages = target_pages(r, &r->targets[r->order[k].index]);
                reaper_order_by_size(r->order, n);
        }
        for (size_t k = 0; k < n; k++)
                atomic_store_explicit(&r->busy[k], false, memory_order_relaxed);
        r->n_order = n;
        /* every thread: those without a target of their own help with the others' */
        r->n_batch_threads = n > 0 ? r->n_workers : 1;
}

/* Take targets one by one until none is left; true if this thread released any. */
static bool release_items(struct reaper *r)
{
        bool took = false;

        for (;;) {
                size_t k = atomic_fetch_add(&r->next, 1);
                struct kill_target *t;

                if (k >= r->n_order)
                        return took;
                t = &r->targets[r->order[k].index];
                if (atomic_load(&r->mrelease_enosys)) {
                        t->release = KILL_RELEASE_SKIPPED;
                        continue;
                }
                took = true;
                atomic_store_explicit(&r->busy[k], true, memory_order_relaxed);
                t->t_release_start = now_usec(CLOCK_MONOTONIC);
                t->release = release_one(r, t);
                t->t_release_end = now_usec(CLOCK_MONOTONIC);
                atomic_store_explicit(&r->busy[k], false, memory_order_relaxed);
        }
}

/*
 * Nothing left to take: call process_mrelease() too on each target another thread is still
 * releasing, largest first, once each. The kernel unmaps under the mm's lock taken shared, so
 * two callers on one victim free it in parallel (bench/RESULTS.md, the stuck victim by size);
 * a single victim gets every thread of the pool. The owner's call is the one that counts: a
 * helper's result is not recorded, and it does not retry. True if this thread helped.
 */
static bool help_items(struct reaper *r)
{
        bool helped = false;

        for (size_t k = 0; k < r->n_order; k++) {
                if (!atomic_load_explicit(&r->busy[k], memory_order_relaxed))
                        continue;
                if (atomic_load(&r->mrelease_enosys))
                        break;
                (void)sys_process_mrelease(r->targets[r->order[k].index].pidfd, 0);
                helped = true;
        }
        return helped;
}

/* The queued targets belong to the threads from now on (reaper_submit(), or worker 0 itself). */
static void batch_arm(struct reaper *r)
{
        r->t_release_start = r->t_release_end = 0;
        r->n_batch_threads = 0;
        atomic_store_explicit(&r->state, REAPER_RELEASING, memory_order_release);
}

/*
 * @handoff (worker 0, having just sent the SIGKILLs): the others are woken by the main thread, which
 * sees REAPER_HANDOFF_DONE at its next look; no syscall, and no wakeup of the main thread that could
 * take this CPU, between the signal and the release.
 */
static void batch_run(struct reaper_worker *w, bool handoff)
{
        struct reaper *r = w->r;
        bool called;

        if (w->index == 0) {
                r->t_release_start = now_usec(CLOCK_MONOTONIC);
                batch_order(r);
                atomic_store(&r->next, 0);
                atomic_store(&r->n_callers, 0);
                atomic_store(&r->active, r->n_batch_threads);
                /* after a handoff the main thread wakes them: one syscall fewer before the release */
                for (unsigned i = 1; i < r->n_batch_threads && !handoff; i++)
                        (void)eventfd_post(r->workers[i].work_fd);
        }
        if (handoff)
                atomic_store(&r->handoff, REAPER_HANDOFF_DONE);
        called = release_items(r);
        called = help_items(r) || called;
        if (called)
                atomic_fetch_add(&r->n_callers, 1);
        /* The last one out hands the targets back: every thread's writes to them come before. */
        if (atomic_fetch_sub(&r->active, 1) == 1) {
                r->t_release_end = now_usec(CLOCK_MONOTONIC);
                atomic_store_explicit(&r->state, REAPER_RELEASED, memory_order_release);
                (void)eventfd_post(r->done_fd);
        }
}

/*
 * Worker 0 with a handoff: the SIGKILLs, then the release of those signalled, with no wakeup in
 * between. With nothing queued it posts ack_fd, and the main thread owns the targets again.
 */
static void handoff_run(struct reaper_worker *w)
{
        struct reaper *r = w->r;

        /* the victim first: if it cannot be signalled, nobody else is (kill_start()'s rule) */
        r->targets[0].result = target_signal(&r->targets[0]);
        if (r->targets[0].result == 0)
                targets_signal_pending(r, 1); /* the sharers */
        r->t_signal = now_usec(CLOCK_MONOTONIC);
        r->handoff_queued = r->targets[0].result == 0 && targets_queue_release(r) > 0;
        if (!r->handoff_queued) {
                /* the post first: the main thread drains it once it sees DONE, none is left over */
                (void)eventfd_post(r->ack_fd);
                atomic_store(&r->handoff, REAPER_HANDOFF_DONE);
                return;
        }
        batch_arm(r);
        batch_run(w, true);
}

/* Worker 0, woken with no batch: a handoff to take? */
static bool handoff_take(struct reaper *r)
{
        int s = REAPER_HANDOFF_REQUESTED;

        return atomic_compare_exchange_strong(&r->handoff, &s, REAPER_HANDOFF_TAKEN);
}

static void *reaper_thread(void *userdata)
{
        struct reaper_worker *w = userdata;
        struct reaper *r = w->r;

        (void)pthread_setname_np(pthread_self(), "reapd-reaper");
        w->setup.affinity = reaper_apply_affinity(&r->config);
        w->setup.nice = reaper_apply_nice(&r->config);
        w->setup.sched = reaper_apply_sched(&r->config);
        (void)eventfd_post(r->done_fd);

        for (;;) {
                uint64_t v;

                if (read_retry(w->work_fd, &v, sizeof(v)) < 0)
                        break; /* cannot happen with a valid eventfd; stop rather than spin */
                if (atomic_load(&r->stop))
                        break;
                if (atomic_load_explicit(&r->state, memory_order_acquire) == REAPER_RELEASING)
                        batch_run(w, false);
                else if (w->index == 0 && handoff_take(r))
                        handoff_run(w);
        }
        return NULL;
}

/* Wait until @fd's eventfd counter has added up to @n posts. */
static int eventfd_wait_n(int fd, uint64_t n)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        uint64_t v, got = 0;

        while (got < n) {
                if (read(fd, &v, sizeof(v)) == sizeof(v)) {
                        got += v;
                        continue;
                }
                if (errno != EAGAIN && errno != EINTR)
                        return -errno;
                (void)poll(&p, 1, -1);
        }
        return 0;
}

static int eventfd_wait(int fd)
{
        return eventfd_wait_n(fd, 1);
}

int reaper_signal_release(struct reaper *r, usec_t timeout_usec)
{
        struct pollfd p = {.fd = r->ack_fd, .events = POLLIN};
        usec_t start = now_usec(CLOCK_MONOTONIC);
        uint64_t v;
        int s, e;

        atomic_store(&r->handoff, REAPER_HANDOFF_REQUESTED);
        e = eventfd_post(r->workers[0].work_fd);
        if (e < 0) {
                atomic_store(&r->handoff, REAPER_HANDOFF_NONE);
                return e;
        }
        while ((s = atomic_load(&r->handoff)) != REAPER_HANDOFF_DONE) {
                if (s == REAPER_HANDOFF_REQUESTED && now_usec(CLOCK_MONOTONIC) - start >= timeout_usec &&
                    atomic_compare_exchange_strong(&r->handoff, &s, REAPER_HANDOFF_NONE))
                        return -ETIMEDOUT; /* worker 0 will find nothing to take */
                /* woken early only when nothing is released (ack_fd); else a look every ms */
                (void)poll(&p, 1, REAPER_HANDOFF_LOOK_MSEC);
        }
        (void)!read(r->ack_fd, &v, sizeof(v));
        atomic_store(&r->handoff, REAPER_HANDOFF_NONE);
        for (unsigned i = 1; r->handoff_queued && i < r->n_batch_threads; i++)
                (void)eventfd_post(r->workers[i].work_fd);
        return 0;
}

/* The worst of two setup results: an error over success, success over "not asked". */
static int setup_worst(int a, int b)
{
        if (a < 0)
                return a;
        if (b < 0)
                return b;
        return a == 0 || b == 0 ? 0 : a;
}

/* How many threads: as configured, or one per CPU the reaper may run on, within the default's ceiling. */
static unsigned pool_size(const struct reaper_config *c)
{
        cpu_set_t cpus;

        if (c->threads > 0)
                return c->threads;
        if (c->cpus_set)
                return reaper_threads_default((unsigned)CPU_COUNT(&c->cpus));
        if (sched_getaffinity(0, sizeof(cpus), &cpus) < 0)
                return 1;
        return reaper_threads_default((unsigned)CPU_COUNT(&cpus));
}

static int start_workers(struct reaper *r)
{
        pthread_attr_t attr;
        sigset_t all, saved;
        int e = 0;

        /* Signals belong to the event loop (signalfd): the threads must never take one. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &saved);
        pthread_attr_init(&attr);
        for (unsigned i = 0; i < r->n_workers && e == 0; i++) {
                struct reaper_worker *w = &r->workers[i];

                pthread_attr_setstacksize(&attr, i == 0 ? REAPER_STACK_SIZE : REAPER_WORKER_STACK_SIZE);
                e = pthread_create(&w->thread, &attr, reaper_thread, w);
                w->started = e == 0;
        }
        pthread_attr_destroy(&attr);
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        return -e;
}

/*
 * Bits for every PID the kernel may hand out (pid_max, read once; at most PID_MAX_LIMIT, 512 KiB
 * of bitmap): a unit of any size is told apart from its members already done without a search.
 */
static size_t seen_bits(void)
{
        char buf[32];
        uint64_t v = 0;

        if (read_file_at(AT_FDCWD, "/proc/sys/kernel/pid_max", buf, sizeof(buf)) < 0 ||
            parse_u64(buf, &v) < 0 || v == 0 || v > REAPER_PID_MAX_LIMIT)
                v = REAPER_PID_MAX_LIMIT;
        return ((size_t)v + 8) & ~(size_t)7;
}

int reaper_new(const struct reaper_config *c, struct reaper_setup *ret_setup, struct reaper **ret)
{
        struct reaper *r;
        unsigned started = 0;
        int e;

        if (!c || !ret || c->threads > REAPER_MAX_THREADS)
                return -EINVAL;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->done_fd = r->ack_fd = -1;
        r->config = *c;
        r->n_workers = pool_size(c);
        for (unsigned i = 0; i < REAPER_MAX_THREADS; i++)
                r->workers[i] = (struct reaper_worker){.r = r, .index = i, .work_fd = -1};
        atomic_init(&r->state, REAPER_IDLE);
        atomic_init(&r->stop, false);
        atomic_init(&r->handoff, REAPER_HANDOFF_NONE);
        atomic_init(&r->mrelease_enosys, false);
        atomic_init(&r->next, 0);
        atomic_init(&r->active, 0);
        atomic_init(&r->n_callers, 0);
        /* Without /proc the pool still runs, in listing order. */
        r->proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        r->targets = malloc((size_t)KILL_MAX_PIDS * sizeof(*r->targets));
        r->order = malloc((size_t)KILL_MAX_PIDS * sizeof(*r->order));
        r->busy = malloc((size_t)KILL_MAX_PIDS * sizeof(*r->busy));
        r->walk = malloc(sizeof(*r->walk));
        r->proc_dents = malloc(PROC_DENTS_SIZE);
        r->seen_bits = seen_bits();
        r->seen = calloc(r->seen_bits / 8, 1);
        r->seen_lo = INT32_MAX;
        r->seen_hi = -1;
        if (!r->targets || !r->order || !r->busy || !r->walk || !r->proc_dents || !r->seen) {
                reaper_free(r);
                return -ENOMEM;
        }
        /* Touched whole now, so it is locked: a cgroup kill of thousands fills it in the reaper
         * under pressure, where faulting in fresh pages could wait on reclaim. A write per page
         * through volatile: the compiler turns malloc() + memset(0) into calloc(), which leaves
         * fresh pages untouched. */
        for (size_t i = 0; i < (size_t)KILL_MAX_PIDS * sizeof(*r->targets); i += 4096)
                ((volatile char *)r->targets)[i] = 0;
        for (size_t i = 0; i < (size_t)KILL_MAX_PIDS * sizeof(*r->order); i += 4096)
                ((volatile char *)r->order)[i] = 0;
        for (size_t i = 0; i < KILL_MAX_PIDS; i++)
                atomic_init(&r->busy[i], false);
        for (size_t i = 0; i < r->seen_bits / 8; i += 4096)
                ((volatile unsigned char *)r->seen)[i] = 0;

        r->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        r->ack_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (r->done_fd < 0 || r->ack_fd < 0) {
                e = -errno;
                reaper_free(r);
                return e;
        }
        for (unsigned i = 0; i < r->n_workers; i++) {
                r->workers[i].work_fd = eventfd(0, EFD_CLOEXEC);
                if (r->workers[i].work_fd < 0) {
                        e = -errno;
                        reaper_free(r);
                        return e;
                }
        }

        e = start_workers(r);
        for (unsigned i = 0; i < r->n_workers; i++)
                started += r->workers[i].started;
        /* each started thread posts once, set up; wait for them before any can be stopped */
        if (eventfd_wait_n(r->done_fd, started) < 0 && e == 0)
                e = -EIO;
        if (e < 0) {
                reaper_free(r);
                return e;
        }
        r->setup = r->workers[0].setup;
        for (unsigned i = 1; i < r->n_workers; i++) {
                r->setup.affinity = setup_worst(r->setup.affinity, r->workers[i].setup.affinity);
                r->setup.nice = setup_worst(r->setup.nice, r->workers[i].setup.nice);
                r->setup.sched = setup_worst(r->setup.sched, r->workers[i].setup.sched);
        }
        r->setup.threads = r->n_workers;
        if (ret_setup)
                *ret_setup = r->setup;
        *ret = r;
        return 0;
}

struct reaper *reaper_free(struct reaper *r)
{
        if (!r)
                return NULL;
        if (r->workers[0].started && atomic_load(&r->state) == REAPER_RELEASING)
                reaper_wait(r);
        atomic_store(&r->stop, true);
        for (unsigned i = 0; i < REAPER_MAX_THREADS; i++)
                if (r->workers[i].started)
                        (void)eventfd_post(r->workers[i].work_fd);
        for (unsigned i = 0; i < REAPER_MAX_THREADS; i++) {
                if (r->workers[i].started)
                        pthread_join(r->workers[i].thread, NULL);
                if (r->workers[i].work_fd >= 0)
                        close(r->workers[i].work_fd);
        }
        if (r->targets)
                for (size_t i = 0; i < r->n_targets; i++)
                        if (r->targets[i].pidfd >= 0)
                                close(r->targets[i].pidfd);
        if (r->done_fd >= 0)
                close(r->done_fd);
        if (r->ack_fd >= 0)
                close(r->ack_fd);
        if (r->proc_fd >= 0)
                close(r->proc_fd);
        free(r->targets);
        free(r->order);
        free(r->busy);
        free(r->walk);
        free(r->proc_dents);
        free(r->seen);
        free(r);
        return NULL;
}

int reaper_fd(const struct reaper *r)
{
        return r ? r->done_fd : -EINVAL;
}

int reaper_submit(struct reaper *r)
{
        batch_arm(r);
        /* worker 0 wakes as many others as the batch has work for */
        return eventfd_post(r->workers[0].work_fd);
}

void reaper_wait(struct reaper *r)
{
        while (atomic_load_explicit(&r->state, memory_order_acquire) == REAPER_RELEASING)
                (void)eventfd_wait(r->done_fd);
        /* The event of a finished batch may still be queued: drain it so the next op starts clean. */
        if (atomic_load(&r->state) == REAPER_RELEASED) {
                uint64_t v;

                (void)!read(r->done_fd, &v, sizeof(v));
        }
}

int reaper_collect(struct reaper *r, struct kill_op *op)
{
        uint64_t v;
        int state;

        if (!r || !op || op->reaper != r)
                return -EINVAL;
        if (!op->release_pending)
                return 0;
        state = atomic_load_explicit(&r->state, memory_order_acquire);
        if (state != REAPER_RELEASED)
                return -EAGAIN;
        (void)!read(r->done_fd, &v, sizeof(v));
        atomic_store(&r->state, REAPER_HELD);

        op->release_pending = false;
        op->n_released = 0;
        op->release_result = 0;
        op->t_release_start = r->t_release_start;
        op->t_release_end = r->t_release_end;
        op->n_release_threads = atomic_load(&r->n_callers);
        for (size_t i = 0; i < op->n_targets; i++) {
                const struct kill_target *t = &op->targets[i];

                if (t->release == 0)
                        op->n_released++;
                /* ESRCH: it finished exiting first, so its exit freed the memory. Not a failure. */
                else if (t->release < 0 && t->release != -ESRCH && op->release_result == 0)
                        op->release_result = t->release;
        }
        if (atomic_load(&r->mrelease_enosys) && !r->mrelease_warned) {
                r->mrelease_warned = true;
                op->warn_once |= KILL_WARN_NO_MRELEASE;
        }
        return 0;
}
