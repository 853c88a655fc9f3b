/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kill-sharers.c - the other processes that use the victim's address space, killed with it */

/*
 * Two processes share one mm after clone(CLONE_VM) without CLONE_THREAD: a vfork child until it
 * execs or exits (its parent waits meanwhile), or a process cloned so on purpose. The kernel's
 * OOM killer SIGKILLs every process that shares its victim's mm (__oom_kill_process(); only init
 * and kernel threads are spared, whatever their oom_score_adj), and process_mrelease() refuses
 * (EINVAL) an mm that a process not dying still uses: one kill has to take them all, or nothing
 * comes back until the last of them exits.
 *
 * /proc does not say who shares an mm. kcmp(KCMP_VM) says whether two tasks use the same one; it
 * needs ptrace read access to both (reapd's CAP_SYS_PTRACE) and costs one syscall per process.
 * Like the kernel, which looks at every process, this compares the victim with every process:
 * a CLONE_VM child need not be the victim's child (CLONE_PARENT), and may outlive its parent.
 * A scoped reapd signals nothing outside its scope, so it compares the scope's processes only
 * (the walk of its cgroup tree, or of /proc when that tree cannot be walked whole): what it may
 * not kill it need not find, and a scope is small where the machine may run tens of thousands.
 * It must run before the victim's SIGKILL: once the victim has exited, its mm is no longer
 * anybody's to compare with.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "procfs.h"
#include "reaper-internal.h"

#ifndef __NR_kcmp
#define __NR_kcmp 312
#endif

/* 0 if tasks @a and @b (pids or tids in reapd's namespace) use the same mm, 1 if not, else -errno. */
static int same_mm(pid_t a, pid_t b)
{
        long r = syscall(__NR_kcmp, a, b, KCMP_VM, 0, 0);

        if (r < 0)
                return -errno;
        return r == 0 ? 0 : 1;
}

/* What a listing callback needs besides the kill: the task whose mm is compared. */
struct sharers {
        struct kill_ctx *c;
        pid_t ref;
};

/*
 * Whether @pid, which kcmp() just said uses the victim's mm, really does: kcmp() compares mm
 * pointers, and a victim that exits on its own during the walk has none left, so every task past
 * its exit_mm() compares equal then. A task that shows an address space (vsize) after kcmp() said
 * equal had it then too (an mm is dropped once, at exit, and exec replaces it with another), so
 * it did share the victim's. Kernel threads (one borrowing an mm) are spared, as the kernel spares
 * them. 0 (a sharer), KILL_GONE (no mm, or gone), KILL_OUTSIDE (a kernel thread) or -errno.
 */
static int sharer_has_mm(const struct sharers *sh, pid_t pid)
{
        struct proc_stat st;
        int r;

        r = proc_read_stat(sh->c->req->proc_dirfd, pid, &st);
        if (r < 0)
                return kill_classify_errno(kill_gone(r));
        if (st.flags & PROC_PF_KTHREAD)
                return KILL_OUTSIDE;
        if (st.state == 'Z' || st.state == 'X' || st.state == 'x' || st.vsize == 0)
                return KILL_GONE;
        return 0;
}

/*
 * Whether @pid, found sharing the mm before its pidfd was open, still does now that it is pinned,
 * and may be signalled (inside the scope). 0, or the target result that says why not.
 */
static int sharer_check(const struct sharers *sh, pid_t pid)
{
        int r;

        r = same_mm(sh->ref, pid);
        if (r > 0)
                return KILL_OUTSIDE; /* exec'd since: it has an mm of its own now */
        if (r < 0)
                return kill_classify_errno(r);
        r = sharer_has_mm(sh, pid);
        if (r != 0)
                return r;
        r = kill_check_scope(sh->c, pid);
        return r < 0 ? kill_classify_errno(r) : r;
}

static int sharer_cb(pid_t pid, void *userdata)
{
        struct sharers *sh = userdata;
        struct kill_ctx *c = sh->c;
        struct kill_target *t;
        int r;

        /* init is spared, as the kernel spares it (it then gives up reaping: release says EINVAL) */
        if (pid == c->req->victim->pid || pid == c->self || pid <= 1)
                return 0;
        r = same_mm(sh->ref, pid);
        if (r == -EPERM || r == -EACCES) {
                if (c->op->sharers_error == 0)
                        c->op->sharers_error = r; /* a process we may not look at: it could share */
                return 0;
        }
        if (r != 0)
                return 0;
        /* no mm of its own: equal only to a victim that exited meanwhile, not a sharer */
        if (sharer_has_mm(sh, pid) != 0)
                return 0;
        /* listed twice (a walk meets a migrating process twice); the unit's listing, after this,
         * passes over the sharers among its members */
        if (kill_seen(c, pid))
                return 0;
        t = target_add(c, pid);
        if (!t)
                return 0;
        t->mm_sharer = true;
        /* pidfd first, then the checks, as for members: a recycled PID is never signalled */
        r = target_open(c, t);
        if (r == 0)
                r = sharer_check(sh, pid);
        if (r != 0) {
                t->result = r;
                target_close(t);
        }
        return 0;
}

/* The scope's cgroup tree through the reaper's walk buffer; 1 if it could not be walked whole. */
static int walk_scope(struct sharers *sh)
{
        const struct kill_request *req = sh->c->req;
        struct cgroup_walk w = {.buf = sh->c->r->walk, .fn = sharer_cb, .userdata = sh};
        char dir[PATH_MAX];
        _cleanup_(closep) int fd = -1;
        int r;

        if (!req->roots || !req->roots->v2[0] ||
            cgroup_path_join(dir, sizeof(dir), req->roots->v2, req->scope, NULL) < 0)
                return 1;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 1;
        r = cgroup_walk_procs(fd, &w);
        if (r < 0)
                return r;
        return w.truncated || w.error < 0 ? 1 : 0;
}

int kill_list_mm_sharers(struct kill_ctx *c)
{
        const struct kill_target *victim = &c->r->targets[0];
        struct sharers sh = {.c = c, .ref = c->req->victim->pid};
        struct proc_stat st;
        int r;

        /* A leader that exited has no mm of its own: compare through a live thread's. */
        r = proc_read_stat(c->req->proc_dirfd, sh.ref, &st);
        if (r == 0 && st.state == 'Z')
                r = proc_find_live_thread(c->req->proc_dirfd, sh.ref, &sh.ref);
        if (r < 0)
                return kill_gone(r); /* -ESRCH: gone; anything else is the caller's to report */
        r = same_mm(sh.ref, sh.ref);
        if (r == -ESRCH)
                return -ESRCH;
        if (r < 0) {
                /* -ENOSYS: a kernel without kcmp (CONFIG_KCMP); -EPERM: no ptrace access to the victim */
                c->op->sharers_error = r;
                return 0;
        }
        r = c->req->scope ? walk_scope(&sh) : 1;
        if (r > 0)
                r = proc_for_each_pid(c->req->proc_dirfd, c->r->proc_dents, PROC_DENTS_SIZE, sharer_cb, &sh);
        if (r < 0 && c->op->sharers_error == 0)
                c->op->sharers_error = r;
        /*
         * kcmp() names tasks by PID: had the victim died and its PID been reused during the walk,
         * the sharers found would be another's. Its pidfd, open since before, says whether it died.
         */
        if (victim->pidfd >= 0 && poll(&(struct pollfd){.fd = victim->pidfd, .events = POLLIN}, 1, 0) > 0)
                return -ESRCH;
        return 0;
}
