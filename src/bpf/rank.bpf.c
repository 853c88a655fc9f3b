// SPDX-License-Identifier: GPL-2.0-or-later
/* rank.bpf.c - task iterator: one rank_record per process, what oom_badness() reads, in one pass */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "rank-record.h"

char LICENSE[] SEC("license") = "GPL";

/* include/linux/sched.h; not in BTF, being #defines */
#define PF_EXITING 0x00000004
#define PF_KTHREAD 0x00200000
/* include/linux/mm_types.h: bit of mm->flags set once the OOM reaper is done with an mm */
#define MMF_OOM_SKIP 21
/* include/linux/mm_types_task.h's anonymous enum: the same values since MM_SHMEMPAGES came (4.5) */
#define MM_FILEPAGES 0
#define MM_ANONPAGES 1
#define MM_SWAPENTS 2
#define MM_SHMEMPAGES 3
/* How far below its depth in reapd's cgroup namespace a scope is looked for; a verifier bound. */
#define CGROUP_LEVEL_MAX 64
/* MAX_PID_NS_LEVEL: namespaces nest at most 32 deep; also the loop bound the verifier needs. */
#define PID_NS_LEVEL_MAX 32

/* Set by userspace before load: the PID namespace whose pids are reported (its inode number). */
const volatile __u32 pidns_inum = 0;
const volatile __u64 page_shift = 12;

/* Set by userspace before each run: only tasks under this cgroup2 id (0: all), at this level or deeper. */
__u64 cgroup_id = 0;
__u32 cgroup_level = 0;

/*
 * mm->rss_stat before Linux 6.2 (Debian 12's 6.1 among them): struct mm_rss_stat, an
 * atomic_long_t count[4]; since 6.2 an array of four percpu_counters. A field relocation
 * needs the field's type to match, so each layout has its own view, and its own function: a
 * subprogram is verified only where it is called, so the relocation the running kernel cannot
 * resolve (libbpf poisons it) stays in the one never called. A relocation that fails in vmlinux
 * makes libbpf search the modules' BTF too, once, at load.
 */
struct mm_rss_stat___pre62 {
        long count[4];
} __attribute__((preserve_access_index));

struct mm_struct___pre62 {
        struct mm_rss_stat___pre62 rss_stat;
} __attribute__((preserve_access_index));

static __noinline __u64 rss_counter_pre62(struct mm_struct___pre62 *mm, int idx)
{
        __s64 v = 0;

        bpf_probe_read_kernel(&v, sizeof(v),
                              (char *)mm + bpf_core_field_offset(mm->rss_stat) + idx * sizeof(__s64));
        return v > 0 ? (__u64)v : 0;
}

/* The shared count without the per-CPU deltas, as percpu_counter_read_positive() (select.c's slack covers those). */
static __noinline __u64 rss_counter_percpu(struct mm_struct *mm, int idx)
{
        __s64 v = 0;

        bpf_probe_read_kernel(&v, sizeof(v),
                              (char *)mm + bpf_core_field_offset(mm->rss_stat) +
                                      idx * bpf_core_type_size(struct percpu_counter) +
                                      bpf_core_field_offset(struct percpu_counter, count));
        return v > 0 ? (__u64)v : 0;
}

/*
 * The first word of mm->flags: an unsigned long before 6.18, a bitmap (mm_flags_t) since. As
 * for rss_stat, each layout has its own view and its own function.
 */
struct mm_struct___ulong_flags {
        unsigned long flags;
} __attribute__((preserve_access_index));

static __noinline unsigned long mm_flags_ulong(struct mm_struct___ulong_flags *mm)
{
        unsigned long flags = 0;

        bpf_core_read(&flags, sizeof(flags), &mm->flags);
        return flags;
}

static __noinline unsigned long mm_flags_bitmap(struct mm_struct *mm)
{
        unsigned long flags = 0;

        bpf_core_read(&flags, sizeof(flags), &mm->flags);
        return flags;
}

static __always_inline unsigned long mm_flags_word(struct mm_struct *mm)
{
        if (bpf_core_field_exists(((struct mm_struct___ulong_flags *)0)->flags))
                return mm_flags_ulong((void *)mm);
        return mm_flags_bitmap(mm);
}

/* get_mm_counter() as oom_badness() reads it. */
static __always_inline __u64 rss_counter(struct mm_struct *mm, int idx)
{
        if (bpf_core_type_exists(struct mm_rss_stat___pre62))
                return rss_counter_pre62((void *)mm, idx);
        return rss_counter_percpu(mm, idx);
}

/*
 * The pid of @task's thread group in the namespace pidns_inum, or 0 if it is not visible there.
 * The namespace's level is found per task rather than configured: struct pid lists one number
 * per level from the host's namespace down, and ours is the entry whose namespace inode matches.
 */
static __always_inline int pid_in_ns(struct task_struct *task)
{
        struct task_struct *self = bpf_get_current_task_btf();
        struct pid *pid;
        unsigned int level;

        /*
         * When the reader (reapd, current while the iterator runs) is in the initial namespace
         * (level 0), every task is visible there under its tgid: the task's struct pid, one more
         * cache miss per task, need not be read.
         */
        if (BPF_CORE_READ(self, thread_pid, level) == 0 &&
            BPF_CORE_READ(self, thread_pid, numbers[0].ns, ns.inum) == pidns_inum)
                return BPF_CORE_READ(task, tgid);
        pid = BPF_CORE_READ(task, thread_pid);
        if (!pid)
                return 0;
        level = BPF_CORE_READ(pid, level);
        for (unsigned int i = 0; i < PID_NS_LEVEL_MAX; i++) {
                struct upid upid;

                if (i > level)
                        break;
                if (bpf_core_read(&upid, sizeof(upid), &pid->numbers[i]))
                        return 0;
                if (BPF_CORE_READ(upid.ns, ns.inum) == pidns_inum)
                        return upid.nr;
        }
        return 0;
}

/*
 * struct cgroup before Linux 6.2 (Debian 12's 6.1 among them): each ancestor's id in
 * ancestor_ids[], where 6.2 keeps pointers in ancestors[]. CO-RE picks the one the running
 * kernel has; the other branch is dead code the verifier drops.
 */
struct cgroup___ids {
        u64 ancestor_ids[0];
} __attribute__((preserve_access_index));

/*
 * An empty asm that "changes" @x: what is computed from @x after it cannot be hoisted above it.
 * Each branch below computes its field's address after one, inside the branch, or the compiler
 * would compute both addresses up front, and the relocation of the field the running kernel
 * lacks (libbpf poisons it) would be reached.
 */
#define opaque(x) asm volatile("" : "+r"(x))

/* The id of @cgrp's ancestor at @level (its own at its level), or 0 if it cannot be read. */
static __always_inline __u64 ancestor_id(struct cgroup *cgrp, __u32 level)
{
        struct cgroup___ids *old;
        struct cgroup *anc;
        __u64 id;

        if (bpf_core_field_exists(cgrp->ancestors)) {
                opaque(cgrp);
                if (bpf_core_read(&anc, sizeof(anc), &cgrp->ancestors[level]) || !anc)
                        return 0;
                return BPF_CORE_READ(anc, kn, id);
        }
        old = (void *)cgrp;
        opaque(old);
        if (bpf_core_read(&id, sizeof(id), &old->ancestor_ids[level]))
                return 0;
        return id;
}

/*
 * Is @task under cgroup cgroup_id? Its level in the whole hierarchy is at least cgroup_level,
 * the scope's depth below reapd's cgroup2 mount, and more when reapd sees the hierarchy
 * through a cgroup namespace: look from there down, and keep the level found for the next tasks.
 */
static __always_inline bool in_cgroup(struct task_struct *task)
{
        struct cgroup *cgrp;
        __u32 top;

        if (!cgroup_id)
                return true;
        cgrp = BPF_CORE_READ(task, cgroups, dfl_cgrp);
        if (!cgrp)
                return false;
        top = (__u32)BPF_CORE_READ(cgrp, level);
        for (__u32 i = 0; i < CGROUP_LEVEL_MAX; i++) {
                __u32 level = cgroup_level + i;
                __u64 id;

                if (level > top)
                        break;
                id = ancestor_id(cgrp, level);
                if (!id)
                        return false;
                if (id == cgroup_id) {
                        cgroup_level = level;
                        return true;
                }
        }
        return false;
}

SEC("iter/task")
int rank(struct bpf_iter__task *ctx)
{
        struct task_struct *task = ctx->task;
        struct rank_record rec = {};
        struct mm_struct *mm;
        unsigned int pflags;

        if (!task)
                return 0;
        /* one record per process: threads share the leader's mm and signal struct */
        if (BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid))
                return 0;
        /* the cgroup test first: a scope is usually a small part of the machine */
        if (!in_cgroup(task))
                return 0;
        rec.pid = pid_in_ns(task);
        if (rec.pid <= 0)
                return 0;

        pflags = BPF_CORE_READ(task, flags);
        mm = BPF_CORE_READ(task, mm);
        /*
         * A leader that called pthread_exit() is a zombie without an mm while its other threads
         * run on (signal->live counts those not yet exiting): the kernel scores the process by a
         * live thread's mm, which userspace reads from /proc.
         */
        if (!(pflags & PF_KTHREAD) && !mm && BPF_CORE_READ(task, signal, live.counter) > 0)
                rec.flags |= RANK_THREADS;
        else if ((pflags & PF_KTHREAD) || !mm)
                rec.flags |= RANK_KTHREAD;
        if (!(rec.flags & RANK_THREADS) && ((pflags & PF_EXITING) || BPF_CORE_READ(task, exit_state)))
                rec.flags |= RANK_EXITING;
        rec.oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
        if (mm && !(rec.flags & RANK_KTHREAD)) {
                rec.rss_pages = rss_counter(mm, MM_FILEPAGES) + rss_counter(mm, MM_ANONPAGES) +
                                rss_counter(mm, MM_SHMEMPAGES);
                rec.other_pages = rss_counter(mm, MM_SWAPENTS) +
                                  ((__u64)BPF_CORE_READ(mm, pgtables_bytes.counter) >> page_shift);
                if (mm_flags_word(mm) & (1UL << MMF_OOM_SKIP))
                        rec.flags |= RANK_OOM_SKIP;
                if (BPF_CORE_READ(task, vfork_done) && BPF_CORE_READ(task, real_parent, mm) == mm)
                        rec.flags |= RANK_VFORK;
        }
        bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
        return 0;
}
