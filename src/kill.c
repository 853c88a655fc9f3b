/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kill.c - pidfd-checked SIGKILL of the victim's unit (process, process group or cgroup) */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "reaper-internal.h"

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

/* Internal kill_target.result while kill_start() runs: checked, not yet signalled. */
#define KILL_PENDING 100

/* /proc/<pid>/stat is under 400 bytes (comm is at most 15 chars); status and cgroup fit 4 KiB. */
#define STAT_BUF_SIZE 1024
#define STATUS_BUF_SIZE 4096
#define CGROUP_BUF_SIZE 4096

/* The kernel's OOM_SCORE_ADJ_MIN: the admin said "never kill this". */
#define OOM_SCORE_ADJ_MIN (-1000)

struct kill_ctx {
        struct reaper *r;
        const struct kill_request *req;
        struct kill_op *op;
        pid_t self;
        pid_t pgid; /* KILL_UNIT_PROCESS_GROUP */
        const char *unit_cgroup; /* KILL_UNIT_CGROUP: relative path of the unit (in unit_path) */
        bool unit_v1; /* membership read from the v1 memory line of /proc/<pid>/cgroup */
        bool rescan; /* listing the unit again: members already listed are skipped */
        char unit_path[PATH_MAX]; /* KILL_UNIT_CGROUP: the victim's cgroup, read before its SIGKILL */
};

/* Passes over the unit after its SIGKILLs, for members forked meanwhile (see rescan_unit()). */
#define KILL_RESCAN_ROUNDS 4

static int sys_pidfd_open(pid_t pid)
{
        return (int)syscall(__NR_pidfd_open, pid, 0);
}

static int sys_pidfd_send_signal(int pidfd, int sig)
{
        return (int)syscall(__NR_pidfd_send_signal, pidfd, sig, NULL, 0);
}

void victim_from_proc(struct victim *v, const struct snapshot *s, const struct proc_info *p)
{
        memset(v, 0, sizeof(*v));
        v->pid = p->pid;
        v->pgid = p->pgid;
        v->uid = p->uid;
        v->starttime = p->starttime;
        v->oom_score_adj = p->oom_score_adj;
        v->rss_kb = p->rss_kb;
        v->swap_kb = p->swap_kb;
        v->pgtables_kb = p->pgtables_kb;
        strlcpy0(v->comm, p->comm, sizeof(v->comm));
        strlcpy0(v->cgroup, snapshot_str(s, p->cgroup), sizeof(v->cgroup));
}

const char *kill_result_to_string(int result)
{
        switch (result) {
        case 0:
                return "killed";
        case KILL_GONE:
                return "gone";
        case KILL_REUSED:
                return "reused";
        case KILL_PROTECTED:
                return "protected";
        case KILL_DRY_RUN:
                return "dry-run";
        case KILL_OUTSIDE:
                return "outside";
        default:
                return NULL;
        }
}

int kill_classify_errno(int err)
{
        if (err < 0)
                err = -err;
        if (err == ESRCH)
                return KILL_GONE;
        return err > 0 ? -err : -EIO;
}

static const char *skip_field(const char *s)
{
        while (*s == ' ')
                s++;
        while (*s && *s != ' ')
                s++;
        return s;
}

static int parse_ull(const char *s, const char **end, unsigned long long *ret)
{
        unsigned long long v = 0;

        while (*s == ' ')
                s++;
        if (*s < '0' || *s > '9')
                return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
                if (v > (ULLONG_MAX - 9) / 10)
                        return -EINVAL;
                v = v * 10 + (unsigned long long)(*s - '0');
        }
        if (end)
                *end = s;
        *ret = v;
        return 0;
}

/* A number must fill its stat field: "12x" is not 12, and must not shift the fields after it. */
static bool field_end(char c)
{
        return c == ' ' || c == '\n' || c == '\0';
}

int kill_parse_stat(const char *buf, pid_t *ret_pgid, uint64_t *ret_starttime)
{
        unsigned long long pgid, start;
        const char *s;

        /* comm is "(...)" and may itself hold ") ": the last ')' ends it. */
        s = buf ? strrchr(buf, ')') : NULL;
        if (!s)
                return -EINVAL;
        s++;
        s = skip_field(skip_field(s)); /* 3 state, 4 ppid */
        if (parse_ull(s, &s, &pgid) < 0 || pgid > INT_MAX || !field_end(*s)) /* 5 pgrp */
                return -EINVAL;
        for (int field = 6; field < 22; field++)
                s = skip_field(s);
        if (parse_ull(s, &s, &start) < 0 || !field_end(*s)) /* 22 starttime */
                return -EINVAL;
        if (ret_pgid)
                *ret_pgid = (pid_t)pgid;
        if (ret_starttime)
                *ret_starttime = start;
        return 0;
}

int kill_parse_status_uid(const char *buf, uid_t *ret)
{
        unsigned long long uid;
        const char *s;

        if (!buf)
                return -EINVAL;
        if (strncmp(buf, "Uid:", 4) == 0)
                s = buf;
        else {
                s = strstr(buf, "\nUid:");
                if (!s)
                        return -EINVAL;
                s++;
        }
        s += 4;
        while (*s == '\t' || *s == ' ')
                s++;
        if (parse_ull(s, NULL, &uid) < 0 || uid > UINT_MAX)
                return -EINVAL;
        *ret = (uid_t)uid;
        return 0;
}

/* /proc lookups of a process that is gone give ENOENT (or ESRCH mid-exit): both mean gone. */
static ssize_t read_proc(int proc_dirfd, pid_t pid, const char *file, char *buf, size_t size)
{
        char path[32];
        ssize_t n;

        snprintf(path, sizeof(path), "%d/%s", (int)pid, file);
        n = read_file_at(proc_dirfd, path, buf, size);
        if (n == -ENOENT)
                return -ESRCH;
        if (n == 0 && strcmp(file, "cgroup") != 0)
                return -ESRCH; /* a zombie's or a dying process's files can read empty */
        return n;
}

static int read_adj(int proc_dirfd, pid_t pid, int *ret)
{
        char buf[32];
        ssize_t n;

        n = read_proc(proc_dirfd, pid, "oom_score_adj", buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        return parse_int(buf, ret) < 0 ? -EINVAL : 0;
}

int kill_identity_read(int proc_dirfd, pid_t pid, struct kill_identity *ret)
{
        char stat[STAT_BUF_SIZE], status[STATUS_BUF_SIZE];
        struct kill_identity id;
        const char *state;
        ssize_t n;
        int r;

        n = read_proc(proc_dirfd, pid, "stat", stat, sizeof(stat));
        if (n < 0)
                return (int)n;
        /*
         * A zombie (Z) or dead (X) task has exited: its memory is freed or being freed, and a
         * dead one's stat shows pgrp -1, which would not parse. Both are gone.
         */
        state = strrchr(stat, ')');
        if (state && state[1] == ' ' && (state[2] == 'Z' || state[2] == 'X' || state[2] == 'x'))
                return -ESRCH;
        if (kill_parse_stat(stat, &id.pgid, &id.starttime) < 0)
                return -EINVAL;
        n = read_proc(proc_dirfd, pid, "status", status, sizeof(status));
        if (n < 0)
                return (int)n;
        if (kill_parse_status_uid(status, &id.uid) < 0)
                return -EINVAL;
        r = read_adj(proc_dirfd, pid, &id.oom_score_adj);
        if (r < 0)
                return r;
        *ret = id;
        return 0;
}

int kill_identity_check(const struct victim *v, const struct kill_identity *now)
{
        if (v->starttime != now->starttime || v->uid != now->uid)
                return KILL_REUSED;
        if (now->oom_score_adj <= OOM_SCORE_ADJ_MIN)
                return KILL_PROTECTED;
        return 0;
}

static int read_cgroup_of(const struct kill_ctx *c, pid_t pid, char *ret, size_t size)
{
        char buf[CGROUP_BUF_SIZE];
        ssize_t n;
        int r;

        n = read_proc(c->req->proc_dirfd, pid, "cgroup", buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        r = c->unit_v1 ? cgroup_parse_proc_cgroup(buf, NULL, 0, ret, size)
                       : cgroup_parse_proc_cgroup(buf, ret, size, NULL, 0);
        if (r < 0)
                return r;
        return ret[0] ? 0 : -ENOENT;
}

/* With a scope: 0 if @pid is inside it (its cgroup2 path), KILL_OUTSIDE if not, or -errno. */
static int check_scope(const struct kill_ctx *c, pid_t pid)
{
        char buf[CGROUP_BUF_SIZE], path[PATH_MAX];
        ssize_t n;
        int r;

        if (!c->req->scope)
                return 0;
        n = read_proc(c->req->proc_dirfd, pid, "cgroup", buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        r = cgroup_parse_proc_cgroup(buf, path, sizeof(path), NULL, 0);
        if (r < 0)
                return r;
        return path[0] && cgroup_is_descendant(path, c->req->scope) ? 0 : KILL_OUTSIDE;
}

static struct kill_target *target_add(struct kill_ctx *c, pid_t pid)
{
        struct kill_target *t;

        if (c->r->n_targets >= KILL_MAX_PIDS) {
                c->op->truncated = true;
                return NULL;
        }
        t = &c->r->targets[c->r->n_targets++];
        *t = (struct kill_target){
                .pid = pid, .pidfd = -1, .result = KILL_PENDING, .release = KILL_RELEASE_SKIPPED};
        return t;
}

static void target_close(struct kill_target *t)
{
        if (t->pidfd >= 0)
                close(t->pidfd);
        t->pidfd = -1;
}

/* Open a pidfd, or note that the kernel has none (then identity checks are racy, kill(2) is used). */
static int target_open(struct kill_ctx *c, struct kill_target *t)
{
        if (c->r->pidfd_enosys)
                return 0;
        t->pidfd = sys_pidfd_open(t->pid);
        if (t->pidfd >= 0)
                return 0;
        if (errno == ENOSYS) {
                c->r->pidfd_enosys = true;
                return 0;
        }
        return kill_classify_errno(errno);
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
        if (c->req->unit == KILL_UNIT_PROCESS_GROUP) {
                char stat[STAT_BUF_SIZE];
                pid_t pgid;
                ssize_t n = read_proc(c->req->proc_dirfd, pid, "stat", stat, sizeof(stat));

                if (n < 0)
                        r = kill_classify_errno((int)n);
                else if (kill_parse_stat(stat, &pgid, NULL) < 0)
                        r = -EINVAL;
                else if (pgid != c->pgid)
                        r = KILL_OUTSIDE;
                else
                        r = check_scope(c, pid);
                if (r < 0)
                        r = kill_classify_errno(r);
        } else {
                char path[PATH_MAX];

                r = read_cgroup_of(c, pid, path, sizeof(path));
                if (r < 0)
                        r = r == -ENOENT ? KILL_OUTSIDE : kill_classify_errno(r);
                else if (!cgroup_is_descendant(path, c->unit_cgroup))
                        r = KILL_OUTSIDE;
        }
        if (r == 0) {
                r = read_adj(c->req->proc_dirfd, pid, &adj);
                if (r < 0)
                        r = kill_classify_errno(r);
                else if (adj <= OOM_SCORE_ADJ_MIN)
                        r = KILL_PROTECTED;
        }
        if (r != 0) {
                t->result = r;
                target_close(t);
        }
}

static bool parse_pid_name(const char *s, pid_t *ret)
{
        unsigned long long v;
        const char *end;

        if (parse_ull(s, &end, &v) < 0 || *end != '\0' || v == 0 || v > INT_MAX)
                return false;
        *ret = (pid_t)v;
        return true;
}

/* Every process of process group c->pgid, found by walking /proc without allocating. */
static int scan_pgid(struct kill_ctx *c)
{
        _cleanup_(closep) int fd = -1;
        char *buf = c->r->dents;

        fd = openat(c->req->proc_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n = getdents64(fd, buf, REAPER_DENTS_SIZE);

                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                for (ssize_t off = 0; off < n;) {
                        struct dirent64 *d = (struct dirent64 *)(buf + off);
                        char stat[STAT_BUF_SIZE];
                        pid_t pid, pgid;

                        off += d->d_reclen;
                        if (!parse_pid_name(d->d_name, &pid) || pid == c->req->victim->pid)
                                continue;
                        /* Cheap filter before opening a pidfd; add_member() re-checks after. */
                        if (read_proc(c->req->proc_dirfd, pid, "stat", stat, sizeof(stat)) < 0 ||
                            kill_parse_stat(stat, &pgid, NULL) < 0 || pgid != c->pgid)
                                continue;
                        add_member(c, pid);
                }
        }
}

/* The pids listed in @dirfd's cgroup.procs, read in fixed chunks. */
static int read_cgroup_procs(struct kill_ctx *c, int dirfd)
{
        _cleanup_(closep) int fd = -1;
        unsigned long long cur = 0;
        bool in_number = false;

        fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n = read_retry(fd, c->r->procs_chunk, REAPER_PROCS_CHUNK);

                if (n < 0)
                        return (int)n;
                for (ssize_t i = 0; i < n; i++) {
                        char ch = c->r->procs_chunk[i];

                        if (ch >= '0' && ch <= '9') {
                                cur = cur * 10 + (unsigned long long)(ch - '0');
                                in_number = cur <= INT_MAX;
                                continue;
                        }
                        if (in_number)
                                add_member(c, (pid_t)cur);
                        cur = 0;
                        in_number = false;
                }
                if (n == 0) {
                        if (in_number)
                                add_member(c, (pid_t)cur);
                        return 0;
                }
        }
}

static int walk_cgroup(struct kill_ctx *c, int dirfd, unsigned depth)
{
        char *buf = c->r->dents + (size_t)depth * REAPER_DENTS_SIZE;
        int r;

        r = read_cgroup_procs(c, dirfd);
        if (r < 0)
                return r;
        if (depth + 1 >= REAPER_CGROUP_MAX_DEPTH) {
                c->op->truncated = true;
                return 0;
        }
        for (;;) {
                ssize_t n = getdents64(dirfd, buf, REAPER_DENTS_SIZE);

                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                for (ssize_t off = 0; off < n;) {
                        struct dirent64 *d = (struct dirent64 *)(buf + off);
                        int sub;

                        off += d->d_reclen;
                        if (d->d_type != DT_DIR || streq(d->d_name, ".") || streq(d->d_name, ".."))
                                continue;
                        sub = openat(dirfd, d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (sub < 0)
                                continue; /* removed meanwhile: its processes went with it */
                        (void)walk_cgroup(c, sub, depth + 1);
                        close(sub);
                }
        }
}

/*
 * Members of the victim's cgroup (and its subtree), and whether to write cgroup.kill. The
 * unit is the cgroup2 path when cgroup2 is mounted, else the v1 memory one. Refuses the root
 * cgroup: that unit is the whole machine.
 */
static int collect_cgroup(struct kill_ctx *c, bool *ret_cgroup_kill)
{
        const struct cgroup_roots *roots = c->req->roots;
        char dir[PATH_MAX], self_cg[PATH_MAX];
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
                r = read_cgroup_of(c, c->req->victim->pid, c->unit_path, sizeof(c->unit_path));
                if (r < 0)
                        return r == -ENOENT ? -EOPNOTSUPP : r;
                if (!cgroup_is_descendant(c->unit_path, "/") || streq(c->unit_path, "/") ||
                    c->unit_path[0] == '\0')
                        return -EINVAL;
        }
        if (snprintf(dir, sizeof(dir), "%s%s", root, c->unit_path) >= (int)sizeof(dir))
                return -ENAMETOOLONG;
        c->unit_cgroup = c->unit_path;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (!c->rescan) {
                if (read_cgroup_of(c, c->self, self_cg, sizeof(self_cg)) == 0)
                        self_inside = cgroup_is_descendant(self_cg, c->unit_path);
                *ret_cgroup_kill = !c->unit_v1 && roots->v2_has_memory && !self_inside &&
                                   faccessat(fd, "cgroup.kill", W_OK, 0) == 0;
        }
        r = walk_cgroup(c, fd, 0);
        if (r < 0)
                return r;
        if (!c->rescan)
                c->op->cgroup_kill = *ret_cgroup_kill;
        return 0;
}

static int cgroup_kill_write(const struct kill_ctx *c)
{
        const struct cgroup_roots *roots = c->req->roots;
        char unit[PATH_MAX], path[PATH_MAX];
        int r;

        r = read_cgroup_of(c, c->req->victim->pid, unit, sizeof(unit));
        if (r < 0)
                return r;
        if (streq(unit, "/") ||
            snprintf(path, sizeof(path), "%s%s/cgroup.kill", roots->v2, unit) >= (int)sizeof(path))
                return -EINVAL;
        return write_file_at(AT_FDCWD, path, "1");
}

static int signal_target(struct kill_target *t)
{
        int r = t->pidfd >= 0 ? sys_pidfd_send_signal(t->pidfd, SIGKILL) : kill(t->pid, SIGKILL);

        return r < 0 ? kill_classify_errno(errno) : 0;
}

static void targets_close(struct reaper *r)
{
        for (size_t i = 0; i < r->n_targets; i++)
                target_close(&r->targets[i]);
}

/* Nothing was signalled and the op is not handed out: give the reaper back. */
static int abort_kill(struct reaper *r, int error)
{
        targets_close(r);
        r->n_targets = 0;
        atomic_store(&r->state, REAPER_IDLE);
        return error;
}

/* An outcome without a signal: the op is handed out (for the record) with its pidfds closed. */
static int finish_unsignalled(struct kill_ctx *c, int result)
{
        for (size_t i = 0; i < c->r->n_targets; i++)
                if (c->r->targets[i].result == KILL_PENDING)
                        c->r->targets[i].result = result;
        targets_close(c->r);
        c->op->n_targets = c->r->n_targets;
        return result;
}

static void count_targets(struct kill_op *op)
{
        op->n_signalled = op->n_failed = 0;
        for (size_t i = 0; i < op->n_targets; i++) {
                if (op->targets[i].result == 0)
                        op->n_signalled++;
                else if (op->targets[i].result < 0)
                        op->n_failed++;
        }
}

/* SIGKILL every target from @from on that is still pending. */
static void signal_pending_targets(struct kill_ctx *c, size_t from)
{
        for (size_t i = from; i < c->r->n_targets; i++) {
                struct kill_target *t = &c->r->targets[i];

                if (t->result != KILL_PENDING)
                        continue;
                t->result = signal_target(t);
                if (t->result != 0)
                        target_close(t);
        }
}

/*
 * A member that forked after the unit was listed and before its own SIGKILL has a child nobody
 * listed (kill(-pgid) would be atomic, but cannot be aimed through pidfds). List the unit
 * again and kill who is new, until a pass finds nobody: a process with SIGKILL pending cannot
 * fork, so each pass can only find the children of the pass before. cgroup.kill is atomic and
 * needs none of this.
 */
static void rescan_unit(struct kill_ctx *c)
{
        bool unused;

        c->rescan = true;
        for (unsigned round = 0; round < KILL_RESCAN_ROUNDS; round++) {
                size_t before = c->r->n_targets;
                int e = c->req->unit == KILL_UNIT_PROCESS_GROUP ? scan_pgid(c) : collect_cgroup(c, &unused);

                signal_pending_targets(c, before);
                c->op->n_late += c->r->n_targets - before;
                if (e < 0 || c->r->n_targets == before)
                        break;
        }
        c->rescan = false;
}

int kill_start(struct reaper *r, const struct kill_request *req, struct kill_op *op)
{
        struct kill_op o;
        struct kill_ctx c;
        struct kill_identity id;
        struct kill_target *t;
        bool use_cgroup_kill = false;
        int expected = REAPER_IDLE, e;

        if (!r || !req || !req->victim || !op || req->victim->pid <= 1 ||
            (unsigned)req->unit >= _KILL_UNIT_MAX)
                return -EINVAL;
        if (req->victim->pid == getpid())
                return -EINVAL; /* the snapshot flags PROC_SELF; this is the last line of defence */
        if (!atomic_compare_exchange_strong(&r->state, &expected, REAPER_HELD))
                return -EBUSY;

        o = (struct kill_op){
                .pid = req->victim->pid,
                .unit = req->unit,
                .dry_run = req->dry_run,
                .t_start = now_usec(CLOCK_MONOTONIC),
                .targets = r->targets,
                .reaper = r,
        };
        c = (struct kill_ctx){.r = r, .req = req, .op = &o, .self = getpid()};
        r->n_targets = 0;

        /* The victim: pidfd first, then identity, so a recycled PID is never signalled. */
        t = target_add(&c, req->victim->pid);
        e = target_open(&c, t);
        if (e < 0)
                return abort_kill(r, e);
        if (r->pidfd_enosys && !r->pidfd_warned) {
                r->pidfd_warned = true;
                o.warn_once |= KILL_WARN_NO_PIDFD;
        }
        if (e == 0) {
                e = kill_identity_read(req->proc_dirfd, t->pid, &id);
                if (e == -ESRCH)
                        e = KILL_GONE;
                else if (e < 0)
                        return abort_kill(r, e);
                else
                        e = kill_identity_check(req->victim, &id);
                /*
                 * Exited but not yet reaped (a zombie): /proc still shows the same identity, but
                 * its memory is already freed. KILL_GONE, or a group or cgroup unit would kill
                 * its members for memory that is no longer there. The pidfd polls readable from
                 * the moment the process exits.
                 */
                if (e == 0 && t->pidfd >= 0 &&
                    poll(&(struct pollfd){.fd = t->pidfd, .events = POLLIN}, 1, 0) > 0)
                        e = KILL_GONE;
                /* Chosen inside the scope, but it may have been moved out since. */
                if (e == 0) {
                        e = check_scope(&c, t->pid);
                        if (e == -ESRCH)
                                e = KILL_GONE;
                        else if (e < 0)
                                return abort_kill(r, e);
                }
        }
        if (e > 0) {
                e = finish_unsignalled(&c, e);
                *op = o;
                return e;
        }

        if (req->unit == KILL_UNIT_PROCESS_GROUP) {
                c.pgid = id.pgid;
                e = scan_pgid(&c);
        } else if (req->unit == KILL_UNIT_CGROUP) {
                e = collect_cgroup(&c, &use_cgroup_kill);
                if (e >= 0 && !use_cgroup_kill && !r->cgroup_kill_warned) {
                        r->cgroup_kill_warned = true;
                        o.warn_once |= KILL_WARN_NO_CGROUP_KILL;
                }
        }
        if (e == -ESRCH) {
                e = finish_unsignalled(&c, KILL_GONE);
                *op = o;
                return e;
        }
        if (e < 0)
                return abort_kill(r, e);

        if (req->dry_run) {
                e = finish_unsignalled(&c, KILL_DRY_RUN);
                count_targets(&o);
                *op = o;
                return KILL_DRY_RUN;
        }

        /* The victim first: if we may not signal it, nobody else is signalled either. */
        e = signal_target(&r->targets[0]);
        if (e < 0)
                return abort_kill(r, e);
        r->targets[0].result = e;
        if (e == KILL_GONE) {
                finish_unsignalled(&c, KILL_GONE);
                *op = o;
                return KILL_GONE;
        }
        if (use_cgroup_kill && cgroup_kill_write(&c) < 0)
                o.cgroup_kill = false; /* the per-pid signals below still cover the listed members */
        signal_pending_targets(&c, 1);
        if (req->unit == KILL_UNIT_PROCESS_GROUP || (req->unit == KILL_UNIT_CGROUP && !o.cgroup_kill))
                rescan_unit(&c);
        o.t_signal = now_usec(CLOCK_MONOTONIC);
        o.n_targets = r->n_targets;
        count_targets(&o);

        /* SIGKILL is queued for every member before any release: mrelease of a process whose mm
         * is shared with a process not yet killed fails with EINVAL. */
        if (req->release && !r->pidfd_enosys && !atomic_load(&r->mrelease_enosys)) {
                for (size_t i = 0; i < r->n_targets; i++)
                        if (r->targets[i].result == 0 && r->targets[i].pidfd >= 0)
                                r->targets[i].release = KILL_RELEASE_QUEUED;
                if (reaper_submit(r) == 0)
                        o.release_pending = true;
                else
                        atomic_store(&r->state, REAPER_HELD);
        } else if (req->release && atomic_load(&r->mrelease_enosys) && !r->mrelease_warned) {
                r->mrelease_warned = true;
                o.warn_once |= KILL_WARN_NO_MRELEASE;
        }
        *op = o;
        return 0;
}

int kill_op_pidfd(const struct kill_op *op)
{
        if (!op || !op->targets)
                return -1;
        for (size_t i = 0; i < op->n_targets; i++)
                if (op->targets[i].result == 0 && op->targets[i].pidfd >= 0)
                        return op->targets[i].pidfd;
        return -1;
}

size_t kill_op_alive(const struct kill_op *op)
{
        size_t alive = 0;

        if (!op || !op->targets)
                return 0;
        for (size_t i = 0; i < op->n_targets; i++) {
                const struct kill_target *t = &op->targets[i];
                struct pollfd p = {.fd = t->pidfd, .events = POLLIN};

                if (t->result != 0)
                        continue;
                if (t->pidfd < 0)
                        alive += kill(t->pid, 0) == 0;
                else if (poll(&p, 1, 0) == 0)
                        alive++;
        }
        return alive;
}

void kill_op_done(struct kill_op *op)
{
        struct reaper *r;

        if (!op || !op->reaper)
                return;
        r = op->reaper;
        if (atomic_load(&r->state) == REAPER_RELEASING || atomic_load(&r->state) == REAPER_RELEASED)
                reaper_wait(r);
        targets_close(r);
        r->n_targets = 0;
        atomic_store(&r->state, REAPER_IDLE);
        op->release_pending = false;
        op->reaper = NULL;
        op->targets = NULL;
        op->n_targets = 0;
}
