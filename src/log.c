/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.c - daemon-side logging */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "journal-send.h"

#include "log.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

static bool use_journal;
static int max_level = LOG_INFO;

bool log_journal_available(void)
{
        struct stat st;

        return stat(JOURNAL_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode);
}

void log_setup(enum log_target target, int level)
{
        const char *e = getenv("REAPD_LOG_LEVEL");
        int env_level;

        switch (target) {
        case LOG_TARGET_JOURNAL:
                use_journal = log_journal_available();
                break;
        case LOG_TARGET_STDERR:
                use_journal = false;
                break;
        case LOG_TARGET_AUTO:
        default:
                /* Under systemd stderr is already the journal, but structured fields need the socket. */
                use_journal =
                        log_journal_available() && (getenv("JOURNAL_STREAM") || !isatty(STDERR_FILENO));
                break;
        }
        max_level = level;
        if (e && parse_int(e, &env_level) == 0 && env_level >= LOG_EMERG && env_level <= LOG_DEBUG)
                max_level = env_level;
}

void log_set_max_level(int level)
{
        max_level = level;
}

int log_get_max_level(void)
{
        return max_level;
}

bool log_use_journal(void)
{
        return use_journal;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *fmt, ...)
{
        char msg[1024];
        int saved = errno;
        int err = error < 0 ? -error : error;
        size_t n;
        int r;
        va_list ap;

        if (level > max_level)
                goto out;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (err != 0) {
                n = strlen(msg);
                snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(err));
        }

        if (use_journal) {
                char f_msg[1040], f_file[256], f_line[32], f_func[128], f_prio[16], f_errno[24];
                struct iovec iov[7];
                size_t k = 0;

                /* journal_sendv(): never blocks, whatever journald does (journal-send.h) */
#define FIELD(buf, ...)                                                                                     \
        do {                                                                                                \
                snprintf(buf, sizeof(buf), __VA_ARGS__);                                                    \
                iov[k++] = (struct iovec){buf, strlen(buf)};                                                \
        } while (0)
                FIELD(f_msg, "MESSAGE=%s", msg);
                FIELD(f_prio, "PRIORITY=%d", level);
                FIELD(f_file, "CODE_FILE=%s", file);
                FIELD(f_line, "CODE_LINE=%d", line);
                FIELD(f_func, "CODE_FUNC=%s", func);
                if (err)
                        FIELD(f_errno, "ERRNO=%d", err);
#undef FIELD
                iov[k++] = (struct iovec){"SYSLOG_IDENTIFIER=reapd", 23};
                /* -ENOBUFS: journald reads nothing now, and the drop is counted; stderr would
                 * not be read either (under systemd it is journald's stream) */
                r = journal_sendv(iov, k);
                if (r >= 0 || r == -ENOBUFS)
                        goto out;
        }
        /* A terminal gets plain lines; a pipe (journal stream, CI log) gets <N> priority prefixes. */
        if (isatty(STDERR_FILENO))
                fprintf(stderr, "%s\n", msg);
        else
                fprintf(stderr, "<%d>%s\n", level, msg);
out:
        errno = saved;
        return -err;
}
