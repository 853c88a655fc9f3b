/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report.c - stage 6: one structured journal record per kill */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "journal-send.h"

#include "log.h"
#include "report.h"

/* Release and exit this far apart are both named in the message (report_back()). */
#define REPORT_BACK_SPLIT_USEC (10 * USEC_PER_MSEC)

_printf_(2, 3) static void add(struct report_fields *f, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (f->n >= REPORT_MAX_FIELDS)
                return;
        va_start(ap, fmt);
        n = vsnprintf(f->buf[f->n], REPORT_FIELD_SIZE, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        f->iov[f->n].iov_base = f->buf[f->n];
        f->iov[f->n].iov_len = MIN((size_t)n, (size_t)REPORT_FIELD_SIZE - 1);
        f->n++;
}

static const char *str_or(const char *s, const char *fallback)
{
        return s && *s ? s : fallback;
}

static int report_priority(const struct kill_report *r)
{
        return r->rehearsal ? LOG_DEBUG : r->dry_run ? LOG_NOTICE : LOG_WARNING;
}

/* ", 5000 processes signalled by cgroup.kill, 0 alive" for a unit; "" for a process. */
static const char *report_members(const struct kill_report *r, char *buf, size_t size)
{
        int n;

        buf[0] = '\0';
        if (!r->kill_unit || streq(r->kill_unit, "process"))
                return buf;
        n = snprintf(buf, size, ", %u process%s signalled by %s", r->n_killed, r->n_killed == 1 ? "" : "es",
                     str_or(r->kill_method, "pidfd"));
        if (n > 0 && (size_t)n < size && r->n_failed)
                n += snprintf(buf + n, size - (size_t)n, ", %u could not be", r->n_failed);
        if (n > 0 && (size_t)n < size && r->n_protected)
                n += snprintf(buf + n, size - (size_t)n, ", %u spared (oom_score_adj -1000)",
                              r->n_protected);
        if (n > 0 && (size_t)n < size && r->n_alive >= 0)
                n += snprintf(buf + n, size - (size_t)n, ", %ld alive at the end", r->n_alive);
        if (n > 0 && (size_t)n < size && r->truncated)
                snprintf(buf + n, size - (size_t)n, ", not all listed");
        return buf;
}

/*
 * "12.345 ms via process_mrelease": from the decision to the end of the release or to the
 * victim's death, whichever came later (RELEASED_KB is measured after both). When the two differ
 * by REPORT_BACK_SPLIT_USEC or more, both are named: a victim starved of CPU can take a second to
 * finish an exit whose memory the release gave back in a tenth of that.
 */
static const char *report_back(const struct kill_report *r, char *buf, size_t size)
{
        uint64_t back = r->kill_usec + MAX(r->release_usec, r->exit_usec);
        uint64_t gap = MAX(r->release_usec, r->exit_usec) - MIN(r->release_usec, r->exit_usec);
        bool both = r->released_by_mrelease && r->release_usec > 0 && r->exit_usec > 0;
        int n;

        n = snprintf(buf, size, "%" PRIu64 ".%03" PRIu64 " ms%s", back / 1000, back % 1000,
                     r->released_by_mrelease ? " via process_mrelease" : "");
        if (n > 0 && (size_t)n < size && both && gap >= REPORT_BACK_SPLIT_USEC)
                snprintf(buf + n, size - (size_t)n,
                         " (the release took %" PRIu64 ".%03" PRIu64 " ms, the exit %" PRIu64 ".%03" PRIu64
                         " ms after the signal)",
                         r->release_usec / 1000, r->release_usec % 1000, r->exit_usec / 1000,
                         r->exit_usec % 1000);
        return buf;
}

char *report_kill_message(const struct kill_report *r, char *buf, size_t size)
{
        char rss[32], freed[32], avail[32], members[160], back[128];

        format_size(rss, sizeof(rss), (r->rss_kb + r->swap_kb) * 1024);
        format_size(freed, sizeof(freed), r->released_kb * 1024);
        format_size(avail, sizeof(avail), r->mem_available_kb * 1024);
        if (r->rehearsal)
                snprintf(buf, size, "Kill path rehearsed on reapd's own child %d (%s): %s, %s back in %s.",
                         (int)r->pid, str_or(r->comm, "?"), str_or(r->result, "killed"), freed,
                         report_back(r, back, sizeof(back)));
        else if (r->dry_run)
                snprintf(buf, size,
                         "Would kill %s %d (%s), uid %u, rss+swap %s, badness %" PRIi64
                         ", on %s (available %s); dry run, nothing sent.",
                         str_or(r->kill_unit, "process"), (int)r->pid, str_or(r->comm, "?"),
                         (unsigned)r->uid, rss, r->badness, str_or(r->trigger, "?"), avail);
        else
                snprintf(buf, size,
                         "Killed %s %d (%s), uid %u, rss+swap %s, badness %" PRIi64
                         ", on %s (available %s): %s%s, %s back in %s.",
                         str_or(r->kill_unit, "process"), (int)r->pid, str_or(r->comm, "?"),
                         (unsigned)r->uid, rss, r->badness, str_or(r->trigger, "?"), avail,
                         str_or(r->result, "killed"), report_members(r, members, sizeof(members)), freed,
                         report_back(r, back, sizeof(back)));
        return buf;
}

void report_kill_fields(const struct kill_report *r, struct report_fields *f)
{
        char msg[REPORT_FIELD_SIZE - 8];

        f->n = 0;
        add(f, "MESSAGE=%s", report_kill_message(r, msg, sizeof(msg)));
        add(f, "MESSAGE_ID=%s", r->rehearsal ? REPORT_MESSAGE_ID_REHEARSAL : REPORT_MESSAGE_ID_KILL);
        add(f, "PRIORITY=%d", report_priority(r));
        add(f, "SYSLOG_IDENTIFIER=reapd");
        add(f, "VICTIM_PID=%d", (int)r->pid);
        add(f, "VICTIM_COMM=%s", str_or(r->comm, ""));
        add(f, "VICTIM_UID=%u", (unsigned)r->uid);
        add(f, "VICTIM_CGROUP=%s", str_or(r->cgroup, "/"));
        add(f, "VICTIM_STARTTIME=%" PRIu64, r->starttime);
        add(f, "BADNESS=%" PRIi64, r->badness);
        add(f, "OOM_SCORE_ADJ=%d", r->oom_score_adj);
        add(f, "RSS_KB=%" PRIu64, r->rss_kb);
        add(f, "SWAP_KB=%" PRIu64, r->swap_kb);
        add(f, "PGTABLES_KB=%" PRIu64, r->pgtables_kb);
        add(f, "KILL_UNIT=%s", str_or(r->kill_unit, "process"));
        add(f, "KILLED_COUNT=%u", r->n_killed);
        add(f, "MM_SHARERS_KILLED=%u", r->n_mm_sharers);
        if (r->kill_method)
                add(f, "KILL_METHOD=%s", r->kill_method);
        if (r->kill_unit && !streq(r->kill_unit, "process") && !r->dry_run) {
                add(f, "MEMBERS_FAILED=%u", r->n_failed);
                add(f, "MEMBERS_PROTECTED=%u", r->n_protected);
                add(f, "MEMBERS_UNRELEASED=%u", r->n_unreleased);
                if (r->n_alive >= 0)
                        add(f, "MEMBERS_ALIVE=%ld", r->n_alive);
                if (r->truncated)
                        add(f, "MEMBERS_TRUNCATED=1");
        }
        if (r->mm_sharers_error)
                add(f, "MM_SHARERS_ERRNO=%d",
                    r->mm_sharers_error < 0 ? -r->mm_sharers_error : r->mm_sharers_error);
        add(f, "TRIGGER=%s", str_or(r->trigger, "unknown"));
        add(f, "PRESSURE_SOME_AVG10=%u.%02u", r->pressure_some_avg10 / 100, r->pressure_some_avg10 % 100);
        add(f, "PRESSURE_FULL_AVG10=%u.%02u", r->pressure_full_avg10 / 100, r->pressure_full_avg10 % 100);
        add(f, "MEM_AVAILABLE_KB=%" PRIu64, r->mem_available_kb);
        add(f, "SWAP_FREE_KB=%" PRIu64, r->swap_free_kb);
        add(f, "RESULT=%s", str_or(r->result, r->dry_run ? "dry-run" : "killed"));
        if (r->error)
                add(f, "ERRNO=%d", r->error < 0 ? -r->error : r->error);
        add(f, "KILL_USEC=%" PRIu64, r->kill_usec);
        add(f, "RELEASE_USEC=%" PRIu64, r->release_usec);
        add(f, "EXIT_USEC=%" PRIu64, r->exit_usec);
        add(f, "RELEASED_KB=%" PRIu64, r->released_kb);
        add(f, "RELEASED_BY=%s", r->released_by_mrelease ? "process_mrelease" : "exit");
        if (r->release_threads) {
                add(f, "RELEASED_COUNT=%u", r->n_released);
                add(f, "RELEASE_THREADS=%u", r->release_threads);
        }
        if (r->kill_unit_wanted)
                add(f, "KILL_UNIT_WANTED=%s", r->kill_unit_wanted);
        if (r->victim_shmem_kb || r->victim_locked_kb || r->victim_hugetlb_kb) {
                add(f, "VICTIM_SHMEM_KB=%" PRIu64, r->victim_shmem_kb);
                add(f, "VICTIM_LOCKED_KB=%" PRIu64, r->victim_locked_kb);
                add(f, "VICTIM_HUGETLB_KB=%" PRIu64, r->victim_hugetlb_kb);
        }
        if (r->futile) {
                add(f, "FUTILE=%s", r->futile);
                add(f, "FUTILE_STREAK=%u", r->futile_streak);
                add(f, "BACKOFF_USEC=%" PRIu64, r->backoff_usec);
        }
        add(f, "DRY_RUN=%d", r->dry_run ? 1 : 0);
        if (r->rehearsal)
                add(f, "REHEARSAL=1");
        if (r->instance)
                add(f, "INSTANCE=%s", r->instance);
}

const char *report_field_get(const struct report_fields *f, const char *key)
{
        size_t l = strlen(key);

        for (size_t i = 0; i < f->n; i++)
                if (strncmp(f->buf[i], key, l) == 0 && f->buf[i][l] == '=')
                        return f->buf[i] + l + 1;
        return NULL;
}

/* Static: a record is built after a kill, when memory may be short; no allocation here. */
static struct report_fields fields;

int report_kill(const struct kill_report *r)
{
        int ret = 0;

        report_kill_fields(r, &fields);
        if (log_use_journal()) {
                /* never blocks: what journald cannot take now is queued (journal-send.h) */
                ret = journal_sendv(fields.iov, fields.n);
                if (ret >= 0)
                        return 0;
                if (ret == -ENOBUFS)
                        return ret; /* counted; stderr, journald's too, would not be read either */
        }
        fprintf(stderr, "<%d>%s\n", report_priority(r), report_field_get(&fields, "MESSAGE"));
        return ret;
}

int report_no_candidate(const char *trigger, uint64_t mem_available_kb, uint32_t pressure_some_avg10,
                        size_t n_scanned, const char *instance)
{
        struct report_fields *f = &fields;
        char msg[256];
        int ret = 0;

        snprintf(msg, sizeof(msg),
                 "Memory trouble (%s, available %" PRIu64
                 " kB) but no process may be killed among %zu scanned.",
                 str_or(trigger, "unknown"), mem_available_kb, n_scanned);
        if (log_use_journal()) {
                f->n = 0;
                add(f, "MESSAGE=%s", msg);
                add(f, "MESSAGE_ID=%s", REPORT_MESSAGE_ID_NO_CANDIDATE);
                add(f, "PRIORITY=%d", LOG_WARNING);
                add(f, "SYSLOG_IDENTIFIER=reapd");
                add(f, "TRIGGER=%s", str_or(trigger, "unknown"));
                add(f, "MEM_AVAILABLE_KB=%" PRIu64, mem_available_kb);
                add(f, "PRESSURE_SOME_AVG10=%u.%02u", pressure_some_avg10 / 100, pressure_some_avg10 % 100);
                add(f, "SCANNED=%zu", n_scanned);
                if (instance)
                        add(f, "INSTANCE=%s", instance);
                ret = journal_sendv(f->iov, f->n);
                if (ret >= 0 || ret == -ENOBUFS)
                        return ret >= 0 ? 0 : ret;
        }
        fprintf(stderr, "<%d>%s\n", LOG_WARNING, msg);
        return ret;
}
