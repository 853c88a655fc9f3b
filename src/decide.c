/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide.c - when to kill: sustained "some" stall, "full" stall, headroom; and no kill storms */

#include <string.h>

#include "decide.h"

/*
 * How "sustained" is measured. PSI triggers fire at most once per window, and on a steady thrash
 * not even every window (bench/TUNABLES.md), so their events are wake-ups, not a measurement.
 * The measurement is the cumulative "total=" stall counter: at every sample the share is
 * Δtotal/Δt against the newest earlier sample at least one window old (the window is
 * max(PressureWindow=, DECIDE_SHARE_WINDOW_MIN_USEC)). While pressured the monitor samples every
 * MONITOR_FAST_USEC, so that span is between one and two windows. "some" is above once a trigger
 * fires or a measured share reaches PressureSome=, and stays above until a measured share drops
 * below DECIDE_SOME_RELEASE_PCT of it. The episode is dated from the start of the window in which
 * it was first seen (so a trigger 2s into a thrash dates it to the thrash's start, give or take
 * the kernel's 2s aggregation); PressureDuration= after that, we kill.
 */

/* 2s: the kernel aggregates unprivileged PSI every 2s; a shorter span only measures that jitter. */
#define DECIDE_SHARE_WINDOW_MIN_USEC (2 * USEC_PER_SEC)
/* Spans longer than this many windows are diluted by idle time before the episode: not used. */
#define DECIDE_SHARE_SPAN_MAX_WINDOWS 2
/* 75%: a steady thrash measured over 2s wobbles by a few points (bench/TUNABLES.md); one dip
 * just under the threshold must not restart the PressureDuration clock. */
#define DECIDE_SOME_RELEASE_PCT 75
/* An episode with no fresh evidence (no trigger, no measurement) for this many windows is over:
 * the clock must not run on stale data if samples stop coming. */
#define DECIDE_EVIDENCE_MAX_WINDOWS 2
/*
 * Windows after a kill during which trigger events are ignored. One is not enough without
 * CAP_SYS_RESOURCE: then the kernel serves triggers from its 2 s averaging work, so an event
 * may arrive up to a window late and still describe the victim (with one window, bench-psi
 * killed bystanders after the thrasher: bench/TUNABLES.md).
 */
#define DECIDE_QUIET_WINDOWS 2
/* 30s: "no candidate" holds until something changes; one record per half minute says it all. */
#define DECIDE_NO_CANDIDATE_INTERVAL_USEC (30 * USEC_PER_SEC)
/* History points closer than window/16 overwrite the newest one, so DECIDE_HISTORY (64) points
 * always reach back 4 windows even at the 100ms headroom rate. */
#define DECIDE_HISTORY_SPACING_DIV 16

/*
 * Present evidence for a kill on pressure alone. PSI reports the past: an unprivileged trigger is
 * served from the kernel's 2 s averaging and can fire on stall from before it was armed, and a
 * trigger or an average after a kill can still describe the dead victim. Reclaim cannot lie that
 * way: pages scanned or refaulted in the last window happened in the last window.
 */
/* 256 pages (1 MiB with 4 KiB pages) per window: a thrash that stalls a cgroup 10 % of the time
 * refaults thousands of pages per second, the same cgroup right after its thrasher died none, an
 * idle machine a handful (bench/TUNABLES.md). */
#define DECIDE_RECLAIM_MIN_PAGES 256
/* 250ms: the shortest history that can tell a rate (a trigger right after start-up): shorter, and
 * a burst or its absence is chance. */
#define DECIDE_RECLAIM_SPAN_MIN_USEC (250 * USEC_PER_MSEC)
/* Soft level: under twice MinAvailable=, or under 10 % of the total whatever MinAvailable= says
 * (a PSI-only setup sets it to 0), the kernel is reclaiming by its own watermarks or limits, so a
 * stall there is a stall now. */
#define DECIDE_SOFT_FACTOR 2
#define DECIDE_SOFT_MIN_PERMYRIAD 1000

/*
 * Kills that free little. A victim whose memory is shmem (a tmpfs file outlives it, another
 * process maps it), mlocked (process_mrelease() leaves it) or HugeTLB (it goes back to the pool)
 * is killed for nothing, and so would be the next one chosen while the cause stays. After such a
 * kill the next waits a back-off that doubles while kills keep freeing little: the kernel's own
 * OOM killer still guards the limit, and what reapd would add is collateral.
 */
/* 25 %: a victim's page cache (RssFile) stays cached and counted as available, so a useful kill
 * of a process with a big file mapping may show half of its RSS come back; a futile one shows
 * next to nothing. */
#define DECIDE_FUTILE_PERCENT 25
/* 16 MiB: smaller victims' memory is within what other processes allocate or free meanwhile. */
#define DECIDE_FUTILE_MIN_HELD (16ULL << 20)
/* 2s, one PSI window, doubling to 64 s: a few futile kills cost seconds, a cause no kill mends
 * costs one victim a minute at most. */
#define DECIDE_BACKOFF_MIN_USEC (2 * USEC_PER_SEC)
#define DECIDE_BACKOFF_MAX_USEC (64 * USEC_PER_SEC)

/* 60s: a refusal (EPERM from an LSM or a user namespace, a unit path reapd cannot reach) does not
 * change from one second to the next; once a minute is retry enough, and no storm. */
#define DECIDE_ASIDE_USEC (60 * USEC_PER_SEC)

/*
 * 5s: after a kill the per-CPU free lists hold much of what the victim gave back (780 MB of a
 * 1 GiB victim), for seconds, before MemAvailable shows it (bench/TUNABLES.md); judged by
 * MemAvailable alone, the next sample would call for a second kill. Before a kill they are not
 * counted: near the threshold they would delay a kill that is due.
 */
#define DECIDE_PCP_AFTER_KILL_USEC (5 * USEC_PER_SEC)

static const char *const reason_names[_DECIDE_REASON_MAX] = {
        [DECIDE_REASON_NONE] = "none",
        [DECIDE_REASON_PRESSURE_SOME] = "pressure-some",
        [DECIDE_REASON_PRESSURE_FULL] = "pressure-full",
        [DECIDE_REASON_MEMORY] = "memory",
        [DECIDE_REASON_SWAP] = "swap",
};

const char *decide_reason_to_string(enum decide_reason r)
{
        if ((unsigned)r >= _DECIDE_REASON_MAX)
                return NULL;
        return reason_names[r];
}

static const char *const outcome_names[_DECIDE_OUTCOME_MAX] = {
        [DECIDE_OUTCOME_KILLED] = "killed",       [DECIDE_OUTCOME_DRY_RUN] = "dry-run",
        [DECIDE_OUTCOME_GONE] = "gone",           [DECIDE_OUTCOME_REUSED] = "reused",
        [DECIDE_OUTCOME_PROTECTED] = "protected", [DECIDE_OUTCOME_NO_CANDIDATE] = "no-candidate",
        [DECIDE_OUTCOME_FAILED] = "failed",       [DECIDE_OUTCOME_REFUSED] = "refused",
};

const char *decide_outcome_to_string(enum decide_outcome o)
{
        if ((unsigned)o >= _DECIDE_OUTCOME_MAX)
                return NULL;
        return outcome_names[o];
}

static const char *const futile_names[_DECIDE_FUTILE_MAX] = {
        [DECIDE_FUTILE_NO] = "no",           [DECIDE_FUTILE_SHMEM] = "shmem",
        [DECIDE_FUTILE_MLOCKED] = "mlocked", [DECIDE_FUTILE_HUGETLB] = "hugetlb",
        [DECIDE_FUTILE_ALIVE] = "alive",     [DECIDE_FUTILE_UNKNOWN] = "unknown",
};

const char *decide_futile_to_string(enum decide_futile f)
{
        if ((unsigned)f >= _DECIDE_FUTILE_MAX)
                return NULL;
        return futile_names[f];
}

const char *decide_action_to_string(enum decide_action a)
{
        switch (a) {
        case DECIDE_NONE:
                return "none";
        case DECIDE_KILL:
                return "kill";
        case DECIDE_WAIT:
                return "wait";
        }
        return NULL;
}

void decide_params_from_config(const struct reapd_config *c, struct decide_params *ret)
{
        *ret = (struct decide_params){
                .min_available = c->min_available,
                .min_swap_free = c->min_swap_free,
                .headroom_mode = c->headroom_mode,
                .pressure_some = c->pressure_some,
                .pressure_full = c->pressure_full,
                .pressure_window = c->pressure_window,
                .pressure_duration = c->pressure_duration,
                .kill_timeout = c->kill_timeout,
        };
}

static usec_t share_window(const struct decider *d)
{
        return MAX(d->params.pressure_window, DECIDE_SHARE_WINDOW_MIN_USEC);
}

static void pressure_reset(struct decider *d)
{
        d->hist_start = d->hist_len = 0;
        d->some_share = d->full_share = -1;
        d->some_above = false;
        d->some_since = d->some_evidence = 0;
}

void decider_init(struct decider *d, const struct decide_params *p)
{
        memset(d, 0, sizeof(*d));
        d->params = *p;
        pressure_reset(d);
}

void decide_reconfigure(struct decider *d, const struct decide_params *p)
{
        struct decider keep = *d;

        decider_init(d, p);
        d->last_no_candidate = keep.last_no_candidate;
        d->futile_streak = keep.futile_streak;
        memcpy(d->aside, keep.aside, sizeof(d->aside));
        memcpy(d->aside_until, keep.aside_until, sizeof(d->aside_until));
        d->n_aside = keep.n_aside;
}

static struct decide_point *hist_at(struct decider *d, unsigned i)
{
        return &d->hist[(d->hist_start + i) % DECIDE_HISTORY];
}

static void hist_push(struct decider *d, const struct monitor_sample *s)
{
        struct decide_point p = {
                .t = s->now,
                .some_total = s->pressure.some.total,
                .full_total = s->pressure.have_full ? s->pressure.full.total : 0,
                .reclaim = s->have_reclaim ? s->reclaim : 0,
                .have_reclaim = s->have_reclaim,
        };

        if (d->hist_len > 0) {
                struct decide_point *last = hist_at(d, d->hist_len - 1);

                /* Time going backwards or a counter going down (cgroup recreated): start over. */
                if (p.t < last->t || p.some_total < last->some_total || p.full_total < last->full_total ||
                    (p.have_reclaim && last->have_reclaim && p.reclaim < last->reclaim)) {
                        pressure_reset(d);
                } else if (d->hist_len >= 2 && (p.have_reclaim || !last->have_reclaim) &&
                           p.t - hist_at(d, d->hist_len - 2)->t <
                                   share_window(d) / DECIDE_HISTORY_SPACING_DIV) {
                        /* (a point without reclaim counters never replaces one with them) */
                        *last = p;
                        return;
                }
        }
        if (d->hist_len == DECIDE_HISTORY) {
                d->hist_start = (d->hist_start + 1) % DECIDE_HISTORY;
                d->hist_len--;
        }
        *hist_at(d, d->hist_len++) = p;
}

/* Share (permyriad) of "some"/"full" stall from a reference point one to two windows back. */
static bool hist_share(struct decider *d, usec_t now, int32_t *ret_some, int32_t *ret_full)
{
        usec_t w = share_window(d);
        struct decide_point *cur, *ref = NULL;

        if (d->hist_len < 2)
                return false;
        cur = hist_at(d, d->hist_len - 1);
        for (unsigned i = d->hist_len - 1; i-- > 0;) {
                struct decide_point *p = hist_at(d, i);

                if (now - p->t >= w) {
                        ref = p;
                        break;
                }
        }
        if (!ref || now - ref->t > w * DECIDE_SHARE_SPAN_MAX_WINDOWS || cur->t <= ref->t)
                return false;

        *ret_some = (int32_t)MIN((unsigned __int128)(cur->some_total - ref->some_total) * PERMYRIAD_MAX /
                                         (cur->t - ref->t),
                                 (unsigned __int128)PERMYRIAD_MAX);
        *ret_full = (int32_t)MIN((unsigned __int128)(cur->full_total - ref->full_total) * PERMYRIAD_MAX /
                                         (cur->t - ref->t),
                                 (unsigned __int128)PERMYRIAD_MAX);
        return true;
}

/* Updates the "some" episode; returns true when it has lasted PressureDuration=. */
static bool some_step(struct decider *d, const struct monitor_sample *s, bool measured)
{
        uint32_t thr = d->params.pressure_some;
        bool trig = s->cause == MONITOR_CAUSE_TRIGGER_SOME && s->now >= d->quiet_until;

        if (thr == 0)
                return false;

        if (trig) {
                /* The kernel saw the threshold crossed within the last window. */
                if (!d->some_above) {
                        d->some_above = true;
                        d->some_since = MAX(sub_sat(s->now, d->params.pressure_window), d->quiet_until);
                }
                d->some_evidence = s->now;
        }
        if (measured) {
                uint64_t release = (uint64_t)thr * DECIDE_SOME_RELEASE_PCT / 100;

                if ((uint32_t)d->some_share >= thr) {
                        if (!d->some_above) {
                                d->some_above = true;
                                d->some_since = MAX(sub_sat(s->now, share_window(d)), d->quiet_until);
                        }
                        d->some_evidence = s->now;
                } else if ((uint64_t)d->some_share < release) {
                        if (!trig)
                                d->some_above = false;
                } else if (d->some_above) {
                        d->some_evidence = s->now; /* within the hysteresis band: still pressured */
                }
        }
        if (d->some_above && s->now - d->some_evidence > share_window(d) * DECIDE_EVIDENCE_MAX_WINDOWS)
                d->some_above = false;

        /* some_since may lie ahead (an episode seen during the quiet time starts when it ends) */
        return d->some_above && s->now >= d->some_since &&
               s->now - d->some_since >= d->params.pressure_duration;
}

static bool full_step(struct decider *d, const struct monitor_sample *s, bool measured)
{
        uint32_t thr = d->params.pressure_full;

        if (thr == 0)
                return false;
        if (s->cause == MONITOR_CAUSE_TRIGGER_FULL && s->now >= d->quiet_until)
                return true;
        return measured && s->pressure.have_full && (uint32_t)d->full_share >= thr;
}

/* Headroom as the decider judges it: with the per-CPU free lists for a while after a kill. */
static uint64_t available(const struct decider *d, const struct monitor_sample *s)
{
        return s->now < d->pcp_until ? MAX(s->mem_available_pcp, s->mem_available) : s->mem_available;
}

bool decide_evidence(const struct decider *d, const struct monitor_sample *s)
{
        const struct decide_point *cur, *ref = NULL;
        usec_t w = share_window(d);
        uint64_t soft, rate;

        if (s->have_memory) {
                soft = MAX(threshold_bytes(&d->params.min_available, s->mem_total) * DECIDE_SOFT_FACTOR,
                           (uint64_t)((unsigned __int128)s->mem_total * DECIDE_SOFT_MIN_PERMYRIAD /
                                      PERMYRIAD_MAX));
                if (available(d, s) < soft || s->high_available < soft)
                        return true;
        }
        if (!s->have_reclaim)
                /* none: nothing to tell the present by, PSI alone as ever; skipped: none now */
                return !s->reclaim_skipped;
        if (d->hist_len < 2)
                return false;
        cur = &d->hist[(d->hist_start + d->hist_len - 1) % DECIDE_HISTORY];
        if (cur->t != s->now || !cur->have_reclaim)
                return false;
        /* the newest point with counters at least a window old, else the oldest there is */
        for (unsigned i = d->hist_len - 1; i-- > 0;) {
                const struct decide_point *p = &d->hist[(d->hist_start + i) % DECIDE_HISTORY];

                if (!p->have_reclaim)
                        continue;
                ref = p;
                if (s->now - ref->t >= w)
                        break;
        }
        /* a counter that went down between (a cgroup made again) tells no rate */
        if (!ref || s->now - ref->t < DECIDE_RECLAIM_SPAN_MIN_USEC || cur->reclaim < ref->reclaim)
                return false;
        rate = (uint64_t)MIN((unsigned __int128)(cur->reclaim - ref->reclaim) * w / (s->now - ref->t),
                             (unsigned __int128)UINT64_MAX);
        return rate >= DECIDE_RECLAIM_MIN_PAGES;
}

static void headroom_check(const struct decider *d, const struct monitor_sample *s, bool *ret_mem,
                           bool *ret_swap)
{
        bool mem_low, swap_low, no_swap = s->swap_total == 0;

        mem_low = available(d, s) < threshold_bytes(&d->params.min_available, s->mem_total);
        swap_low = no_swap || s->swap_free < threshold_bytes(&d->params.min_swap_free, s->swap_total);

        if (d->params.headroom_mode == HEADROOM_OR) {
                /* Without swap there is no swap to run out of: memory alone decides. */
                *ret_mem = mem_low;
                *ret_swap = !no_swap && swap_low;
        } else {
                /* Low swap alone is harmless, low memory with free swap means swapping works;
                 * without swap (counted as exhausted) memory alone decides. */
                *ret_mem = mem_low && swap_low;
                *ret_swap = false;
        }
}

static void leave_waiting(struct decider *d, usec_t now)
{
        d->waiting = false;
        /* PSI evidence gathered before the kill describes the victim: start over, and ignore
         * trigger events whose stall may still predate the kill. */
        pressure_reset(d);
        d->quiet_until = now + share_window(d) * DECIDE_QUIET_WINDOWS;
}

enum decide_action decide_step(struct decider *d, const struct monitor_sample *s,
                               enum decide_reason *ret_reason)
{
        enum decide_reason reason = DECIDE_REASON_NONE;
        bool measured = false, some, full, mem = false, swap = false;

        if (ret_reason)
                *ret_reason = DECIDE_REASON_NONE;
        if (!d->watching) {
                /* Evidence is only what the decider saw: a trigger at start-up must not date a
                 * "some" episode back into the window before anyone was watching. */
                d->watching = true;
                d->quiet_until = MAX(d->quiet_until, s->now);
        }

        if (d->waiting) {
                if (s->now < d->wait_until)
                        return DECIDE_WAIT;
                leave_waiting(d, s->now);
        }

        if (s->have_pressure) {
                int32_t sh_some, sh_full;

                hist_push(d, s);
                measured = hist_share(d, s->now, &sh_some, &sh_full);
                if (measured) {
                        d->some_share = sh_some;
                        d->full_share = s->pressure.have_full ? sh_full : -1;
                }
        }
        some = some_step(d, s, measured);
        full = full_step(d, s, measured);
        if (s->have_memory)
                headroom_check(d, s, &mem, &swap);

        if (mem)
                reason = DECIDE_REASON_MEMORY;
        else if (full)
                reason = DECIDE_REASON_PRESSURE_FULL;
        else if (swap)
                reason = DECIDE_REASON_SWAP;
        else if (some)
                reason = DECIDE_REASON_PRESSURE_SOME;
        else {
                d->evidence_pending = false;
                return DECIDE_NONE;
        }
        /* Pressure alone must be pressure now (see DECIDE_RECLAIM_MIN_PAGES). */
        d->evidence_pending =
                (reason == DECIDE_REASON_PRESSURE_FULL || reason == DECIDE_REASON_PRESSURE_SOME) &&
                !decide_evidence(d, s);
        if (d->evidence_pending) {
                d->deferred++;
                return DECIDE_NONE;
        }

        if (ret_reason)
                *ret_reason = reason;
        return DECIDE_KILL;
}

/* How long to wait for a victim, or to hold after a kill that was not made. A futile kill's
 * back-off is applied when it ends (decide_kill_finished()). */
static usec_t hold_usec(const struct decider *d, enum decide_outcome o)
{
        return d->params.kill_timeout;
}

static usec_t backoff_usec(unsigned streak)
{
        if (streak == 0)
                return 0;
        if (streak > 6)
                return DECIDE_BACKOFF_MAX_USEC;
        return MIN(DECIDE_BACKOFF_MIN_USEC << (streak - 1), DECIDE_BACKOFF_MAX_USEC);
}

void decide_kill_outcome(struct decider *d, enum decide_outcome o, usec_t now, struct decide_verdict *ret)
{
        struct decide_verdict v = {.next = DECIDE_NEXT_AGAIN};

        switch (o) {
        case DECIDE_OUTCOME_KILLED:
                v.next = DECIDE_NEXT_WAIT;
                break;
        case DECIDE_OUTCOME_NO_CANDIDATE:
        case DECIDE_OUTCOME_DRY_RUN:
        case DECIDE_OUTCOME_FAILED:
        case DECIDE_OUTCOME_REFUSED: /* without decide_kill_refused(): nowhere to set it aside */
                v.next = DECIDE_NEXT_HOLD;
                break;
        case DECIDE_OUTCOME_GONE:
        case DECIDE_OUTCOME_REUSED:
        case DECIDE_OUTCOME_PROTECTED:
        case _DECIDE_OUTCOME_MAX:
                break;
        }
        if (o == DECIDE_OUTCOME_NO_CANDIDATE) {
                v.report = d->last_no_candidate == 0 || now < d->last_no_candidate ||
                           now - d->last_no_candidate >= DECIDE_NO_CANDIDATE_INTERVAL_USEC;
                if (v.report)
                        d->last_no_candidate = now;
        }
        if (v.next != DECIDE_NEXT_AGAIN) {
                v.until = now + hold_usec(d, o);
                d->waiting = true;
                d->wait_until = v.until;
        }
        if (ret)
                *ret = v;
}

void decide_kill_refused(struct decider *d, const struct proc_ident *id, usec_t now,
                         struct decide_verdict *ret)
{
        size_t n;

        (void)decide_aside(d, now, &n);
        if (n >= DECIDE_ASIDE_MAX) {
                decide_kill_outcome(d, DECIDE_OUTCOME_FAILED, now, ret);
                return;
        }
        d->aside[n] = *id;
        d->aside_until[n] = now + DECIDE_ASIDE_USEC;
        d->n_aside = n + 1;
        if (ret)
                *ret = (struct decide_verdict){.next = DECIDE_NEXT_AGAIN};
}

const struct proc_ident *decide_aside(struct decider *d, usec_t now, size_t *ret_n)
{
        size_t k = 0;

        for (size_t i = 0; i < d->n_aside; i++)
                if (now < d->aside_until[i] && d->aside_until[i] - now <= DECIDE_ASIDE_USEC) {
                        d->aside[k] = d->aside[i];
                        d->aside_until[k++] = d->aside_until[i];
                }
        d->n_aside = k;
        *ret_n = k;
        return d->aside;
}

/* The likely reason the memory did not come back: what covers half of the shortfall. */
static enum decide_futile futile_reason(const struct decide_kill_memory *m)
{
        uint64_t missing = sub_sat(m->held, m->freed), best = 0;
        enum decide_futile why = DECIDE_FUTILE_UNKNOWN;
        const struct {
                uint64_t bytes;
                enum decide_futile why;
        } causes[] = {
                {m->shmem, DECIDE_FUTILE_SHMEM},
                {m->exited ? 0 : m->locked, DECIDE_FUTILE_MLOCKED},
                {m->hugetlb, DECIDE_FUTILE_HUGETLB},
        };

        for (size_t i = 0; i < ELEMENTSOF(causes); i++)
                if (causes[i].bytes > best && causes[i].bytes >= missing / 2) {
                        best = causes[i].bytes;
                        why = causes[i].why;
                }
        if (why == DECIDE_FUTILE_UNKNOWN && !m->exited)
                why = DECIDE_FUTILE_ALIVE;
        return why;
}

void decide_kill_judge(struct decider *d, const struct decide_kill_memory *m, struct decide_judgement *ret)
{
        struct decide_judgement j = {.futile = DECIDE_FUTILE_NO};

        if (m->measured && m->held >= DECIDE_FUTILE_MIN_HELD) {
                if (m->freed < m->held / 100 * DECIDE_FUTILE_PERCENT) {
                        j.futile = futile_reason(m);
                        d->futile_streak++;
                } else
                        d->futile_streak = 0;
        }
        j.streak = d->futile_streak;
        j.backoff = j.futile != DECIDE_FUTILE_NO ? backoff_usec(d->futile_streak) : 0;
        if (ret)
                *ret = j;
}

void decide_kill_finished(struct decider *d, usec_t now)
{
        if (!d->waiting)
                return;
        leave_waiting(d, now);
        d->pcp_until = now + DECIDE_PCP_AFTER_KILL_USEC;
        if (d->futile_streak > 0) {
                /* judged futile (decide_kill_judge()): the next kill waits */
                d->waiting = true;
                d->wait_until = now + backoff_usec(d->futile_streak);
        }
}

bool decide_wants_fast(const struct decider *d)
{
        return d->waiting || d->some_above || d->evidence_pending;
}
