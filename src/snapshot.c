/* SPDX-License-Identifier: GPL-2.0-or-later */
/* snapshot.c - walk a proc root into a compact, reusable array of struct proc_info */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "meminfo.h"
#include "procfs.h"
#include "snapshot.h"
#include "util.h"

/* First allocation: a small desktop has a few hundred processes; doubling covers the rest. */
#define SNAPSHOT_PROCS_INITIAL 256
#define SNAPSHOT_STRINGS_INITIAL 4096
#define SNAPSHOT_CGROUPS_INITIAL 64

/* The kernel's kthreadd: every kernel thread but itself is its child. */
#define KTHREADD_PID 2

static int grow(void **p, size_t *alloc, size_t need, size_t initial, size_t elem)
{
        size_t n = *alloc ? *alloc : initial;
        void *q;

        if (need <= *alloc)
                return 0;
        while (n < need) {
                if (n > SIZE_MAX / 2 / elem)
                        return -ENOMEM;
                n *= 2;
        }
        q = realloc(*p, n * elem);
        if (!q)
                return -ENOMEM;
        *p = q;
        *alloc = n;
        return 0;
}

/* Appends @len bytes plus a NUL to the arena; returns the offset in *ret (0 for ""). */
static int strings_add(struct snapshot *s, const char *str, size_t len, uint32_t *ret)
{
        void *p = s->strings;
        int r;

        if (len == 0) {
                *ret = 0;
                return 0;
        }
        if (s->strings_len + len + 1 > UINT32_MAX)
                return -E2BIG;
        r = grow(&p, &s->strings_alloc, s->strings_len + len + 1, SNAPSHOT_STRINGS_INITIAL, 1);
        if (r < 0)
                return r;
        s->strings = p;
        memcpy(s->strings + s->strings_len, str, len);
        s->strings[s->strings_len + len] = '\0';
        *ret = (uint32_t)s->strings_len;
        s->strings_len += len + 1;
        return 0;
}

static uint32_t hash_str(const char *str)
{
        uint32_t h = 2166136261u; /* FNV-1a */

        for (; *str; str++)
                h = (h ^ (unsigned char)*str) * 16777619u;
        return h ? h : 1;
}

static int cgroups_rehash(struct snapshot *s, size_t n)
{
        struct snapshot_cgroup *t = calloc(n, sizeof(*t));

        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < s->cgroups_alloc; i++) {
                size_t j;

                if (!s->cgroups[i].hash)
                        continue;
                for (j = s->cgroups[i].hash & (n - 1); t[j].hash; j = (j + 1) & (n - 1))
                        ;
                t[j] = s->cgroups[i];
        }
        free(s->cgroups);
        s->cgroups = t;
        s->cgroups_alloc = n;
        return 0;
}

static unsigned xattr_flags(const char *root, const char *path)
{
        unsigned x = cgroup_read_xattrs(root, path);

        return (x & CGROUP_XATTR_AVOID ? PROC_AVOID_XATTR : 0) |
               (x & CGROUP_XATTR_OMIT ? PROC_OMIT_XATTR : 0);
}

/*
 * Interns cgroup @path: processes of one cgroup share one string and one xattr lookup.
 * Returns the table entry via *ret.
 */
static int cgroup_intern(struct snapshot *s, const char *path, const struct snapshot_opts *opts,
                         const struct snapshot_cgroup **ret)
{
        uint32_t h = hash_str(path);
        size_t mask, j;
        int r;

        /* keep the load under one half so probes stay short */
        if ((s->n_cgroups + 1) * 2 > s->cgroups_alloc) {
                r = cgroups_rehash(s, s->cgroups_alloc ? s->cgroups_alloc * 2 : SNAPSHOT_CGROUPS_INITIAL);
                if (r < 0)
                        return r;
        }
        mask = s->cgroups_alloc - 1;
        for (j = h & mask; s->cgroups[j].hash; j = (j + 1) & mask)
                if (s->cgroups[j].hash == h && streq(s->strings + s->cgroups[j].path, path)) {
                        *ret = &s->cgroups[j];
                        return 0;
                }
        r = strings_add(s, path, strlen(path), &s->cgroups[j].path);
        if (r < 0)
                return r;
        s->cgroups[j].hash = h;
        s->cgroups[j].flags =
                opts->xattrs && opts->cgroup_root && *path ? xattr_flags(opts->cgroup_root, path) : 0;
        s->n_cgroups++;
        *ret = &s->cgroups[j];
        return 0;
}

static bool vanished(int r)
{
        return r == -ENOENT || r == -ESRCH;
}

static bool scoped(const struct snapshot_opts *opts)
{
        return opts->cgroup && *opts->cgroup;
}

/*
 * Reads one process into @pi. Returns 0 to keep it, SNAPSHOT_SKIPPED (vanished, outside the
 * scope, unparsable), or a negative errno that aborts the snapshot (-ENOMEM).
 */
static int take_one(struct snapshot *s, int proc_dirfd, pid_t pid, const struct snapshot_opts *opts,
                    struct proc_info *pi)
{
        bool want_cgroup =
                (opts->fields & POLICY_FIELD_BIT(POLICY_FIELD_CGROUP)) || scoped(opts) || opts->xattrs;
        struct proc_status status;
        struct proc_stat st;
        pid_t tid = 0;
        int r;

        r = proc_read_stat(proc_dirfd, pid, &st);
        if (r < 0)
                return SNAPSHOT_SKIPPED; /* vanished or garbage: nothing to score */
        for (size_t i = 0; i < opts->n_exclude; i++)
                if (opts->exclude[i].pid == pid && opts->exclude[i].starttime == st.starttime)
                        return SNAPSHOT_SKIPPED; /* set aside by the caller */
        *pi = (struct proc_info){
                .pid = pid,
                .ppid = st.ppid,
                .pgid = st.pgid,
                .state = st.state,
                .starttime = st.starttime,
                .rss_kb = st.rss_pages * (s->page_size / 1024),
        };
        memcpy(pi->comm, st.comm, sizeof(pi->comm));
        if ((st.flags & PROC_PF_KTHREAD) ||
            (s->kthreadd && (st.ppid == KTHREADD_PID || pid == KTHREADD_PID)))
                pi->flags |= PROC_KTHREAD;
        if ((st.flags & PROC_PF_EXITING) || st.state == 'Z' || st.state == 'X' || st.state == 'x')
                pi->flags |= PROC_EXITING;
        if (pid == 1)
                pi->flags |= PROC_INIT;
        if (pid == s->self)
                pi->flags |= PROC_SELF;
        /*
         * A leader that called pthread_exit() while other threads run on is a zombie, its process
         * is not: the kernel scores it by the memory of a live thread (find_lock_task_mm()), and
         * so does reapd. A zombie without one has exited, or is exiting whole.
         */
        if (st.state == 'Z' && !(pi->flags & (PROC_KTHREAD | PROC_INIT | PROC_SELF)) &&
            proc_find_live_thread(proc_dirfd, pid, &tid) == 0)
                pi->flags &= ~PROC_EXITING;

        if (want_cgroup) {
                char path[PATH_MAX];
                const struct snapshot_cgroup *cg;

                r = proc_read_cgroup(proc_dirfd, pid, path, sizeof(path), NULL, 0);
                if (vanished(r))
                        return SNAPSHOT_SKIPPED;
                if (r != 0)
                        path[0] = '\0';
                if (scoped(opts) && !cgroup_is_descendant(path, opts->cgroup))
                        return SNAPSHOT_SKIPPED;
                r = cgroup_intern(s, path, opts, &cg);
                if (r < 0)
                        return r;
                pi->cgroup = cg->path;
                pi->flags |= cg->flags;
        }

        /* never candidates: spare the expensive reads */
        if (pi->flags & (PROC_KTHREAD | PROC_EXITING | PROC_INIT | PROC_SELF))
                return 0;

        r = proc_read_status(proc_dirfd, pid, &status);
        if (r < 0)
                return SNAPSHOT_SKIPPED;
        /* the leader's uid, zombie or not: the identity the kill path checks */
        pi->uid = status.uid;
        if (tid > 0 && proc_read_task_status(proc_dirfd, pid, tid, &status) < 0) {
                pi->flags |= PROC_EXITING; /* that thread exited since: the next look finds another */
                return 0;
        }
        if (!status.has_mm) {
                pi->flags |= PROC_KTHREAD; /* no address space: nothing to free by killing */
                return 0;
        }
        /* Already dying: a frozen victim keeps its pending SIGKILL (and its page tables) until
         * thawed; killing it again frees nothing, choosing it again would starve the next one. */
        if (status.state == 'Z' || status.state == 'X' || status.sigkill_pending)
                pi->flags |= PROC_EXITING;
        pi->rss_kb = status.rss_kb;
        pi->swap_kb = status.swap_kb;
        pi->pgtables_kb = status.pgtables_kb;

        r = proc_read_oom_score_adj(proc_dirfd, pid, &pi->oom_score_adj);
        if (r < 0)
                return SNAPSHOT_SKIPPED;
        /*
         * A vfork child shows its parent's memory, and the kernel does not score it (oom_score 0;
         * score_kernel_unscored()). Only a process that forked and has not exec'd can be one, so
         * only those pay for the read.
         */
        if (st.flags & PROC_PF_FORKNOEXEC) {
                unsigned score;

                r = proc_read_oom_score(proc_dirfd, pid, &score);
                if (vanished(r))
                        return SNAPSHOT_SKIPPED;
                if (r == 0 && score == 0)
                        pi->flags |= PROC_OOM_SCORE_ZERO;
        }

        if (opts->fields & POLICY_FIELD_BIT(POLICY_FIELD_CMDLINE)) {
                char buf[SNAPSHOT_CMDLINE_MAX];
                bool truncated = false;
                ssize_t n = proc_read_cmdline(proc_dirfd, pid, buf, sizeof(buf), &truncated);

                if (vanished((int)n))
                        return SNAPSHOT_SKIPPED;
                r = strings_add(s, buf, n > 0 ? (size_t)n : 0, &pi->cmdline);
                if (r < 0)
                        return r;
                if (truncated)
                        pi->flags |= PROC_CMDLINE_TRUNCATED;
        }
        if (opts->fields & POLICY_FIELD_BIT(POLICY_FIELD_EXE)) {
                char buf[PATH_MAX];
                ssize_t n = proc_read_exe(proc_dirfd, pid, buf, sizeof(buf));

                /* -EACCES and -ENOENT (no exe) leave ""; a rule cannot match what is hidden */
                r = strings_add(s, buf, n > 0 ? (size_t)n : 0, &pi->exe);
                if (r < 0)
                        return r;
        }
        return 0;
}

int snapshot_read_totalpages(int proc_dirfd, uint64_t *ret, uint64_t *ret_swap)
{
        long ps = sysconf(_SC_PAGESIZE);
        uint64_t page = ps > 0 ? (uint64_t)ps : 4096;
        struct meminfo mi;
        int r;

        r = meminfo_read_at(proc_dirfd, "meminfo", &mi);
        if (r < 0)
                return r;
        /* per term, as the kernel keeps the two counters in pages separately */
        *ret = mi.mem_total / page + mi.swap_total / page;
        if (ret_swap)
                *ret_swap = mi.swap_total / page;
        return 0;
}

void snapshot_clear(struct snapshot *s)
{
        s->n_procs = 0;
        s->n_read = 0;
        s->n_seen = 0;
        s->strings_len = s->strings ? 1 : 0; /* keep strings[0] == '\0' */
        s->n_cgroups = 0;
        if (s->cgroups)
                memset(s->cgroups, 0, s->cgroups_alloc * sizeof(*s->cgroups));
}

/*
 * True if PID 2 of this proc root is kthreadd. In a PID namespace (a container) PID 2 is an
 * ordinary process, and its children must not be taken for kernel threads.
 */
static bool is_kthreadd(int proc_dirfd)
{
        struct proc_stat st;

        return proc_read_stat(proc_dirfd, KTHREADD_PID, &st) == 0 && (st.flags & PROC_PF_KTHREAD);
}

int snapshot_begin(int proc_dirfd, const struct snapshot_opts *opts, struct snapshot *s)
{
        long ps;
        int r;

        snapshot_clear(s);
        s->self = opts && opts->self > 0 ? opts->self : getpid();
        if (!s->strings) {
                void *p = NULL;

                r = grow(&p, &s->strings_alloc, 1, SNAPSHOT_STRINGS_INITIAL, 1);
                if (r < 0)
                        return r;
                s->strings = p;
                s->strings[0] = '\0';
                s->strings_len = 1;
        }
        ps = sysconf(_SC_PAGESIZE);
        s->page_size = ps > 0 ? (uint64_t)ps : 4096;
        s->kthreadd = is_kthreadd(proc_dirfd);
        return snapshot_read_totalpages(proc_dirfd, &s->total_pages, &s->swap_pages);
}

int snapshot_add(struct snapshot *s, int proc_dirfd, pid_t pid, const struct snapshot_opts *opts)
{
        void *p = s->procs;
        int r;

        r = grow(&p, &s->n_alloc, s->n_procs + 1, SNAPSHOT_PROCS_INITIAL, sizeof(*s->procs));
        if (r < 0)
                return r;
        s->procs = p;
        r = take_one(s, proc_dirfd, pid, opts, &s->procs[s->n_procs]);
        if (r != 0)
                return r;
        s->n_procs++;
        s->n_read++;
        return 0;
}

void snapshot_rewind(struct snapshot *s, const struct snapshot_mark *m)
{
        s->n_procs = MIN(s->n_procs, m->n_procs);
        /* an interned cgroup path came after the mark: its string must stay, and so must those before it */
        if (s->n_cgroups == m->n_cgroups)
                s->strings_len = MIN(s->strings_len, m->strings_len);
}

struct take_args {
        struct snapshot *s;
        int proc_dirfd;
        const struct snapshot_opts *opts;
};

static int take_cb(pid_t pid, void *userdata)
{
        struct take_args *a = userdata;
        int r;

        a->s->n_seen++;
        r = snapshot_add(a->s, a->proc_dirfd, pid, a->opts);
        return r < 0 ? r : 0;
}

/*
 * The scope's own cgroup tree: a scoped snapshot then costs what the scope holds, not what the
 * machine runs. Returns 1 when the tree cannot be walked whole (then the caller walks /proc).
 */
static int take_scope(struct take_args *a)
{
        struct snapshot *s = a->s;
        struct cgroup_walk w = {.fn = take_cb, .userdata = a};
        char dir[PATH_MAX];
        _cleanup_(closep) int dfd = -1;
        int r;

        if (!a->opts->cgroup_root || !*a->opts->cgroup_root ||
            cgroup_path_join(dir, sizeof(dir), a->opts->cgroup_root, a->opts->cgroup, NULL) < 0)
                return 1;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return errno == ENOENT ? 0 : 1; /* a scope that is gone holds nobody */
        if (!s->walk) {
                s->walk = malloc(sizeof(*s->walk));
                if (!s->walk)
                        return -ENOMEM;
        }
        w.buf = s->walk;
        r = cgroup_walk_procs(dfd, &w);
        if (r < 0)
                return r;
        return w.truncated || w.error < 0 ? 1 : 0;
}

static bool pid_above(const void *a, const void *b, void *userdata)
{
        return ((const struct proc_info *)a)->pid > ((const struct proc_info *)b)->pid;
}

/*
 * A process that migrates between two cgroups of the scope while the tree is walked is
 * listed by both cgroup.procs files, and read twice a moment apart: keep one entry per pid.
 */
static void snapshot_dedupe(struct snapshot *s)
{
        size_t w = 0;

        heap_sort(s->procs, s->n_procs, sizeof(*s->procs), pid_above, NULL);
        for (size_t i = 0; i < s->n_procs; i++)
                if (w == 0 || s->procs[w - 1].pid != s->procs[i].pid)
                        s->procs[w++] = s->procs[i];
        s->n_procs = w;
}

int snapshot_take(int proc_dirfd, const struct snapshot_opts *opts, struct snapshot *s)
{
        static const struct snapshot_opts default_opts = {};
        struct take_args a = {.s = s, .proc_dirfd = proc_dirfd, .opts = opts ?: &default_opts};
        _Alignas(8) char dents[PROC_DENTS_SIZE];
        bool all = !scoped(a.opts);
        int r;

        r = snapshot_begin(proc_dirfd, a.opts, s);
        if (r >= 0 && !all) {
                r = take_scope(&a);
                if (r == 0)
                        snapshot_dedupe(s);
                else if (r > 0) { /* not walked whole: all of /proc, filtered by each process's path */
                        all = true;
                        r = snapshot_begin(proc_dirfd, a.opts, s);
                }
        }
        if (r >= 0 && all)
                r = proc_for_each_pid(proc_dirfd, dents, sizeof(dents), take_cb, &a);
        if (r < 0) {
                snapshot_clear(s);
                return r;
        }
        s->n_read = s->n_procs;
        s->taken_usec = now_usec(CLOCK_MONOTONIC);
        return 0;
}

void snapshot_done(struct snapshot *s)
{
        free(s->procs);
        free(s->strings);
        free(s->cgroups);
        free(s->walk);
        *s = (struct snapshot){};
}

const struct proc_info *snapshot_find(const struct snapshot *s, pid_t pid)
{
        for (size_t i = 0; i < s->n_procs; i++)
                if (s->procs[i].pid == pid)
                        return &s->procs[i];
        return NULL;
}
