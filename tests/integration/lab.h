#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lab.h - test/bench helpers: scratch cgroups (v1 freezer+memory, cgroup2), hogs, memory probes */

/*
 * Everything here acts only on cgroups the caller created (named reapd-test-<pid>-<n>) and on
 * processes it started. lab_cleanup_all() thaws, kills and removes them; it is installed as an
 * atexit handler and on SIGINT/SIGTERM/SIGHUP/SIGALRM/SIGSEGV/SIGABRT by lab_init().
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "kill.h"

/* Failed LAB_CHECK()s so far; a test exits 1 if any. */
extern int lab_failures;

/* LAB_CHECK(cond, fmt, ...): on failure, count it and print "FAIL file:line: cond: message"; go on. */
#define LAB_CHECK(cond, ...)                                                                                \
        do {                                                                                                \
                if (!(cond)) {                                                                              \
                        lab_failures++;                                                                     \
                        printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                              \
                        printf(__VA_ARGS__);                                                                \
                        printf("\n");                                                                       \
                }                                                                                           \
        } while (0)

#define LAB_MAX_CGROUPS 16

struct lab_cgroup {
        char name[64]; /* relative path, "/reapd-test-123-0" */
        bool freezer, memory, unified; /* which hierarchies hold it */
        bool used;
};

/* lab_init() - install the cleanup handlers. Returns 0, or 77 (skip) if not root. */
int lab_init(void);

/* lab_have_v1() - true if the v1 freezer and memory hierarchies are mounted. */
bool lab_have_v1(void);

/* lab_cgroup_new() - create a scratch cgroup in every hierarchy present. NULL on failure. */
struct lab_cgroup *lab_cgroup_new(void);

/* lab_cgroup_path() - "/sys/fs/cgroup/<ctrl><name>/<file>" into a static buffer. */
const char *lab_cgroup_path(const struct lab_cgroup *cg, const char *ctrl, const char *file);

/* lab_spawn_hog() - start "hog @mb" inside @cg (may be NULL) and wait until its memory is touched. */
pid_t lab_spawn_hog(const char *hog, unsigned mb, const struct lab_cgroup *cg);

/* lab_spawn_sleeper() - fork a child that sleeps (in @cg if not NULL, in process group @pgid if >= 0). */
pid_t lab_spawn_sleeper(const struct lab_cgroup *cg, pid_t pgid);

/* lab_freeze() - freeze (or thaw) @cg with the v1 freezer and wait until the state is reached. */
int lab_freeze(const struct lab_cgroup *cg, bool frozen);

/* lab_memcg_usage() - v1 memory.usage_in_bytes of @cg; UINT64_MAX if unreadable. */
uint64_t lab_memcg_usage(const struct lab_cgroup *cg);

/*
 * lab_cgroup_roots() - the roots a cgroup kill of a lab cgroup takes: cgroup2 (the hybrid
 * host's unified mount, or /sys/fs/cgroup), whether it has the memory controller, and v1 memory.
 */
void lab_cgroup_roots(struct cgroup_roots *roots);

/* lab_memavailable() - MemAvailable in bytes. */
uint64_t lab_memavailable(void);

/* lab_proc_state() - the state letter of @pid from /proc/<pid>/stat, '?' if gone. */
char lab_proc_state(pid_t pid);

/* lab_alive() - @pid exists and is not a zombie. */
bool lab_alive(pid_t pid);

/* lab_cgroup_destroy() - thaw, SIGKILL every member, wait until empty, rmdir everywhere. */
void lab_cgroup_destroy(struct lab_cgroup *cg);

/* lab_cleanup_all() - lab_cgroup_destroy() every cgroup still alive and reap our children. */
void lab_cleanup_all(void);

/* lab_now_ms() - CLOCK_MONOTONIC in milliseconds, as a double. */
double lab_now_ms(void);

/*
 * lab_victim_of() - the victim record of live process @pid as the kill path will check it:
 * identity (pgid, uid, start time) and oom_score_adj read now under @proc_dirfd. Returns 0 or
 * the negative errno of kill_identity_read().
 */
int lab_victim_of(int proc_dirfd, pid_t pid, struct victim *v);

/*
 * lab_kill_collect() - kill_start() and, when it submitted a release, wait up to @deadline_ms
 * for the reaper and collect it (op->release_pending stays true if it did not finish in time).
 * Allocates nothing, so a caller may count the kill path's allocations around it. Returns
 * kill_start()'s result.
 */
int lab_kill_collect(struct reaper *reaper, const struct kill_request *req, struct kill_op *op,
                     int deadline_ms);
