/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance.c - one reapd per scope: the names and paths of reapd@NAME.service */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cgroupfs.h"

#include "instance.h"
#include "util.h"

bool instance_name_valid(const char *name)
{
        size_t l;

        if (!name)
                return false;
        l = strlen(name);
        if (l == 0 || l > INSTANCE_NAME_MAX || name[0] == '.' || streq(name, "state") ||
            streq(name, "state.tmp"))
                return false;
        return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.-\\") == l;
}

int instance_paths(const char *conf_root, const char *run_dir, const char *name, struct instance_paths *ret)
{
        struct instance_paths p;
        int a, b, c;

        if (!conf_root || !run_dir || !ret || (name && !instance_name_valid(name)))
                return -EINVAL;
        if (name) {
                a = snprintf(p.config, sizeof(p.config), "%s/reapd/%s.conf", conf_root, name);
                b = snprintf(p.state_dir, sizeof(p.state_dir), "%s/%s", run_dir, name);
        } else {
                a = snprintf(p.config, sizeof(p.config), "%s/reapd.conf", conf_root);
                b = snprintf(p.state_dir, sizeof(p.state_dir), "%s", run_dir);
        }
        c = snprintf(p.state, sizeof(p.state), "%s/state", p.state_dir);
        if (a < 0 || b < 0 || c < 0 || a >= (int)sizeof(p.config) || b >= (int)sizeof(p.state_dir) ||
            c >= (int)sizeof(p.state))
                return -ENAMETOOLONG;
        *ret = p;
        return 0;
}

char *instance_state_get(const char *state, const char *key, char *buf, size_t size)
{
        size_t l = strlen(key);

        buf[0] = '\0';
        for (const char *p = state; p && *p;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);

                if (len > l && strncmp(p, key, l) == 0 && p[l] == '=') {
                        size_t n = MIN(len - l - 1, size - 1);

                        memcpy(buf, p + l + 1, n);
                        buf[n] = '\0';
                        break;
                }
                p = nl ? nl + 1 : NULL;
        }
        return buf;
}

bool instance_scopes_overlap(const char *a, const char *b)
{
        a = streq(a, "system") ? "" : a;
        b = streq(b, "system") ? "" : b;
        return cgroup_is_descendant(a, b) || cgroup_is_descendant(b, a);
}

/* @fn for the daemon whose state is in @path, if its PID lives. */
static void visit_state(const char *path, const char *name,
                        void (*fn)(const char *name, int pid, const char *state, void *userdata),
                        void *userdata)
{
        char state[4096], v[32];
        int pid = 0;

        if (read_file_at(AT_FDCWD, path, state, sizeof(state)) <= 0 ||
            parse_int(instance_state_get(state, "PID", v, sizeof(v)), &pid) < 0 || pid <= 0 ||
            (kill(pid, 0) < 0 && errno != EPERM))
                return;
        fn(name, pid, state, userdata);
}

int instance_for_each_running(const char *run_dir,
                              void (*fn)(const char *name, int pid, const char *state, void *userdata),
                              void *userdata)
{
        char path[PATH_MAX];
        struct dirent *de;
        DIR *d;

        if (snprintf(path, sizeof(path), "%s/state", run_dir) < (int)sizeof(path))
                visit_state(path, NULL, fn, userdata);
        d = opendir(run_dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d)))
                if (instance_name_valid(de->d_name) &&
                    snprintf(path, sizeof(path), "%s/%s/state", run_dir, de->d_name) < (int)sizeof(path))
                        visit_state(path, de->d_name, fn, userdata);
        closedir(d);
        return 0;
}
