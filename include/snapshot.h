#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* snapshot.h - stage 2: a compact, allocation-stable picture of every candidate process */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"

/* proc_info.flags */
#define PROC_KTHREAD (1u << 0) /* PF_KTHREAD, or no mm / child of kthreadd */
#define PROC_EXITING (1u << 1) /* PF_EXITING, zombie or dead */
#define PROC_SELF (1u << 2) /* reapd itself */
#define PROC_INIT (1u << 3) /* PID 1 (of the proc root's namespace) */
#define PROC_AVOID_XATTR (1u << 4) /* its cgroup has user.reapd_avoid (root-owned) */
#define PROC_OMIT_XATTR (1u << 5) /* its cgroup has user.reapd_omit (root-owned) */

/*
 * One process. Kept small (about 100 bytes) so 30 000 processes stay under a few MB: the
 * long strings live in the snapshot's string arena and are only read when the policy or
 * the caller asks for them (snapshot_opts.fields).
 */
struct proc_info {
        pid_t pid;
        pid_t ppid;
        pid_t pgid;
        uid_t uid; /* real uid */
        char state; /* R, S, D, Z, ... */
        unsigned flags; /* PROC_* */
        int oom_score_adj;
        uint64_t starttime; /* stat field 22, clock ticks after boot: identity against PID reuse */
        uint64_t rss_kb; /* VmRSS (= RssAnon + RssFile + RssShmem) */
        uint64_t swap_kb; /* VmSwap */
        uint64_t pgtables_kb; /* VmPTE */
        char comm[16];
        uint32_t cmdline; /* offsets into snapshot.strings; 0 is "" (not read or empty) */
        uint32_t exe;
        uint32_t cgroup; /* cgroup2 path, "/user.slice/..." */
};

struct snapshot_opts {
        unsigned fields; /* POLICY_FIELD_BIT()s of the strings to read (comm is always read) */
        const char *cgroup; /* NULL/"" = all processes; else only this cgroup2 subtree */
        pid_t self; /* excluded and flagged PROC_SELF; 0 = getpid() */
};

struct snapshot {
        struct proc_info *procs;
        size_t n_procs;
        size_t n_alloc;
        char *strings; /* arena; strings[0] == '\0' */
        size_t strings_len;
        size_t strings_alloc;
        uint64_t total_pages; /* totalram + totalswap, for system-wide scoring */
        uint64_t page_size;
        uint64_t taken_usec; /* CLOCK_MONOTONIC */
};

static inline const char *snapshot_str(const struct snapshot *s, uint32_t off)
{
        return s->strings ? s->strings + off : "";
}
