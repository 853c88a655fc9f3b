#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* score.h - stage 3: the kernel's oom_badness() for one process, with the policy on top */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroupfs.h"
#include "policy.h"
#include "snapshot.h"

/* OOM_SCORE_ADJ_MIN: the kernel never kills such a process, and neither does reapd. */
#define SCORE_ADJ_UNKILLABLE (-1000)
/* Prefer/Avoid clamp the effective adj here: they reorder, they never make anything unkillable. */
#define SCORE_ADJ_POLICY_MIN (-999)
#define SCORE_ADJ_MAX 1000

/* score_badness() of a process that can never be a victim. */
#define SCORE_BADNESS_NONE INT64_MIN

/* Positive outcomes. */
#define SCORE_NO_CANDIDATE 1 /* select_best() and friends: nothing may be killed */
#define SCORE_EXCLUDED 2 /* score_evaluate(): kthread, init, self, exiting, adj -1000, kernel-unscored */
#define SCORE_IGNORED 3 /* score_evaluate(): an Ignore= rule or user.reapd_omit */

enum score_match {
        SCORE_MATCH_NONE,
        SCORE_MATCH_PREFER,
        SCORE_MATCH_AVOID,
        SCORE_MATCH_XATTR_AVOID, /* cgroup user.reapd_avoid */
        SCORE_MATCH_IGNORE, /* only in select_rank(..., include_ignored) output */
        SCORE_MATCH_XATTR_OMIT, /* likewise, cgroup user.reapd_omit */
        _SCORE_MATCH_MAX,
};

struct score_ctx {
        uint64_t total_pages; /* RAM + swap, or the scope cgroup's limit, in pages; 0 is taken as 1 */
        uint64_t page_size; /* 0 = 4096 */
};

struct candidate {
        size_t idx; /* into snapshot.procs */
        int64_t badness; /* the kernel's oom_badness(), pages */
        int64_t score; /* after Prefer/Avoid */
        enum score_match match;
        int rule; /* index into policy.rules, or -1 */
};

/*
 * score_badness() - pure: mm/oom_kill.c oom_badness() for @p: rss + swap + page tables (in
 * pages) + @adj * (@total_pages / 1000), the division first as in the kernel. Pass
 * p->oom_score_adj for the kernel's view, or an effective adj after policy.
 * Returns SCORE_BADNESS_NONE when @adj is -1000. Does not look at p->flags.
 */
int64_t score_badness(const struct proc_info *p, int adj, uint64_t total_pages, uint64_t page_size);

/*
 * score_oom_score() - pure: what /proc/<pid>/oom_score shows for @badness (fs/proc/base.c:
 * (1000 + badness * 1000 / totalpages) * 2 / 3, so 0..1333; 0 for SCORE_BADNESS_NONE).
 */
unsigned score_oom_score(int64_t badness, uint64_t total_pages);

/*
 * score_kernel_unscored() - pure: true when @p's /proc/<pid>/oom_score read 0 (PROC_OOM_SCORE_ZERO)
 * where its oom_score_adj alone, with no memory at all, would show more under the system's
 * @total_pages: then the 0 can only be oom_badness()'s LONG_MIN, which it returns for a task in
 * vfork (in_vfork(): a CLONE_VFORK child sharing its parent's mm, whose memory is the parent's)
 * and for an mm the OOM reaper is done with (MMF_OOM_SKIP). Neither is a candidate. An adj of
 * -999 can show 0 for a small process: such a one is never taken for unscored.
 */
bool score_kernel_unscored(const struct proc_info *p, uint64_t total_pages);

/*
 * score_badness_bound() - pure: the largest badness (pages) a process can have whose
 * /proc/<pid>/oom_score shows @oom_score, for the kernel's system-wide @total_pages: the
 * inverse of score_oom_score() with both truncating divisions accounted for, so that
 * score_badness_bound(score_oom_score(b, t), t) >= b for every b the kernel can produce.
 * The bound is tight for @total_pages >= 1000 (some badness with this oom_score reaches it).
 * Returns INT64_MAX for 0, which the kernel also shows for unkillable tasks, tasks without
 * an mm, vfork children and mms being reaped: their badness is unknown, not small.
 */
int64_t score_badness_bound(unsigned oom_score, uint64_t total_pages);

/*
 * score_policy_max_raise() - pure: the most @p can add to a process's badness (pages): the
 * Prefer shift (prefer_adjust * (@total_pages / 1000)) when @p has a Prefer rule, else 0.
 * Avoid rules, user.reapd_avoid and the adj clamps only ever lower a score.
 */
int64_t score_policy_max_raise(const struct policy *p, uint64_t total_pages);

/* score_match_to_string() - "prefer", "avoid", "ignore" or NULL for SCORE_MATCH_NONE. */
const char *score_match_to_string(enum score_match m);

/*
 * score_evaluate() - pure: score procs[@idx] of @s under @p (may be NULL: no rules). Ignore
 * rules and user.reapd_omit win; otherwise the first Prefer/Avoid rule in @p's order that
 * matches decides; with none, user.reapd_avoid acts as an Avoid. String fields that the
 * snapshot did not read are "" (take snapshots with opts.fields = p->fields_used). Excluded
 * before any rule: kernel threads, init, reapd, exiting processes, adj -1000, and those the
 * kernel does not score (score_kernel_unscored() with s->total_pages, the system's, by which
 * oom_score is scaled whatever @ctx says).
 * Returns 0 with @ret filled, SCORE_EXCLUDED (@ret untouched) or SCORE_IGNORED (@ret filled,
 * match IGNORE or XATTR_OMIT).
 */
int score_evaluate(const struct snapshot *s, size_t idx, const struct policy *p, const struct score_ctx *ctx,
                   struct candidate *ret);

/*
 * score_scope_total_pages() - pure: the totalpages the kernel's memcg OOM killer scales adj by
 * for a cgroup with memory state @m (mem_cgroup_get_max(): the limit plus the swap it may
 * use, at most @swap_pages). An unlimited cgroup falls back to @system_total_pages. Never 0.
 */
uint64_t score_scope_total_pages(const struct cgroup_memory *m, uint64_t swap_pages,
                                 uint64_t system_total_pages, uint64_t page_size);
