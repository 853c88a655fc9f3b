#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pressure.h - PSI files: parsing "some/full avg.. total=", and pollable PSI triggers */

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

/* One line of a PSI file. avg* are permyriad (avg10=12.34 -> 1234), total in microseconds. */
struct pressure_line {
        uint32_t avg10;
        uint32_t avg60;
        uint32_t avg300;
        uint64_t total;
};

struct pressure {
        struct pressure_line some;
        struct pressure_line full; /* all zero when !have_full */
        bool have_full; /* old kernels have no "full" line for cpu */
};

/*
 * pressure_parse() - pure: parse the text of a PSI file (/proc/pressure/memory or a cgroup2
 * memory.pressure). The "some" line is required, "full" is optional. Lines may come in any
 * order; unknown lines are ignored. Returns 0, or -EINVAL on a missing/garbled "some" line or
 * a garbled "full" line. @ret untouched on failure.
 */
int pressure_parse(const char *buf, struct pressure *ret);

/*
 * pressure_read_at() - read @path relative to @dirfd (AT_FDCWD for absolute) and parse it.
 * Returns 0, -EINVAL, or the negative errno of the read (-ENOENT: no PSI / cgroup gone;
 * -EOPNOTSUPP: PSI disabled with psi=0). @ret untouched on failure.
 */
int pressure_read_at(int dirfd, const char *path, struct pressure *ret);

/* pressure_read_fd() - the same from an open fd of a pressure file (read_file_fd()). */
int pressure_read_fd(int fd, struct pressure *ret);

enum psi_level {
        PSI_SOME,
        PSI_FULL,
        _PSI_LEVEL_MAX,
};

const char *psi_level_to_string(enum psi_level l);

/* A PSI trigger: wake when @stall µs of stall accumulate within @window µs. */
struct psi_trigger {
        enum psi_level level;
        usec_t stall;
        usec_t window;
};

/* The kernel's limits: window 500ms..10s (newer kernels drop the minimum), 0 < stall <= window. */
#define PSI_WINDOW_MIN_USEC (500 * USEC_PER_MSEC)
#define PSI_WINDOW_MAX_USEC (10 * USEC_PER_SEC)
/* Without CAP_SYS_RESOURCE the kernel only accepts windows that are multiples of 2s. */
#define PSI_UNPRIV_WINDOW_STEP_USEC (2 * USEC_PER_SEC)

/* psi_trigger_open() return value: the trigger was armed only after psi_trigger_round(). */
#define PSI_TRIGGER_ADAPTED 1

/*
 * psi_trigger_format() - pure: "some 150000 2000000" into @buf. Returns 0 or -ENOBUFS / -EINVAL.
 */
int psi_trigger_format(const struct psi_trigger *t, char *buf, size_t size);

/*
 * psi_trigger_round() - pure: the trigger an unprivileged writer may use: window rounded UP to
 * a multiple of 2s and capped at 10s, stall scaled to keep the same share of the window
 * (at least 1µs, at most the window). Returns 0 if @t was already acceptable (then @ret = *@t),
 * 1 if it was changed, -EINVAL for a zero stall or window or an invalid level.
 * @ret untouched on failure; @ret may alias @t.
 */
int psi_trigger_round(const struct psi_trigger *t, struct psi_trigger *ret);

/*
 * psi_trigger_open() - open PSI file @path (O_RDWR|O_NONBLOCK|O_CLOEXEC) and arm trigger @spec.
 * If the kernel refuses the spec with EINVAL and psi_trigger_round() changes it, retries once
 * with the rounded spec on a fresh fd. On success *@ret_fd is the pollable fd (EPOLLPRI fires on
 * the threshold; EPOLLERR once the file goes away), owned by the caller, and *@ret_effective (may
 * be NULL) is the trigger actually armed. Returns 0 (armed as given), PSI_TRIGGER_ADAPTED (armed
 * rounded: tell the user once), or a negative errno meaning "no triggers here, poll instead":
 * -ENOENT (no PSI file / cgroup gone), -EOPNOTSUPP (psi=0), -EACCES/-EPERM, -EINVAL (refused even
 * rounded), -EBUSY, ... Out-params untouched on failure.
 */
int psi_trigger_open(const char *path, const struct psi_trigger *spec, struct psi_trigger *ret_effective,
                     int *ret_fd);
