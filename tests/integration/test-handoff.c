/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-handoff.c - a one-process kill is signalled and released by the same reaper thread */

/*
 * Usage: test-handoff HOG   (root; exit 77 = skipped without the v1 freezer/memory or tracefs)
 *
 * A frozen hog killed alone (KillUnit=process) through a pool of 2: a private tracefs instance
 * records every SIGKILL (signal:signal_generate, with its sender) and every process_mrelease()
 * entry. The SIGKILL must come from a reaper thread, and that thread's process_mrelease() must
 * be the first after it: no wakeup in between, which a victim woken by its SIGKILL would use to
 * reach its exit_mm(), out of process_mrelease()'s reach. Then the fallback: with no time for a
 * reaper thread to take the kill, kill_start() signals it itself and submits the release as for
 * a unit; the pool stays usable kill after kill. Every victim is released while frozen.
 */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kill.h"
#include "lab.h"
#include "util.h"

#define VICTIM_MB 256
#define BACK_SHARE 0.9
#define RELEASE_DEADLINE_MS 5000
#define FALLBACK_KILLS 5
#define TEST_TIMEOUT_S 120
#define MB (1024.0 * 1024.0)

static char trace_mnt[64] = "";
static char trace_dir[128] = "";

static int write_str(const char *dir, const char *file, const char *s)
{
        char path[256];
        int fd, r = 0;

        snprintf(path, sizeof(path), "%s/%s", dir, file);
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return -1;
        if (write(fd, s, strlen(s)) < 0)
                r = -1;
        close(fd);
        return r;
}

static void trace_stop(void)
{
        if (trace_dir[0]) {
                (void)write_str(trace_dir, "tracing_on", "0");
                (void)rmdir(trace_dir);
                trace_dir[0] = '\0';
        }
        if (trace_mnt[0]) {
                (void)umount(trace_mnt);
                (void)rmdir(trace_mnt);
                trace_mnt[0] = '\0';
        }
}

/* A private tracefs instance with the SIGKILLs and process_mrelease() entries; 0 or -1. */
static int trace_start(void)
{
        strcpy(trace_mnt, "/tmp/reapd-test-tracefs.XXXXXX");
        if (!mkdtemp(trace_mnt)) {
                trace_mnt[0] = '\0';
                return -1;
        }
        if (mount("nodev", trace_mnt, "tracefs", 0, NULL) < 0) {
                (void)rmdir(trace_mnt);
                trace_mnt[0] = '\0';
                return -1;
        }
        snprintf(trace_dir, sizeof(trace_dir), "%s/instances/reapd-test-%d", trace_mnt, (int)getpid());
        if (mkdir(trace_dir, 0755) < 0) {
                trace_dir[0] = '\0';
                trace_stop();
                return -1;
        }
        if (write_str(trace_dir, "events/signal/signal_generate/filter", "sig == 9") < 0 ||
            write_str(trace_dir, "events/signal/signal_generate/enable", "1") < 0 ||
            write_str(trace_dir, "events/syscalls/sys_enter_process_mrelease/enable", "1") < 0 ||
            write_str(trace_dir, "tracing_on", "1") < 0) {
                trace_stop();
                return -1;
        }
        return 0;
}

/*
 * From the trace: the thread (comm, tid) that sent @victim its SIGKILL, and the tid of the first
 * process_mrelease() entry after it (-1 if none). Lines: "COMM-TID [CPU] FLAGS TS: EVENT: ...".
 */
static int trace_find(pid_t victim, char *ret_comm, size_t size, pid_t *ret_tid, pid_t *ret_next)
{
        char path[256], line[512], needle[48];
        bool seen = false;
        FILE *f;

        *ret_tid = *ret_next = -1;
        ret_comm[0] = '\0';
        snprintf(path, sizeof(path), "%s/trace", trace_dir);
        snprintf(needle, sizeof(needle), " pid=%d ", (int)victim);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f)) {
                char *p = line, *dash, *end;
                long tid;

                if (line[0] == '#')
                        continue;
                while (*p == ' ')
                        p++;
                end = strstr(p, " [");
                if (!end)
                        continue;
                *end = '\0';
                dash = strrchr(p, '-');
                if (!dash)
                        continue;
                tid = strtol(dash + 1, NULL, 10);
                *dash = '\0';
                if (!seen && strstr(end + 1, "signal_generate:") && strstr(end + 1, needle)) {
                        seen = true;
                        *ret_tid = (pid_t)tid;
                        strlcpy0(ret_comm, p, size);
                } else if (seen && strstr(end + 1, "sys_process_mrelease(")) {
                        *ret_next = (pid_t)tid;
                        break;
                }
        }
        fclose(f);
        return seen ? 0 : -1;
}

/* One kill of a frozen hog through @reaper; the op is collected. Returns kill_start()'s result. */
static int kill_frozen(const char *hog, struct reaper *reaper, int proc_dirfd,
                       const struct cgroup_roots *roots, pid_t *ret_pid, struct kill_op *op,
                       uint64_t *ret_freed)
{
        struct victim v;
        struct kill_request req = {.victim = &v,
                                   .unit = KILL_UNIT_PROCESS,
                                   .release = true,
                                   .proc_dirfd = proc_dirfd,
                                   .roots = roots};
        struct lab_cgroup *cg = lab_cgroup_new();
        uint64_t usage0;
        int r = -1;

        *ret_pid = -1;
        *ret_freed = 0;
        LAB_CHECK(cg && cg->freezer && cg->memory, "scratch cgroup");
        if (!cg)
                return -1;
        *ret_pid = lab_spawn_hog(hog, VICTIM_MB, cg);
        LAB_CHECK(*ret_pid > 0, "spawn hog: %d", (int)*ret_pid);
        if (*ret_pid > 0) {
                usage0 = lab_memcg_usage(cg);
                LAB_CHECK(lab_freeze(cg, true) == 0, "freeze");
                LAB_CHECK(lab_victim_of(proc_dirfd, *ret_pid, &v) == 0, "identity");
                r = lab_kill_collect(reaper, &req, op, RELEASE_DEADLINE_MS);
                *ret_freed = usage0 - MIN(lab_memcg_usage(cg), usage0);
                LAB_CHECK(lab_proc_state(*ret_pid) == 'D',
                          "victim still frozen ('%c'): the test proves nothing", lab_proc_state(*ret_pid));
        }
        lab_cgroup_destroy(cg);
        return r;
}

static void check_released(const char *what, int r, const struct kill_op *op, uint64_t freed)
{
        LAB_CHECK(r == 0, "%s: kill_start %d", what, r);
        LAB_CHECK(!op->release_pending, "%s: release still pending after %d ms", what, RELEASE_DEADLINE_MS);
        LAB_CHECK(op->n_signalled == 1 && op->n_targets == 1 && op->targets[0].release == 0,
                  "%s: %zu signalled, %zu targets, release %d", what, op->n_signalled, op->n_targets,
                  op->n_targets ? op->targets[0].release : 0);
        LAB_CHECK(op->t_signal && op->t_signal <= op->targets[0].t_release_start,
                  "%s: signalled at %llu, released from %llu", what, (unsigned long long)op->t_signal,
                  (unsigned long long)op->targets[0].t_release_start);
        LAB_CHECK(freed >= (uint64_t)(VICTIM_MB * MB * BACK_SHARE), "%s: %.0f MB came back", what,
                  freed / MB);
}

static void run_handoff(const char *hog, int proc_dirfd, const struct cgroup_roots *roots)
{
        struct reaper_config rc = {.threads = 2};
        _cleanup_(reaper_freep) struct reaper *reaper = NULL;
        struct kill_op op = {0};
        char comm[32];
        pid_t pid, tid, next;
        uint64_t freed;
        int r;

        r = reaper_new(&rc, NULL, &reaper);
        LAB_CHECK(r == 0, "reaper_new: %s", strerror(-r));
        if (r < 0)
                return;
        r = kill_frozen(hog, reaper, proc_dirfd, roots, &pid, &op, &freed);
        check_released("handoff", r, &op, freed);
        LAB_CHECK(trace_find(pid, comm, sizeof(comm), &tid, &next) == 0, "no SIGKILL of %d in the trace",
                  (int)pid);
        /* "<...>": the trace's comm cache missed it; the thread is still ours to ask */
        if (strcmp(comm, "<...>") == 0) {
                char path[64];

                snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)tid);
                if (read_file_at(AT_FDCWD, path, comm, sizeof(comm)) >= 0)
                        comm[strcspn(comm, "\n")] = '\0';
        }
        LAB_CHECK(strcmp(comm, "reapd-reaper") == 0 && tid != getpid(),
                  "SIGKILL sent by %s (%d), not a reaper thread", comm, (int)tid);
        LAB_CHECK(next == tid,
                  "the first process_mrelease() after the SIGKILL: thread %d, not its sender %d", (int)next,
                  (int)tid);
        printf("handoff: SIGKILL from %s (%d), its process_mrelease() next, %.0f MB back while frozen, %u "
               "threads\n",
               comm, (int)tid, freed / MB, op.n_release_threads);
        kill_op_done(&op);
}

static void run_fallback(const char *hog, int proc_dirfd, const struct cgroup_roots *roots)
{
        /* 1 us: kill_start() takes the kill back at its first look unless worker 0 has it already */
        struct reaper_config rc = {.threads = 2, .handoff_usec = 1};
        _cleanup_(reaper_freep) struct reaper *reaper = NULL;
        unsigned by_main = 0;
        int r;

        r = reaper_new(&rc, NULL, &reaper);
        LAB_CHECK(r == 0, "reaper_new: %s", strerror(-r));
        if (r < 0)
                return;
        for (unsigned i = 0; i < FALLBACK_KILLS; i++) {
                struct kill_op op = {0};
                char comm[32], what[32];
                pid_t pid, tid, next;
                uint64_t freed;

                snprintf(what, sizeof(what), "fallback %u", i + 1);
                r = kill_frozen(hog, reaper, proc_dirfd, roots, &pid, &op, &freed);
                check_released(what, r, &op, freed);
                if (trace_find(pid, comm, sizeof(comm), &tid, &next) == 0 && tid == getpid())
                        by_main++;
                kill_op_done(&op);
        }
        /* the worker may win the race now and then, never every time with no wait at all */
        LAB_CHECK(by_main > 0, "no SIGKILL of %u was sent by kill_start() itself", FALLBACK_KILLS);
        printf("fallback: %u of %u kills signalled by kill_start() itself, all released while frozen\n",
               by_main, FALLBACK_KILLS);
}

/* The tracefs mount goes with the lab's cgroups on every way out (the lab's own handlers do those). */
static void on_fatal(int sig)
{
        trace_stop();
        lab_cleanup_all();
        signal(sig, SIG_DFL);
        raise(sig);
}

static void trace_cleanup_on_exit(void)
{
        static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM, SIGSEGV, SIGABRT, SIGBUS};

        atexit(trace_stop);
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
                signal(sigs[i], on_fatal);
}

int main(int argc, char **argv)
{
        struct cgroup_roots roots;
        int proc_dirfd, r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc < 2) {
                fprintf(stderr, "usage: %s HOG\n", argv[0]);
                return 2;
        }
        r = lab_init();
        if (r != 0 || !lab_have_v1()) {
                printf("SKIP: needs root and the v1 freezer and memory hierarchies\n");
                return 77;
        }
        trace_cleanup_on_exit();
        if (trace_start() < 0) {
                printf("SKIP: cannot mount tracefs\n");
                return 77;
        }
        alarm(TEST_TIMEOUT_S);
        lab_cgroup_roots(&roots);
        proc_dirfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        run_handoff(argv[1], proc_dirfd, &roots);
        run_fallback(argv[1], proc_dirfd, &roots);
        close(proc_dirfd);
        trace_stop();
        printf("%s\n", lab_failures ? "FAIL" : "PASS");
        return lab_failures ? 1 : 0;
}
