/* SPDX-License-Identifier: GPL-2.0-or-later */
/* score.c - the kernel's badness of one process, and the prefer/avoid/ignore matching on top */

#include <regex.h>
#include <string.h>

#include "score.h"
#include "util.h"

/* oom_badness() scales oom_score_adj by totalpages / 1000: adj is in thousandths of memory. */
#define SCORE_ADJ_SCALE 1000
/*
 * 2^50 pages (4 EiB of 4 KiB pages), far beyond any machine: sizes and totals are clamped
 * here so that what a corrupt or fake /proc claims (VmRSS of 2^64-1 kB) cannot overflow the
 * signed badness arithmetic, nor badness * 1000 in score_oom_score().
 */
#define SCORE_PAGES_MAX (UINT64_C(1) << 50)

static uint64_t page_size_of(const struct score_ctx *ctx)
{
        return ctx && ctx->page_size >= 1024 ? ctx->page_size : 4096;
}

static uint64_t total_pages_of(const struct score_ctx *ctx, const struct snapshot *s)
{
        uint64_t t = ctx && ctx->total_pages ? ctx->total_pages : s->total_pages;

        return t ? t : 1;
}

int64_t score_badness(const struct proc_info *p, int adj, uint64_t total_pages, uint64_t page_size)
{
        uint64_t kb_per_page = page_size / 1024 ? page_size / 1024 : 4, pages;

        if (adj <= SCORE_ADJ_UNKILLABLE)
                return SCORE_BADNESS_NONE;
        /* as the kernel: get_mm_rss() + MM_SWAPENTS + mm_pgtables_bytes() / PAGE_SIZE */
        pages = MIN(p->rss_kb / kb_per_page, SCORE_PAGES_MAX) +
                MIN(p->swap_kb / kb_per_page, SCORE_PAGES_MAX) +
                MIN(p->pgtables_kb / kb_per_page, SCORE_PAGES_MAX);
        return (int64_t)MIN(pages, SCORE_PAGES_MAX) +
               (int64_t)adj * (int64_t)(MIN(total_pages, SCORE_PAGES_MAX) / SCORE_ADJ_SCALE);
}

unsigned score_oom_score(int64_t badness, uint64_t total_pages)
{
        int64_t t = total_pages ? (int64_t)total_pages : 1;
        int64_t points;

        if (badness == SCORE_BADNESS_NONE)
                return 0;
        points = (1000 + badness * 1000 / t) * 2 / 3;
        return points < 0 ? 0 : (unsigned)points;
}

bool score_kernel_unscored(const struct proc_info *p, uint64_t total_pages)
{
        const struct proc_info empty = {};

        if (!(p->flags & PROC_OOM_SCORE_ZERO) || p->oom_score_adj <= SCORE_ADJ_UNKILLABLE)
                return false;
        /* the lowest oom_score the kernel shows for this adj: no pages, adj * (totalpages / 1000) */
        return score_oom_score(score_badness(&empty, p->oom_score_adj, total_pages, 4096), total_pages) > 0;
}

int64_t score_badness_bound(unsigned oom_score, uint64_t total_pages)
{
        int64_t t = total_pages ? (int64_t)total_pages : 1, q;

        if (oom_score == 0)
                return INT64_MAX;
        /*
         * The kernel shows s = (1000 + q) * 2 / 3 with q = b * 1000 / t, both rounded toward zero;
         * 1000 + q is positive for every adj above -1000, so s = floor(2 (1000 + q) / 3), which
         * gives 2 (1000 + q) <= 3 s + 2: q <= Q := (3 s + 2) / 2 - 1000. Then for Q >= 0,
         * floor(b * 1000 / t) <= Q means b * 1000 < (Q + 1) t: b <= ((Q + 1) t - 1) / 1000. For
         * Q < 0 (scores up to 665, negative adj) b is negative, its quotient rounded up, and
         * ceil(b * 1000 / t) <= Q means b * 1000 <= Q t: b <= floor(Q t / 1000).
         */
        q = ((int64_t)3 * oom_score + 2) / 2 - SCORE_ADJ_SCALE;
        if (t > INT64_MAX / (q >= 0 ? q + 1 : -q))
                return INT64_MAX;
        if (q >= 0)
                return ((q + 1) * t - 1) / SCORE_ADJ_SCALE;
        return -((-q * t + SCORE_ADJ_SCALE - 1) / SCORE_ADJ_SCALE);
}

int64_t score_policy_max_raise(const struct policy *p, uint64_t total_pages)
{
        if (!p || p->prefer_adjust <= 0)
                return 0;
        for (size_t i = 0; i < p->n_rules; i++)
                if (p->rules[i].action == POLICY_PREFER)
                        return (int64_t)p->prefer_adjust * (int64_t)(total_pages / SCORE_ADJ_SCALE);
        return 0;
}

const char *score_match_to_string(enum score_match m)
{
        static const char *const names[_SCORE_MATCH_MAX] = {
                [SCORE_MATCH_PREFER] = "prefer",     [SCORE_MATCH_AVOID] = "avoid",
                [SCORE_MATCH_XATTR_AVOID] = "avoid", [SCORE_MATCH_IGNORE] = "ignore",
                [SCORE_MATCH_XATTR_OMIT] = "ignore",
        };

        return m < _SCORE_MATCH_MAX ? names[m] : NULL;
}

static bool rule_matches(const struct snapshot *s, const struct proc_info *pi, const struct policy_rule *r)
{
        const char *str;

        switch (r->field) {
        case POLICY_FIELD_COMM:
                str = pi->comm;
                break;
        case POLICY_FIELD_CMDLINE:
                str = snapshot_str(s, pi->cmdline);
                break;
        case POLICY_FIELD_EXE:
                str = snapshot_str(s, pi->exe);
                break;
        case POLICY_FIELD_CGROUP:
                str = snapshot_str(s, pi->cgroup);
                break;
        case POLICY_FIELD_UID:
                return pi->uid == r->uid;
        default:
                return false;
        }
        return regexec(&r->re, str, 0, NULL, 0) == 0;
}

static int clamp_adj(int adj)
{
        return adj < SCORE_ADJ_POLICY_MIN ? SCORE_ADJ_POLICY_MIN : adj > SCORE_ADJ_MAX ? SCORE_ADJ_MAX : adj;
}

int score_evaluate(const struct snapshot *s, size_t idx, const struct policy *p, const struct score_ctx *ctx,
                   struct candidate *ret)
{
        const struct proc_info *pi = &s->procs[idx];
        uint64_t total = total_pages_of(ctx, s), ps = page_size_of(ctx);
        struct candidate c = {.idx = idx, .rule = -1};
        bool xattrs = p ? p->honor_xattrs : false;
        int adj = pi->oom_score_adj;

        if ((pi->flags & (PROC_KTHREAD | PROC_EXITING | PROC_INIT | PROC_SELF)) ||
            pi->oom_score_adj <= SCORE_ADJ_UNKILLABLE || score_kernel_unscored(pi, s->total_pages))
                return SCORE_EXCLUDED;
        c.badness = score_badness(pi, pi->oom_score_adj, total, ps);

        if (xattrs && (pi->flags & PROC_OMIT_XATTR))
                c.match = SCORE_MATCH_XATTR_OMIT;
        for (size_t i = 0; p && i < p->n_rules && c.match != SCORE_MATCH_XATTR_OMIT; i++) {
                const struct policy_rule *r = &p->rules[i];

                if (r->action == POLICY_IGNORE) {
                        if (rule_matches(s, pi, r)) {
                                c.match = SCORE_MATCH_IGNORE;
                                c.rule = (int)i;
                                break;
                        }
                } else if (c.match == SCORE_MATCH_NONE && rule_matches(s, pi, r)) {
                        /* the first Prefer/Avoid decides, but a later Ignore still wins */
                        c.match = r->action == POLICY_PREFER ? SCORE_MATCH_PREFER : SCORE_MATCH_AVOID;
                        c.rule = (int)i;
                }
        }
        if (c.match == SCORE_MATCH_IGNORE || c.match == SCORE_MATCH_XATTR_OMIT) {
                c.score = c.badness;
                *ret = c;
                return SCORE_IGNORED;
        }
        if (c.match == SCORE_MATCH_NONE && xattrs && (pi->flags & PROC_AVOID_XATTR))
                c.match = SCORE_MATCH_XATTR_AVOID;

        if (c.match == SCORE_MATCH_PREFER)
                adj = clamp_adj(adj + p->prefer_adjust);
        else if (c.match == SCORE_MATCH_AVOID || c.match == SCORE_MATCH_XATTR_AVOID)
                adj = clamp_adj(adj - (p ? p->avoid_adjust : POLICY_AVOID_ADJUST_DEFAULT));
        c.score = c.match == SCORE_MATCH_NONE ? c.badness : score_badness(pi, adj, total, ps);
        *ret = c;
        return 0;
}

uint64_t score_scope_total_pages(const struct cgroup_memory *m, uint64_t swap_pages,
                                 uint64_t system_total_pages, uint64_t page_size)
{
        uint64_t ps = page_size >= 1024 ? page_size : 4096, t, swap;

        if (!m || m->max == CGROUP_LIMIT_MAX)
                return system_total_pages ? system_total_pages : 1;
        t = m->max / ps;
        swap = m->swap_max == CGROUP_LIMIT_MAX ? swap_pages : MIN(m->swap_max / ps, swap_pages);
        t += swap;
        return t ? t : 1;
}
