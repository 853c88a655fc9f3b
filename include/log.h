#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.h - daemon-side logging: journald when there is one, stderr with <N> prefixes otherwise */

#include <stdbool.h>
#include <syslog.h>

#include "util.h"

enum log_target {
        LOG_TARGET_AUTO, /* journal if its socket exists and stderr is not a terminal */
        LOG_TARGET_JOURNAL, /* sd_journal_send, stderr if that fails */
        LOG_TARGET_STDERR, /* "<N>message" lines, as systemd parses them */
};

/* log_setup() - choose where messages go; also reads $REAPD_LOG_LEVEL (0..7). */
void log_setup(enum log_target target, int max_level);
void log_set_max_level(int level);
int log_get_max_level(void);

/* log_use_journal() - true when messages (and kill records) go to journald. */
bool log_use_journal(void);

/* log_journal_available() - true when journald's socket is there; does not log. */
bool log_journal_available(void);

/*
 * log_internal() - emit one message at syslog @level. @error is an errno value (either sign)
 * appended as ": <strerror>" when non-zero. Returns -abs(@error), so callers can write
 * "return log_error_errno(r, ...)". Safe on the kill path: formats into a stack buffer.
 */
int log_internal(int level, int error, const char *file, int line, const char *func, const char *fmt, ...)
        _printf_(6, 7);

#define log_full_errno(level, error, ...)                                                                   \
        log_internal(level, error, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_full(level, ...) (void)log_full_errno(level, 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_notice_errno(e, ...) log_full_errno(LOG_NOTICE, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)
