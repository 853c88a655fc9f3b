#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reaper-internal.h - the reaper object shared by kill.c (main thread) and reaper.c (its thread) */

#include <pthread.h>
#include <stdatomic.h>

#include "kill.h"

/* getdents64 buffer for one directory level; 4 KiB holds ~150 /proc or cgroup entries per call. */
#define REAPER_DENTS_SIZE 4096
/* Cgroup subtree depth walked by a cgroup kill; systemd trees are 4-6 deep, containers add a few. */
#define REAPER_CGROUP_MAX_DEPTH 16
/* Chunk in which cgroup.procs is read; the parser carries a number across chunk boundaries. */
#define REAPER_PROCS_CHUNK 4096

/* Internal kill_target.release value: handed to the thread, not yet attempted. */
#define KILL_RELEASE_QUEUED 2

/*
 * Who owns the targets: IDLE nobody; HELD the op (main thread); RELEASING the reaper thread;
 * RELEASED the op again, once reaper_collect() consumed the event.
 */
enum reaper_state {
        REAPER_IDLE,
        REAPER_HELD,
        REAPER_RELEASING,
        REAPER_RELEASED,
};

struct reaper {
        pthread_t thread;
        bool thread_started;
        int work_fd; /* eventfd, blocking: main -> thread "release the queued targets" */
        int done_fd; /* eventfd, nonblocking: thread -> main "done"; reaper_fd() */
        atomic_int state; /* enum reaper_state */
        atomic_bool stop;

        struct reaper_config config;
        struct reaper_setup setup;

        struct kill_target *targets; /* KILL_MAX_PIDS */
        size_t n_targets;
        usec_t t_release_start, t_release_end;

        atomic_bool mrelease_enosys; /* set by the thread, read by kill_start() to skip queueing */
        bool mrelease_warned;
        bool pidfd_enosys;
        bool pidfd_warned;
        bool cgroup_kill_warned;

        char *dents; /* REAPER_DENTS_SIZE * REAPER_CGROUP_MAX_DEPTH, one slice per level */
        char *procs_chunk; /* REAPER_PROCS_CHUNK */
};

/* reaper_submit() - hand targets marked KILL_RELEASE_QUEUED to the thread. Returns 0 or -errno. */
int reaper_submit(struct reaper *r);

/* reaper_wait() - block until a submitted batch is done and consume its event. */
void reaper_wait(struct reaper *r);
