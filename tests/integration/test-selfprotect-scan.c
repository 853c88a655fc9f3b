/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-selfprotect-scan.c - time snapshot_take() + select_best() over the live /proc */

/*
 * Usage: test-selfprotect-scan MIN_PROCS BOUND_MS [ROUNDS [SELECT_BOUND_MS [BPF_BOUND_MS]]]
 * Scans the live /proc the way the daemon chooses a victim (system-wide, no string fields,
 * default policy) after one warm-up scan (the daemon's start-up scan sizes the arrays), ROUNDS
 * times (default 5), and prints the fastest, median and slowest round plus the memory the
 * snapshot arrays hold; then times select_ranked() (the daemon's system-wide path, which
 * reads every oom_score and only the likely victims in full), whose median must stay within
 * SELECT_BOUND_MS if given; then the same with BPF ranking (one task-iterator read instead of every
 * oom_score, the daemon's path where the iterator loads), whose median must stay within
 * BPF_BOUND_MS if given, and which must load then unless reapd was built without BPF. Fails if fewer than MIN_PROCS processes were seen (the sleepers did
 * not all start) or if the median round took longer than BOUND_MS. The median, not the
 * fastest: a victim choice under pressure gets no second try.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rank-bpf.h"
#include "select.h"
#include "snapshot.h"
#include "util.h"

#define ROUNDS_DEFAULT 5
#define ROUNDS_MAX 101

static int cmp_usec(const void *a, const void *b)
{
        usec_t x = *(const usec_t *)a, y = *(const usec_t *)b;

        return x < y ? -1 : x > y;
}

/* select_ranked() @rounds times after one warm-up; the median, and the fastest/slowest printed as @what. */
static int time_select(int fd, const struct snapshot_opts *opts, struct rank_bpf *rank,
                       const struct policy *pol, long rounds, const char *what, usec_t *ret_median)
{
        struct selector sel = {.rank = rank};
        struct candidate c;
        usec_t t[ROUNDS_MAX];
        int r;

        r = select_ranked(&sel, fd, opts, pol, NULL, &c);
        for (long i = 0; i < rounds && r >= 0; i++) {
                usec_t t0 = now_usec(CLOCK_MONOTONIC);

                r = select_ranked(&sel, fd, opts, pol, NULL, &c);
                t[i] = now_usec(CLOCK_MONOTONIC) - t0;
        }
        if (r < 0 || sel.rank_error) {
                r = r < 0 ? r : sel.rank_error;
                fprintf(stderr, "select_ranked (%s): %s\n", what, strerror(-r));
                select_done(&sel);
                return r;
        }
        qsort(t, (size_t)rounds, sizeof(t[0]), cmp_usec);
        *ret_median = t[rounds / 2];
        printf("select_ranked (%s) over %zu processes, %zu read in full: fastest %.1f ms, median %.1f ms, "
               "slowest %.1f ms; pass 1 holds %zu KiB\n",
               what, sel.snapshot.n_seen, sel.snapshot.n_read, t[0] / 1000.0, t[rounds / 2] / 1000.0,
               t[rounds - 1] / 1000.0, sel.ranks_alloc * sizeof(*sel.ranks) / 1024);
        select_done(&sel);
        return 0;
}

int main(int argc, char **argv)
{
        struct snapshot s = {};
        struct snapshot_opts opts = {.self = getpid()};
        struct policy pol;
        struct score_ctx ctx;
        struct candidate c;
        usec_t t[ROUNDS_MAX];
        long min_procs, bound_ms, rounds = ROUNDS_DEFAULT, select_bound_ms = 0, bpf_bound_ms = 0;
        usec_t select_median = 0, bpf_median = 0;
        struct rank_bpf *rank = NULL;
        int rank_r;
        size_t bytes;
        int fd, r;

        if (argc < 3) {
                fprintf(stderr, "usage: %s MIN_PROCS BOUND_MS [ROUNDS]\n", argv[0]);
                return 2;
        }
        min_procs = atol(argv[1]);
        bound_ms = atol(argv[2]);
        if (argc > 3)
                rounds = atol(argv[3]);
        if (argc > 4)
                select_bound_ms = atol(argv[4]);
        if (argc > 5)
                bpf_bound_ms = atol(argv[5]);
        if (rounds < 1 || rounds > ROUNDS_MAX)
                rounds = ROUNDS_DEFAULT;
        fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                perror("/proc");
                return 1;
        }
        policy_init(&pol);
        r = snapshot_take(fd, &opts, &s);
        if (r < 0) {
                fprintf(stderr, "snapshot_take: %s\n", strerror(-r));
                return 1;
        }
        for (long i = 0; i < rounds; i++) {
                usec_t t0 = now_usec(CLOCK_MONOTONIC);

                r = snapshot_take(fd, &opts, &s);
                ctx = (struct score_ctx){.total_pages = s.total_pages, .page_size = s.page_size};
                if (r == 0)
                        (void)select_best(&s, &pol, &ctx, &c);
                t[i] = now_usec(CLOCK_MONOTONIC) - t0;
                if (r < 0) {
                        fprintf(stderr, "snapshot_take: %s\n", strerror(-r));
                        return 1;
                }
        }
        qsort(t, (size_t)rounds, sizeof(t[0]), cmp_usec);
        /* the daemon's own system-wide path without BPF: oom_score pre-ranking, full reads of the few */
        if (time_select(fd, &opts, NULL, &pol, rounds, "system-wide, /proc oom_score ranking",
                        &select_median) < 0)
                return 1;
        /* and with it, where the iterator loads: one read ranks everyone */
        rank_r = rank_bpf_new(&rank);
        if (rank_r >= 0) {
                if (time_select(fd, &opts, rank, &pol, rounds, "system-wide, BPF ranking", &bpf_median) < 0)
                        return 1;
        } else
                printf("BPF ranking not timed: %s\n", rank_bpf_strerror(rank_r));
        bytes = s.n_alloc * sizeof(*s.procs) + s.strings_alloc + s.cgroups_alloc * sizeof(*s.cgroups);
        printf("scan of %zu processes (snapshot_take + select_best): fastest %.1f ms, median %.1f ms, "
               "slowest %.1f ms over %ld rounds; arrays %zu KiB (%zu bytes per process)\n",
               s.n_procs, t[0] / 1000.0, t[rounds / 2] / 1000.0, t[rounds - 1] / 1000.0, rounds,
               bytes / 1024, sizeof(*s.procs));
        r = 0;
        if ((long)s.n_procs < min_procs) {
                printf("FAIL: saw %zu processes, expected at least %ld\n", s.n_procs, min_procs);
                r = 1;
        }
        if (t[rounds / 2] > (usec_t)bound_ms * USEC_PER_MSEC) {
                printf("FAIL: median scan %.1f ms is above the %ld ms bound\n", t[rounds / 2] / 1000.0,
                       bound_ms);
                r = 1;
        }
        if (select_bound_ms > 0 && select_median > (usec_t)select_bound_ms * USEC_PER_MSEC) {
                printf("FAIL: median select_ranked %.1f ms is above the %ld ms bound\n",
                       select_median / 1000.0, select_bound_ms);
                r = 1;
        }
        if (bpf_bound_ms > 0 && rank_r != -EOPNOTSUPP && rank_r < 0) {
                printf("FAIL: BPF ranking did not load: %s\n", rank_bpf_strerror(rank_r));
                r = 1;
        }
        if (bpf_bound_ms > 0 && rank && bpf_median > (usec_t)bpf_bound_ms * USEC_PER_MSEC) {
                printf("FAIL: median select_ranked with BPF ranking %.1f ms is above the %ld ms bound\n",
                       bpf_median / 1000.0, bpf_bound_ms);
                r = 1;
        }
        rank_bpf_free(rank);
        snapshot_done(&s);
        policy_done(&pol);
        close(fd);
        return r;
}
