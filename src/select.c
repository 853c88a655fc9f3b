/* SPDX-License-Identifier: GPL-2.0-or-later */
/* select.c - the victim: pass 1 ranks every process (oom_score or BPF), pass 2 reads the few that can win */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "rank-bpf.h"
#include "select.h"
#include "util.h"

/*
 * First allocation of the pass-1 array, 128 KiB: one block for up to 16 384 processes, so that
 * pass 1 does not leave a trail of outgrown smaller blocks behind in the locked heap; its pages
 * become resident only as far as they are used.
 */
#define SELECT_RANKS_INITIAL 16384

/*
 * Pass 1 stores one uint64_t per process: its key above the pid, so that a max-heap of plain
 * integers yields the highest keys first. From /proc the key is the oom_score; a score of 0 (or
 * one that could not be read) is stored as SELECT_UNKNOWN, which sorts above everything: the
 * kernel shows 0 for tasks whose badness it did not compute (see score_badness_bound()), so
 * those are always read in full. Real scores are 0..2000.
 */
#define SELECT_UNKNOWN UINT32_MAX
#define SELECT_SCORE_MAX 100000
/*
 * Points added to every oom_score before it is turned into a bound: memory a process gains
 * between its oom_score read in pass 1 and its full read in pass 2 (about 0.3 % of RAM + swap
 * for 2 points), and room for one more rounding step should the kernel's formula change.
 */
#define SELECT_MARGIN_POINTS 2
/* rss counters oom_badness() adds: MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES, MM_SWAPENTS. */
#define SELECT_RSS_COUNTERS 4
/* The kernel's percpu_counter_batch: max(32, 2 * nr_cpus). */
#define SELECT_PERCPU_BATCH_MIN 32
/*
 * Processes the BPF iterator reports that score_evaluate() always excludes: never read them. The
 * kernel does not score vfork children and reaped mms (score_kernel_unscored()).
 */
#define SELECT_BPF_DROP (RANK_KTHREAD | RANK_EXITING | RANK_VFORK | RANK_OOM_SKIP)
/* Page counts past score.c's clamp (2^50) score the same: keeps pages * kB per page in range. */
#define SELECT_BPF_PAGES_MAX (UINT64_C(1) << 50)
/* oom_badness()'s adj unit is totalpages / 1000. */
#define SELECT_BPF_ADJ_SCALE 1000

bool select_better(const struct snapshot *s, const struct candidate *a, const struct candidate *b)
{
        const struct proc_info *pa = &s->procs[a->idx], *pb = &s->procs[b->idx];

        if (a->score != b->score)
                return a->score > b->score;
        if (pa->rss_kb != pb->rss_kb)
                return pa->rss_kb > pb->rss_kb;
        if (pa->starttime != pb->starttime)
                return pa->starttime > pb->starttime;
        return pa->pid > pb->pid;
}

int select_best(const struct snapshot *s, const struct policy *p, const struct score_ctx *ctx,
                struct candidate *ret)
{
        struct candidate best = {}, c;
        bool found = false;

        for (size_t i = 0; i < s->n_procs; i++) {
                if (score_evaluate(s, i, p, ctx, &c) != 0)
                        continue;
                if (!found || select_better(s, &c, &best)) {
                        best = c;
                        found = true;
                }
        }
        if (!found)
                return SCORE_NO_CANDIDATE;
        *ret = best;
        return 0;
}

/* The heap of select_rank(): the worst kept candidate on top, so a better one replaces it. */
static bool worse(const void *a, const void *b, void *userdata)
{
        return select_better(userdata, b, a);
}

size_t select_rank(const struct snapshot *s, const struct policy *p, const struct score_ctx *ctx,
                   bool include_ignored, struct candidate *out, size_t max)
{
        void *snap = (void *)s;
        size_t n = 0;

        if (max == 0)
                return 0;
        for (size_t i = 0; i < s->n_procs; i++) {
                struct candidate c;
                int r = score_evaluate(s, i, p, ctx, &c);

                if (r == SCORE_EXCLUDED || (r == SCORE_IGNORED && !include_ignored))
                        continue;
                if (n < max) {
                        out[n] = c;
                        heap_sift_up(out, sizeof(*out), n++, worse, snap);
                } else if (select_better(s, &c, &out[0])) {
                        out[0] = c;
                        heap_sift_down(out, n, sizeof(*out), 0, worse, snap);
                }
        }
        /* the worst goes last each time: best first */
        heap_sort(out, n, sizeof(*out), worse, snap);
        return n;
}

/*
 * Pages by which the kernel's oom_score may undercount what /proc/<pid>/status shows. Since
 * Linux 6.2 the mm rss counters are per-CPU; oom_badness() reads them approximately
 * (percpu_counter_read_positive()) while recent kernels' status sums them, so each counter
 * may differ by up to batch * nr_cpus pages (older kernels read one value for both: 0).
 */
static int64_t select_slack_pages(void)
{
        /* sysconf() reads /sys/devices/system/cpu/possible each time: once per process is enough */
        static int64_t slack;
        long n;
        int64_t cpus, batch;

        if (slack)
                return slack;
        n = sysconf(_SC_NPROCESSORS_CONF);
        cpus = n > 0 ? n : 1;
        batch = 2 * cpus > SELECT_PERCPU_BATCH_MIN ? 2 * cpus : SELECT_PERCPU_BATCH_MIN;
        slack = SELECT_RSS_COUNTERS * cpus * batch;
        return slack;
}

/*
 * How keys turn into bounds. /proc keys are oom_scores. BPF keys are bounds in pages:
 * ceil((badness + growth + bias) / 2^shift). The bias lifts the lowest badness an adj above
 * -1000 can give (-totalpages) to 0; the shift fits the rest under SELECT_UNKNOWN, and anything
 * still above it is read in full like an unknown oom_score.
 */
struct select_keys {
        bool pages;
        int64_t bias;
        unsigned shift;
};

/* The highest badness (pages) a process with pass-1 key @key can show in pass 2, policy aside. */
static int64_t key_bound(const struct snapshot *s, const struct select_keys *k, unsigned key)
{
        return k->pages ? (int64_t)((uint64_t)key << k->shift) - k->bias
                        : score_badness_bound(key + SELECT_MARGIN_POINTS, s->total_pages);
}

static int ranks_push(struct selector *sel, uint64_t entry)
{
        if (sel->n_ranks == sel->ranks_alloc) {
                int r = select_reserve(sel, sel->ranks_alloc ? 2 * sel->ranks_alloc : SELECT_RANKS_INITIAL);

                if (r < 0)
                        return r;
        }
        sel->ranks[sel->n_ranks++] = entry;
        return 0;
}

/* One selection's ranking: what both passes read. */
struct ranking {
        struct selector *sel;
        int proc_dirfd;
        const struct snapshot_opts *opts;
        const struct score_ctx *eff;
        struct select_keys keys;
        int64_t growth;
};

static int bpf_chunk(const struct rank_record *recs, size_t n, void *userdata)
{
        struct ranking *a = userdata;
        struct snapshot *s = &a->sel->snapshot;
        uint64_t kb_per_page = s->page_size / 1024;

        for (size_t i = 0; i < n; i++) {
                const struct rank_record *rec = &recs[i];
                struct proc_info pi = {
                        .rss_kb = MIN(rec->rss_pages, SELECT_BPF_PAGES_MAX) * kb_per_page,
                        .swap_kb = MIN(rec->other_pages, SELECT_BPF_PAGES_MAX) * kb_per_page,
                };
                int64_t v;
                uint64_t key;
                int r;

                s->n_seen++;
                if ((rec->flags & SELECT_BPF_DROP) || rec->oom_score_adj <= SCORE_ADJ_UNKILLABLE ||
                    rec->pid == 1 || rec->pid == s->self)
                        continue;
                /* the very badness score_evaluate() computes from /proc, from the kernel's counters */
                v = score_badness(&pi, rec->oom_score_adj, a->eff->total_pages, s->page_size) + a->growth +
                    a->keys.bias;
                key = v <= 0 ? 0 : ((uint64_t)v + (UINT64_C(1) << a->keys.shift) - 1) >> a->keys.shift;
                /* the memory is a live thread's, not in the record: a bound of nothing, read it first */
                if (rec->flags & RANK_THREADS)
                        key = SELECT_UNKNOWN;
                r = ranks_push(a->sel, MIN(key, (uint64_t)SELECT_UNKNOWN) << 32 | (uint32_t)rec->pid);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Pass 1 from the BPF rank source: keys are exact badness bounds, and a scope is filtered in the kernel. */
static int pass1_bpf(struct ranking *a)
{
        const struct snapshot_opts *opts = a->opts;
        const struct snapshot *s = &a->sel->snapshot;
        int64_t t = (int64_t)MIN(a->eff->total_pages, SELECT_BPF_PAGES_MAX);
        uint64_t cgid = 0;
        unsigned level = 0;
        int r;

        if (opts->cgroup && *opts->cgroup) {
                if (!opts->cgroup_root || !*opts->cgroup_root)
                        return -EINVAL; /* no cgroup2 mount to look the scope up in */
                r = rank_bpf_cgroup_id(opts->cgroup_root, opts->cgroup, &cgid, &level);
                if (r < 0)
                        return r;
        }
        /*
         * Memory a process may gain between its record and its full read, a few ms later: one adj
         * point of the whole machine (RAM + swap / 1000), whatever the scope, as growth does not
         * shrink with the scope's limit. Half the /proc path's margin, which also covers the time
         * its oom_score pass takes.
         */
        a->growth = (int64_t)MIN(s->total_pages, SELECT_BPF_PAGES_MAX) / SELECT_BPF_ADJ_SCALE + 1;
        a->keys = (struct select_keys){.pages = true, .bias = t + 1};
        while ((uint64_t)(4 * t + a->growth) >> a->keys.shift >= SELECT_UNKNOWN)
                a->keys.shift++;
        return rank_bpf_collect(a->sel->rank, cgid, level, bpf_chunk, a);
}

static int proc_rank(pid_t pid, void *userdata)
{
        struct ranking *a = userdata;
        unsigned score;

        a->sel->snapshot.n_seen++;
        /* any failure, vanished included, means "read it in full": that read tells for sure */
        if (proc_read_oom_score(a->proc_dirfd, pid, &score) < 0 || score == 0 || score > SELECT_SCORE_MAX)
                score = SELECT_UNKNOWN;
        return ranks_push(a->sel, (uint64_t)score << 32 | (uint32_t)pid);
}

static bool key_above(const void *a, const void *b, void *userdata)
{
        return *(const uint64_t *)a > *(const uint64_t *)b;
}

/* Pass 2: full reads in decreasing bound until nobody left can win. */
static int pass2(struct ranking *a, const struct policy *p, int64_t raise, struct candidate *ret)
{
        struct selector *sel = a->sel;
        struct snapshot *s = &sel->snapshot;
        struct candidate best = {}, c;
        size_t n = sel->n_ranks;
        bool found = false;

        heap_make(sel->ranks, n, sizeof(*sel->ranks), key_above, NULL);
        while (n > 0) {
                struct snapshot_mark mark;
                unsigned key;
                int r;

                heap_pop(sel->ranks, &n, sizeof(*sel->ranks), key_above, NULL);
                key = (unsigned)(sel->ranks[n] >> 32);
                if (found && key != SELECT_UNKNOWN &&
                    add_sat_i64(key_bound(s, &a->keys, key), raise) < best.score) {
                        sel->partial = true; /* nobody left in the heap has a higher bound */
                        break;
                }
                /* only the best so far is kept, in slot 0: the rest would hold a proc_info each */
                s->n_procs = found ? 1 : 0;
                mark = snapshot_mark(s);
                r = snapshot_add(s, a->proc_dirfd, (pid_t)(uint32_t)sel->ranks[n], a->opts);
                if (r < 0)
                        return r;
                if (r == 0 && score_evaluate(s, s->n_procs - 1, p, a->eff, &c) == 0 &&
                    (!found || select_better(s, &c, &best))) {
                        if (c.idx != 0) {
                                struct proc_info t = s->procs[0];

                                s->procs[0] = s->procs[c.idx];
                                s->procs[c.idx] = t;
                        }
                        best = c;
                        best.idx = 0;
                        found = true;
                        continue;
                }
                /* and its cmdline and exe with it */
                snapshot_rewind(s, &mark);
        }
        s->n_procs = found ? 1 : 0;
        if (!found)
                return SCORE_NO_CANDIDATE;
        *ret = best;
        return 0;
}

/*
 * Pass 1 (from the iterator if @bpf, else every oom_score) and pass 2. Sets *@ret_bpf_failed
 * when the iterator failed: its error is returned, for the /proc path to run.
 */
static int ranked(struct ranking *a, const struct policy *p, bool bpf, struct candidate *ret,
                  bool *ret_bpf_failed)
{
        int64_t raise = add_sat_i64(score_policy_max_raise(p, a->eff->total_pages), select_slack_pages());
        int r;

        a->sel->n_ranks = 0;
        if (bpf) {
                r = pass1_bpf(a);
                if (r < 0 && r != -ENOMEM) {
                        *ret_bpf_failed = true;
                        return r;
                }
        } else {
                _Alignas(8) char dents[PROC_DENTS_SIZE];

                r = proc_for_each_pid(a->proc_dirfd, dents, sizeof(dents), proc_rank, a);
        }
        if (r < 0)
                return r;
        return pass2(a, p, raise, ret);
}

int select_ranked(struct selector *sel, int proc_dirfd, const struct snapshot_opts *opts,
                  const struct policy *p, const struct score_ctx *ctx, struct candidate *ret)
{
        static const struct snapshot_opts default_opts = {};
        struct snapshot *s = &sel->snapshot;
        struct ranking a = {.sel = sel, .proc_dirfd = proc_dirfd, .opts = opts ?: &default_opts};
        struct score_ctx eff;
        bool bpf_failed = false;
        int r;

        sel->rank_error = 0;
        sel->partial = false;
        r = snapshot_begin(proc_dirfd, a.opts, s);
        if (r < 0)
                goto fail;
        eff = (struct score_ctx){
                .total_pages = ctx && ctx->total_pages ? ctx->total_pages : s->total_pages,
                .page_size = ctx && ctx->page_size >= 1024 ? ctx->page_size : s->page_size,
        };
        a.eff = &eff;
        /* the iterator counts the kernel's pages: a caller's other page size cannot use them */
        if (sel->rank && eff.page_size == s->page_size) {
                r = ranked(&a, p, true, ret, &bpf_failed);
                if (!bpf_failed) {
                        if (r < 0)
                                goto fail;
                        s->taken_usec = now_usec(CLOCK_MONOTONIC);
                        return r;
                }
                /* a scope that is gone is for the /proc path to find empty, not an iterator failure */
                if (r != -ENOENT)
                        sel->rank_error = r;
                r = snapshot_begin(proc_dirfd, a.opts, s);
                if (r < 0)
                        goto fail;
        }
        /* /proc oom_score is scaled by the system's totalpages and page size: only that scope can use it */
        if ((a.opts->cgroup && *a.opts->cgroup) || eff.total_pages != s->total_pages ||
            eff.page_size != s->page_size) {
                r = snapshot_take(proc_dirfd, a.opts, s);
                if (r < 0)
                        goto fail;
                return select_best(s, p, &eff, ret);
        }
        r = ranked(&a, p, false, ret, &bpf_failed);
        if (r < 0)
                goto fail;
        s->taken_usec = now_usec(CLOCK_MONOTONIC);
        return r;
fail:
        snapshot_clear(s);
        return r;
}

int select_victim(struct selector *sel, int proc_dirfd, const struct snapshot_opts *opts,
                  const struct policy *p, const struct cgroup_roots *roots, struct candidate *ret)
{
        struct score_ctx ctx = {};
        struct cgroup_memory cm;
        uint64_t swap;
        long ps;
        int r;

        if (opts && opts->cgroup && *opts->cgroup) {
                r = snapshot_read_totalpages(proc_dirfd, &ctx.total_pages, &swap);
                if (r < 0)
                        return r;
                ps = sysconf(_SC_PAGESIZE);
                /* a scope without a limit of its own (or none readable) is scaled as the system */
                if (roots && cgroup_memory_read(roots, opts->cgroup, &cm) >= 0)
                        ctx.total_pages = score_scope_total_pages(&cm, swap, ctx.total_pages,
                                                                  ps > 0 ? (uint64_t)ps : 4096);
        }
        return select_ranked(sel, proc_dirfd, opts, p, &ctx, ret);
}

int select_reserve(struct selector *sel, size_t n)
{
        uint64_t *p;

        if (n <= sel->ranks_alloc)
                return 0;
        if (n > SIZE_MAX / sizeof(*p))
                return -ENOMEM;
        p = realloc(sel->ranks, n * sizeof(*p));
        if (!p)
                return -ENOMEM;
        sel->ranks = p;
        sel->ranks_alloc = n;
        return 0;
}

void select_done(struct selector *sel)
{
        free(sel->ranks);
        snapshot_done(&sel->snapshot);
        *sel = (struct selector){.rank = sel->rank};
}
