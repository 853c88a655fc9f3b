/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kill.c - pidfd-checked SIGKILL of the victim's unit (process, process group or cgroup) */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "procfs.h"
#include "reaper-internal.h"

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

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

int kill_identity_read(int proc_dirfd, pid_t pid, struct kill_identity *ret)
{
        struct proc_status status;
        struct proc_stat st;
        struct kill_identity id;
        int r;

        r = proc_read_stat(proc_dirfd, pid, &st);
        if (r < 0)
                return kill_gone(r);
        /* a zombie (Z) or dead (X) task has exited, its memory freed or being freed; unless it is a
         * leader whose other threads run on with the memory (proc_find_live_thread()) */
        if (st.state == 'X' || st.state == 'x' ||
            (st.state == 'Z' && proc_find_live_thread(proc_dirfd, pid, &(pid_t){0}) < 0))
                return -ESRCH;
        r = proc_read_status(proc_dirfd, pid, &status);
        if (r < 0)
                return kill_gone(r);
        r = proc_read_oom_score_adj(proc_dirfd, pid, &id.oom_score_adj);
        if (r < 0)
                return kill_gone(r);
        id.pgid = st.pgid;
        id.starttime = st.starttime;
        id.uid = status.uid;
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

struct kill_target *target_add(struct kill_ctx *c, pid_t pid)
{
        struct kill_target *t;

        if (c->r->n_targets >= KILL_MAX_PIDS)
                return NULL;
        t = &c->r->targets[c->r->n_targets++];
        *t = (struct kill_target){
                .pid = pid, .pidfd = -1, .result = KILL_PENDING, .release = KILL_RELEASE_SKIPPED};
        return t;
}

void target_close(struct kill_target *t)
{
        if (t->pidfd >= 0)
                close(t->pidfd);
        t->pidfd = -1;
}

bool kill_seen_test(const struct kill_ctx *c, pid_t pid)
{
        const struct reaper *r = c->r;

        /* a PID above the pid_max of reaper_new() (raised since): the targets are all there is */
        if (pid < 0 || (size_t)pid >= r->seen_bits) {
                for (size_t i = 0; i < r->n_targets; i++)
                        if (r->targets[i].pid == pid)
                                return true;
                return false;
        }
        return r->seen[pid >> 3] & (1u << (pid & 7));
}

bool kill_seen(struct kill_ctx *c, pid_t pid)
{
        struct reaper *r = c->r;

        if (kill_seen_test(c, pid))
                return true;
        if (pid >= 0 && (size_t)pid < r->seen_bits) {
                r->seen[pid >> 3] |= (unsigned char)(1u << (pid & 7));
                r->seen_lo = MIN(r->seen_lo, pid);
                r->seen_hi = MAX(r->seen_hi, pid);
        }
        return false;
}

static void seen_clear(struct reaper *r)
{
        if (r->seen_lo <= r->seen_hi)
                memset(r->seen + (r->seen_lo >> 3), 0,
                       (size_t)(r->seen_hi >> 3) - (size_t)(r->seen_lo >> 3) + 1);
        r->seen_lo = INT32_MAX;
        r->seen_hi = -1;
}

/*
 * How many members' pidfds a kill may keep open for their release: half of what RLIMIT_NOFILE
 * leaves after the daemon's own descriptors (a few dozen), the other half for the members done
 * with at once, the event loop and the journal. reapd raises its soft limit to the hard one at
 * start; under a low limit the kill still signals every member, it releases fewer.
 */
static size_t held_budget(void)
{
        struct rlimit rl;
        size_t n;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
                return KILL_MAX_PIDS;
        n = rl.rlim_cur > 256 ? (size_t)(rl.rlim_cur - 128) / 2 : (size_t)rl.rlim_cur / 4;
        return MIN(n, (size_t)KILL_MAX_PIDS);
}

/* Open a pidfd, or note that the kernel has none (then identity checks are racy, kill(2) is used). */
int target_open(struct kill_ctx *c, struct kill_target *t)
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

int target_signal(struct kill_target *t)
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

/* Adds the targets' outcomes to what the op counted of members not kept (once, at the end). */
static void count_targets(struct kill_op *op)
{
        op->n_sharers = op->n_sharers_signalled = 0;
        for (size_t i = 0; i < op->n_targets; i++) {
                /* cgroup.kill's members were counted before its write */
                if (op->targets[i].by_cgroup_kill)
                        continue;
                if (op->targets[i].result == 0)
                        op->n_signalled++;
                else if (op->targets[i].result == KILL_PROTECTED)
                        op->n_protected++;
                else if (op->targets[i].result < 0)
                        op->n_failed++;
                if (op->targets[i].mm_sharer) {
                        op->n_sharers++;
                        op->n_sharers_signalled += op->targets[i].result == 0;
                }
        }
}

void targets_signal_pending(struct reaper *r, size_t from)
{
        for (size_t i = from; i < r->n_targets; i++) {
                struct kill_target *t = &r->targets[i];

                if (t->result != KILL_PENDING)
                        continue;
                t->result = target_signal(t);
                if (t->result != 0)
                        target_close(t);
        }
}

size_t targets_queue_release(struct reaper *r)
{
        size_t n = 0;

        for (size_t i = 0; i < r->n_targets; i++)
                if (r->targets[i].result == 0 && r->targets[i].pidfd >= 0) {
                        r->targets[i].release = KILL_RELEASE_QUEUED;
                        n++;
                }
        return n;
}

/*
 * Members of a process group or cgroup, each SIGKILLed as it is listed. One that forked after the
 * listing passed it and before its own SIGKILL has a child nobody listed (kill(-pgid) would be
 * atomic, but cannot be aimed through pidfds, nor kept inside a scope). List the unit again and
 * kill who is new, until a pass finds nobody: a process with SIGKILL pending cannot fork, so
 * each pass can only find the children of the pass before. cgroup.kill is atomic and needs none
 * of this.
 */
static void signal_unit(struct kill_ctx *c)
{
        c->mode = LIST_SIGNAL;
        for (unsigned round = 0; round <= KILL_RESCAN_ROUNDS; round++) {
                size_t before = c->n_listed;

                if (kill_list_unit(c) < 0)
                        c->op->truncated = true;
                if (round > 0)
                        c->op->n_late += c->n_listed - before;
                if (c->n_listed == before)
                        break;
        }
}

/*
 * cgroup.kill of the victim's cgroup, the path read while its pidfd was held (never again after
 * its SIGKILL: a process that exited has no cgroup, and its PID may be another's). Counts the
 * members first, as the kernel takes them all, oom_score_adj -1000 too; then lists them for
 * their release. False if the write failed: the caller kills pid by pid.
 */
static bool cgroup_kill_unit(struct kill_ctx *c)
{
        size_t members = kill_count_unit(c), held = 0;

        if (cgroup_kill(c->req->roots->v2, c->unit_path) < 0)
                return false;
        c->op->cgroup_kill = true;
        c->op->n_signalled += members;
        c->mode = LIST_KILLED;
        if (kill_list_unit(c) < 0)
                c->op->truncated = true;
        /* the members counted, but for those whose pidfd is kept for the release */
        for (size_t i = 0; i < c->r->n_targets; i++)
                held += c->r->targets[i].by_cgroup_kill && c->r->targets[i].pidfd >= 0;
        c->op->n_unheld += sub_sat(members, held);
        return true;
}

int kill_start(struct reaper *r, const struct kill_request *req, struct kill_op *op)
{
        struct kill_op o;
        struct kill_ctx c;
        struct kill_identity id;
        struct kill_target *t;
        bool use_cgroup_kill = false, release, handed;
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
        c = (struct kill_ctx){.r = r, .req = req, .op = &o, .self = getpid(), .held_max = held_budget()};
        r->n_targets = 0;
        seen_clear(r);
        (void)kill_seen(&c, req->victim->pid);

        /* The victim: pidfd first, then identity, so a recycled PID is never signalled. */
        t = target_add(&c, req->victim->pid);
        e = target_open(&c, t);
        if (e < 0)
                return abort_kill(r, e);
        o.no_pidfd = r->pidfd_enosys;
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
                        e = kill_check_scope(&c, t->pid);
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

        c.pgid = o.pgid = id.pgid;
        e = kill_prepare_unit(&c, &use_cgroup_kill);
        if (req->unit == KILL_UNIT_CGROUP && e >= 0 && !use_cgroup_kill && !r->cgroup_kill_warned) {
                r->cgroup_kill_warned = true;
                o.warn_once |= KILL_WARN_NO_CGROUP_KILL;
        }
        if (e == -ESRCH) {
                e = finish_unsignalled(&c, KILL_GONE);
                *op = o;
                return e;
        }
        if (e < 0)
                return abort_kill(r, e);
        strlcpy0(o.unit_path, c.unit_path, sizeof(o.unit_path));
        o.unit_v1 = c.unit_v1;
        /* Whatever the unit: mrelease cannot reap an mm that a live process still uses. */
        e = kill_list_mm_sharers(&c);
        if (e == -ESRCH) {
                e = finish_unsignalled(&c, KILL_GONE);
                *op = o;
                return e;
        }
        if (e < 0)
                return abort_kill(r, e);

        c.n_held = r->n_targets;

        if (req->dry_run) {
                c.mode = LIST_CHECK;
                if (kill_list_unit(&c) < 0)
                        o.truncated = true;
                e = finish_unsignalled(&c, KILL_DRY_RUN);
                count_targets(&o);
                *op = o;
                return KILL_DRY_RUN;
        }

        /* One process (and its mm's sharers) with a release: worker 0 signals and releases it
         * with no wakeup in between (reaper_signal_release()); a unit is signalled from here,
         * member by member, and released once every member is signalled. */
        release = req->release && !r->pidfd_enosys && !atomic_load(&r->mrelease_enosys);
        handed = release && req->unit == KILL_UNIT_PROCESS &&
                 reaper_signal_release(r, r->config.handoff_usec ? r->config.handoff_usec
                                                                 : KILL_HANDOFF_TIMEOUT_USEC) == 0;
        /* The victim first: if we may not signal it, nobody else is signalled either. */
        e = handed ? r->targets[0].result : target_signal(&r->targets[0]);
        if (e < 0)
                return abort_kill(r, e);
        r->targets[0].result = e;
        if (e == KILL_GONE) {
                finish_unsignalled(&c, KILL_GONE);
                *op = o;
                return KILL_GONE;
        }
        if (!handed) {
                targets_signal_pending(r, 1); /* the sharers */
                if (req->unit != KILL_UNIT_PROCESS && !(use_cgroup_kill && cgroup_kill_unit(&c)))
                        signal_unit(&c);
        }
        o.t_signal = handed ? r->t_signal : now_usec(CLOCK_MONOTONIC);
        o.n_targets = r->n_targets;
        count_targets(&o);

        /* SIGKILL is queued for every member before any release: mrelease of a process whose mm
         * is shared with a process not yet killed fails with EINVAL. */
        if (handed) {
                o.release_pending = r->handoff_queued;
        } else if (release) {
                (void)targets_queue_release(r);
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

bool kill_op_done_nowait(struct kill_op *op)
{
        struct reaper *r;

        if (!op || !op->reaper)
                return false;
        r = op->reaper;
        if (atomic_load_explicit(&r->state, memory_order_acquire) != REAPER_RELEASING) {
                kill_op_done(op); /* released or never submitted: nothing to wait for */
                return false;
        }
        /* The thread still owns the targets: it posts reaper_fd when done, and
         * reaper_collect_detached() closes them then. */
        r->detached = true;
        op->release_pending = false;
        op->reaper = NULL;
        op->targets = NULL;
        op->n_targets = 0;
        return true;
}

int reaper_collect_detached(struct reaper *r)
{
        uint64_t v;

        if (!r || !r->detached)
                return 0;
        if (atomic_load_explicit(&r->state, memory_order_acquire) != REAPER_RELEASED)
                return -EAGAIN;
        (void)!read(r->done_fd, &v, sizeof(v));
        targets_close(r);
        r->n_targets = 0;
        r->detached = false;
        atomic_store(&r->state, REAPER_IDLE);
        return 1;
}

bool reaper_busy(const struct reaper *r)
{
        return r && r->detached;
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
