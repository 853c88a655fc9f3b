#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report.h - stage 6: one structured journal record per kill, and the daemon's status line */

/*
 * MESSAGE_ID of a kill record (also in systemd/reapd.catalog and reapd(8)):
 *   journalctl MESSAGE_ID=0d34ba080ff344199e41f36a4bb9b436
 * of a "wanted to kill but found no candidate" record, and of the record of a rehearsal: the
 * kill path run at start on a child of reapd's own, whose record must never pass for a kill.
 */
#define REPORT_MESSAGE_ID_KILL "0d34ba080ff344199e41f36a4bb9b436"
#define REPORT_MESSAGE_ID_NO_CANDIDATE "1dfb41b4ef794ba1b0dfe82a1585f3e9"
#define REPORT_MESSAGE_ID_REHEARSAL "6deea06f5c464a728764cea84f6aa5e8"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "util.h"

/* Everything one kill record says: why, whom, how much came back, how long each step took. */
struct kill_report {
        /* whom */
        pid_t pid;
        uid_t uid;
        const char *comm;
        const char *cgroup;
        uint64_t starttime;
        int64_t badness;
        int oom_score_adj;
        uint64_t rss_kb;
        uint64_t swap_kb;
        uint64_t pgtables_kb;
        const char *kill_unit; /* process, process-group, cgroup */
        const char *kill_unit_wanted; /* KillUnit= when kill_unit differs (a fallback); else NULL */
        unsigned n_killed; /* processes signalled (more than 1 for group/cgroup units) */
        unsigned n_mm_sharers; /* of them, processes sharing the victim's mm (vfork, CLONE_VM) */
        int mm_sharers_error; /* errno that kept the search for them from being complete, 0 */
        /* a process-group or cgroup unit (kill_unit other than process): what became of its members */
        const char *kill_method; /* cgroup.kill, pidfd, or kill (no pidfds: Linux < 5.3) */
        unsigned n_failed; /* processes that could not be signalled */
        unsigned n_protected; /* members spared for oom_score_adj -1000 */
        unsigned n_unreleased; /* signalled without a pidfd kept for process_mrelease() */
        long n_alive; /* processes of the unit still alive at the end; -1 unknown */
        bool truncated; /* the unit could not be listed whole: members may have been missed */
        /* why */
        const char *trigger; /* pressure-some, pressure-full, memory, swap */
        uint32_t pressure_some_avg10; /* permyriad */
        uint32_t pressure_full_avg10; /* permyriad */
        uint64_t mem_available_kb;
        uint64_t swap_free_kb;
        /* result */
        const char *result; /* killed, gone, reused, protected, failed, dry-run, timeout */
        int error; /* errno of a failure, 0 otherwise */
        usec_t kill_usec; /* decision to signal sent */
        usec_t release_usec; /* process_mrelease() duration, 0 if not called */
        usec_t exit_usec; /* signal to pidfd readable (death), 0 if not seen */
        uint64_t released_kb; /* headroom gained, measured */
        bool released_by_mrelease;
        unsigned n_released; /* processes process_mrelease() released */
        unsigned release_threads; /* reaper threads that took part; 0: no release ran */
        /* what of the victim no kill may give back (its status before the signal), kB */
        uint64_t victim_shmem_kb, victim_locked_kb, victim_hugetlb_kb;
        const char *futile; /* a kill that freed much less than its victim held: the likely cause
                             * (decide_futile_to_string()); NULL otherwise */
        unsigned futile_streak; /* such kills in a row */
        usec_t backoff_usec; /* the wait before the next kill */
        bool dry_run;
        bool rehearsal; /* reapd's own child, killed to run the kill path once: not a kill */
        const char *instance; /* reapd@NAME.service's NAME (INSTANCE=), NULL for reapd.service */
};

#define REPORT_MAX_FIELDS 52
#define REPORT_FIELD_SIZE 320

/* Preallocated storage for one record's fields, so building it does not allocate. */
struct report_fields {
        struct iovec iov[REPORT_MAX_FIELDS];
        char buf[REPORT_MAX_FIELDS][REPORT_FIELD_SIZE];
        size_t n;
};

/*
 * report_kill_fields() - pure: build the journal fields of @r (MESSAGE=, MESSAGE_ID=, PRIORITY=,
 * SYSLOG_IDENTIFIER=, VICTIM_*, TRIGGER, timings, ..., INSTANCE= when set) into @f. Strings are
 * truncated to fit.
 * A rehearsal gets its own MESSAGE_ID, PRIORITY=7 (debug) and REHEARSAL=1, and a MESSAGE that
 * does not read as a kill, so that neither "reapctl kills" nor a reader of the log counts it.
 */
void report_kill_fields(const struct kill_report *r, struct report_fields *f);

/* report_kill_message() - pure: the human-readable MESSAGE= text into @buf; returns @buf. */
char *report_kill_message(const struct kill_report *r, char *buf, size_t size);

/*
 * report_kill() - send the record to journald when the daemon logs there, else one "<N>"
 * line on stderr. Never blocks: journal_sendv() queues what journald cannot take now. Returns 0
 * or a negative errno from journal_sendv() (the stderr line is still written then; -ENOBUFS:
 * dropped, and counted, as journald has not read the queued ones).
 */
int report_kill(const struct kill_report *r);

/*
 * report_no_candidate() - "wanted to act on @trigger but nothing may be killed" record,
 * rate-limited by the caller; @instance as in struct kill_report. Returns 0 or a negative errno.
 */
int report_no_candidate(const char *trigger, uint64_t mem_available_kb, uint32_t pressure_some_avg10,
                        size_t n_scanned, const char *instance);

/* report_field_get() - pure, for tests and reapctl: value of "KEY=" in @f, or NULL. */
const char *report_field_get(const struct report_fields *f, const char *key);
