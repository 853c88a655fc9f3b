/* SPDX-License-Identifier: GPL-2.0-or-later */
/* manager-rehearse.c - the kill path run once for real, on a child of reapd's own */

/*
 * reapd runs mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT) (caps_setup()): a page stays resident
 * and locked once it has been touched, and not before. A kill runs code nothing else runs (the
 * pidfd calls, the reaper's process_mrelease(), the death watch, the record to journald): left
 * untouched until the first kill, those pages would be read back from disk at the worst moment,
 * when memory is short and the page cache is being dropped. So at start and after each reload
 * the daemon kills a child of its own through that very code, and it stays locked in memory.
 *
 * The child is made to be killed: its own process group, oom_score_adj 1000 (so that a system-
 * wide scan picks it, unless the policy or a bigger process with the same adj says otherwise),
 * PR_SET_PDEATHSIG so that it never outlives reapd, and a little memory of its own for
 * process_mrelease() to give back. Nothing else is ever signalled: the victim's PID is the
 * child's, which stays ours until waitpid().
 */

#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "manager-internal.h"

/* 1 MiB: enough private memory that process_mrelease() has pages to give back. */
#define REHEARSAL_CHILD_BYTES (1024 * 1024)
/* 5s: how long a child may take to be ready; it does next to nothing, even under valgrind. */
#define REHEARSAL_READY_MSEC 5000
/* What the child is called, in its record and in ps. */
#define REHEARSAL_COMM "reapd-rehearse"

/*
 * Code of reapd's own that only memory trouble runs (the decider's kill branch, the per-CPU free
 * lists read near the threshold, the record of a dry run, a cgroup kill) is not run by the
 * rehearsal. The executable is small: its read-only segments are locked whole instead. Found
 * through the program headers, the executable's being the first that dl_iterate_phdr() reports.
 */
static int lock_segments(struct dl_phdr_info *info, size_t size, void *userdata)
{
        size_t *locked = userdata;
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

        for (size_t i = 0; i < info->dlpi_phnum; i++) {
                const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
                uintptr_t start, end;

                if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
                        continue;
                start = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
                end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
                if (mlock((const void *)start, end - start) >= 0)
                        *locked += end - start;
        }
        return 1; /* the executable only */
}

/* The child: only async-signal-safe calls, as after any fork() of a threaded process. */
_Noreturn static void rehearsal_child(pid_t parent, int ready_fd, size_t page)
{
        static const char adj[] = "1000";
        char *p;
        int fd;

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(EXIT_FAILURE);
        (void)prctl(PR_SET_NAME, REHEARSAL_COMM);
        (void)setpgid(0, 0); /* a process-group kill of it must not reach reapd */
        fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                (void)write(fd, adj, sizeof(adj) - 1);
                (void)close(fd);
        }
        p = mmap(NULL, REHEARSAL_CHILD_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED)
                for (size_t i = 0; i < REHEARSAL_CHILD_BYTES; i += page)
                        p[i] = 1;
        (void)write(ready_fd, "", 1);
        for (;;)
                pause();
}

/* Forks the child and waits until it is ready. Returns its PID or a negative errno. */
static pid_t rehearsal_spawn(void)
{
        struct pollfd pfd = {.events = POLLIN};
        long page = sysconf(_SC_PAGESIZE);
        pid_t parent = getpid(), pid;
        int fds[2], r = 0;
        char c;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid == 0)
                rehearsal_child(parent, fds[1], page > 0 ? (size_t)page : 4096);
        (void)close(fds[1]);
        if (pid < 0) {
                (void)close(fds[0]);
                return -errno;
        }
        pfd.fd = fds[0];
        if (poll(&pfd, 1, REHEARSAL_READY_MSEC) <= 0)
                r = -ETIMEDOUT;
        else if (read(fds[0], &c, 1) != 1)
                r = -ECHILD; /* it exited before it was ready */
        (void)close(fds[0]);
        if (r < 0) {
                (void)kill(pid, SIGKILL);
                (void)waitpid(pid, NULL, 0);
                return r;
        }
        return pid;
}

void manager_rehearsal_reap(struct manager *m)
{
        pid_t pid = m->rehearsal_child;

        if (pid <= 0)
                return;
        if (waitpid(pid, NULL, WNOHANG) == 0) {
                /* Not dead yet (a timeout): it is ours and may only die; the next look reaps it. */
                (void)kill(pid, SIGKILL);
                return;
        }
        m->rehearsal_child = 0;
}

/* A rehearsal that cannot go on: its child dies now (it is ours and only sleeps) and is reaped. */
static void rehearsal_abort(struct manager *m)
{
        (void)kill(m->rehearsal_child, SIGKILL);
        (void)waitpid(m->rehearsal_child, NULL, 0);
        m->rehearsal_child = 0;
}

/*
 * The victim for the child: as the scan saw it when the scan chose it, else (a cgroup scope,
 * a policy, a bigger process with adj 1000) from its identity as the kill will check it.
 */
static int rehearsal_victim(struct manager *m, pid_t pid, int select_result, const struct candidate *c)
{
        struct kill_identity id;
        int r;

        if (select_result == 0 && m->selector.snapshot.procs[c->idx].pid == pid) {
                victim_from_proc(&m->victim, &m->selector.snapshot, &m->selector.snapshot.procs[c->idx]);
                m->victim.badness = c->badness;
                log_debug("The rehearsal's scan chose its child %d", (int)pid);
        } else {
                if (select_result == 0)
                        log_debug("The rehearsal's scan chose %d (%s), not its child %d; killing the child",
                                  (int)m->selector.snapshot.procs[c->idx].pid,
                                  m->selector.snapshot.procs[c->idx].comm, (int)pid);
                r = kill_identity_read(m->proc_fd, pid, &id);
                if (r < 0)
                        return r;
                m->victim = (struct victim){
                        .pid = pid,
                        .pgid = id.pgid,
                        .uid = id.uid,
                        .starttime = id.starttime,
                        .oom_score_adj = id.oom_score_adj,
                };
                strlcpy0(m->victim.comm, REHEARSAL_COMM, sizeof(m->victim.comm));
        }
        victim_read_cgroup(m, &m->victim);
        return 0;
}

void manager_rehearse(struct manager *m)
{
        struct snapshot_opts opts;
        struct kill_request req;
        struct candidate c;
        pid_t pid;
        int r, sel;

        if (m->killing)
                return; /* a kill in flight: reload finished it first, so this is not reached */
        if (!m->text_locked) {
                size_t locked = 0;

                (void)dl_iterate_phdr(lock_segments, &locked);
                m->text_locked = true;
                log_debug("Locked %zu KiB of reapd's own code and read-only data", locked / 1024);
        }
        if (m->rehearsal_child > 0) /* the last one's, killed by a reload and still dying */
                rehearsal_abort(m);

        pid = rehearsal_spawn();
        if (pid < 0) {
                log_warning_errno(pid, "Could not start a child to rehearse the kill path on; the first "
                                       "kill may wait for its code to be read from disk");
                return;
        }
        m->rehearsal_child = pid;

        m->t_decide = now_usec(CLOCK_MONOTONIC);
        m->reason = DECIDE_REASON_NONE;
        if (monitor_sample_now(m->monitor, &m->before) < 0)
                m->before = (struct monitor_sample){};
        /* The scan a kill runs, over every process (the child among them when system-wide). */
        manager_select_opts(m, &opts);
        sel = manager_select(m, &opts, &c);
        r = rehearsal_victim(m, pid, sel, &c);
        if (r < 0) {
                log_warning_errno(r, "Could not read the rehearsal's child %d; not rehearsing the kill path",
                                  (int)pid);
                rehearsal_abort(m);
                return;
        }
        if (m->victim.oom_score_adj == SCORE_ADJ_UNKILLABLE) {
                log_warning("The rehearsal's child %d could not raise its oom_score_adj from -1000; not "
                            "rehearsing the kill path",
                            (int)pid);
                rehearsal_abort(m);
                return;
        }

        req = (struct kill_request){
                .victim = &m->victim,
                /* Only its own group: a cgroup kill would take reapd's cgroup, reapd included. */
                .unit = m->config.kill_unit == KILL_UNIT_PROCESS_GROUP && m->victim.pgid == pid
                                ? KILL_UNIT_PROCESS_GROUP
                                : KILL_UNIT_PROCESS,
                .release = m->config.release,
                .proc_dirfd = m->proc_fd,
                .roots = m->have_roots ? &m->roots : NULL,
        };
        r = manager_kill_start(m, &req);
        if (r != 0) {
                if (r < 0)
                        log_warning_errno(r, "Rehearsing the kill path on child %d failed", (int)pid);
                else
                        log_warning("Rehearsing the kill path on child %d failed: %s", (int)pid,
                                    kill_result_to_string(r));
                rehearsal_abort(m);
                return;
        }
        m->rehearsing = true;
        manager_kill_watch(m, now_usec(CLOCK_MONOTONIC) + m->config.kill_timeout);
}
