/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kill-unit.c - the members of a victim's unit: its process group from /proc, its cgroup subtree */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "reaper-internal.h"

int kill_read_cgroup(const struct kill_ctx *c, pid_t pid, char *ret, size_t size)
{
        int r = c->unit_v1 ? proc_read_cgroup(c->req->proc_dirfd, pid, NULL, 0, ret, size)
                           : proc_read_cgroup(c->req->proc_dirfd, pid, ret, size, NULL, 0);

        if (r < 0)
                return kill_gone(r);
        return ret[0] ? 0 : -ENOENT;
}

int kill_check_scope(const struct kill_ctx *c, pid_t pid)
{
        char path[PATH_MAX];
        int r;

        if (!c->req->scope)
                return 0;
        r = proc_read_cgroup(c->req->proc_dirfd, pid, path, sizeof(path), NULL, 0);
        if (r < 0)
                return kill_gone(r);
        return path[0] && cgroup_is_descendant(path, c->req->scope) ? 0 : KILL_OUTSIDE;
}

/*
 * 0 if @pid is (still) in the unit, KILL_OUTSIDE if not, else why it cannot be told (KILL_GONE,
 * -errno). A kernel thread is in no unit: the kernel's OOM killer never takes one, and a cgroup
 * or process group of the host may list some.
 */
static int member_check(struct kill_ctx *c, pid_t pid)
{
        char path[PATH_MAX];
        struct proc_stat st;
        int r;

        r = proc_read_stat(c->req->proc_dirfd, pid, &st);
        if (r < 0)
                return kill_classify_errno(kill_gone(r));
        if (st.flags & PROC_PF_KTHREAD)
                return KILL_OUTSIDE;
        if (c->req->unit == KILL_UNIT_PROCESS_GROUP) {
                if (st.pgid != c->pgid)
                        return KILL_OUTSIDE;
                /* a process group reaches across cgroups: a scoped reapd kills only inside */
                r = kill_check_scope(c, pid);
                return r < 0 ? kill_classify_errno(r) : r;
        }
        r = kill_read_cgroup(c, pid, path, sizeof(path));
        if (r == -ENOENT)
                return KILL_OUTSIDE;
        if (r < 0)
                return kill_classify_errno(r);
        return cgroup_is_descendant(path, c->unit_path) ? 0 : KILL_OUTSIDE;
}

/*
 * Out of open files (a unit of thousands under a low RLIMIT_NOFILE, or fds the daemon holds
 * elsewhere): hold no more, and give up the pidfd of a member already signalled, whose release
 * is then left to its exit. False if there is none to give up.
 */
static bool drop_one_held(struct kill_ctx *c)
{
        c->held_max = c->n_held;
        for (size_t i = c->r->n_targets; i-- > 1;) {
                struct kill_target *t = &c->r->targets[i];

                if (t->pidfd >= 0 && t->result == 0) {
                        target_close(t);
                        /* cgroup.kill's members: counted once, at the end (cgroup_kill_unit()) */
                        if (!t->by_cgroup_kill)
                                c->op->n_unheld++;
                        c->n_held--;
                        return true;
                }
        }
        return false;
}

/* A member's outcome, in the op's counts of members not kept in the targets. */
static void count_unheld(struct kill_ctx *c, int result)
{
        if (result == 0) {
                c->op->n_signalled++;
                c->op->n_unheld++;
        } else if (result == KILL_PROTECTED) {
                c->op->n_protected++;
        } else if (result < 0) {
                c->op->n_failed++;
        }
}

/*
 * A member of a group or cgroup unit: pidfd first, then membership and oom_score_adj, so what
 * we read is about the process the pidfd pins (if it died and the PID was reused in between,
 * the SIGKILL through the pidfd fails with ESRCH instead of hitting the newcomer). Kept in the
 * targets, its pidfd open for the release, while the budget lasts; else done with at once.
 */
static void add_member(struct kill_ctx *c, pid_t pid)
{
        struct kill_target scratch, *t = NULL;
        int adj = 0, r;

        /* Never ourselves (a cgroup unit may hold the daemon) and never init. */
        if (pid == c->req->victim->pid || pid == c->self || pid <= 1)
                return;
        if (kill_seen(c, pid))
                return;
        c->n_listed++;
        /* a dry run keeps no pidfd open, but the targets say what it would do to whom */
        if (c->mode == LIST_CHECK || c->n_held < c->held_max)
                t = target_add(c, pid);
        if (!t) {
                scratch = (struct kill_target){
                        .pid = pid, .pidfd = -1, .result = KILL_PENDING, .release = KILL_RELEASE_SKIPPED};
                t = &scratch;
        }
        r = target_open(c, t);
        if (r == -EMFILE || r == -ENFILE) {
                if (t != &scratch) {
                        /* the array slot goes back: this member is done with at once */
                        c->r->n_targets--;
                        scratch = *t;
                        t = &scratch;
                }
                r = drop_one_held(c) ? target_open(c, t) : r;
        }
        if (r == 0)
                r = member_check(c, pid);
        if (r == 0 && c->mode != LIST_KILLED) {
                r = proc_read_oom_score_adj(c->req->proc_dirfd, pid, &adj);
                if (r < 0)
                        r = kill_classify_errno(kill_gone(r));
                else if (adj <= OOM_SCORE_ADJ_MIN)
                        r = KILL_PROTECTED;
        }
        if (r == 0)
                r = c->mode == LIST_SIGNAL ? target_signal(t) : c->mode == LIST_CHECK ? KILL_DRY_RUN : 0;
        t->result = r;
        t->by_cgroup_kill = c->mode == LIST_KILLED;
        if (t == &scratch || r != 0) {
                target_close(t);
                /* cgroup.kill's members are counted before its write (kill_count_unit()) */
                if (t == &scratch && c->mode != LIST_KILLED)
                        count_unheld(c, r);
        } else {
                c->n_held++;
        }
}

static int pgid_member(pid_t pid, void *userdata)
{
        struct kill_ctx *c = userdata;
        struct proc_stat st;

        /* A cheap filter before opening a pidfd; add_member() checks again after. */
        if (pid != c->req->victim->pid && proc_read_stat(c->req->proc_dirfd, pid, &st) == 0 &&
            st.pgid == c->pgid)
                add_member(c, pid);
        return 0;
}

static int cgroup_member(pid_t pid, void *userdata)
{
        add_member(userdata, pid);
        return 0;
}

/* The unit's cgroup directory, opened. */
static int open_unit(const struct kill_ctx *c)
{
        const struct cgroup_roots *roots = c->req->roots;
        char dir[PATH_MAX];
        int fd, r;

        r = cgroup_path_join(dir, sizeof(dir), c->unit_v1 ? roots->v1_memory : roots->v2, c->unit_path,
                             NULL);
        if (r < 0)
                return r;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/*
 * The victim's cgroup, and whether to write its cgroup.kill: whenever the file is there (Linux
 * 5.14), on a hybrid host's cgroup2 tree too, unless the daemon is inside (it would kill itself).
 * The unit is the cgroup2 path when cgroup2 is mounted, else the v1 memory one (v1 has no
 * cgroup.kill). Refuses the root cgroup: that unit is the whole machine.
 */
static int prepare_cgroup(struct kill_ctx *c, bool *ret_cgroup_kill)
{
        const struct cgroup_roots *roots = c->req->roots;
        char self_cg[PATH_MAX];
        _cleanup_(closep) int fd = -1;
        bool self_inside = true;
        int r;

        if (!roots)
                return -EINVAL;
        c->unit_v1 = roots->v2[0] == '\0';
        if ((c->unit_v1 ? roots->v1_memory : roots->v2)[0] == '\0')
                return -EOPNOTSUPP;
        r = kill_read_cgroup(c, c->req->victim->pid, c->unit_path, sizeof(c->unit_path));
        if (r < 0)
                return r == -ENOENT ? -EOPNOTSUPP : r;
        if (c->unit_path[strspn(c->unit_path, "/")] == '\0')
                return -EINVAL;
        fd = open_unit(c);
        if (fd < 0)
                return fd;
        if (kill_read_cgroup(c, c->self, self_cg, sizeof(self_cg)) == 0)
                self_inside = cgroup_is_descendant(self_cg, c->unit_path);
        *ret_cgroup_kill = !c->unit_v1 && !self_inside && faccessat(fd, "cgroup.kill", W_OK, 0) == 0;
        return 0;
}

int kill_prepare_unit(struct kill_ctx *c, bool *ret_cgroup_kill)
{
        *ret_cgroup_kill = false;
        switch (c->req->unit) {
        case KILL_UNIT_PROCESS_GROUP:
                /* 0: no group (a kernel thread's); 1: init's, which daemons started without setsid() share */
                return c->pgid <= 1 ? -EINVAL : 0;
        case KILL_UNIT_CGROUP:
                return prepare_cgroup(c, ret_cgroup_kill);
        default:
                return 0;
        }
}

static int walk_unit(struct kill_ctx *c, int (*fn)(pid_t pid, void *userdata), void *userdata)
{
        struct cgroup_walk w = {.buf = c->r->walk, .fn = fn, .userdata = userdata};
        _cleanup_(closep) int fd = open_unit(c);
        int r;

        if (fd < 0)
                return fd;
        r = cgroup_walk_procs(fd, &w);
        if (r < 0)
                return r;
        /* too deep or unreadable somewhere: members may be missing */
        if (w.truncated || w.error < 0)
                c->op->truncated = true;
        return 0;
}

int kill_list_unit(struct kill_ctx *c)
{
        switch (c->req->unit) {
        case KILL_UNIT_PROCESS_GROUP:
                return proc_for_each_pid(c->req->proc_dirfd, c->r->proc_dents, PROC_DENTS_SIZE, pgid_member,
                                         c);
        case KILL_UNIT_CGROUP:
                return walk_unit(c, cgroup_member, c);
        default:
                return 0;
        }
}

struct counter {
        struct kill_ctx *c;
        size_t n;
        bool alive_only; /* not exited: zombies and exiting tasks are not counted */
};

static int count_member(pid_t pid, void *userdata)
{
        struct counter *k = userdata;
        struct proc_stat st;

        if (pid == k->c->self || pid == k->c->req->victim->pid)
                return 0;
        if (!k->alive_only) {
                /* the victim's sharers are counted as signalled already */
                if (!kill_seen_test(k->c, pid))
                        k->n++;
                return 0;
        }
        /* exited, or on its way out (PF_EXITING: its memory is being freed) */
        if (proc_read_stat(k->c->req->proc_dirfd, pid, &st) < 0 || proc_stat_dying(&st) ||
            (st.flags & PROC_PF_KTHREAD))
                return 0;
        if (k->c->req->unit == KILL_UNIT_PROCESS_GROUP &&
            (st.pgid != k->c->pgid || kill_check_scope(k->c, pid) != 0))
                return 0;
        k->n++;
        return 0;
}

size_t kill_count_unit(struct kill_ctx *c)
{
        struct counter k = {.c = c};

        (void)walk_unit(c, count_member, &k);
        return k.n;
}

long kill_count_alive(struct reaper *r, const struct kill_request *req, const struct kill_op *op)
{
        struct kill_ctx c = {.r = r, .req = req, .self = getpid(), .pgid = op->pgid, .unit_v1 = op->unit_v1};
        struct kill_op scratch = {0};
        struct counter k = {.c = &c, .alive_only = true};
        int e;

        if (!r || !req || !req->victim)
                return -EINVAL;
        c.op = &scratch;
        switch (op->unit) {
        case KILL_UNIT_PROCESS_GROUP:
                if (op->pgid <= 1)
                        return 0;
                e = proc_for_each_pid(req->proc_dirfd, r->proc_dents, PROC_DENTS_SIZE, count_member, &k);
                break;
        case KILL_UNIT_CGROUP:
                if (!op->unit_path[0] || !req->roots)
                        return 0;
                strlcpy0(c.unit_path, op->unit_path, sizeof(c.unit_path));
                e = walk_unit(&c, count_member, &k);
                break;
        default:
                return 0;
        }
        if (e < 0)
                return e;
        /* the victim itself, which the listing passes over */
        if (op->n_signalled > 0) {
                struct proc_stat st;

                if (proc_read_stat(req->proc_dirfd, op->pid, &st) == 0 && !proc_stat_dying(&st))
                        k.n++;
        }
        return (long)k.n;
}
