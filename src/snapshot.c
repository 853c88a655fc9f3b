/* SPDX-License-Identifier: GPL-2.0-or-later */
/* snapshot.c - walk a proc root into a compact, reusable array of struct proc_info */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "proc.h"
#include "rank-bpf.h"
#include "score.h"
#include "cgroup.h"
#include "snapshot.h"
#include "util.h"

/* First allocation: a small desktop has a few hundred processes; doubling covers the rest. */
#define SNAPSHOT_PROCS_INITIAL 256
#define SNAPSHOT_STRINGS_INITIAL 4096
#define SNAPSHOT_CGROUPS_INITIAL 64
/* getdents64 buffer on the stack: about 300 /proc entries per call, small enough for any thread. */
#define SNAPSHOT_DIRENT_BUF 8192
/* Longest cmdline kept: enough for "java -Xmx... -cp ... Main" style rules, bounded per process. */
#define SNAPSHOT_CMDLINE_MAX 1024
/* A cgroup xattr value is a boolean; anything longer is not one. */
#define SNAPSHOT_XATTR_VALUE_MAX 16
/* meminfo is about 1.5 KB; MemTotal and SwapTotal are in its first 20 lines. */
#define SNAPSHOT_MEMINFO_BUF 4096

/* The kernel's kthreadd: every kernel thread but itself is its child. */
#define KTHREADD_PID 2

struct linux_dirent64 {
        uint64_t d_ino;
        int64_t d_off;
        unsigned short d_reclen;
        unsigned char d_type;
        char d_name[];
};

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

static unsigned read_xattr_flags(const char *root, const char *path)
{
        char full[PATH_MAX], avoid[SNAPSHOT_XATTR_VALUE_MAX], omit[SNAPSHOT_XATTR_VALUE_MAX];
        ssize_t na, no;
        struct stat st;

        if (snprintf(full, sizeof(full), "%s%s", root, path) >= (int)sizeof(full))
                return 0;
        if (stat(full, &st) < 0)
                return 0;
        na = getxattr(full, "user.reapd_avoid", avoid, sizeof(avoid) - 1);
        no = getxattr(full, "user.reapd_omit", omit, sizeof(omit) - 1);
        if (na >= 0)
                avoid[na] = '\0';
        if (no >= 0)
                omit[no] = '\0';
        return proc_xattr_flags(st.st_uid, na >= 0 ? avoid : NULL, no >= 0 ? omit : NULL);
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
                opts->xattrs && opts->cgroup_root && *path ? read_xattr_flags(opts->cgroup_root, path) : 0;
        s->n_cgroups++;
        *ret = &s->cgroups[j];
        return 0;
}

static bool vanished(int r)
{
        return r == -ENOENT || r == -ESRCH;
}

/*
 * Reads one process into @pi. Returns 0 to keep it, 1 to skip it (vanished, outside the
 * scope, unparsable), or a negative errno that aborts the snapshot (-ENOMEM).
 */
static int take_one(struct snapshot *s, int proc_dirfd, pid_t pid, const struct snapshot_opts *opts,
                    pid_t self, struct proc_info *pi)
{
        bool want_cgroup = (opts->fields & POLICY_FIELD_BIT(POLICY_FIELD_CGROUP)) ||
                           (opts->cgroup && *opts->cgroup) || opts->xattrs;
        struct proc_status status;
        struct proc_stat st;
        int r;

        r = proc_read_stat(proc_dirfd, pid, &st);
        if (r < 0)
                return 1; /* vanished or garbage: nothing to score */
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
        if (pid == self)
                pi->flags |= PROC_SELF;

        if (want_cgroup) {
                char path[PATH_MAX];
                const struct snapshot_cgroup *cg;

                r = proc_read_cgroup(proc_dirfd, pid, path, sizeof(path));
                if (vanished(r))
                        return 1;
                if (r != 0)
                        path[0] = '\0';
                if (opts->cgroup && *opts->cgroup && !cgroup_is_descendant(path, opts->cgroup))
                        return 1;
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
                return 1;
        if (!status.has_mm) {
                pi->flags |= PROC_KTHREAD; /* no address space: nothing to free by killing */
                return 0;
        }
        /* Already dying: a frozen victim keeps its pending SIGKILL (and its page tables) until
         * thawed; killing it again frees nothing, choosing it again would starve the next one. */
        if (status.state == 'Z' || status.state == 'X' || status.sigkill_pending)
                pi->flags |= PROC_EXITING;
        pi->uid = status.uid;
        pi->rss_kb = status.rss_kb;
        pi->swap_kb = status.swap_kb;
        pi->pgtables_kb = status.pgtables_kb;

        r = proc_read_oom_score_adj(proc_dirfd, pid, &pi->oom_score_adj);
        if (r < 0)
                return 1;

        if (opts->fields & POLICY_FIELD_BIT(POLICY_FIELD_CMDLINE)) {
                char buf[SNAPSHOT_CMDLINE_MAX];
                ssize_t n = proc_read_cmdline(proc_dirfd, pid, buf, sizeof(buf));

                if (vanished((int)n))
                        return 1;
                r = strings_add(s, buf, n > 0 ? (size_t)n : 0, &pi->cmdline);
                if (r < 0)
                        return r;
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

static pid_t parse_pid_name(const char *name)
{
        uint64_t v = 0;

        if (!*name)
                return 0;
        for (; *name; name++) {
                if (*name < '0' || *name > '9')
                        return 0;
                v = v * 10 + (unsigned)(*name - '0');
                if (v > INT32_MAX)
                        return 0;
        }
        return (pid_t)v;
}

int snapshot_read_totalpages(int proc_dirfd, uint64_t *ret, uint64_t *ret_swap)
{
        char buf[SNAPSHOT_MEMINFO_BUF];
        long ps = sysconf(_SC_PAGESIZE);
        ssize_t n = read_file_at(proc_dirfd, "meminfo", buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return proc_meminfo_totalpages_parse(buf, ps > 0 ? (uint64_t)ps : 4096, ret, ret_swap);
}

static void snapshot_reset(struct snapshot *s)
{
        s->n_procs = 0;
        s->n_read = 0;
        s->n_seen = 0;
        s->partial = false;
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

/* Empties @s and reads what every walk needs first: the string arena's "", page size, totalpages. */
static int snapshot_begin(int proc_dirfd, struct snapshot *s)
{
        long ps;
        int r;

        snapshot_reset(s);
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

/*
 * Calls @fn for every pid directory of the proc root, counting them in s->n_seen. A negative
 * return of @fn stops the walk and is returned; otherwise returns 0 or a negative errno.
 */
static int for_each_pid(struct snapshot *s, int proc_dirfd,
                        int (*fn)(struct snapshot *s, pid_t pid, void *userdata), void *userdata)
{
        _cleanup_(closep) int dfd = -1;
        int r;

        /* our own fd, so the walk has its own offset and a caller's fd is never moved */
        dfd = openat(proc_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        for (;;) {
                _Alignas(struct linux_dirent64) char buf[SNAPSHOT_DIRENT_BUF];
                long n = syscall(SYS_getdents64, dfd, buf, sizeof(buf));

                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                for (long off = 0; off < n;) {
                        struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
                        pid_t pid = parse_pid_name(d->d_name);

                        off += d->d_reclen;
                        if (pid <= 0 || (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN))
                                continue;
                        s->n_seen++;
                        r = fn(s, pid, userdata);
                        if (r < 0)
                                return r;
                }
        }
}

/* Deeper scopes than this are not walked further (systemd's trees are a handful of levels). */
#define SNAPSHOT_CGROUP_MAX_DEPTH 32

/* Calls @fn for every pid in the cgroup.procs of the cgroup directory @dfd. */
static int for_each_pid_in_procs(struct snapshot *s, int dfd,
                                 int (*fn)(struct snapshot *s, pid_t pid, void *userdata), void *userdata)
{
        _cleanup_(closep) int fd = -1;
        char buf[4096];
        uint64_t v = 0;
        bool in_number = false;

        fd = openat(dfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT || errno == ENODEV ? 0 : -errno; /* removed while walked */
        for (;;) {
                ssize_t n = read_retry(fd, buf, sizeof(buf));

                if (n < 0)
                        return n == -ENODEV ? 0 : (int)n;
                /* numbers may straddle two reads: parse as a stream */
                for (ssize_t i = 0; i <= n; i++) {
                        if (i < n && buf[i] >= '0' && buf[i] <= '9') {
                                if (v <= INT32_MAX) /* past it, v stays out of range without wrapping */
                                        v = v * 10 + (uint64_t)(buf[i] - '0');
                                in_number = true;
                                continue;
                        }
                        if (i == n && n > 0)
                                break; /* end of this chunk, not of the number */
                        if (in_number && v > 0 && v <= INT32_MAX) {
                                int r;

                                s->n_seen++;
                                r = fn(s, (pid_t)v, userdata);
                                if (r < 0)
                                        return r;
                        }
                        v = 0;
                        in_number = false;
                }
                if (n == 0)
                        return 0;
        }
}

/*
 * Calls @fn for every process of cgroup directory @dfd and its descendants: a scoped snapshot
 * then costs what the scope holds, not what the machine runs. Membership is still checked per
 * process by take_one() (a process may move between the listing and its read).
 */
static int for_each_pid_in_cgroup(struct snapshot *s, int dfd, unsigned depth,
                                  int (*fn)(struct snapshot *s, pid_t pid, void *userdata), void *userdata)
{
        _cleanup_(closep) int wfd = -1;
        int r;

        r = for_each_pid_in_procs(s, dfd, fn, userdata);
        if (r < 0 || depth >= SNAPSHOT_CGROUP_MAX_DEPTH)
                return r;
        wfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (wfd < 0)
                return errno == ENOENT || errno == ENODEV ? 0 : -errno;
        for (;;) {
                _Alignas(struct linux_dirent64) char buf[SNAPSHOT_DIRENT_BUF];
                long n = syscall(SYS_getdents64, wfd, buf, sizeof(buf));

                if (n < 0)
                        return errno == ENOENT || errno == ENODEV ? 0 : -errno;
                if (n == 0)
                        return 0;
                for (long off = 0; off < n;) {
                        struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
                        _cleanup_(closep) int sub = -1;

                        off += d->d_reclen;
                        if (d->d_type != DT_DIR || streq(d->d_name, ".") || streq(d->d_name, ".."))
                                continue;
                        sub = openat(wfd, d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (sub < 0)
                                continue; /* removed meanwhile */
                        r = for_each_pid_in_cgroup(s, sub, depth + 1, fn, userdata);
                        if (r < 0)
                                return r;
                }
        }
}

/* The processes to look at: the scope's cgroup tree when it can be listed, else all of /proc. */
static int for_each_candidate_pid(struct snapshot *s, int proc_dirfd, const struct snapshot_opts *opts,
                                  int (*fn)(struct snapshot *s, pid_t pid, void *userdata), void *userdata)
{
        if (opts->cgroup && *opts->cgroup && opts->cgroup_root && *opts->cgroup_root) {
                char dir[PATH_MAX];
                _cleanup_(closep) int dfd = -1;

                if (cgroup_path_join(dir, sizeof(dir), opts->cgroup_root, opts->cgroup, NULL) >= 0) {
                        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (dfd >= 0)
                                return for_each_pid_in_cgroup(s, dfd, 0, fn, userdata);
                        if (errno == ENOENT)
                                return 0; /* the scope is gone: nobody to choose */
                }
        }
        return for_each_pid(s, proc_dirfd, fn, userdata);
}

struct take_args {
        int proc_dirfd;
        const struct snapshot_opts *opts;
        pid_t self;
};

/* Reads @pid into the next slot of s->procs; returns its index, -1 if skipped, or a negative errno. */
static ssize_t take_next(struct snapshot *s, pid_t pid, const struct take_args *a)
{
        void *p = s->procs;
        int r;

        r = grow(&p, &s->n_alloc, s->n_procs + 1, SNAPSHOT_PROCS_INITIAL, sizeof(*s->procs));
        if (r < 0)
                return r;
        s->procs = p;
        r = take_one(s, a->proc_dirfd, pid, a->opts, a->self, &s->procs[s->n_procs]);
        if (r < 0)
                return r;
        if (r > 0)
                return -1;
        return (ssize_t)s->n_procs++;
}

static int take_cb(struct snapshot *s, pid_t pid, void *userdata)
{
        ssize_t r = take_next(s, pid, userdata);

        return r < -1 ? (int)r : 0;
}

static void proc_swap(struct proc_info *a, struct proc_info *b)
{
        struct proc_info t = *a;

        *a = *b;
        *b = t;
}

static void proc_sift_down(struct proc_info *p, size_t i, size_t n)
{
        for (;;) {
                size_t l = 2 * i + 1, r = l + 1, m = i;

                if (l < n && p[l].pid > p[m].pid)
                        m = l;
                if (r < n && p[r].pid > p[m].pid)
                        m = r;
                if (m == i)
                        return;
                proc_swap(&p[i], &p[m]);
                i = m;
        }
}

/*
 * A process that migrates between two cgroups of the scope while the tree is walked is
 * listed by both cgroup.procs files, and read twice a moment apart: keep one entry per pid.
 * Heapsort in place, because qsort() may allocate and a scan must not.
 */
static void snapshot_dedupe(struct snapshot *s)
{
        size_t n = s->n_procs, w = 0;

        for (size_t i = n / 2; i-- > 0;)
                proc_sift_down(s->procs, i, n);
        for (size_t end = n; end > 1; end--) {
                proc_swap(&s->procs[0], &s->procs[end - 1]);
                proc_sift_down(s->procs, 0, end - 1);
        }
        for (size_t i = 0; i < n; i++)
                if (w == 0 || s->procs[w - 1].pid != s->procs[i].pid)
                        s->procs[w++] = s->procs[i];
        s->n_procs = w;
}

int snapshot_take(int proc_dirfd, const struct snapshot_opts *opts, struct snapshot *s)
{
        static const struct snapshot_opts default_opts = {};
        struct take_args a = {.proc_dirfd = proc_dirfd, .opts = opts ? opts : &default_opts};
        int r;

        a.self = a.opts->self > 0 ? a.opts->self : getpid();
        r = snapshot_begin(proc_dirfd, s);
        if (r >= 0)
                r = for_each_candidate_pid(s, proc_dirfd, a.opts, take_cb, &a);
        if (r < 0) {
                snapshot_reset(s);
                return r;
        }
        if (a.opts->cgroup && *a.opts->cgroup)
                snapshot_dedupe(s);
        s->n_read = s->n_procs;
        s->taken_usec = now_usec(CLOCK_MONOTONIC);
        return 0;
}

/*
 * snapshot_select()'s pass 1 stores one uint64_t per process: its /proc oom_score above the
 * pid, so that a max-heap of plain integers yields the highest scores first. A score of 0 (or
 * one that could not be read) is stored as SELECT_UNKNOWN, which sorts above everything:
 * the kernel shows 0 for tasks whose badness it did not compute (see score_badness_bound()),
 * so those are always read in full. Real scores are 0..2000.
 */
#define SELECT_UNKNOWN UINT32_MAX
#define SELECT_SCORE_MAX 100000
/*
 * Points added to every oom_score before it is turned into a bound: memory a process gains
 * between its oom_score read in pass 1 and its full read in pass 2 (about 0.3 % of RAM + swap
 * for 2 points), and room for one more rounding step should the kernel's formula change.
 */
#define SELECT_MARGIN_POINTS 2
/* rss counters oom_badness() adds: MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES, MM_SWAPENTS. */
#define SELECT_RSS_COUNTERS 4
/* The kernel's percpu_counter_batch: max(32, 2 * nr_cpus). */
#define SELECT_PERCPU_BATCH_MIN 32

/*
 * Pages by which the kernel's oom_score may undercount what /proc/<pid>/status shows. Since
 * Linux 6.2 the mm rss counters are per-CPU; oom_badness() reads them approximately
 * (percpu_counter_read_positive()) while recent kernels' status sums them, so each counter
 * may differ by up to batch * nr_cpus pages (older kernels read one value for both: 0).
 */
static int64_t select_slack_pages(void)
{
        /* sysconf() reads /sys/devices/system/cpu/possible each time: once per process is enough */
        static int64_t slack;
        long n;
        int64_t cpus, batch;

        if (slack)
                return slack;
        n = sysconf(_SC_NPROCESSORS_CONF);
        cpus = n > 0 ? n : 1;
        batch = 2 * cpus > SELECT_PERCPU_BATCH_MIN ? 2 * cpus : SELECT_PERCPU_BATCH_MIN;
        slack = SELECT_RSS_COUNTERS * cpus * batch;
        return slack;
}

/*
 * BPF keys are bounds in pages: ceil((badness + growth + bias) / 2^shift). The bias lifts the
 * lowest badness an adj above -1000 can give (-totalpages) to 0; the shift fits the rest under
 * SELECT_UNKNOWN, and anything still above it is read in full like an unknown oom_score.
 */
struct select_keys {
        bool pages;
        int64_t bias;
        unsigned shift;
};

/* Processes the BPF iterator reports that score_evaluate() always excludes: never read them. */
#define SELECT_BPF_DROP (RANK_KTHREAD | RANK_EXITING)
/* Page counts past score.c's clamp (2^50) score the same: keeps pages * kB per page in range. */
#define SELECT_BPF_PAGES_MAX (UINT64_C(1) << 50)
/* oom_badness()'s adj unit is totalpages / 1000. */
#define SELECT_BPF_ADJ_SCALE 1000
/* Pass 1 learns its floor at most this many times before a pass keeps every process. */
#define SELECT_PRUNE_PASSES 3

static int64_t add_sat(int64_t a, int64_t b)
{
        return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/*
 * Pass 1 keeps in s->ranks only the processes that can still beat one already seen. Each
 * process's record also gives a lower bound on the score its full read will show, should it be
 * a candidate (it may not be: an Ignore= rule, a pending SIGKILL, exited meanwhile); a process
 * whose upper bound (what select_walk() stops on) is below the highest lower bound, the floor,
 * is left out. That is a guess, checked after pass 2. Everyone left out ranks below everyone
 * kept, so a walk that stops on its bound stops before them too. A walk that reads everyone
 * kept is exact if its victim's score reaches the floor, which everyone left out was below.
 * Else the process the floor came from goes into s->prune_skip, which later passes (and
 * selections) take no floor from, and the passes run again.
 */
struct select_prune {
        int64_t raise; /* what select_walk() adds to each bound: Prefer raise + per-CPU slack */
        int64_t lower; /* how far a score may fall below its pass-1 badness: growth, slack, Avoid */
        int64_t floor; /* the highest lower bound seen */
        pid_t floor_pid; /* the process it came from */
        bool learn; /* raise the floor from the records; the last pass keeps everyone */
        size_t dropped; /* entries left out: then an empty heap does not mean everyone was read */
};

/* The highest badness (pages) a process with pass-1 key @key can show in pass 2, policy aside. */
static int64_t key_bound(const struct snapshot *s, const struct select_keys *k, unsigned key)
{
        return k->pages ? (int64_t)((uint64_t)key << k->shift) - k->bias
                        : score_badness_bound(key + SELECT_MARGIN_POINTS, s->total_pages);
}

static bool prune_keeps(const struct snapshot *s, const struct select_keys *k, const struct select_prune *pr,
                        uint64_t entry)
{
        unsigned key = (unsigned)(entry >> 32);

        return key == SELECT_UNKNOWN || add_sat(key_bound(s, k, key), pr->raise) >= pr->floor;
}

static void prune_learn(const struct snapshot *s, struct select_prune *pr, int64_t lb, pid_t pid)
{
        if (!pr->learn || lb <= pr->floor)
                return;
        for (size_t i = 0; i < ELEMENTSOF(s->prune_skip); i++)
                if (s->prune_skip[i] == pid)
                        return;
        pr->floor = lb;
        pr->floor_pid = pid;
}

static void ranks_compact(struct snapshot *s, const struct select_keys *k, struct select_prune *pr)
{
        size_t w = 0;

        for (size_t i = 0; i < s->n_ranks; i++)
                if (prune_keeps(s, k, pr, s->ranks[i]))
                        s->ranks[w++] = s->ranks[i];
        pr->dropped += s->n_ranks - w;
        s->n_ranks = w;
}

/*
 * Appends @entry to s->ranks unless it is below the floor. A full array is first compacted
 * against the floor, which may have risen since its entries came; it doubles only if that
 * freed less than half, so each entry is looked at a bounded number of times.
 */
static int ranks_push(struct snapshot *s, const struct select_keys *k, struct select_prune *pr,
                      uint64_t entry)
{
        if (!prune_keeps(s, k, pr, entry)) {
                pr->dropped++;
                return 0;
        }
        if (s->n_ranks == s->ranks_alloc) {
                void *p = s->ranks;
                int r;

                ranks_compact(s, k, pr);
                r = grow(&p, &s->ranks_alloc,
                         s->n_ranks * 2 > s->ranks_alloc ? s->ranks_alloc + 1 : s->n_ranks + 1,
                         SNAPSHOT_PROCS_INITIAL, sizeof(*s->ranks));
                if (r < 0)
                        return r;
                s->ranks = p;
        }
        s->ranks[s->n_ranks++] = entry;
        return 0;
}

/* How far the policy may lower a candidate's score: an Avoid= match or user.reapd_avoid. */
static int64_t select_max_lower(const struct policy *p, uint64_t total_pages)
{
        bool avoid = p && p->honor_xattrs;

        for (size_t i = 0; p && !avoid && i < p->n_rules; i++)
                avoid = p->rules[i].action == POLICY_AVOID;
        return avoid ? (int64_t)p->avoid_adjust * (int64_t)(MIN(total_pages, SELECT_BPF_PAGES_MAX) / 1000)
                     : 0;
}

struct bpf_fill {
        struct snapshot *s;
        const struct take_args *a;
        const struct score_ctx *eff;
        const struct select_keys *k;
        struct select_prune *pr;
        int64_t growth;
};

static int bpf_chunk(const struct rank_record *recs, size_t n, void *userdata)
{
        struct bpf_fill *f = userdata;
        struct snapshot *s = f->s;
        uint64_t kb_per_page = s->page_size / 1024;

        for (size_t i = 0; i < n; i++) {
                const struct rank_record *rec = &recs[i];
                struct proc_info pi = {
                        .rss_kb = MIN(rec->rss_pages, SELECT_BPF_PAGES_MAX) * kb_per_page,
                        .swap_kb = MIN(rec->other_pages, SELECT_BPF_PAGES_MAX) * kb_per_page,
                };
                int64_t b, v;
                uint64_t key;
                int r;

                s->n_seen++;
                if ((rec->flags & SELECT_BPF_DROP) || rec->oom_score_adj <= SCORE_ADJ_UNKILLABLE ||
                    rec->pid == 1 || rec->pid == f->a->self)
                        continue;
                /* the very badness score_evaluate() computes from /proc, from the kernel's counters */
                b = score_badness(&pi, rec->oom_score_adj, f->eff->total_pages, s->page_size);
                prune_learn(s, f->pr, b - f->growth - f->pr->lower, rec->pid);
                v = b + f->growth + f->k->bias;
                key = v <= 0 ? 0 : ((uint64_t)v + (UINT64_C(1) << f->k->shift) - 1) >> f->k->shift;
                r = ranks_push(s, f->k, f->pr,
                               MIN(key, (uint64_t)SELECT_UNKNOWN) << 32 | (uint32_t)rec->pid);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Pass 1 from the BPF rank source: keys are exact badness bounds, and a scope is filtered in the kernel. */
static int rank_bpf_fill(struct snapshot *s, const struct take_args *a, const struct score_ctx *eff,
                         struct select_keys *k, struct select_prune *pr)
{
        const struct snapshot_opts *opts = a->opts;
        int64_t t = (int64_t)MIN(eff->total_pages, SELECT_BPF_PAGES_MAX);
        struct bpf_fill f = {.s = s, .a = a, .eff = eff, .k = k, .pr = pr};
        uint64_t cgid = 0;
        unsigned level = 0;
        int r;

        if (opts->cgroup && *opts->cgroup) {
                if (!opts->cgroup_root || !*opts->cgroup_root)
                        return -EINVAL; /* no cgroup2 mount to look the scope up in */
                r = rank_bpf_cgroup_id(opts->cgroup_root, opts->cgroup, &cgid, &level);
                if (r < 0)
                        return r;
        }
        /*
         * Memory a process may gain between its record and its full read, a few ms later: one adj
         * point of the whole machine (RAM + swap / 1000, 25 MB on 24 GiB), whatever the scope, as
         * growth does not shrink with the scope's limit. Half the /proc path's margin, which also
         * covers the time its oom_score pass takes. It may lose as much: the lower bounds take it off.
         */
        f.growth = (int64_t)MIN(s->total_pages, SELECT_BPF_PAGES_MAX) / SELECT_BPF_ADJ_SCALE + 1;
        *k = (struct select_keys){.pages = true, .bias = t + 1};
        while ((uint64_t)(4 * t + f.growth) >> k->shift >= SELECT_UNKNOWN)
                k->shift++;
        return rank_bpf_collect(opts->rank, cgid, level, bpf_chunk, &f);
}

struct rank_args {
        int proc_dirfd;
        pid_t self;
        const struct select_keys *k;
        struct select_prune *pr;
};

static int rank_cb(struct snapshot *s, pid_t pid, void *userdata)
{
        struct rank_args *ra = userdata;
        unsigned score;
        int64_t lb;

        /* any failure, vanished included, means "read it in full": that read tells for sure */
        if (proc_read_oom_score(ra->proc_dirfd, pid, &score) < 0 || score == 0 || score > SELECT_SCORE_MAX)
                score = SELECT_UNKNOWN;
        /* above the highest badness that shows the margin and one point less: a lower bound */
        else if (score > SELECT_MARGIN_POINTS + 1 && pid != 1 && pid != ra->self &&
                 (lb = score_badness_bound(score - SELECT_MARGIN_POINTS - 1, s->total_pages)) < INT64_MAX)
                prune_learn(s, ra->pr, lb + 1 - ra->pr->lower, pid);
        return ranks_push(s, ra->k, ra->pr, (uint64_t)score << 32 | (uint32_t)pid);
}

static void heap_down(uint64_t *h, size_t i, size_t n)
{
        for (;;) {
                size_t l = 2 * i + 1, r = l + 1, m = i;
                uint64_t t;

                if (l < n && h[l] > h[m])
                        m = l;
                if (r < n && h[r] > h[m])
                        m = r;
                if (m == i)
                        return;
                t = h[i];
                h[i] = h[m];
                h[m] = t;
                i = m;
        }
}

static uint64_t heap_pop(uint64_t *h, size_t *n)
{
        uint64_t top = h[0];

        h[0] = h[--*n];
        heap_down(h, 0, *n);
        return top;
}

/* Pass 2 of snapshot_select(): full reads in decreasing bound until nobody left can win. */
static int select_walk(struct snapshot *s, const struct take_args *a, const struct policy *p,
                       const struct score_ctx *ctx, const struct select_keys *k,
                       const struct select_prune *pr, struct candidate *ret, bool *ret_stopped)
{
        struct candidate best = {}, c;
        size_t n = s->n_ranks, strings_len, n_cgroups;
        bool found = false;

        for (size_t i = n / 2; i-- > 0;)
                heap_down(s->ranks, i, n);
        /* what pass 1 left out could not win either, but was not read */
        s->partial = pr->dropped > 0;
        while (n > 0) {
                uint64_t top = heap_pop(s->ranks, &n);
                unsigned key = (unsigned)(top >> 32);
                ssize_t idx;

                if (found && key != SELECT_UNKNOWN &&
                    add_sat(key_bound(s, k, key), pr->raise) < best.score) {
                        s->partial = true; /* nobody left in the heap has a higher bound */
                        *ret_stopped = true;
                        break;
                }
                /* only the best so far is kept, in slot 0: the rest would hold 100 bytes a process */
                s->n_procs = found ? 1 : 0;
                strings_len = s->strings_len;
                n_cgroups = s->n_cgroups;
                idx = take_next(s, (pid_t)(uint32_t)top, a);
                if (idx < -1)
                        return (int)idx;
                if (idx >= 0) {
                        s->n_read++;
                        if (score_evaluate(s, (size_t)idx, p, ctx, &c) == 0 &&
                            (!found || score_better(s, &c, &best))) {
                                if (idx != 0)
                                        proc_swap(&s->procs[0], &s->procs[idx]);
                                best = c;
                                best.idx = 0;
                                found = true;
                                continue;
                        }
                }
                /* and its cmdline and exe with it, unless a new cgroup's path came after them */
                if (s->n_cgroups == n_cgroups)
                        s->strings_len = strings_len;
        }
        s->n_procs = found ? 1 : 0;
        if (!found)
                return SCORE_NO_CANDIDATE;
        *ret = best;
        return 0;
}

/*
 * Pass 1 (from the iterator if @bpf, else every oom_score) and pass 2, again while the floor
 * guessed wrong: SELECT_PRUNE_PASSES times at most, then keeping everyone. Sets
 * *ret_bpf_failed when the iterator failed: its error is returned, for the /proc path to run.
 */
static int select_ranked(int proc_dirfd, const struct take_args *a, const struct policy *p,
                         const struct score_ctx *eff, bool bpf, struct snapshot *s, struct candidate *ret,
                         bool *ret_bpf_failed)
{
        struct select_prune pr = {
                .raise = add_sat(score_policy_max_raise(p, eff->total_pages), select_slack_pages()),
                .lower = add_sat(select_max_lower(p, eff->total_pages), select_slack_pages()),
        };
        struct select_keys keys = {};
        int r;

        for (unsigned pass = 0;; pass++) {
                bool stopped = false;

                s->n_ranks = 0;
                pr.dropped = 0;
                pr.floor = INT64_MIN;
                pr.learn = pass < SELECT_PRUNE_PASSES;
                if (bpf) {
                        r = rank_bpf_fill(s, a, eff, &keys, &pr);
                        if (r < 0 && r != -ENOMEM) {
                                *ret_bpf_failed = true;
                                return r;
                        }
                } else {
                        struct rank_args ra = {
                                .proc_dirfd = proc_dirfd, .self = a->self, .k = &keys, .pr = &pr};

                        r = for_each_pid(s, proc_dirfd, rank_cb, &ra);
                }
                if (r < 0)
                        return r;
                ranks_compact(s, &keys, &pr);
                r = select_walk(s, a, p, eff, &keys, &pr, ret, &stopped);
                if (r < 0 || pr.dropped == 0 || stopped || (r == 0 && ret->score >= pr.floor))
                        return r;
                /* the floor's process was no candidate (or shrank): not again, nor next time */
                s->prune_skip[s->prune_skip_next++ % ELEMENTSOF(s->prune_skip)] = pr.floor_pid;
                snapshot_reset(s);
        }
}

int snapshot_select(int proc_dirfd, const struct snapshot_opts *opts, const struct policy *p,
                    const struct score_ctx *ctx, struct snapshot *s, struct candidate *ret)
{
        static const struct snapshot_opts default_opts = {};
        struct take_args a = {.proc_dirfd = proc_dirfd, .opts = opts ? opts : &default_opts};
        struct score_ctx eff;
        bool bpf_failed = false;
        int r;

        a.self = a.opts->self > 0 ? a.opts->self : getpid();
        s->rank_error = 0;
        r = snapshot_begin(proc_dirfd, s);
        if (r < 0)
                goto fail;
        eff = (struct score_ctx){
                .total_pages = ctx && ctx->total_pages ? ctx->total_pages : s->total_pages,
                .page_size = ctx && ctx->page_size >= 1024 ? ctx->page_size : s->page_size,
        };
        /* the iterator counts the kernel's pages: a caller's other page size cannot use them */
        if (a.opts->rank && eff.page_size == s->page_size) {
                r = select_ranked(proc_dirfd, &a, p, &eff, true, s, ret, &bpf_failed);
                if (!bpf_failed) {
                        if (r < 0)
                                goto fail;
                        s->taken_usec = now_usec(CLOCK_MONOTONIC);
                        return r;
                }
                /* a scope that is gone is for the /proc path to find empty, not an iterator failure */
                if (r != -ENOENT)
                        s->rank_error = r;
                snapshot_reset(s);
        }
        /* /proc oom_score is scaled by the system's totalpages and page size: only that scope can use it */
        if ((a.opts->cgroup && *a.opts->cgroup) || eff.total_pages != s->total_pages ||
            eff.page_size != s->page_size) {
                r = for_each_candidate_pid(s, proc_dirfd, a.opts, take_cb, &a);
                if (r < 0)
                        goto fail;
                if (a.opts->cgroup && *a.opts->cgroup)
                        snapshot_dedupe(s); /* as snapshot_take(): a migrating process is listed twice */
                s->n_read = s->n_procs;
                s->taken_usec = now_usec(CLOCK_MONOTONIC);
                return score_select(s, p, &eff, ret);
        }
        r = select_ranked(proc_dirfd, &a, p, &eff, false, s, ret, &bpf_failed);
        if (r < 0)
                goto fail;
        s->taken_usec = now_usec(CLOCK_MONOTONIC);
        return r;
fail:
        snapshot_reset(s);
        return r;
}

int snapshot_reserve(struct snapshot *s, size_t n)
{
        void *p = s->ranks;
        int r;

        if (n <= s->ranks_alloc)
                return 0;
        r = grow(&p, &s->ranks_alloc, n, SNAPSHOT_PROCS_INITIAL, sizeof(*s->ranks));
        if (r < 0)
                return r;
        s->ranks = p;
        return 0;
}

void snapshot_done(struct snapshot *s)
{
        free(s->procs);
        free(s->ranks);
        free(s->strings);
        free(s->cgroups);
        *s = (struct snapshot){};
}

const struct proc_info *snapshot_find(const struct snapshot *s, pid_t pid)
{
        for (size_t i = 0; i < s->n_procs; i++)
                if (s->procs[i].pid == pid)
                        return &s->procs[i];
        return NULL;
}
