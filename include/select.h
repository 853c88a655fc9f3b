#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* select.h - stage 4: the victim among the processes, read no further than that choice needs */

/*
 * Every victim is the best candidate by select_better() among those score_evaluate() accepts:
 * exactly what select_best() finds over a full snapshot. select_ranked() gets there reading few
 * processes in full, select_victim() is the daemon's entry. Nothing here allocates once the
 * arrays have grown (glibc's regexec() aside).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroupfs.h"
#include "policy.h"
#include "score.h"
#include "snapshot.h"

struct rank_bpf;

/* A selection's state, reused from one selection to the next. Zero-initialize it. */
struct selector {
        struct rank_bpf
                *rank; /* in: pass 1 from this BPF iterator (rank-bpf.h; the caller's); NULL: /proc */
        struct snapshot snapshot; /* what was read in full (see select_ranked()) */
        uint64_t *ranks; /* pass 1: one (key << 32 | pid) per process */
        size_t n_ranks;
        size_t ranks_alloc;
        bool partial; /* some process was not read in full: none of them could have won */
        int rank_error; /* why ->rank went unused this time (negative errno), else 0 */
};

/*
 * select_better() - pure: true if @a should die before @b (both candidates of @s): higher
 * score, then larger rss, then newer (larger start time), then larger pid. A total order over
 * distinct processes.
 */
bool select_better(const struct snapshot *s, const struct candidate *a, const struct candidate *b);

/*
 * select_best() - pure, safe on the kill path: the best victim of @s under @p (may be NULL).
 * Returns 0 with @ret filled, or SCORE_NO_CANDIDATE (@ret untouched).
 */
int select_best(const struct snapshot *s, const struct policy *p, const struct score_ctx *ctx,
                struct candidate *ret);

/*
 * select_rank() - pure: the best @max candidates, best first, into the caller's @out.
 * With @include_ignored, ignored processes are ranked too (by their unadjusted badness).
 * Returns how many were written (<= @max). Does not allocate.
 */
size_t select_rank(const struct snapshot *s, const struct policy *p, const struct score_ctx *ctx,
                   bool include_ignored, struct candidate *out, size_t max);

/*
 * select_ranked() - the victim select_best(@s, @p, @ctx) would pick after
 * snapshot_take(@proc_dirfd, @opts, @s), reading as little as that choice needs; the snapshot
 * is @sel->snapshot.
 *
 * Pass 1 ranks every process: by its /proc/<pid>/oom_score, or with @sel->rank by the BPF
 * iterator's badness inputs, one kernel pass for all (filtered in the kernel by @opts->cgroup
 * when set, so a scope gets a pass 1 too, with @ctx's totalpages). Each rank bounds the score
 * the process can show when read in full. Pass 2 reads processes in full in decreasing rank,
 * and stops once the best candidate's exact score is above the highest bound left: that of
 * the next rank plus the slack of the kernel's per-CPU rss counters and score_policy_max_raise(@p).
 * Excluded and ignored processes are read and passed over as by select_best(); a rank that
 * bounds nothing (oom_score 0, which the kernel shows for tasks it did not score, or none to
 * read) is read first. A process whose memory grows by more than the margin between its two
 * reads may go unseen, as may any process whose memory changes while a full snapshot is taken.
 *
 * /proc oom_score is scaled by the system's totalpages and page size: with @opts->cgroup set,
 * or an @ctx that differs from them (a cgroup scope's totalpages), and no iterator, this is
 * snapshot_take() + select_best() (scoped scans are small). The iterator needs @ctx's page size
 * to be the kernel's. Kernel threads, exiting processes, vfork children, mms the OOM reaper is
 * done with, adj -1000, PID 1 and @opts->self are dropped in its pass 1: score_evaluate() would
 * exclude them. A process whose leader has exited while other threads run on is read in full
 * first, its memory being a live thread's. If it fails, @sel->rank_error says why and the /proc
 * path runs instead.
 *
 * Pass 2 keeps only the best process read so far: on return the snapshot holds the victim alone
 * (@ret->idx is 0; none for SCORE_NO_CANDIDATE), except on the full-scan path, which holds every
 * process as snapshot_take() does. n_read counts the processes read in full, n_seen every
 * process met, @sel->partial says whether some were not read. @ctx may be NULL (the system's
 * totalpages and page size); @opts may be NULL, as for snapshot_take().
 * Returns 0 with @ret filled, SCORE_NO_CANDIDATE (@ret untouched), or a negative errno as
 * snapshot_take() (then the snapshot is empty).
 */
int select_ranked(struct selector *sel, int proc_dirfd, const struct snapshot_opts *opts,
                  const struct policy *p, const struct score_ctx *ctx, struct candidate *ret);

/*
 * select_victim() - the daemon's choice: select_ranked() with the totalpages the kernel's OOM
 * killer would scale by, the system's or, with @opts->cgroup, that scope's memory limit and
 * swap (mem_cgroup_get_max(), read through @roots, which may be NULL: then the system's).
 * Returns as select_ranked().
 */
int select_victim(struct selector *sel, int proc_dirfd, const struct snapshot_opts *opts,
                  const struct policy *p, const struct cgroup_roots *roots, struct candidate *ret);

/*
 * select_reserve() - room in @sel's pass 1 for @n processes, so that a later selection does not
 * reallocate under pressure. Under mlockall(MCL_ONFAULT) the room is not resident until used.
 * Returns 0 or -ENOMEM.
 */
int select_reserve(struct selector *sel, size_t n);

/* select_done() - free @sel's arrays and its snapshot, and zero it (->rank is not the selector's). */
void select_done(struct selector *sel);
