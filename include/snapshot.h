#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* snapshot.h - stage 2: a compact, allocation-stable picture of every candidate process */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"

/* Processes snapshot_select() remembers as not to be pruned by: a few stay ignored or stuck. */
#define SNAPSHOT_PRUNE_SKIP 4

/* proc_info.flags */
#define PROC_KTHREAD (1u << 0) /* PF_KTHREAD, or no mm / child of kthreadd (when PID 2 is kthreadd) */
#define PROC_EXITING (1u << 1) /* PF_EXITING, zombie or dead */
#define PROC_SELF (1u << 2) /* reapd itself */
#define PROC_INIT (1u << 3) /* PID 1 (of the proc root's namespace) */
#define PROC_AVOID_XATTR (1u << 4) /* its cgroup has user.reapd_avoid (root-owned) */
#define PROC_OMIT_XATTR (1u << 5) /* its cgroup has user.reapd_omit (root-owned) */

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

struct snapshot_opts {
        unsigned fields; /* POLICY_FIELD_BIT()s of the strings to read (comm is always read) */
        const char *cgroup; /* NULL/"" = all processes; else only this cgroup2 subtree */
        pid_t self; /* excluded and flagged PROC_SELF; 0 = getpid() */
        const char *cgroup_root; /* cgroup2 mount, for xattrs; NULL = do not read xattrs */
        bool xattrs; /* read user.reapd_avoid/omit (policy.honor_xattrs); implies the cgroup field */
        struct rank_bpf *rank; /* snapshot_select()'s pass 1 from BPF (rank-bpf.h); NULL = /proc oom_score */
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
        size_t n_read; /* processes the last walk read in full (snapshot_select() keeps only its victim) */
        bool kthreadd; /* PID 2 is kthreadd (not so in a PID namespace): its children are kernel threads */
        bool partial; /* snapshot_select() stopped before reading everyone: do not rank from it */
        uint64_t *ranks; /* snapshot_select()'s (oom_score or bound key << 32 | pid) per possible winner */
        size_t n_ranks;
        size_t ranks_alloc;
        pid_t prune_skip[SNAPSHOT_PRUNE_SKIP]; /* snapshot_select(): whose pass-1 lower bound did not hold */
        unsigned prune_skip_next;
        int rank_error; /* snapshot_select(): why opts.rank went unused (negative errno), else 0 */
};

/* Defined in score.h, which includes this header, and in rank-bpf.h. */
struct candidate;
struct score_ctx;
struct rank_bpf;

static inline const char *snapshot_str(const struct snapshot *s, uint32_t off)
{
        return s->strings ? s->strings + off : "";
}

/*
 * snapshot_take() - replace @s's content with the processes under the proc root @proc_dirfd
 * (normally an O_DIRECTORY fd of /proc). @s must be zero-initialized before its first use;
 * its arrays are reused and only grow, so a steady-state snapshot allocates nothing.
 * Kernel threads, PID 1, opts->self, zombies and exiting tasks are kept but flagged (see
 * PROC_*), so that score_select() excludes them; their status is not read. Processes that
 * vanish during the walk are skipped. With opts->cgroup set the whole proc root is walked
 * and filtered by each process's cgroup2 path (simple and exact for nested cgroups;
 * walking cgroup.procs would be faster for a small scope but races with migrations too).
 * Also fills s->total_pages (MemTotal + SwapTotal) and s->page_size.
 * Returns 0, or a negative errno (-ENOMEM; the proc root or its meminfo unreadable); on
 * failure @s holds an empty but valid snapshot.
 */
int snapshot_take(int proc_dirfd, const struct snapshot_opts *opts, struct snapshot *s);

/*
 * snapshot_select() - the victim score_select(@s, @p, @ctx) would pick after
 * snapshot_take(@proc_dirfd, @opts, @s), reading as little as that choice needs.
 *
 * Pass 1 reads only /proc/<pid>/oom_score of every process into s->ranks. Pass 2 reads
 * processes in full (as snapshot_take() does) in decreasing oom_score order, and stops once
 * the best candidate's exact score is above the highest score any process not yet read could
 * reach: score_badness_bound() of its oom_score plus a margin of 2 points, plus the slack of
 * the kernel's per-CPU rss counters, plus score_policy_max_raise(@p). Excluded and ignored
 * processes are read and passed over as in score_select(); an oom_score of 0, or one that
 * cannot be read (a fixture tree without the file), bounds nothing and is always read.
 * The victim is exactly score_select()'s over a full snapshot of the same moment; a process
 * whose memory grows by more than the margin between its two reads may go unseen, as may any
 * process whose memory changes while a full snapshot is being taken.
 *
 * @ctx may be NULL; its zero fields mean the snapshot's (system-wide) totalpages and page
 * size. The kernel's oom_score is scaled by those: with @opts->cgroup set, or an @ctx that
 * differs from them (a cgroup scope's totalpages), this is snapshot_take() + score_select()
 * (scoped scans are small, and need every member's cgroup read anyway).
 *
 * With @opts->rank (a loaded BPF task iterator, rank-bpf.h) pass 1 instead runs the iterator,
 * which gives every process's exact badness inputs in one pass, filtered in the kernel by
 * @opts->cgroup when set (so a scope gets a pass 1 too, with @ctx's totalpages). Each key is
 * then a bound in pages: the badness with @ctx's totalpages plus a growth margin of one adj
 * point of the system's totalpages; pass 2 adds the per-CPU counter slack and the policy's
 * raise as above, reads in decreasing order and still checks each process's cgroup from /proc.
 * The iterator needs @ctx's page size to be the kernel's (else the /proc path runs).
 * Kernel threads, exiting processes, adj -1000, PID 1 and @opts->self are dropped in pass 1:
 * score_evaluate() would exclude them. If the iterator fails, s->rank_error says why and the
 * /proc path runs instead.
 *
 * Memory does not grow with the processes that cannot win. Pass 1 keeps in s->ranks only
 * those whose bound reaches the highest lower bound seen so far (a guess checked after pass 2,
 * which runs both passes again when it fails; see snapshot.c), and the iterator's records are
 * read a chunk at a time (rank-bpf.h). Pass 2 keeps only the best process read so far: on
 * return s->procs holds the victim alone (@ret->idx is 0; none for SCORE_NO_CANDIDATE), except
 * on the full-scan paths above (a scope without the iterator, another totalpages), which hold
 * every process as snapshot_take() does. s->n_read counts the processes read in full,
 * s->partial is true when some process was not, s->n_seen counts every process met. The
 * arrays are reused as by snapshot_take(): a steady state allocates nothing (glibc's
 * regexec() aside). @opts may be NULL, as for snapshot_take().
 * Returns 0 with @ret filled, SCORE_NO_CANDIDATE (@ret untouched), or a negative errno as
 * snapshot_take() (then @s is empty).
 */
int snapshot_select(int proc_dirfd, const struct snapshot_opts *opts, const struct policy *p,
                    const struct score_ctx *ctx, struct snapshot *s, struct candidate *ret);

/*
 * snapshot_reserve() - room in s->ranks for @n processes, so that a later snapshot_select()
 * that keeps many of them in pass 1 (processes of equal size are never pruned) does not
 * reallocate under pressure. Under mlockall(MCL_ONFAULT) the room is not resident until used.
 * Returns 0 or -ENOMEM.
 */
int snapshot_reserve(struct snapshot *s, size_t n);

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
