/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reaper.c - the reaper thread: process_mrelease() of killed processes, off the event loop */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
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

static int apply_affinity(const struct reaper_config *c)
{
        cpu_set_t got, both;

        if (!c->cpus_set)
                return REAPER_SETUP_SKIPPED;
        if (sched_setaffinity(0, sizeof(c->cpus), &c->cpus) < 0)
                return -errno;
        if (sched_getaffinity(0, sizeof(got), &got) < 0)
                return -errno;
        /* The kernel drops offline CPUs; what we got must be within what was asked. */
        CPU_AND(&both, &got, &c->cpus);
        return CPU_EQUAL(&both, &got) && CPU_COUNT(&got) > 0 ? 0 : -EINVAL;
}

static int apply_nice(const struct reaper_config *c)
{
        pid_t tid = (pid_t)syscall(SYS_gettid);
        int got;

        if (c->nice == 0)
                return REAPER_SETUP_SKIPPED;
        /* On Linux PRIO_PROCESS with a TID changes that thread only. */
        if (setpriority(PRIO_PROCESS, (id_t)tid, c->nice) < 0)
                return -errno;
        errno = 0;
        got = getpriority(PRIO_PROCESS, (id_t)tid);
        if (errno != 0)
                return -errno;
        return got == c->nice ? 0 : -EPERM;
}

static int apply_sched(const struct reaper_config *c)
{
        struct sched_param p = {.sched_priority = c->sched_priority};

        if (c->sched_policy == SCHED_OTHER)
                return REAPER_SETUP_SKIPPED;
        if (c->sched_policy != SCHED_FIFO && c->sched_policy != SCHED_RR)
                return -EINVAL;
        if (sched_setscheduler(0, c->sched_policy, &p) < 0)
                return -errno;
        return sched_getscheduler(0) == c->sched_policy ? 0 : -EPERM;
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

static void release_batch(struct reaper *r)
{
        r->t_release_start = now_usec(CLOCK_MONOTONIC);
        for (size_t i = 0; i < r->n_targets; i++) {
                struct kill_target *t = &r->targets[i];

                if (t->release != KILL_RELEASE_QUEUED)
                        continue;
                if (atomic_load(&r->mrelease_enosys)) {
                        t->release = KILL_RELEASE_SKIPPED;
                        continue;
                }
                t->t_release_start = now_usec(CLOCK_MONOTONIC);
                t->release = release_one(r, t);
                t->t_release_end = now_usec(CLOCK_MONOTONIC);
        }
        r->t_release_end = now_usec(CLOCK_MONOTONIC);
}

static void *reaper_thread(void *userdata)
{
        struct reaper *r = userdata;

        (void)pthread_setname_np(pthread_self(), "reapd-reaper");
        r->setup.affinity = apply_affinity(&r->config);
        r->setup.nice = apply_nice(&r->config);
        r->setup.sched = apply_sched(&r->config);
        (void)eventfd_post(r->done_fd);

        for (;;) {
                uint64_t v;

                if (read_retry(r->work_fd, &v, sizeof(v)) < 0)
                        break; /* cannot happen with a valid eventfd; stop rather than spin */
                if (atomic_load(&r->stop))
                        break;
                if (atomic_load_explicit(&r->state, memory_order_acquire) != REAPER_RELEASING)
                        continue;
                release_batch(r);
                atomic_store_explicit(&r->state, REAPER_RELEASED, memory_order_release);
                (void)eventfd_post(r->done_fd);
        }
        return NULL;
}

static int eventfd_wait(int fd)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        uint64_t v;

        for (;;) {
                if (read(fd, &v, sizeof(v)) == sizeof(v))
                        return 0;
                if (errno != EAGAIN && errno != EINTR)
                        return -errno;
                (void)poll(&p, 1, -1);
        }
}

/*
 * Bits for every PID the kernel may hand out (pid_max, read once; at most PID_MAX_LIMIT, 512 KiB
 * of bitmap): a unit of any size is told apart from its members already done without a search.
 */
static size_t seen_bits(void)
{
        char buf[32] = "";
        unsigned long v = 0;
        int fd = open("/proc/sys/kernel/pid_max", O_RDONLY | O_CLOEXEC);

        if (fd >= 0) {
                ssize_t n = read(fd, buf, sizeof(buf) - 1);

                buf[n > 0 ? n : 0] = '\0';
                close(fd);
                v = strtoul(buf, NULL, 10);
        }
        if (v == 0 || v > REAPER_PID_MAX_LIMIT)
                v = REAPER_PID_MAX_LIMIT;
        return (v + 8) & ~(size_t)7;
}

int reaper_new(const struct reaper_config *c, struct reaper_setup *ret_setup, struct reaper **ret)
{
        struct reaper *r;
        pthread_attr_t attr;
        sigset_t all, saved;
        int e;

        if (!c || !ret)
                return -EINVAL;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->work_fd = r->done_fd = -1;
        r->config = *c;
        atomic_init(&r->state, REAPER_IDLE);
        atomic_init(&r->stop, false);
        atomic_init(&r->mrelease_enosys, false);

        r->targets = malloc((size_t)KILL_MAX_PIDS * sizeof(*r->targets));
        r->walk = malloc(sizeof(*r->walk));
        r->proc_dents = malloc(PROC_DENTS_SIZE);
        r->seen_bits = seen_bits();
        r->seen = calloc(r->seen_bits / 8, 1);
        r->seen_lo = INT32_MAX;
        r->seen_hi = -1;
        if (!r->targets || !r->walk || !r->proc_dents || !r->seen) {
                reaper_free(r);
                return -ENOMEM;
        }
        /* Touched whole now, so it is locked: a cgroup kill of thousands fills it in the reaper
         * under pressure, where faulting in fresh pages could wait on reclaim. A write per page
         * through volatile: the compiler turns malloc() + memset(0) into calloc(), which leaves
         * fresh pages untouched. */
        for (size_t i = 0; i < (size_t)KILL_MAX_PIDS * sizeof(*r->targets); i += 4096)
                ((volatile char *)r->targets)[i] = 0;
        for (size_t i = 0; i < r->seen_bits / 8; i += 4096)
                ((volatile unsigned char *)r->seen)[i] = 0;

        r->work_fd = eventfd(0, EFD_CLOEXEC);
        r->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (r->work_fd < 0 || r->done_fd < 0) {
                e = -errno;
                reaper_free(r);
                return e;
        }

        /* Signals belong to the event loop (signalfd): the thread must never take one. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &saved);
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, REAPER_STACK_SIZE);
        e = pthread_create(&r->thread, &attr, reaper_thread, r);
        pthread_attr_destroy(&attr);
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        if (e != 0) {
                reaper_free(r);
                return -e;
        }
        r->thread_started = true;

        e = eventfd_wait(r->done_fd);
        if (e < 0) {
                reaper_free(r);
                return e;
        }
        if (ret_setup)
                *ret_setup = r->setup;
        *ret = r;
        return 0;
}

struct reaper *reaper_free(struct reaper *r)
{
        if (!r)
                return NULL;
        if (r->thread_started) {
                if (atomic_load(&r->state) == REAPER_RELEASING)
                        reaper_wait(r);
                atomic_store(&r->stop, true);
                (void)eventfd_post(r->work_fd);
                pthread_join(r->thread, NULL);
        }
        if (r->targets)
                for (size_t i = 0; i < r->n_targets; i++)
                        if (r->targets[i].pidfd >= 0)
                                close(r->targets[i].pidfd);
        if (r->work_fd >= 0)
                close(r->work_fd);
        if (r->done_fd >= 0)
                close(r->done_fd);
        free(r->targets);
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
        r->t_release_start = r->t_release_end = 0;
        atomic_store_explicit(&r->state, REAPER_RELEASING, memory_order_release);
        return eventfd_post(r->work_fd);
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
