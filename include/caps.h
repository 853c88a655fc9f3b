#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* caps.h - privileges at start: keep only the capabilities reapd uses, mlockall, oom_score_adj */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/capability.h>

/* A set of capabilities as a bit mask, bit N for capability N (as in /proc/<pid>/status). */
#define CAPS_BIT(cap) (UINT64_C(1) << (cap))

/*
 * What reapd keeps, one reason each (the costs of missing ones are in caps_cost()):
 *   CAP_KILL          signal (and cgroup.kill) processes of other users
 *   CAP_SYS_PTRACE    read /proc/<pid>/exe of other users, for Policy exe: rules
 *   CAP_SYS_NICE      ReaperNice= below 0 and ReaperSchedPolicy=fifo/rr for the reaper thread
 *   CAP_SYS_RESOURCE  PSI windows that are not a multiple of 2s; lowering its own oom_score_adj
 *   CAP_IPC_LOCK      mlockall() beyond RLIMIT_MEMLOCK, so reapd is not paged out when it matters
 *   CAP_DAC_OVERRIDE  write cgroup.kill and memory.pressure (PSI triggers) of cgroups delegated to
 *                     a user (user@UID.service and below are owned by that user, not by root)
 * Not kept: CAP_SETPCAP is only used to shrink the bounding set, then dropped; process_mrelease()
 * and pidfd_open() need no capability; CAP_DAC_READ_SEARCH is covered by CAP_DAC_OVERRIDE.
 */
#define CAPS_WANTED                                                                                         \
        (CAPS_BIT(CAP_KILL) | CAPS_BIT(CAP_SYS_PTRACE) | CAPS_BIT(CAP_SYS_NICE) |                           \
         CAPS_BIT(CAP_SYS_RESOURCE) | CAPS_BIT(CAP_IPC_LOCK) | CAPS_BIT(CAP_DAC_OVERRIDE))

/* The oom_score_adj reapd gives itself: never the kernel's (or its own) victim. */
#define CAPS_OOM_SCORE_ADJ (-1000)

struct caps_setup_args {
        uint64_t keep; /* normally CAPS_WANTED */
        bool mlock; /* mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT) */
        bool drop_bounding; /* also shrink the bounding set to @keep (needs CAP_SETPCAP) */
        const char *oom_score_adj_path; /* normally "/proc/self/oom_score_adj"; NULL: leave it */
};

/* What caps_setup() did. Errors are negative errno values, 0 means done (or not asked). */
struct caps_report {
        uint64_t held; /* effective set at start */
        uint64_t kept; /* effective = permitted set afterwards, read back from the kernel */
        uint64_t missing; /* in args.keep but not held at start: see caps_cost() */
        int drop_error; /* cap_set_proc(): the process may hold more than it should */
        int bounding_error; /* -EPERM without CAP_SETPCAP (harmless: reapd never execs) */
        int mlock_error; /* -ENOMEM/-EPERM: over RLIMIT_MEMLOCK without CAP_IPC_LOCK */
        int oom_score_adj_error; /* -EACCES: lowering it needs CAP_SYS_RESOURCE */
        int oom_score_adj; /* the value afterwards, as read back (0 if unreadable) */
};

/*
 * caps_setup() - at daemon start, before any thread: mlockall, set oom_score_adj, shrink the
 * bounding set, then keep exactly @args->keep & held in the effective and permitted sets
 * (inheritable and ambient cleared), and set PR_SET_NO_NEW_PRIVS. Each step is attempted
 * whatever the previous ones gave; @ret says what happened, for the daemon to log (this
 * function does not log). Returns 0 if every requested step worked, 1 if some failed (see
 * @ret), or a negative errno if the capability state could not even be read (@ret untouched).
 */
int caps_setup(const struct caps_setup_args *args, struct caps_report *ret);

/*
 * caps_cost() - one line: what reapd cannot do without capability @cap, e.g. for
 * CAP_SYS_RESOURCE "PSI windows are rounded up to 2s, reapd's own oom_score_adj is not
 * lowered". Static string; NULL for a capability reapd does not use.
 */
const char *caps_cost(int cap);

/*
 * caps_read_effective() - CapEff of process @pid (0: self) under @proc_root (normally "/proc"),
 * from procfs's status reader. Returns 0 or a negative errno (-ENOENT/-ESRCH: no such process;
 * -ENOENT also for a status without CapEff).
 */
int caps_read_effective(const char *proc_root, int pid, uint64_t *ret);

/*
 * caps_format() - "cap_kill cap_sys_nice ..." (lowercase names, ascending) into @buf, "none" for
 * an empty set, unknown bits as numbers. Truncates at a name boundary. Returns @buf.
 */
char *caps_format(char *buf, size_t size, uint64_t mask);
