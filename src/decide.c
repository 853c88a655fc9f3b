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
        [DECIDE_OUTCOME_FAILED] = "failed",
};

const char *decide_outcome_to_string(enum decide_outcome o)
{
        if ((unsigned)o >= _DECIDE_OUTCOME_MAX)
                return NULL;
        return outcome_names[o];
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
        usec_t last_no_candidate = d->last_no_candidate;

        decider_init(d, p);
        d->last_no_candidate = last_no_candidate;
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
        };

        if (d->hist_len > 0) {
                struct decide_point *last = hist_at(d, d->hist_len - 1);

                /* Time going backwards or a counter going down (cgroup recreated): start over. */
                if (p.t < last->t || p.some_total < last->some_total || p.full_total < last->full_total) {
                        pressure_reset(d);
                } else if (d->hist_len >= 2 && p.t - hist_at(d, d->hist_len - 2)->t <
                                                       share_window(d) / DECIDE_HISTORY_SPACING_DIV) {
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

static void headroom_check(const struct decider *d, const struct monitor_sample *s, bool *ret_mem,
                           bool *ret_swap)
{
        bool mem_low, swap_low, no_swap = s->swap_total == 0;

        mem_low = s->mem_available < threshold_bytes(&d->params.min_available, s->mem_total);
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
        else
                return DECIDE_NONE;

        if (ret_reason)
                *ret_reason = reason;
        return DECIDE_KILL;
}

/* How long to wait for a victim, or to hold after a kill that was not made: the one place a
 * back-off that grows with fruitless kills would lengthen it. */
static usec_t hold_usec(const struct decider *d, enum decide_outcome o)
{
        return d->params.kill_timeout;
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

void decide_kill_finished(struct decider *d, usec_t now)
{
        if (d->waiting)
                leave_waiting(d, now);
}

bool decide_wants_fast(const struct decider *d)
{
        return d->waiting || d->some_above;
}
