#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rank-record.h - what the BPF task iterator (src/bpf/rank.bpf.c) writes for each process */

/*
 * Shared by the BPF program (which gets __u32 and friends from vmlinux.h) and userspace (from
 * <linux/types.h>), so no libc types. Fixed size and naturally aligned: userspace reads whole
 * records straight out of the iterator's byte stream.
 */

/* rank_record.flags */
#define RANK_KTHREAD (1u << 0) /* PF_KTHREAD, or no mm: nothing to free by killing it */
#define RANK_EXITING (1u << 1) /* PF_EXITING, or exit_state set (zombie, dead) */
#define RANK_OOM_SKIP (1u << 2) /* MMF_OOM_SKIP: the kernel's reaper already took its mm */
#define RANK_VFORK (1u << 3) /* a vfork child sharing its parent's mm */
/*
 * The leader has exited (its mm is gone) while other threads run on: the process's memory is
 * a live thread's (find_lock_task_mm()), which the record does not carry. Read it from /proc.
 */
#define RANK_THREADS (1u << 4)

struct rank_record {
        __s32 pid; /* thread-group id in reapd's PID namespace */
        __s16 oom_score_adj; /* signal->oom_score_adj */
        __u16 flags; /* RANK_* */
        __u64 rss_pages; /* MM_FILEPAGES + MM_ANONPAGES + MM_SHMEMPAGES, as oom_badness() reads them */
        __u64 other_pages; /* MM_SWAPENTS + pgtables_bytes / page size */
};
