/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance.c - one reapd per scope: the names and paths of reapd@NAME.service */

#include <errno.h>
#include <stdio.h>
#include <string.h>

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
