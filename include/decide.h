#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide.h - stage 4: a pure state machine over monitor samples that says when to kill, and why */

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "monitor.h"
#include "snapshot.h"
#include "util.h"

enum decide_action {
        DECIDE_NONE, /* nothing to do */
        DECIDE_KILL, /* pick and kill a victim now, then report how it went: decide_kill_outcome() */
        DECIDE_WAIT, /* a kill is in flight or on hold: wait for decide_kill_finished() or the timeout */
};

enum decide_reason {
        DECIDE_REASON_NONE,
        DECIDE_REASON_PRESSURE_SOME, /* "some" stall share sustained for PressureDuration= */
        DECIDE_REASON_PRESSURE_FULL, /* "full" stall share above PressureFull= in one window */
        DECIDE_REASON_MEMORY, /* MemAvailable (or limit - usage) below MinAvailable= */
        DECIDE_REASON_SWAP, /* SwapFree below MinSwapFree= (HeadroomMode=or only) */
        _DECIDE_REASON_MAX,
};

/* "none", "pressure-some", "pressure-full", "memory", "swap"; NULL when out of range. */
const char *decide_reason_to_string(enum decide_reason r);
const char *decide_action_to_string(enum decide_action a);

/* What became of a DECIDE_KILL: the daemon acts, then reports it to decide_kill_outcome(). */
enum decide_outcome {
        DECIDE_OUTCOME_KILLED, /* SIGKILL sent: report decide_kill_finished() once it is dead */
        DECIDE_OUTCOME_DRY_RUN, /* every check passed, no signal sent (DryRun=) */
        DECIDE_OUTCOME_GONE, /* the victim exited before it could be signalled */
        DECIDE_OUTCOME_REUSED, /* its PID names another process now */
        DECIDE_OUTCOME_PROTECTED, /* its oom_score_adj became -1000 */
        DECIDE_OUTCOME_NO_CANDIDATE, /* nothing may be killed */
        DECIDE_OUTCOME_FAILED, /* the scan or the signal failed */
        DECIDE_OUTCOME_REFUSED, /* this victim cannot be killed (EPERM ...): see decide_kill_refused() */
        _DECIDE_OUTCOME_MAX,
};

/* "killed", "dry-run", "gone", "reused", "protected", "no-candidate", "failed", "refused"; NULL out of range. */
const char *decide_outcome_to_string(enum decide_outcome o);

/* What the daemon does after an outcome. */
enum decide_next {
        DECIDE_NEXT_WAIT, /* a victim is dying: wait for it until decide_verdict.until */
        DECIDE_NEXT_HOLD, /* no kill before decide_verdict.until: as after a kill, so no storm */
        DECIDE_NEXT_AGAIN, /* nothing was done: the next sample that calls for a kill chooses again */
};

struct decide_verdict {
        enum decide_next next;
        usec_t until; /* WAIT and HOLD: when samples are judged afresh (the kill timer); 0 for AGAIN */
        bool report; /* DECIDE_OUTCOME_NO_CANDIDATE: write the record now (it is rate-limited) */
};

struct decide_params {
        struct threshold min_available; /* resolved against sample->mem_total */
        struct threshold min_swap_free; /* resolved against sample->swap_total */
        enum headroom_mode headroom_mode;
        uint32_t pressure_some; /* permyriad, 0 = off */
        uint32_t pressure_full; /* permyriad, 0 = off */
        usec_t pressure_window; /* the window the stall share is measured over (>= 2s used) */
        usec_t pressure_duration; /* how long "some" must stay above pressure_some */
        usec_t kill_timeout; /* longest wait for a victim, and the hold after a kill that was not made */
};

/* decide_params_from_config() - the [Monitor]/[Kill] values the decider uses. */
void decide_params_from_config(const struct reapd_config *c, struct decide_params *ret);

/* Samples of the cumulative PSI totals kept to measure the stall share over a sliding window. */
#define DECIDE_HISTORY 64

struct decide_point {
        usec_t t;
        uint64_t some_total;
        uint64_t full_total;
        uint64_t reclaim; /* monitor_sample.reclaim */
        bool have_reclaim;
};

/*
 * Victims whose kill failed for reasons of their own (EPERM, a unit that cannot be killed),
 * set aside for DECIDE_ASIDE_USEC so that the next choice is the next candidate. Eight: more
 * refusals than that within the span mean reapd itself lacks a right, and then the hold after
 * a failure (decide_kill_outcome()) paces the retries instead.
 */
#define DECIDE_ASIDE_MAX 8

/* Why a kill gave back much less than its victim held (decide_kill_judge()). */
enum decide_futile {
        DECIDE_FUTILE_NO, /* it freed enough, or too little was held to tell */
        DECIDE_FUTILE_SHMEM, /* its memory was mostly shmem: tmpfs files and shared mappings outlive it */
        DECIDE_FUTILE_MLOCKED, /* mlocked: process_mrelease() leaves it, and the victim has not exited */
        DECIDE_FUTILE_HUGETLB, /* HugeTLB pages: they go back to the pool, not to MemAvailable */
        DECIDE_FUTILE_ALIVE, /* the victim had not exited when the wait ended */
        DECIDE_FUTILE_UNKNOWN, /* none of these: something else took the memory back at once */
        _DECIDE_FUTILE_MAX,
};

/* "no", "shmem", "mlocked", "hugetlb", "alive", "unknown"; NULL out of range. */
const char *decide_futile_to_string(enum decide_futile f);

/* What a kill held and gave back, in bytes, for decide_kill_judge(). */
struct decide_kill_memory {
        uint64_t held; /* the victim's rss + swap as chosen */
        uint64_t freed; /* headroom gained: available (+ swap free) after less before; 0 if unknown */
        uint64_t shmem; /* of held: its RssShmem, read before the signal */
        uint64_t locked; /* its VmLck */
        uint64_t hugetlb; /* its HugetlbPages (not part of held: the kernel counts them apart) */
        bool exited; /* it had exited when the wait ended */
        bool measured; /* freed is a measurement (both samples had memory figures) */
};

struct decide_judgement {
        enum decide_futile futile;
        unsigned streak; /* futile kills in a row, this one included; 0 after one that freed enough */
        usec_t backoff; /* the hold before the next kill, from decide_kill_finished() on; 0 none */
};

/*
 * The decider. Caller-allocated; fields after params are read-only for callers (STATUS= may
 * show some_share/full_share/some_since).
 */
struct decider {
        struct decide_params params;

        struct decide_point hist[DECIDE_HISTORY]; /* ring of pressure totals */
        unsigned hist_start, hist_len;

        int32_t some_share; /* last measured "some" share, permyriad; -1 unknown */
        int32_t full_share; /* last measured "full" share, permyriad; -1 unknown */
        bool some_above; /* "some" is above its threshold (with hysteresis) */
        usec_t some_since; /* when the current "some" episode began */
        usec_t some_evidence; /* last time "some" was seen above (trigger or measurement) */

        bool waiting; /* a kill is in flight, or on hold after one that was not made */
        usec_t wait_until; /* when waiting ends without decide_kill_finished() */
        usec_t quiet_until; /* PSI evidence before this describes the victim, not the present */
        bool watching; /* a first sample was seen (quiet_until is at least its time) */

        usec_t pcp_until; /* samples before this count the per-CPU free lists (a kill just ended) */
        unsigned deferred; /* PSI-only kill decisions withheld for want of present evidence */
        bool evidence_pending; /* the last sample withheld one: the next should come soon */

        /* What outlives a reload (decide_reconfigure()). */
        usec_t last_no_candidate; /* when the last "no candidate" record was written; 0 never */
        unsigned futile_streak; /* kills in a row that freed much less than their victim held */
        struct proc_ident aside[DECIDE_ASIDE_MAX]; /* set aside (decide_kill_refused()) ... */
        usec_t aside_until[DECIDE_ASIDE_MAX]; /* ... until then */
        size_t n_aside;
};

/* decider_init() - fresh decider, nothing measured, not waiting. */
void decider_init(struct decider *d, const struct decide_params *p);

/*
 * decide_reconfigure() - new params (a reload): the pressure history, the episode and any wait
 * start over as with decider_init(); what the decider remembers of earlier outcomes (when the
 * last "no candidate" record was written, the futile streak, the victims set aside) stays.
 */
void decide_reconfigure(struct decider *d, const struct decide_params *p);

/*
 * decide_step() - feed one sample; returns what to do. On DECIDE_KILL, *@ret_reason (may be NULL)
 * says why (checked in the order memory, pressure-full, swap, pressure-some); otherwise it is set
 * to DECIDE_REASON_NONE. While waiting returns DECIDE_WAIT until decide_kill_finished() or the
 * verdict's until (decide_kill_outcome()); then the same sample is judged afresh. Samples
 * without memory or pressure data just skip those checks.
 *
 * A kill on pressure alone (no headroom reason) also needs present evidence in the scope
 * (decide_evidence()); without it the decision is withheld (DECIDE_NONE, d->deferred counted)
 * and the "some" episode goes on. While DECIDE_PCP_AFTER_KILL_USEC have not passed since a kill
 * ended, headroom counts the per-CPU free lists (mem_available_pcp), which hold much of what the
 * victim gave back; before a kill they are not counted, so the threshold means MemAvailable.
 */
enum decide_action decide_step(struct decider *d, const struct monitor_sample *s,
                               enum decide_reason *ret_reason);

/*
 * decide_kill_outcome() - the daemon acted on DECIDE_KILL at @now with outcome @o; @ret (may be
 * NULL) says what it does next. Every rate decision is made here:
 *  - KILLED: wait for the victim, at most params.kill_timeout (then decide_step() judges
 *    afresh, as after decide_kill_finished());
 *  - DRY_RUN, NO_CANDIDATE, FAILED: hold for params.kill_timeout, as if a victim were dying,
 *    so that a dry run shows the cadence of real kills and a condition no kill can mend is not
 *    rescanned at every sample; a "no candidate" record is due at most every
 *    DECIDE_NO_CANDIDATE_INTERVAL_USEC while that holds (@ret->report);
 *  - GONE, REUSED, PROTECTED: nothing was killed and nothing is held: choose again.
 */
void decide_kill_outcome(struct decider *d, enum decide_outcome o, usec_t now, struct decide_verdict *ret);

/*
 * decide_kill_refused() - the kill of victim @id failed for a reason of its own at @now (EPERM,
 * a unit reapd cannot kill): set it aside for DECIDE_ASIDE_USEC, so that the next choice skips it
 * (decide_aside()), and choose again at the next sample. With DECIDE_ASIDE_MAX victims already
 * aside, hold as after DECIDE_OUTCOME_FAILED instead. @ret (may be NULL) as decide_kill_outcome().
 */
void decide_kill_refused(struct decider *d, const struct proc_ident *id, usec_t now,
                         struct decide_verdict *ret);

/*
 * decide_aside() - the victims set aside at @now (expired ones dropped), for snapshot_opts.exclude:
 * a pointer into @d, valid until the next call on @d; their number in *@ret_n.
 */
const struct proc_ident *decide_aside(struct decider *d, usec_t now, size_t *ret_n);

/*
 * decide_kill_judge() - pure but for the streak: was the kill that just ended futile? It is when
 * the victim held at least DECIDE_FUTILE_MIN_HELD and @m->freed (measured) is under
 * DECIDE_FUTILE_PERCENT of it; the likely reason is the largest of the victim's shmem, mlocked
 * and HugeTLB memory that covers at least half of what did not come back, or that it was still
 * alive, or unknown. A futile kill grows d->futile_streak, one that freed enough ends it; a kill
 * too small to tell leaves it. @ret gets the verdict and the back-off that
 * decide_kill_finished() will apply. Call it before decide_kill_finished().
 */
void decide_kill_judge(struct decider *d, const struct decide_kill_memory *m, struct decide_judgement *ret);

/*
 * decide_kill_finished() - the victim is dead and its memory accounted at @now (or waiting for
 * it ended otherwise: timeout, reload, stop): leave the waiting state. Pressure history is
 * dropped: a new pressure decision needs evidence gathered after the kill. After a futile kill
 * (decide_kill_judge()) the decider holds for the back-off, which doubles with each futile kill
 * in a row from DECIDE_BACKOFF_MIN_USEC up to DECIDE_BACKOFF_MAX_USEC.
 */
void decide_kill_finished(struct decider *d, usec_t now);

/*
 * decide_evidence() - pure: is memory short now in the scope of @s, as the history of @d shows?
 * True when headroom is under the soft level (the larger of DECIDE_SOFT_FACTOR times MinAvailable=
 * and DECIDE_SOFT_MIN_PERMYRIAD of the total, against mem_available or high_available), or when
 * reclaim activity over the last window (at least DECIDE_RECLAIM_SPAN_MIN_USEC of history) is at
 * least DECIDE_RECLAIM_MIN_PAGES per window, or when the scope has no reclaim counters (then
 * PSI alone decides, as it always did). A sample that left them unread (reclaim_skipped) shows
 * no evidence; points without them are passed over for the reference. @s must be the sample
 * decide_step() just took.
 */
bool decide_evidence(const struct decider *d, const struct monitor_sample *s);

/* decide_wants_fast() - true while pressured, waiting, or withholding a kill for want of
 * evidence (the next sample may bring it): the monitor should sample fast. */
bool decide_wants_fast(const struct decider *d);
