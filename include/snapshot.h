#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* snapshot.h - stage 2: a compact, allocation-stable picture of the processes under a proc root */

/*
 * Data only: which processes there are and what /proc says about them. Choosing among them is
 * the select stage's (select.h), scoring one of them the score stage's (score.h).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"

struct cgroup_walk_buf;

/*
 * The longest cmdline kept, NUL included: enough for "java -Xmx... -cp ... Main" style rules,
 * bounded per process. Longer ones keep this prefix and say so (PROC_CMDLINE_TRUNCATED).
 */
#define SNAPSHOT_CMDLINE_MAX 1024

/* proc_info.flags */
#define PROC_KTHREAD (1u << 0) /* PF_KTHREAD, or no mm / child of kthreadd (when PID 2 is kthreadd) */
#define PROC_EXITING (1u << 1) /* PF_EXITING, zombie or dead (no live thread left), SIGKILL pending */
#define PROC_SELF (1u << 2) /* reapd itself */
#define PROC_INIT (1u << 3) /* PID 1 (of the proc root's namespace) */
#define PROC_AVOID_XATTR (1u << 4) /* its cgroup has user.reapd_avoid (root-owned) */
#define PROC_OMIT_XATTR (1u << 5) /* its cgroup has user.reapd_omit (root-owned) */
#define PROC_CMDLINE_TRUNCATED (1u << 6) /* cmdline is a prefix: see SNAPSHOT_CMDLINE_MAX */
/*
 * Its /proc/<pid>/oom_score read 0. Read only for a process that forked and has not exec'd
 * (PF_FORKNOEXEC), as a vfork child is: score_kernel_unscored() tells what the 0 means.
 */
#define PROC_OOM_SCORE_ZERO (1u << 7)

/*
 * One process. Kept small (about 100 bytes) so 30 000 processes stay under a few MB: the
 * long strings live in the snapshot's string arena and are only read when the policy or
 * the caller asks for them (snapshot_opts.fields).
 */
struct proc_info {
        pid_t pid;
        pid_t ppid;
        pid_t pgid;
        uid_t uid; /* real uid */
        char state; /* R, S, D, Z, ... */
        unsigned flags; /* PROC_* */
        int oom_score_adj;
        uint64_t starttime; /* stat field 22, clock ticks after boot: identity against PID reuse */
        uint64_t rss_kb; /* VmRSS (= RssAnon + RssFile + RssShmem) */
        uint64_t swap_kb; /* VmSwap */
        uint64_t pgtables_kb; /* VmPTE */
        char comm[16];
        uint32_t cmdline; /* offsets into snapshot.strings; 0 is "" (not read or empty) */
        uint32_t exe;
        uint32_t cgroup; /* cgroup2 path, "/user.slice/..." */
};

/* A process's identity against PID reuse: its pid and its start time (stat field 22). */
struct proc_ident {
        pid_t pid;
        uint64_t starttime;
};

struct snapshot_opts {
        unsigned fields; /* POLICY_FIELD_BIT()s of the strings to read (comm is always read) */
        const char *cgroup; /* NULL/"" = all processes; else only this cgroup2 subtree */
        pid_t self; /* excluded and flagged PROC_SELF; 0 = getpid() */
        const char *cgroup_root; /* cgroup2 mount, for xattrs and a scope's walk; NULL = neither */
        bool xattrs; /* read user.reapd_avoid/omit (policy.honor_xattrs); implies the cgroup field */
        /* Processes set aside (a kill of them failed): skipped as if they were not there. The
         * caller's array, looked through linearly: keep it short. */
        const struct proc_ident *exclude;
        size_t n_exclude;
};

/* One distinct cgroup2 path of a snapshot: interned once, xattrs looked up once. */
struct snapshot_cgroup {
        uint32_t hash; /* 0 = empty slot */
        uint32_t path; /* offset into snapshot.strings */
        unsigned flags; /* PROC_AVOID_XATTR / PROC_OMIT_XATTR */
};

struct snapshot {
        struct proc_info *procs;
        size_t n_procs;
        size_t n_alloc;
        char *strings; /* arena; strings[0] == '\0' */
        size_t strings_len;
        size_t strings_alloc;
        uint64_t total_pages; /* totalram + totalswap, for system-wide scoring */
        uint64_t swap_pages; /* totalswap alone, for a cgroup scope's limit + swap */
        uint64_t page_size;
        uint64_t taken_usec; /* CLOCK_MONOTONIC */
        struct snapshot_cgroup *cgroups; /* open-addressing table, power-of-two size */
        size_t n_cgroups;
        size_t cgroups_alloc;
        size_t n_seen; /* pid directories the last walk met, read or not */
        size_t n_read; /* processes read in full (the select stage may keep only its victim) */
        bool kthreadd; /* PID 2 is kthreadd (not so in a PID namespace): its children are kernel threads */
        pid_t self; /* flagged PROC_SELF: snapshot_opts.self, or getpid() */
        struct cgroup_walk_buf *walk; /* a scope's cgroup walk; allocated at the first, then reused */
};

static inline const char *snapshot_str(const struct snapshot *s, uint32_t off)
{
        return s->strings ? s->strings + off : "";
}

/*
 * snapshot_take() - replace @s's content with the processes under the proc root @proc_dirfd
 * (normally an O_DIRECTORY fd of /proc). @s must be zero-initialized before its first use;
 * its arrays are reused and only grow, so a steady-state snapshot allocates nothing.
 * Kernel threads, PID 1, opts->self, zombies and exiting tasks are kept but flagged (see
 * PROC_*), so that the score stage excludes them; their status is not read. A process whose
 * leader has exited while other threads run on is not a zombie: its memory is read from a live
 * thread (proc_find_live_thread()), its identity (uid) from the leader. Processes that
 * vanish during the walk are skipped, and so are those opts->exclude names. With opts->cgroup
 * set, the scope's cgroup tree is walked
 * (opts->cgroup_root) and each process's cgroup2 path checked, as it may move between the
 * listing and its read; if that tree cannot be walked whole, all of /proc is walked and
 * filtered by path instead (exact for nested cgroups, only slower).
 * Also fills s->total_pages (MemTotal + SwapTotal) and s->page_size.
 * Returns 0, or a negative errno (-ENOMEM; the proc root or its meminfo unreadable); on
 * failure @s holds an empty but valid snapshot.
 */
int snapshot_take(int proc_dirfd, const struct snapshot_opts *opts, struct snapshot *s);

/* snapshot_clear() - empty @s, keeping its arrays for the next walk. */
void snapshot_clear(struct snapshot *s);

/* snapshot_done() - free @s's arrays and zero it; accepts a zeroed snapshot. */
void snapshot_done(struct snapshot *s);

/*
 * snapshot_read_totalpages() - MemTotal + SwapTotal of @proc_dirfd's meminfo, in pages, and
 * SwapTotal alone in @ret_swap (may be NULL). Returns 0 or a negative errno; out-parameters
 * untouched on failure.
 */
int snapshot_read_totalpages(int proc_dirfd, uint64_t *ret, uint64_t *ret_swap);

/* snapshot_find() - the entry for @pid, or NULL. Linear; for tools and tests, not hot paths. */
const struct proc_info *snapshot_find(const struct snapshot *s, pid_t pid);

/*
 * Reading processes one at a time, for the select stage: snapshot_begin(), then
 * snapshot_add() for each pid it wants read, dropping what it does not keep with
 * snapshot_rewind() to a snapshot_mark() taken before.
 */

/*
 * snapshot_begin() - empty @s and read what every walk needs first: the page size, whether PID
 * 2 is kthreadd, s->total_pages; s->self from @opts (may be NULL). Returns 0 or a negative
 * errno (then @s is empty).
 */
int snapshot_begin(int proc_dirfd, const struct snapshot_opts *opts, struct snapshot *s);

/* snapshot_add() result: the process is not taken (vanished, outside the scope, unparsable, excluded). */
#define SNAPSHOT_SKIPPED 1

/*
 * snapshot_add() - read @pid as snapshot_take() reads each process, into s->procs[s->n_procs]
 * (then counted in n_procs and n_read). Returns 0, SNAPSHOT_SKIPPED, or a negative errno
 * (-ENOMEM, -E2BIG) that ends the walk.
 */
int snapshot_add(struct snapshot *s, int proc_dirfd, pid_t pid, const struct snapshot_opts *opts);

struct snapshot_mark {
        size_t n_procs, strings_len, n_cgroups;
};

static inline struct snapshot_mark snapshot_mark(const struct snapshot *s)
{
        return (struct snapshot_mark){s->n_procs, s->strings_len, s->n_cgroups};
}

/*
 * snapshot_rewind() - drop the processes added after @m, and their strings unless a cgroup
 * path interned meanwhile sits behind them in the arena (the interner keeps that one).
 */
void snapshot_rewind(struct snapshot *s, const struct snapshot_mark *m);
