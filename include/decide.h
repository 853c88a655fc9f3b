#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide.h - stage 4: a pure state machine over monitor samples that says when to kill, and why */

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "monitor.h"
#include "util.h"

enum decide_action {
        DECIDE_NONE, /* nothing to do */
        DECIDE_KILL, /* pick and kill a victim now, then call decide_kill_started() */
        DECIDE_WAIT, /* a kill is in flight: wait for decide_kill_finished() or the timeout */
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

struct decide_params {
        struct threshold min_available; /* resolved against sample->mem_total */
        struct threshold min_swap_free; /* resolved against sample->swap_total */
        enum headroom_mode headroom_mode;
        uint32_t pressure_some; /* permyriad, 0 = off */
        uint32_t pressure_full; /* permyriad, 0 = off */
        usec_t pressure_window; /* the window the stall share is measured over (>= 2s used) */
        usec_t pressure_duration; /* how long "some" must stay above pressure_some */
        usec_t kill_timeout; /* longest wait for a victim before deciding again */
};

/* decide_params_from_config() - the [Monitor]/[Kill] values the decider uses. */
void decide_params_from_config(const struct reapd_config *c, struct decide_params *ret);

/* Samples of the cumulative PSI totals kept to measure the stall share over a sliding window. */
#define DECIDE_HISTORY 64

struct decide_point {
        usec_t t;
        uint64_t some_total;
        uint64_t full_total;
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

        bool waiting; /* a kill is in flight */
        usec_t kill_started;
        usec_t quiet_until; /* PSI evidence before this describes the victim, not the present */
        bool watching; /* a first sample was seen (quiet_until is at least its time) */
};

/* decider_init() - fresh decider, nothing measured, not waiting. */
void decider_init(struct decider *d, const struct decide_params *p);

/*
 * decide_step() - feed one sample; returns what to do. On DECIDE_KILL, *@ret_reason (may be NULL)
 * says why (checked in the order memory, pressure-full, swap, pressure-some); otherwise it is set
 * to DECIDE_REASON_NONE. While waiting returns DECIDE_WAIT until decide_kill_finished() or
 * params.kill_timeout after decide_kill_started(); then the same sample is judged afresh. Samples
 * without memory or pressure data just skip those checks.
 */
enum decide_action decide_step(struct decider *d, const struct monitor_sample *s,
                               enum decide_reason *ret_reason);

/* decide_kill_started() - the daemon sent SIGKILL at @now; enter the waiting state. */
void decide_kill_started(struct decider *d, usec_t now);

/*
 * decide_kill_finished() - the victim is dead and its memory accounted at @now (or the kill
 * failed): leave the waiting state. Pressure history is dropped: a new pressure decision needs
 * evidence gathered after the kill.
 */
void decide_kill_finished(struct decider *d, usec_t now);

/* decide_wants_fast() - true while pressured or waiting: the monitor should sample fast. */
bool decide_wants_fast(const struct decider *d);
