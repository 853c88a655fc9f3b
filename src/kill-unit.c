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

/* 0 if @pid is (still) in the unit, KILL_OUTSIDE if not, else why it cannot be told (KILL_GONE, -errno). */
static int member_check(struct kill_ctx *c, pid_t pid)
{
        char path[PATH_MAX];
        struct proc_stat st;
        int r;

        if (c->req->unit == KILL_UNIT_PROCESS_GROUP) {
                r = proc_read_stat(c->req->proc_dirfd, pid, &st);
                if (r < 0)
                        return kill_classify_errno(kill_gone(r));
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
 * A member of a group or cgroup unit: pidfd first, then membership and oom_score_adj, so what
 * we read is about the process the pidfd pins (if it died and the PID was reused in between,
 * the SIGKILL through the pidfd fails with ESRCH instead of hitting the newcomer).
 */
static void add_member(struct kill_ctx *c, pid_t pid)
{
        struct kill_target *t;
        int adj = 0, r;

        /* Never ourselves (a cgroup unit may hold the daemon) and never init. */
        if (pid == c->req->victim->pid || pid == c->self || pid <= 1)
                return;
        if (c->rescan)
                for (size_t i = 0; i < c->r->n_targets; i++)
                        if (c->r->targets[i].pid == pid)
                                return;
        t = target_add(c, pid);
        if (!t)
                return;
        r = target_open(c, t);
        if (r != 0) {
                t->result = r;
                return;
        }
        r = member_check(c, pid);
        if (r == 0) {
                r = proc_read_oom_score_adj(c->req->proc_dirfd, pid, &adj);
                if (r < 0)
                        r = kill_classify_errno(kill_gone(r));
                else if (adj <= OOM_SCORE_ADJ_MIN)
                        r = KILL_PROTECTED;
        }
        if (r != 0) {
                t->result = r;
                target_close(t);
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

/*
 * Members of the victim's cgroup (and its subtree), and whether to write cgroup.kill. The
 * unit is the cgroup2 path when cgroup2 is mounted, else the v1 memory one. Refuses the root
 * cgroup: that unit is the whole machine.
 */
static int list_cgroup(struct kill_ctx *c, bool *ret_cgroup_kill)
{
        const struct cgroup_roots *roots = c->req->roots;
        char dir[PATH_MAX], self_cg[PATH_MAX];
        struct cgroup_walk w = {.buf = c->r->walk, .fn = cgroup_member, .userdata = c};
        _cleanup_(closep) int fd = -1;
        const char *root;
        bool self_inside = true;
        int r;

        if (!roots)
                return -EINVAL;
        c->unit_v1 = roots->v2[0] == '\0';
        root = c->unit_v1 ? roots->v1_memory : roots->v2;
        if (root[0] == '\0')
                return -EOPNOTSUPP;
        /* A second pass lists the unit of the first: the victim may be gone by then. */
        if (!c->rescan) {
                r = kill_read_cgroup(c, c->req->victim->pid, c->unit_path, sizeof(c->unit_path));
                if (r < 0)
                        return r == -ENOENT ? -EOPNOTSUPP : r;
                if (c->unit_path[strspn(c->unit_path, "/")] == '\0')
                        return -EINVAL;
        }
        r = cgroup_path_join(dir, sizeof(dir), root, c->unit_path, NULL);
        if (r < 0)
                return r;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (!c->rescan) {
                if (kill_read_cgroup(c, c->self, self_cg, sizeof(self_cg)) == 0)
                        self_inside = cgroup_is_descendant(self_cg, c->unit_path);
                *ret_cgroup_kill = !c->unit_v1 && roots->v2_has_memory && !self_inside &&
                                   faccessat(fd, "cgroup.kill", W_OK, 0) == 0;
        }
        r = cgroup_walk_procs(fd, &w);
        if (r < 0)
                return r;
        /* too deep or unreadable somewhere: members may be missing, as when there are too many */
        if (w.truncated || w.error < 0)
                c->op->truncated = true;
        if (!c->rescan)
                c->op->cgroup_kill = *ret_cgroup_kill;
        return 0;
}

int kill_list_unit(struct kill_ctx *c, bool *ret_cgroup_kill)
{
        switch (c->req->unit) {
        case KILL_UNIT_PROCESS_GROUP:
                return proc_for_each_pid(c->req->proc_dirfd, c->r->proc_dents, PROC_DENTS_SIZE, pgid_member,
                                         c);
        case KILL_UNIT_CGROUP:
                return list_cgroup(c, ret_cgroup_kill);
        default:
                return 0;
        }
}
