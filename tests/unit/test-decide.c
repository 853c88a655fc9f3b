/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-decide.c - the decision state machine over synthetic samples and synthetic time */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "decide.h"

#define MSEC USEC_PER_MSEC
#define SEC USEC_PER_SEC
#define GB (1000ULL * 1000 * 1000)

/* A simulated machine: 16 GB RAM, 8 GB swap, cumulative PSI counters advanced at a chosen share. */
struct sim {
        struct decider d;
        usec_t t;
        uint64_t some, full;
        uint64_t avail, swap_total, swap_free;
        uint64_t pcp; /* free pages on the per-CPU lists, counted only in mem_available_pcp */
        uint64_t reclaim; /* cumulative reclaim activity (pages), when have_reclaim */
        uint64_t reclaim_rate; /* pages per second added to it at each step */
        bool have_pressure, have_reclaim;
        bool reclaim_skipped; /* counters left unread (PSI quiet), instead of have_reclaim */
};

static void sim_init(struct sim *s, const struct decide_params *p)
{
        *s = (struct sim){};
        decider_init(&s->d, p);
        s->t = 100 * SEC;
        s->some = 1000000;
        s->full = 500000;
        s->avail = 8 * GB;
        s->swap_total = 8 * GB;
        s->swap_free = 8 * GB;
        s->have_pressure = true;
}

/* A machine without swap and with 100 MB available: every sample calls for a kill. */
static void sim_init_low_memory(struct sim *s, const struct decide_params *p)
{
        sim_init(s, p);
        s->swap_total = s->swap_free = 0;
        s->avail = 100 * 1000 * 1000;
}

static struct decide_params default_params(void)
{
        return (struct decide_params){
                .min_available = {.percent = true, .permyriad = 500},
                .min_swap_free = {.percent = true, .permyriad = 1000},
                .headroom_mode = HEADROOM_AND,
                .pressure_some = 1000, /* 10% */
                .pressure_full = 6000, /* 60% */
                .pressure_window = 2 * SEC,
                .pressure_duration = 10 * SEC,
                .kill_timeout = 5 * SEC,
        };
}

/* Advance @dt with "some"/"full" stall shares (permyriad) over it, then take a sample. */
static enum decide_action sim_step(struct sim *s, usec_t dt, uint32_t some, uint32_t full,
                                   enum monitor_cause cause, enum decide_reason *ret_reason)
{
        struct monitor_sample m;

        s->t += dt;
        s->some += dt * some / PERMYRIAD_MAX;
        s->full += dt * full / PERMYRIAD_MAX;
        s->reclaim += dt * s->reclaim_rate / SEC;
        m = (struct monitor_sample){
                .now = s->t,
                .cause = cause,
                .have_pressure = s->have_pressure,
                .pressure = {.some.total = s->some, .full.total = s->full, .have_full = true},
                .have_memory = true,
                .mem_total = 16 * GB,
                .mem_available = s->avail,
                .mem_available_pcp = MIN(s->avail + s->pcp, 16 * GB),
                .high_available = UINT64_MAX,
                .swap_total = s->swap_total,
                .swap_free = s->swap_free,
                .reclaim = s->reclaim,
                .have_reclaim = s->have_reclaim && !s->reclaim_skipped,
                .reclaim_skipped = s->reclaim_skipped,
        };
        return decide_step(&s->d, &m, ret_reason);
}

/* Run fast samples (500ms, like the monitor while pressured) for @len at @some; returns when it kills. */
static usec_t run_until_kill(struct sim *s, usec_t len, uint32_t some, enum decide_reason *ret_reason)
{
        usec_t end = s->t + len;

        while (s->t < end)
                if (sim_step(s, 500 * MSEC, some, 0, MONITOR_CAUSE_TIMER, ret_reason) == DECIDE_KILL)
                        return s->t;
        return 0;
}

static void test_idle(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why = 99;
        struct sim s;

        sim_init(&s, &p);
        for (int i = 0; i < 100; i++) {
                assert_int_equal(sim_step(&s, 10 * SEC, 50, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
                assert_int_equal(why, DECIDE_REASON_NONE);
        }
        assert_false(decide_wants_fast(&s.d));
}

static void test_some_sustained(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why;
        usec_t start, killed;
        struct sim s;

        sim_init(&s, &p);
        assert_int_equal(sim_step(&s, 10 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);

        /* Thrashing at 20% from now; the trigger (10% of 2s) fires after the first 2s window. */
        start = s.t;
        assert_int_equal(sim_step(&s, 2 * SEC, 2000, 0, MONITOR_CAUSE_TRIGGER_SOME, &why), DECIDE_NONE);
        assert_true(decide_wants_fast(&s.d));
        assert_int_equal(s.d.some_since, start);

        killed = run_until_kill(&s, 20 * SEC, 2000, &why);
        assert_int_equal(why, DECIDE_REASON_PRESSURE_SOME);
        /* Exactly PressureDuration after the episode began: not earlier, not later. */
        assert_int_equal(killed - start, p.pressure_duration);
        assert_int_equal(s.d.some_share, 2000);
}

/* Pressure already on when reapd starts: the clock starts at its first sample, not a window earlier. */
static void test_some_at_startup(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why;
        usec_t first, killed;
        struct sim s;

        sim_init(&s, &p);
        first = s.t + 100 * MSEC;
        assert_int_equal(sim_step(&s, 100 * MSEC, 2000, 0, MONITOR_CAUSE_TRIGGER_SOME, &why), DECIDE_NONE);
        assert_int_equal(s.d.some_since, first);
        killed = run_until_kill(&s, 20 * SEC, 2000, &why);
        assert_int_equal(why, DECIDE_REASON_PRESSURE_SOME);
        assert_true(killed - first >= p.pressure_duration);
}

static void test_some_brief_spike(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why;
        struct sim s;

        sim_init(&s, &p);
        assert_int_equal(sim_step(&s, 10 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        /* 4s of 50% stall (a link step), then calm. */
        assert_int_equal(sim_step(&s, 2 * SEC, 5000, 0, MONITOR_CAUSE_TRIGGER_SOME, &why), DECIDE_NONE);
        assert_int_equal(run_until_kill(&s, 2 * SEC, 5000, &why), 0);
        assert_int_equal(run_until_kill(&s, 30 * SEC, 0, &why), 0);
        assert_false(s.d.some_above);
        assert_false(decide_wants_fast(&s.d));

        /* Repeated short spikes with calm gaps longer than a window never add up to a kill. */
        for (int i = 0; i < 10; i++) {
                assert_int_equal(sim_step(&s, 2 * SEC, 3000, 0, MONITOR_CAUSE_TRIGGER_SOME, &why),
                                 DECIDE_NONE);
                assert_int_equal(run_until_kill(&s, 1 * SEC, 3000, &why), 0);
                assert_int_equal(run_until_kill(&s, 5 * SEC, 0, &why), 0);
        }
}

static void test_some_hysteresis(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why = DECIDE_REASON_NONE;
        usec_t start, end;
        struct sim s;
        bool killed = false;

        sim_init(&s, &p);
        assert_int_equal(sim_step(&s, 10 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        start = s.t;
        assert_int_equal(sim_step(&s, 2 * SEC, 1200, 0, MONITOR_CAUSE_TRIGGER_SOME, &why), DECIDE_NONE);
        /* Wobbling 8%..12% around a 10% threshold (LAB.md: 10-13% measured) is still sustained. */
        end = s.t + 15 * SEC;
        for (int i = 0; s.t < end && !killed; i++)
                killed = sim_step(&s, 500 * MSEC, (i / 4) % 2 ? 800 : 1200, 0, MONITOR_CAUSE_TIMER, &why) ==
                         DECIDE_KILL;
        assert_true(killed);
        assert_int_equal(why, DECIDE_REASON_PRESSURE_SOME);
        assert_true(s.t - start <= p.pressure_duration + 1 * SEC);

        /* A real dip (5%, under 75% of the threshold) ends the episode and restarts the clock. */
        sim_init(&s, &p);
        assert_int_equal(sim_step(&s, 10 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        assert_int_equal(sim_step(&s, 2 * SEC, 2000, 0, MONITOR_CAUSE_TRIGGER_SOME, &why), DECIDE_NONE);
        assert_int_equal(run_until_kill(&s, 6 * SEC, 2000, &why), 0);
        assert_int_equal(run_until_kill(&s, 3 * SEC, 500, &why), 0);
        assert_false(s.d.some_above);
        assert_int_equal(run_until_kill(&s, 6 * SEC, 2000, &why), 0);
        assert_true(s.d.some_above);
}

static void test_some_polling(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why = DECIDE_REASON_NONE;
        usec_t start;
        struct sim s;
        int i;

        /* No triggers: samples every second (PressurePollInterval=), the counters alone decide. */
        sim_init(&s, &p);
        for (i = 0; i < 5; i++)
                assert_int_equal(sim_step(&s, 1 * SEC, 0, 0, MONITOR_CAUSE_POLL, &why), DECIDE_NONE);
        start = s.t;
        for (i = 0; i < 30; i++)
                if (sim_step(&s, 1 * SEC, 3000, 0, MONITOR_CAUSE_POLL, &why) == DECIDE_KILL)
                        break;
        assert_int_equal(why, DECIDE_REASON_PRESSURE_SOME);
        /* Dated from the window it was first measured in: within one window of the true onset. */
        assert_true(s.t - start + p.pressure_window >= p.pressure_duration);
        assert_true(s.t - start <= p.pressure_duration + p.pressure_window);
}

static void test_full(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why;
        struct sim s;
        int i;

        /* The "full" trigger acts at once. */
        sim_init(&s, &p);
        assert_int_equal(sim_step(&s, 10 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        assert_int_equal(sim_step(&s, 2 * SEC, 9000, 7000, MONITOR_CAUSE_TRIGGER_FULL, &why), DECIDE_KILL);
        assert_int_equal(why, DECIDE_REASON_PRESSURE_FULL);

        /* Polling: as soon as one window's measured full share reaches 60%. */
        sim_init(&s, &p);
        for (i = 0; i < 3; i++)
                assert_int_equal(sim_step(&s, 1 * SEC, 0, 0, MONITOR_CAUSE_POLL, &why), DECIDE_NONE);
        assert_int_equal(sim_step(&s, 1 * SEC, 9000, 7000, MONITOR_CAUSE_POLL, &why), DECIDE_NONE);
        assert_int_equal(sim_step(&s, 1 * SEC, 9000, 7000, MONITOR_CAUSE_POLL, &why), DECIDE_KILL);
        assert_int_equal(why, DECIDE_REASON_PRESSURE_FULL);

        /* Level off: the trigger cause alone does nothing. */
        p.pressure_full = 0;
        p.pressure_some = 0;
        sim_init(&s, &p);
        assert_int_equal(sim_step(&s, 2 * SEC, 9000, 9000, MONITOR_CAUSE_TRIGGER_FULL, &why), DECIDE_NONE);
        assert_int_equal(run_until_kill(&s, 30 * SEC, 9000, &why), 0);
}

static enum decide_action headroom(enum headroom_mode mode, uint64_t avail, uint64_t swap_total,
                                   uint64_t swap_free, enum decide_reason *why)
{
        struct decide_params p = default_params();
        struct sim s;

        p.headroom_mode = mode;
        sim_init(&s, &p);
        s.avail = avail;
        s.swap_total = swap_total;
        s.swap_free = swap_free;
        return sim_step(&s, 1 * SEC, 0, 0, MONITOR_CAUSE_TIMER, why);
}

static void test_headroom(void **state)
{
        /* Thresholds: 5% of 16 GB = 800 MB memory, 10% of 8 GB = 800 MB swap. */
        const uint64_t low = 700 * 1000 * 1000, ok = 900 * 1000 * 1000;
        enum decide_reason why;

        /* AND: low memory with free swap is swapping at work; low swap alone is harmless. */
        assert_int_equal(headroom(HEADROOM_AND, low, 8 * GB, 8 * GB, &why), DECIDE_NONE);
        assert_int_equal(headroom(HEADROOM_AND, ok, 8 * GB, low, &why), DECIDE_NONE);
        assert_int_equal(headroom(HEADROOM_AND, low, 8 * GB, low, &why), DECIDE_KILL);
        assert_int_equal(why, DECIDE_REASON_MEMORY);
        /* No swap counts as exhausted: memory alone decides. */
        assert_int_equal(headroom(HEADROOM_AND, low, 0, 0, &why), DECIDE_KILL);
        assert_int_equal(why, DECIDE_REASON_MEMORY);
        assert_int_equal(headroom(HEADROOM_AND, ok, 0, 0, &why), DECIDE_NONE);

        /* OR: either. */
        assert_int_equal(headroom(HEADROOM_OR, low, 8 * GB, 8 * GB, &why), DECIDE_KILL);
        assert_int_equal(why, DECIDE_REASON_MEMORY);
        assert_int_equal(headroom(HEADROOM_OR, ok, 8 * GB, low, &why), DECIDE_KILL);
        assert_int_equal(why, DECIDE_REASON_SWAP);
        /* ...but a machine without swap never kills for "swap". */
        assert_int_equal(headroom(HEADROOM_OR, ok, 0, 0, &why), DECIDE_NONE);
        assert_int_equal(headroom(HEADROOM_OR, low, 0, 0, &why), DECIDE_KILL);
        assert_int_equal(why, DECIDE_REASON_MEMORY);
}

static void test_headroom_absolute_and_missing(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why;
        struct monitor_sample m = {.now = 5 * SEC, .cause = MONITOR_CAUSE_SYNC};
        struct decider d;

        p.min_available = (struct threshold){.bytes = 1 * GB};
        decider_init(&d, &p);
        /* Neither memory nor pressure data: nothing to judge. */
        assert_int_equal(decide_step(&d, &m, &why), DECIDE_NONE);

        m.have_memory = true;
        m.mem_total = 400 * 1000 * 1000; /* a cgroup limit below the absolute threshold */
        m.mem_available = 300 * 1000 * 1000;
        assert_int_equal(decide_step(&d, &m, &why), DECIDE_KILL);
        assert_int_equal(why, DECIDE_REASON_MEMORY);
}

static void test_wait_timeout(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why;
        usec_t t0;
        struct sim s;

        sim_init_low_memory(&s, &p);
        assert_int_equal(sim_step(&s, 1 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);
        t0 = s.t;
        decide_kill_outcome(&s.d, DECIDE_OUTCOME_KILLED, t0, NULL);
        assert_true(decide_wants_fast(&s.d));

        /* The condition still holds right after the kill: no second kill (no storm) ... */
        while (s.t + 500 * MSEC < t0 + p.kill_timeout) {
                assert_int_equal(sim_step(&s, 500 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_WAIT);
                assert_int_equal(why, DECIDE_REASON_NONE);
        }
        /* ... until the timeout: then judged afresh, and it still holds. */
        assert_int_equal(sim_step(&s, 500 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);
        assert_int_equal(s.t - t0, p.kill_timeout);
        assert_int_equal(why, DECIDE_REASON_MEMORY);
        assert_false(s.d.waiting);
}

static void test_wait_early_finish(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why;
        struct sim s;

        sim_init_low_memory(&s, &p);
        assert_int_equal(sim_step(&s, 1 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);
        decide_kill_outcome(&s.d, DECIDE_OUTCOME_KILLED, s.t, NULL);
        assert_int_equal(sim_step(&s, 100 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_WAIT);

        /* The victim is dead after 200ms but freed too little: kill again at once, no fixed blindness. */
        decide_kill_finished(&s.d, s.t + 100 * MSEC);
        assert_false(decide_wants_fast(&s.d));
        assert_int_equal(sim_step(&s, 100 * MSEC, 0, 0, MONITOR_CAUSE_SYNC, &why), DECIDE_KILL);
        assert_int_equal(why, DECIDE_REASON_MEMORY);

        /* Second victim was enough. */
        decide_kill_outcome(&s.d, DECIDE_OUTCOME_KILLED, s.t, NULL);
        decide_kill_finished(&s.d, s.t + 300 * MSEC);
        s.avail = 8 * GB;
        assert_int_equal(sim_step(&s, 300 * MSEC, 0, 0, MONITOR_CAUSE_SYNC, &why), DECIDE_NONE);

        /* A finish without a start is harmless. */
        decide_kill_finished(&s.d, s.t);
        assert_int_equal(sim_step(&s, 1 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
}

static void test_pressure_after_kill(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why;
        usec_t killed, finished, again;
        struct sim s;

        sim_init(&s, &p);
        assert_int_equal(sim_step(&s, 10 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        assert_int_equal(sim_step(&s, 2 * SEC, 2000, 0, MONITOR_CAUSE_TRIGGER_SOME, &why), DECIDE_NONE);
        killed = run_until_kill(&s, 20 * SEC, 2000, &why);
        assert_true(killed > 0);
        decide_kill_outcome(&s.d, DECIDE_OUTCOME_KILLED, killed, NULL);

        /* Triggers during the wait are ignored. */
        assert_int_equal(sim_step(&s, 500 * MSEC, 2000, 9000, MONITOR_CAUSE_TRIGGER_FULL, &why),
                         DECIDE_WAIT);
        finished = s.t + 100 * MSEC;
        decide_kill_finished(&s.d, finished);

        /* A trigger whose window still covers the victim's stall does not count ... */
        assert_int_equal(sim_step(&s, 1 * SEC, 2000, 0, MONITOR_CAUSE_TRIGGER_SOME, &why), DECIDE_NONE);
        assert_false(s.d.some_above);
        assert_int_equal(sim_step(&s, 200 * MSEC, 2000, 9000, MONITOR_CAUSE_TRIGGER_FULL, &why),
                         DECIDE_NONE);
        /* ... nor one served late by the 2 s averaging work (unprivileged), 2.4 s after the kill */
        assert_int_equal(sim_step(&s, 1200 * MSEC, 2000, 9000, MONITOR_CAUSE_TRIGGER_FULL, &why),
                         DECIDE_NONE);

        /* ... and if a second thrasher keeps going, the next kill needs a whole new PressureDuration. */
        again = run_until_kill(&s, 30 * SEC, 2000, &why);
        assert_int_equal(why, DECIDE_REASON_PRESSURE_SOME);
        assert_true(again - finished >= p.pressure_duration);
        /* the episode may only start after the two quiet windows, then lasts PressureDuration */
        assert_true(again - finished <= p.pressure_duration + 3 * p.pressure_window);
}

static void test_counter_reset_and_gaps(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why;
        struct sim s;

        sim_init(&s, &p);
        assert_int_equal(sim_step(&s, 2 * SEC, 2000, 0, MONITOR_CAUSE_TRIGGER_SOME, &why), DECIDE_NONE);
        assert_true(s.d.some_above);
        /* The cgroup was recreated: counters start again from 0. */
        s.some = s.full = 0;
        assert_int_equal(sim_step(&s, 500 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        assert_false(s.d.some_above);

        /* An episode with no fresh evidence for a long gap is over, not a kill. */
        assert_int_equal(sim_step(&s, 2 * SEC, 2000, 0, MONITOR_CAUSE_TRIGGER_SOME, &why), DECIDE_NONE);
        assert_true(s.d.some_above);
        assert_int_equal(sim_step(&s, 30 * SEC, 2000, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        assert_false(s.d.some_above);

        /* Samples without pressure data leave pressure alone. */
        s.have_pressure = false;
        assert_int_equal(sim_step(&s, 1 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
}

/* What the daemon reports after a DECIDE_KILL, and what the decider makes of it. */
static void test_outcomes(void **state)
{
        struct decide_params p = default_params();
        struct decide_verdict v;
        enum decide_reason why;
        usec_t t0;
        struct sim s;

        sim_init_low_memory(&s, &p);

        /* A kill: wait for the victim until KillTimeout=. */
        assert_int_equal(sim_step(&s, 1 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);
        decide_kill_outcome(&s.d, DECIDE_OUTCOME_KILLED, s.t, &v);
        assert_int_equal(v.next, DECIDE_NEXT_WAIT);
        assert_int_equal(v.until, s.t + p.kill_timeout);
        assert_false(v.report);
        assert_true(s.d.waiting);
        decide_kill_finished(&s.d, s.t + 100 * MSEC);

        /* Victim gone, reused or protected: nothing held, the next sample chooses again. */
        for (enum decide_outcome o = DECIDE_OUTCOME_GONE; o <= DECIDE_OUTCOME_PROTECTED; o++) {
                assert_int_equal(sim_step(&s, 500 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);
                decide_kill_outcome(&s.d, o, s.t, &v);
                assert_int_equal(v.next, DECIDE_NEXT_AGAIN);
                assert_int_equal(v.until, 0);
                assert_false(s.d.waiting);
                assert_false(decide_wants_fast(&s.d));
        }

        /* Dry run and failures hold as a kill would: the same cadence, no rescan at every sample. */
        for (enum decide_outcome o = DECIDE_OUTCOME_DRY_RUN; o <= DECIDE_OUTCOME_FAILED;
             o = o == DECIDE_OUTCOME_DRY_RUN ? DECIDE_OUTCOME_FAILED : _DECIDE_OUTCOME_MAX) {
                assert_int_equal(sim_step(&s, 500 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);
                t0 = s.t;
                decide_kill_outcome(&s.d, o, t0, &v);
                assert_int_equal(v.next, DECIDE_NEXT_HOLD);
                assert_int_equal(v.until, t0 + p.kill_timeout);
                assert_false(v.report);
                while (s.t + 500 * MSEC < v.until)
                        assert_int_equal(sim_step(&s, 500 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why),
                                         DECIDE_WAIT);
        }
        assert_int_equal(sim_step(&s, 500 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);

        /* No candidate: held likewise; its record at most every 30 s while it lasts. */
        t0 = s.t;
        decide_kill_outcome(&s.d, DECIDE_OUTCOME_NO_CANDIDATE, s.t, &v);
        assert_int_equal(v.next, DECIDE_NEXT_HOLD);
        assert_int_equal(v.until, t0 + p.kill_timeout);
        assert_true(v.report);
        for (int i = 0; i < 6; i++) {
                while (sim_step(&s, 500 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why) == DECIDE_WAIT)
                        ;
                decide_kill_outcome(&s.d, DECIDE_OUTCOME_NO_CANDIDATE, s.t, &v);
                assert_int_equal(v.report, s.t - t0 >= 30 * SEC);
                if (v.report)
                        break;
        }
        assert_true(v.report);
        t0 = s.t;

        /* A reload starts the measurements over but keeps the record's rate limit. */
        decide_reconfigure(&s.d, &p);
        assert_false(s.d.waiting);
        assert_int_equal(sim_step(&s, 500 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);
        decide_kill_outcome(&s.d, DECIDE_OUTCOME_NO_CANDIDATE, s.t, &v);
        assert_false(v.report);
        decider_init(&s.d, &p);
        assert_int_equal(sim_step(&s, 500 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);
        decide_kill_outcome(&s.d, DECIDE_OUTCOME_NO_CANDIDATE, s.t, NULL);

        assert_string_equal(decide_outcome_to_string(DECIDE_OUTCOME_NO_CANDIDATE), "no-candidate");
        assert_string_equal(decide_outcome_to_string(DECIDE_OUTCOME_DRY_RUN), "dry-run");
        assert_null(decide_outcome_to_string(_DECIDE_OUTCOME_MAX));
}

/*
 * Recorded in the lab (LAB.md, "PSI triggers report the past"): a cgroup's thrasher was killed,
 * and reapd started 0.3 s later. Its first sample saw the whole limit free and no reclaim; a
 * "full" trigger, served from the kernel's 2 s averaging, fired within the first window and
 * described the dead thrasher. Without present evidence the decider killed the bystander 1 run
 * in 3. Here the trigger comes at every offset of the first two windows, with and without a
 * "some" trigger and the stale share the averages still show: never a kill.
 */
static void test_stale_trigger_after_start(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why;
        struct sim s;

        for (usec_t off = 50 * MSEC; off <= 4 * SEC; off += 50 * MSEC) {
                sim_init(&s, &p);
                s.have_reclaim = true;
                s.reclaim = 5000000; /* the counters remember the thrash; they no longer rise */
                s.avail = 15 * GB;
                assert_int_equal(sim_step(&s, 0, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
                /* a "full" trigger at @off, then a "some" one, then the fast samples */
                assert_int_equal(sim_step(&s, off, 8000, 7000, MONITOR_CAUSE_TRIGGER_FULL, &why),
                                 DECIDE_NONE);
                assert_int_equal(sim_step(&s, 10 * MSEC, 8000, 7000, MONITOR_CAUSE_TRIGGER_SOME, &why),
                                 DECIDE_NONE);
                for (int i = 0; i < 8; i++)
                        assert_int_equal(sim_step(&s, 500 * MSEC, 8000, 7000, MONITOR_CAUSE_TIMER, &why),
                                         DECIDE_NONE);
                assert_true(s.d.deferred > 0);
        }

        /* The same samples with reclaim still rising (the thrasher alive): a kill, at once. */
        sim_init(&s, &p);
        s.have_reclaim = true;
        s.reclaim_rate = 8000; /* pages/s: the lab's thrash refaulted 6 000 to 20 000 */
        assert_int_equal(sim_step(&s, 0, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        assert_int_equal(sim_step(&s, 600 * MSEC, 8000, 7000, MONITOR_CAUSE_TRIGGER_FULL, &why),
                         DECIDE_KILL);
        assert_int_equal(why, DECIDE_REASON_PRESSURE_FULL);

        /* Too soon after start to tell a rate (under 250 ms): wait for the next sample. */
        sim_init(&s, &p);
        s.have_reclaim = true;
        s.reclaim_rate = 8000;
        assert_int_equal(sim_step(&s, 0, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        assert_int_equal(sim_step(&s, 100 * MSEC, 8000, 7000, MONITOR_CAUSE_TRIGGER_FULL, &why),
                         DECIDE_NONE);
        assert_int_equal(sim_step(&s, 500 * MSEC, 8000, 7000, MONITOR_CAUSE_TRIGGER_FULL, &why),
                         DECIDE_KILL);
}

/* A sustained "some" episode still kills when reclaim goes on; it waits while it does not. */
static void test_some_needs_reclaim(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why;
        usec_t start, killed;
        struct sim s;

        sim_init(&s, &p);
        s.have_reclaim = true;
        s.reclaim_rate = 3000;
        assert_int_equal(sim_step(&s, 10 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        start = s.t;
        assert_int_equal(sim_step(&s, 2 * SEC, 2000, 0, MONITOR_CAUSE_TRIGGER_SOME, &why), DECIDE_NONE);
        killed = run_until_kill(&s, 20 * SEC, 2000, &why);
        assert_int_equal(why, DECIDE_REASON_PRESSURE_SOME);
        assert_int_equal(killed - start, p.pressure_duration);

        /* Stall with reclaim flat (another scope's I/O, a frozen task): the episode runs, no kill... */
        sim_init(&s, &p);
        s.have_reclaim = true;
        assert_int_equal(sim_step(&s, 10 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        assert_int_equal(sim_step(&s, 2 * SEC, 2000, 0, MONITOR_CAUSE_TRIGGER_SOME, &why), DECIDE_NONE);
        assert_int_equal(run_until_kill(&s, 30 * SEC, 2000, &why), 0);
        assert_true(s.d.some_above);
        /* ... until reclaim starts: then at once, the episode being long enough. */
        s.reclaim_rate = 1000;
        killed = run_until_kill(&s, 3 * SEC, 2000, &why);
        assert_true(killed > 0);
        assert_int_equal(why, DECIDE_REASON_PRESSURE_SOME);

        /* A trickle under DECIDE_RECLAIM_MIN_PAGES a window is no evidence. */
        sim_init(&s, &p);
        s.have_reclaim = true;
        s.reclaim_rate = 50;
        assert_int_equal(sim_step(&s, 10 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        assert_int_equal(sim_step(&s, 2 * SEC, 9000, 8000, MONITOR_CAUSE_TRIGGER_FULL, &why), DECIDE_NONE);

        /* Headroom under the soft level is evidence enough: 1 GB of 16 (under 10 %). */
        s.avail = 1 * GB;
        assert_int_equal(sim_step(&s, 500 * MSEC, 9000, 8000, MONITOR_CAUSE_TRIGGER_FULL, &why),
                         DECIDE_KILL);
        assert_int_equal(why, DECIDE_REASON_PRESSURE_FULL);

        /* Without reclaim counters (an old kernel, no memory.stat) PSI decides alone, as it did. */
        sim_init(&s, &p);
        assert_int_equal(sim_step(&s, 10 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        assert_int_equal(sim_step(&s, 2 * SEC, 9000, 8000, MONITOR_CAUSE_TRIGGER_FULL, &why), DECIDE_KILL);
}

/* Reclaim counters left unread on quiet samples (monitor_wants_reclaim()): such a sample is no
 * evidence and asks for the next one soon; the reference is the newest point that has them. */
static void test_reclaim_skipped(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why;
        struct sim s;

        sim_init(&s, &p);
        s.have_reclaim = true;
        s.reclaim = 1000;
        assert_int_equal(sim_step(&s, 0, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        s.reclaim_skipped = true;
        for (int i = 0; i < 3; i++)
                assert_int_equal(sim_step(&s, 10 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        /* a thrash starts; a quiet-timer sample measures its stall but has no counters */
        s.reclaim_rate = 8000;
        assert_int_equal(sim_step(&s, 2 * SEC, 9000, 8000, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        assert_int_equal(s.d.deferred, 1);
        assert_true(s.d.evidence_pending && decide_wants_fast(&s.d));
        /* the next reads them: measured against the reading 32 s back, past the points without */
        s.reclaim_skipped = false;
        assert_int_equal(sim_step(&s, 500 * MSEC, 9000, 8000, MONITOR_CAUSE_TRIGGER_FULL, &why),
                         DECIDE_KILL);
        assert_int_equal(why, DECIDE_REASON_PRESSURE_FULL);
        assert_false(s.d.evidence_pending);

        /* a reading only at the trigger: no rate yet; the next sample has one */
        sim_init(&s, &p);
        s.have_reclaim = s.reclaim_skipped = true;
        assert_int_equal(sim_step(&s, 0, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        assert_int_equal(sim_step(&s, 10 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        s.reclaim_skipped = false;
        s.reclaim_rate = 8000;
        assert_int_equal(sim_step(&s, 2 * SEC, 9000, 8000, MONITOR_CAUSE_TRIGGER_FULL, &why), DECIDE_NONE);
        assert_int_equal(sim_step(&s, 500 * MSEC, 9000, 8000, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);

        /* a counter lower than its reference (a cgroup made again) is no rate */
        sim_init(&s, &p);
        s.have_reclaim = true;
        s.reclaim = 900000;
        assert_int_equal(sim_step(&s, 0, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        s.reclaim_skipped = true;
        assert_int_equal(sim_step(&s, 10 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        s.reclaim_skipped = false;
        s.reclaim = 10;
        assert_int_equal(sim_step(&s, 2 * SEC, 9000, 8000, MONITOR_CAUSE_TRIGGER_FULL, &why), DECIDE_NONE);

        /* "full" alone: a withheld trigger keeps the samples fast until pressure says no more */
        p.pressure_some = 0;
        sim_init(&s, &p);
        s.have_reclaim = true;
        assert_int_equal(sim_step(&s, 0, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        assert_int_equal(sim_step(&s, 100 * MSEC, 9000, 8000, MONITOR_CAUSE_TRIGGER_FULL, &why),
                         DECIDE_NONE);
        assert_true(decide_wants_fast(&s.d));
        assert_int_equal(sim_step(&s, 500 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        assert_false(decide_wants_fast(&s.d));
}

/*
 * Recorded after a kill on this machine: MemAvailable rose by a few hundred MB in the first
 * seconds while 0.5 to 1.5 GB sat on the per-CPU lists (bench/TUNABLES.md). The lists count for
 * DECIDE_PCP_AFTER_KILL_USEC after a kill ends, and never before one.
 */
static void test_pcp_after_kill(void **state)
{
        struct decide_params p = default_params();
        enum decide_reason why;
        struct sim s;

        /* 5% of 16 GB = 800 MB. Before any kill the lists do not count: 700 MB + 300 MB is a kill. */
        sim_init_low_memory(&s, &p);
        s.avail = 700 * 1000 * 1000;
        s.pcp = 300 * 1000 * 1000;
        assert_int_equal(sim_step(&s, 1 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);
        decide_kill_outcome(&s.d, DECIDE_OUTCOME_KILLED, s.t, NULL);
        decide_kill_finished(&s.d, s.t + 100 * MSEC);

        /* The victim is dead; its memory is on the lists. No second kill (no storm) ... */
        s.avail = 750 * 1000 * 1000;
        s.pcp = 900 * 1000 * 1000;
        for (int i = 0; i < 9; i++)
                assert_int_equal(sim_step(&s, 500 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_NONE);
        /* ... and once the window is over, MemAvailable alone decides again. */
        assert_int_equal(sim_step(&s, 1 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);
}

/* A victim whose memory is a tmpfs file: freed nothing; the back-off grows, a useful kill ends it. */
static void test_futile_backoff(void **state)
{
        struct decide_params p = default_params();
        struct decide_kill_memory shm = {
                .held = 200 << 20, .freed = 2 << 20, .shmem = 190 << 20, .exited = true, .measured = true};
        struct decide_judgement j;
        enum decide_reason why;
        usec_t expect = 2 * SEC, t0;
        struct sim s;

        sim_init_low_memory(&s, &p);
        for (unsigned n = 1; n <= 8; n++) {
                assert_int_equal(sim_step(&s, 100 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);
                decide_kill_outcome(&s.d, DECIDE_OUTCOME_KILLED, s.t, NULL);
                decide_kill_judge(&s.d, &shm, &j);
                assert_int_equal(j.futile, DECIDE_FUTILE_SHMEM);
                assert_int_equal(j.streak, n);
                assert_int_equal(j.backoff, MIN(expect, 64 * SEC));
                t0 = s.t + 200 * MSEC;
                decide_kill_finished(&s.d, t0);
                /* held until the back-off is over, however low memory stays */
                while (s.t + 100 * MSEC < t0 + j.backoff)
                        assert_int_equal(sim_step(&s, 100 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why),
                                         DECIDE_WAIT);
                expect *= 2;
        }
        /* A kill that gives back what its victim held ends the streak. */
        assert_int_equal(sim_step(&s, 100 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);
        decide_kill_outcome(&s.d, DECIDE_OUTCOME_KILLED, s.t, NULL);
        decide_kill_judge(&s.d,
                          &(struct decide_kill_memory){
                                  .held = 200 << 20, .freed = 180 << 20, .exited = true, .measured = true},
                          &j);
        assert_int_equal(j.futile, DECIDE_FUTILE_NO);
        assert_int_equal(j.streak, 0);
        assert_int_equal(j.backoff, 0);
        decide_kill_finished(&s.d, s.t + 100 * MSEC);
        assert_int_equal(sim_step(&s, 200 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);

        /* The likely causes. */
        decide_kill_judge(
                &s.d, &(struct decide_kill_memory){.held = 1 << 30, .locked = 900 << 20, .measured = true},
                &j);
        assert_int_equal(j.futile, DECIDE_FUTILE_MLOCKED);
        decide_kill_judge(&s.d,
                          &(struct decide_kill_memory){
                                  .held = 1 << 30, .locked = 900 << 20, .exited = true, .measured = true},
                          &j);
        assert_int_equal(j.futile, DECIDE_FUTILE_UNKNOWN); /* exited: its locked pages are freed */
        decide_kill_judge(&s.d,
                          &(struct decide_kill_memory){
                                  .held = 1 << 30, .hugetlb = 2U << 30, .exited = true, .measured = true},
                          &j);
        assert_int_equal(j.futile, DECIDE_FUTILE_HUGETLB);
        decide_kill_judge(&s.d, &(struct decide_kill_memory){.held = 1 << 30, .measured = true}, &j);
        assert_int_equal(j.futile, DECIDE_FUTILE_ALIVE);
        /* too small to tell, or not measured: no verdict, the streak stays */
        decide_kill_judge(
                &s.d, &(struct decide_kill_memory){.held = 8 << 20, .exited = true, .measured = true}, &j);
        assert_int_equal(j.futile, DECIDE_FUTILE_NO);
        assert_int_equal(j.streak, 4);
        decide_kill_judge(&s.d, &(struct decide_kill_memory){.held = 1 << 30, .exited = true}, &j);
        assert_int_equal(j.futile, DECIDE_FUTILE_NO);
        assert_int_equal(j.streak, 4);
        assert_string_equal(decide_futile_to_string(DECIDE_FUTILE_SHMEM), "shmem");
        assert_null(decide_futile_to_string(_DECIDE_FUTILE_MAX));

        /* The streak outlives a reload. */
        decide_reconfigure(&s.d, &p);
        assert_int_equal(s.d.futile_streak, 4);
}

/* A victim that cannot be killed is set aside for a minute; the next sample chooses again. */
static void test_refused(void **state)
{
        struct decide_params p = default_params();
        struct decide_verdict v;
        const struct proc_ident *aside;
        enum decide_reason why;
        usec_t t0;
        size_t n;
        struct sim s;

        sim_init_low_memory(&s, &p);
        assert_int_equal(sim_step(&s, 1 * SEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);
        t0 = s.t;
        decide_kill_refused(&s.d, &(struct proc_ident){.pid = 42, .starttime = 7}, t0, &v);
        assert_int_equal(v.next, DECIDE_NEXT_AGAIN);
        assert_false(s.d.waiting);
        assert_int_equal(sim_step(&s, 100 * MSEC, 0, 0, MONITOR_CAUSE_TIMER, &why), DECIDE_KILL);
        aside = decide_aside(&s.d, s.t, &n);
        assert_int_equal(n, 1);
        assert_int_equal(aside[0].pid, 42);
        assert_int_equal(aside[0].starttime, 7);

        /* Up to DECIDE_ASIDE_MAX; then a refusal holds as a failure does. */
        for (pid_t pid = 100; pid < 100 + DECIDE_ASIDE_MAX - 1; pid++) {
                decide_kill_refused(&s.d, &(struct proc_ident){.pid = pid}, s.t, &v);
                assert_int_equal(v.next, DECIDE_NEXT_AGAIN);
        }
        decide_kill_refused(&s.d, &(struct proc_ident){.pid = 999}, s.t, &v);
        assert_int_equal(v.next, DECIDE_NEXT_HOLD);
        assert_int_equal(v.until, s.t + p.kill_timeout);
        (void)decide_aside(&s.d, s.t, &n);
        assert_int_equal(n, DECIDE_ASIDE_MAX);

        /* A minute later they are candidates again; a reload does not forget them before. */
        decide_reconfigure(&s.d, &p);
        (void)decide_aside(&s.d, t0 + 59 * SEC, &n);
        assert_int_equal(n, DECIDE_ASIDE_MAX);
        (void)decide_aside(&s.d, t0 + 61 * SEC, &n);
        assert_int_equal(n, 0);
        assert_string_equal(decide_outcome_to_string(DECIDE_OUTCOME_REFUSED), "refused");
}

static void test_strings(void **state)
{
        struct reapd_config c;
        struct decide_params p;

        assert_string_equal(decide_reason_to_string(DECIDE_REASON_PRESSURE_SOME), "pressure-some");
        assert_string_equal(decide_reason_to_string(DECIDE_REASON_PRESSURE_FULL), "pressure-full");
        assert_string_equal(decide_reason_to_string(DECIDE_REASON_MEMORY), "memory");
        assert_string_equal(decide_reason_to_string(DECIDE_REASON_SWAP), "swap");
        assert_string_equal(decide_reason_to_string(DECIDE_REASON_NONE), "none");
        assert_null(decide_reason_to_string(_DECIDE_REASON_MAX));
        assert_string_equal(decide_action_to_string(DECIDE_WAIT), "wait");

        config_init(&c);
        decide_params_from_config(&c, &p);
        assert_int_equal(p.pressure_some, c.pressure_some);
        assert_int_equal(p.pressure_duration, c.pressure_duration);
        assert_int_equal(p.kill_timeout, c.kill_timeout);
        assert_int_equal(p.headroom_mode, HEADROOM_AND);
        config_done(&c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_idle),
                cmocka_unit_test(test_some_sustained),
                cmocka_unit_test(test_some_at_startup),
                cmocka_unit_test(test_some_brief_spike),
                cmocka_unit_test(test_some_hysteresis),
                cmocka_unit_test(test_some_polling),
                cmocka_unit_test(test_full),
                cmocka_unit_test(test_headroom),
                cmocka_unit_test(test_headroom_absolute_and_missing),
                cmocka_unit_test(test_wait_timeout),
                cmocka_unit_test(test_wait_early_finish),
                cmocka_unit_test(test_pressure_after_kill),
                cmocka_unit_test(test_counter_reset_and_gaps),
                cmocka_unit_test(test_outcomes),
                cmocka_unit_test(test_stale_trigger_after_start),
                cmocka_unit_test(test_some_needs_reclaim),
                cmocka_unit_test(test_reclaim_skipped),
                cmocka_unit_test(test_pcp_after_kill),
                cmocka_unit_test(test_futile_backoff),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_strings),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
