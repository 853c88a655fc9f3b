/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-monitor.c - the adaptive headroom sleep, and real system-wide samples through sd-event */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "monitor.h"

#define GB (1000ULL * 1000 * 1000)
#define MB (1000ULL * 1000)

static usec_t sleep_for(enum headroom_mode mode, uint64_t total, uint64_t avail, uint64_t swap_total,
                        uint64_t swap_free)
{
        struct monitor_params p = {
                .min_available = {.bytes = 1 * GB},
                .min_swap_free = {.bytes = 1 * GB},
                .headroom_mode = mode,
        };
        struct monitor_sample s = {
                .have_memory = true,
                .mem_total = total,
                .mem_available = avail,
                .swap_total = swap_total,
                .swap_free = swap_free,
        };

        return monitor_headroom_sleep(&p, &s);
}

static void test_headroom_sleep(void **state)
{
        struct monitor_sample none = {};
        struct monitor_params p = {};

        /* Far away: the 10s cap (0.1 wakeups/s). 20 GB headroom would take 10s at 2 GB/s. */
        assert_int_equal(sleep_for(HEADROOM_AND, 24 * GB, 23 * GB, 0, 0), MONITOR_SLEEP_MAX_USEC);
        /* 3 GB above the threshold: 1.5s. */
        assert_int_equal(sleep_for(HEADROOM_AND, 24 * GB, 4 * GB, 0, 0), 1500 * USEC_PER_MSEC);
        /* 100 MB above: 50ms -> floor of 100ms; below the threshold too. */
        assert_int_equal(sleep_for(HEADROOM_AND, 24 * GB, 1 * GB + 100 * MB, 0, 0), MONITOR_SLEEP_MIN_USEC);
        assert_int_equal(sleep_for(HEADROOM_AND, 24 * GB, 10 * MB, 0, 0), MONITOR_SLEEP_MIN_USEC);

        /* AND with swap: both must drain, the later one counts. */
        assert_int_equal(sleep_for(HEADROOM_AND, 24 * GB, 1 * GB, 8 * GB, 5 * GB), 2 * USEC_PER_SEC);
        assert_int_equal(sleep_for(HEADROOM_AND, 24 * GB, 3 * GB, 8 * GB, 2 * GB), 1 * USEC_PER_SEC);
        /* OR: the earlier one counts; no swap is not a reason to hurry. */
        assert_int_equal(sleep_for(HEADROOM_OR, 24 * GB, 7 * GB, 8 * GB, 2 * GB), 500 * USEC_PER_MSEC);
        assert_int_equal(sleep_for(HEADROOM_OR, 24 * GB, 7 * GB, 0, 0), 3 * USEC_PER_SEC);

        /* Huge values do not overflow. */
        assert_int_equal(sleep_for(HEADROOM_AND, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX),
                         MONITOR_SLEEP_MAX_USEC);
        /* Nothing known: the slow pace. */
        assert_int_equal(monitor_headroom_sleep(&p, &none), MONITOR_SLEEP_MAX_USEC);

        assert_string_equal(monitor_cause_to_string(MONITOR_CAUSE_TRIGGER_SOME), "trigger-some");
        assert_null(monitor_cause_to_string(_MONITOR_CAUSE_MAX));
}

static struct monitor_sample memory_sample(const struct monitor_memory *in)
{
        struct monitor_sample s = {};

        monitor_memory_sample(in, &s);
        assert_true(s.have_memory);
        return s;
}

/* The arithmetic the daemon and reapctl status share: what "available" means. */
static void test_memory_sample(void **state)
{
        struct monitor_params p = {.min_available = {.bytes = 1 * GB}};
        struct monitor_memory in = {
                .machine = {.mem_total = 16 * GB,
                            .mem_available = 6 * GB,
                            .swap_total = 4 * GB,
                            .swap_free = 3 * GB},
        };
        struct monitor_sample s;

        /* System-wide: meminfo as it is. */
        s = memory_sample(&in);
        assert_int_equal(s.mem_total, 16 * GB);
        assert_int_equal(s.mem_available, 6 * GB);
        assert_int_equal(s.swap_total, 4 * GB);
        assert_int_equal(s.swap_free, 3 * GB);

        assert_int_equal(s.mem_available_pcp, 6 * GB);
        assert_true(s.high_available == UINT64_MAX);
        assert_false(s.have_reclaim);

        /* The per-CPU free lists are read only near the threshold; they never count as
         * mem_available (the threshold means MemAvailable), only as mem_available_pcp, up to
         * the total. */
        assert_false(monitor_memory_wants_pcp(&p, &in.machine));
        in.machine.mem_available = 2 * GB;
        assert_true(monitor_memory_wants_pcp(&p, &in.machine));
        in.pcp = 300 * MB;
        s = memory_sample(&in);
        assert_int_equal(s.mem_available, 2 * GB);
        assert_int_equal(s.mem_available_pcp, 2 * GB + 300 * MB);
        in.pcp = 20 * GB;
        assert_int_equal(memory_sample(&in).mem_available_pcp, 16 * GB);
        in.pcp = 0;

        /* The HugeTLB pools are not part of the total: no kill gives them back. */
        in.machine.hugetlb = 4 * GB;
        s = memory_sample(&in);
        assert_int_equal(s.mem_total, 12 * GB);
        assert_int_equal(s.mem_available, 2 * GB);
        in.machine.hugetlb = 0;

        /* System-wide reclaim activity is /proc/vmstat's. */
        in.have_vmstat = true;
        in.vmstat_reclaim = 1234;
        s = memory_sample(&in);
        assert_true(s.have_reclaim);
        assert_int_equal(s.reclaim, 1234);

        /* A cgroup: the least headroom on its path (cgroupfs computes it), at most the machine's
         * available; the tightest limit on the path; its own reclaim counters, not the machine's. */
        in.have_cgroup = true;
        in.cgroup = (struct cgroup_memory){.current = 900 * MB,
                                           .max = 1 * GB,
                                           .high = 800 * MB,
                                           .available = 300 * MB,
                                           .high_available = 0,
                                           .have_stat = true,
                                           .stat = {.reclaim = 77, .have_reclaim = true},
                                           .swap_current = 100 * MB,
                                           .swap_max = 512 * MB};
        in.pcp = 500 * MB;
        s = memory_sample(&in);
        assert_int_equal(s.mem_total, 1 * GB);
        assert_int_equal(s.mem_available, 300 * MB);
        assert_int_equal(s.mem_available_pcp, 300 * MB); /* the cgroup's headroom binds */
        assert_int_equal(s.high_available, 0);
        assert_int_equal(s.swap_total, 512 * MB);
        assert_int_equal(s.swap_free, 412 * MB);
        assert_true(s.have_reclaim);
        assert_int_equal(s.reclaim, 77);
        in.pcp = 0;
        /* no memory.stat: no reclaim figure at all, rather than the machine's */
        in.cgroup.have_stat = false;
        assert_false(memory_sample(&in).have_reclaim);
        assert_false(memory_sample(&in).reclaim_skipped);
        /* one left unread is said so, as is a /proc/vmstat left unread */
        in.cgroup.stat_skipped = true;
        s = memory_sample(&in);
        assert_true(!s.have_reclaim && s.reclaim_skipped);
        in.cgroup.stat_skipped = false;
        in.have_cgroup = false;
        in.have_vmstat = false;
        in.vmstat_skipped = true;
        s = memory_sample(&in);
        assert_true(!s.have_reclaim && s.reclaim_skipped);
        in.vmstat_skipped = false;
        in.have_cgroup = true;
        /* an unlimited cgroup is judged by the machine */
        in.cgroup = (struct cgroup_memory){.current = 5 * GB,
                                           .max = CGROUP_LIMIT_MAX,
                                           .high = CGROUP_LIMIT_MAX,
                                           .available = CGROUP_LIMIT_MAX,
                                           .high_available = CGROUP_LIMIT_MAX,
                                           .swap_max = CGROUP_LIMIT_MAX};
        s = memory_sample(&in);
        assert_int_equal(s.mem_total, 16 * GB);
        assert_int_equal(s.mem_available, 2 * GB);
        assert_int_equal(s.swap_total, 4 * GB);
        assert_int_equal(s.swap_free, 3 * GB);
        /* a machine without swap has none for the cgroup either */
        in.machine.swap_total = in.machine.swap_free = 0;
        s = memory_sample(&in);
        assert_int_equal(s.swap_total, 0);
        assert_int_equal(s.swap_free, 0);
}

/* Reclaim counters are read for events, while fast, when stall moves, and once a minute. */
static void test_wants_reclaim(void **state)
{
        struct monitor_quiet q = {};
        struct monitor_sample s = {
                .now = 100 * USEC_PER_SEC, .cause = MONITOR_CAUSE_TIMER, .have_pressure = true};

        s.pressure.some.total = 5000;
        assert_true(monitor_wants_reclaim(&q, false, &s)); /* nothing known yet */
        s.have_reclaim = true;
        monitor_quiet_update(&q, &s);
        assert_true(q.reclaim_at == s.now && q.pressure_at == s.now && q.some_total == 5000);

        /* 10s later, 99ms of stall (under 1%): quiet */
        s = (struct monitor_sample){
                .now = 110 * USEC_PER_SEC, .cause = MONITOR_CAUSE_TIMER, .have_pressure = true};
        s.pressure.some.total = 5000 + 99 * USEC_PER_MSEC;
        assert_false(monitor_wants_reclaim(&q, false, &s));
        s.cause = MONITOR_CAUSE_POLL;
        assert_false(monitor_wants_reclaim(&q, false, &s));
        /* ... but not for an event, while fast, or without pressure */
        for (enum monitor_cause c = MONITOR_CAUSE_TRIGGER_SOME; c < _MONITOR_CAUSE_MAX; c++) {
                s.cause = c;
                assert_int_equal(monitor_wants_reclaim(&q, false, &s),
                                 c != MONITOR_CAUSE_TIMER && c != MONITOR_CAUSE_POLL);
        }
        s.cause = MONITOR_CAUSE_TIMER;
        assert_true(monitor_wants_reclaim(&q, true, &s));
        s.have_pressure = false;
        assert_true(monitor_wants_reclaim(&q, false, &s));
        s.have_pressure = true;
        /* 100ms of stall in 10s is 1%: moving */
        s.pressure.some.total = 5000 + 100 * USEC_PER_MSEC;
        assert_true(monitor_wants_reclaim(&q, false, &s));
        /* a total that went down (the group made again) */
        s.pressure.some.total = 10;
        assert_true(monitor_wants_reclaim(&q, false, &s));

        /* a quiet sample moves the pressure mark, not the reclaim one */
        s.pressure.some.total = 5000;
        s.reclaim_skipped = true;
        monitor_quiet_update(&q, &s);
        assert_true(q.reclaim_at == 100 * USEC_PER_SEC && q.pressure_at == 110 * USEC_PER_SEC);
        /* a minute after the last reading, read however quiet */
        s.now = 159 * USEC_PER_SEC;
        assert_false(monitor_wants_reclaim(&q, false, &s));
        s.now = 160 * USEC_PER_SEC;
        assert_true(monitor_wants_reclaim(&q, false, &s));
}

struct got {
        int n;
        int error;
        struct monitor_sample s;
};

static void on_sample(struct monitor *m, const struct monitor_sample *s, int error, void *userdata)
{
        struct got *g = userdata;

        g->n++;
        g->error = error;
        g->s = *s;
}

static int on_exit_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static void test_live_system(void **state)
{
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(monitor_freep) struct monitor *m = NULL;
        struct reapd_config c;
        struct monitor_params p;
        struct monitor_sample now;
        const struct monitor_info *info;
        struct got g = {};

        config_init(&c);
        monitor_params_from_config(&c, &p);
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(monitor_new(e, &p, NULL, on_sample, &g, &m), 0);
        info = monitor_get_info(m);
        assert_false(info->cgroup_scope);
        assert_string_equal(info->pressure_path, "/proc/pressure/memory");

        /* The first look is immediate; run the loop briefly. */
        assert_true(sd_event_add_time_relative(e, NULL, CLOCK_MONOTONIC, 300 * USEC_PER_MSEC, 0,
                                               on_exit_timer, NULL) >= 0);
        assert_true(sd_event_loop(e) >= 0);
        assert_true(g.n >= 1); /* more on a machine with less than 2 GB available */
        assert_int_equal(g.error, 0);
        assert_int_equal(g.s.cause, info->polling ? MONITOR_CAUSE_POLL : MONITOR_CAUSE_TIMER);
        assert_true(g.s.have_memory);
        assert_true(g.s.mem_total > 0 && g.s.mem_available <= g.s.mem_total);

        assert_int_equal(monitor_sample_now(m, &now), 0);
        assert_int_equal(now.cause, MONITOR_CAUSE_SYNC);
        assert_true(now.now >= g.s.now);
        assert_int_equal(now.have_pressure, info->have_pressure);
        monitor_set_fast(m, true);
        monitor_set_fast(m, false);
        config_done(&c);
}

struct paced {
        int n;
        usec_t at[16];
        enum monitor_cause cause[16];
};

static void on_paced(struct monitor *m, const struct monitor_sample *s, int error, void *userdata)
{
        struct paced *p = userdata;

        if ((size_t)p->n < ELEMENTSOF(p->at)) {
                p->at[p->n] = s->now;
                p->cause[p->n] = s->cause;
        }
        p->n++;
        monitor_set_fast(m, true); /* as the daemon does while a decision is pending */
}

/* Fast pace from the first look on: the periodic timer keeps the pace without a re-arm, and a
 * re-arm (the switch to the fast pace) leaves no stale expiry that would sample twice. */
static void test_timer_pace(void **state)
{
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(monitor_freep) struct monitor *m = NULL;
        struct reapd_config c;
        struct monitor_params p;
        struct paced g = {};

        config_init(&c);
        monitor_params_from_config(&c, &p);
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(monitor_new(e, &p, NULL, on_paced, &g, &m), 0);
        assert_true(sd_event_add_time_relative(e, NULL, CLOCK_MONOTONIC,
                                               3 * MONITOR_FAST_USEC + 300 * USEC_PER_MSEC, 0, on_exit_timer,
                                               NULL) >= 0);
        assert_true(sd_event_loop(e) >= 0);

        /* the first look at once, then at least one every MONITOR_FAST_USEC: 4, or 3 on a slow run */
        assert_true(g.n >= 3 && (size_t)g.n <= ELEMENTSOF(g.at));
        for (int i = 1; i < g.n; i++) {
                usec_t gap = g.at[i] - g.at[i - 1];

                /* never slower than the fast pace, whatever brought the look */
                assert_true(gap <= MONITOR_FAST_USEC + 250 * USEC_PER_MSEC);
                /* between two looks of the timer (a PSI trigger of this host's own pressure starts
                 * a new period), never closer than the shortest sleep: no double look */
                if (g.cause[i] == g.cause[0] && g.cause[i - 1] == g.cause[0])
                        assert_true(gap >= MONITOR_SLEEP_MIN_USEC - 5 * USEC_PER_MSEC);
        }
        config_done(&c);
}

static void test_missing_cgroup(void **state)
{
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        struct cgroup_roots roots = {.v2 = FIXTURES_DIR "/cgroup-v2"};
        struct reapd_config c;
        struct monitor_params p;
        struct monitor *m = NULL;
        struct got g = {};

        config_init(&c);
        assert_int_equal(sd_event_new(&e), 0);
        strcpy(c.cgroup, "/no/such/group");
        monitor_params_from_config(&c, &p);
        assert_string_equal(p.cgroup, "/no/such/group");
        assert_int_equal(monitor_new(e, &p, &roots, on_sample, &g, &m), -ENOENT);
        assert_null(m);
        assert_int_equal(monitor_new(e, &p, NULL, on_sample, &g, &m), -EINVAL);
        config_done(&c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_headroom_sleep), cmocka_unit_test(test_memory_sample),
                cmocka_unit_test(test_wants_reclaim),  cmocka_unit_test(test_live_system),
                cmocka_unit_test(test_timer_pace),     cmocka_unit_test(test_missing_cgroup),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
