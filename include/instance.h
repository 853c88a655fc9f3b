#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance.h - one reapd per scope: reapd@NAME.service's config file, state file and name */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * reapd.service's state directory. An instance's is a subdirectory of it, so that reapctl finds
 * every running daemon under one path; reapd.service keeps the directory when it stops
 * (RuntimeDirectoryPreserve=yes), or stopping it would remove the instances' state as well.
 */
#define INSTANCE_RUN_DIR "/run/reapd"
/* Where the configuration files are: /etc, as CONFIG_FILE_DEFAULT, whatever the build's prefix. */
#define INSTANCE_CONF_ROOT "/etc"

/* Longer names are typing errors, not scopes; 64 leaves room in a unit name and a path. */
#define INSTANCE_NAME_MAX 64

/* The error for an instance's configuration without Cgroup=: file, instance name. */
#define INSTANCE_NO_CGROUP_FMT "%s: instance %s has no Cgroup=: an instance watches one cgroup"

/* Where one daemon (reapd.service, or the instance NAME) reads and writes its files. */
struct instance_paths {
        char config[PATH_MAX]; /* /etc/reapd.conf, or /etc/reapd/NAME.conf (drop-ins: its ".d") */
        char state_dir[PATH_MAX]; /* /run/reapd, or /run/reapd/NAME */
        char state[PATH_MAX]; /* state_dir/state, for reapctl status */
};

/*
 * instance_name_valid() - pure: whether @name may name an instance. That is what systemd's %i
 * gives (the escaped instance string): 1 to INSTANCE_NAME_MAX characters from letters, digits,
 * ':', '_', '.', '-' and '\' (systemd-escape writes "\x2d"), not starting with '.', and not
 * "state" or "state.tmp", which are reapd.service's own files in INSTANCE_RUN_DIR.
 */
bool instance_name_valid(const char *name);

/*
 * instance_paths() - pure: fill @ret for the instance @name under @conf_root (normally
 * INSTANCE_CONF_ROOT) and @run_dir (normally INSTANCE_RUN_DIR); @name NULL gives reapd.service's
 * own paths. Returns 0, -EINVAL for an invalid @name, -ENAMETOOLONG; @ret untouched on failure.
 */
int instance_paths(const char *conf_root, const char *run_dir, const char *name, struct instance_paths *ret);

/*
 * instance_state_get() - pure: the value of "KEY=" in a state file's text @state, copied into
 * @buf (always terminated, cut to @size); "" if absent. Returns @buf.
 */
char *instance_state_get(const char *state, const char *key, char *buf, size_t size);

/*
 * instance_scopes_overlap() - pure: whether two daemons' scopes can hold the same process. A scope
 * is a cgroup2 path, or "", "/" or "system" (a state file's SCOPE=) for the whole machine.
 */
bool instance_scopes_overlap(const char *a, const char *b);

/*
 * instance_for_each_running() - call @fn for each daemon whose state file under @run_dir
 * (reapd.service's, @name NULL, then each instance's) names a live PID, with its name, PID and the
 * file's text. Unreadable files are skipped. Returns 0, or a negative errno if @run_dir exists but
 * cannot be listed.
 */
int instance_for_each_running(const char *run_dir,
                              void (*fn)(const char *name, int pid, const char *state, void *userdata),
                              void *userdata);
