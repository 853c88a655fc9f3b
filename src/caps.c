/* SPDX-License-Identifier: GPL-2.0-or-later */
/* caps.c - shed every capability reapd does not use, lock it in memory, exempt it from OOM kills */

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "caps.h"
#include "procfs.h"
#include "util.h"

/* Masks are 64 bits; the kernel has 41 capabilities today (CAP_CHECKPOINT_RESTORE = 40). */
#define CAPS_MAX 64

static const char *const cap_names[] = {
        [CAP_CHOWN] = "cap_chown",
        [CAP_DAC_OVERRIDE] = "cap_dac_override",
        [CAP_DAC_READ_SEARCH] = "cap_dac_read_search",
        [CAP_FOWNER] = "cap_fowner",
        [CAP_FSETID] = "cap_fsetid",
        [CAP_KILL] = "cap_kill",
        [CAP_SETGID] = "cap_setgid",
        [CAP_SETUID] = "cap_setuid",
        [CAP_SETPCAP] = "cap_setpcap",
        [CAP_LINUX_IMMUTABLE] = "cap_linux_immutable",
        [CAP_NET_BIND_SERVICE] = "cap_net_bind_service",
        [CAP_NET_BROADCAST] = "cap_net_broadcast",
        [CAP_NET_ADMIN] = "cap_net_admin",
        [CAP_NET_RAW] = "cap_net_raw",
        [CAP_IPC_LOCK] = "cap_ipc_lock",
        [CAP_IPC_OWNER] = "cap_ipc_owner",
        [CAP_SYS_MODULE] = "cap_sys_module",
        [CAP_SYS_RAWIO] = "cap_sys_rawio",
        [CAP_SYS_CHROOT] = "cap_sys_chroot",
        [CAP_SYS_PTRACE] = "cap_sys_ptrace",
        [CAP_SYS_PACCT] = "cap_sys_pacct",
        [CAP_SYS_ADMIN] = "cap_sys_admin",
        [CAP_SYS_BOOT] = "cap_sys_boot",
        [CAP_SYS_NICE] = "cap_sys_nice",
        [CAP_SYS_RESOURCE] = "cap_sys_resource",
        [CAP_SYS_TIME] = "cap_sys_time",
        [CAP_SYS_TTY_CONFIG] = "cap_sys_tty_config",
        [CAP_MKNOD] = "cap_mknod",
        [CAP_LEASE] = "cap_lease",
        [CAP_AUDIT_WRITE] = "cap_audit_write",
        [CAP_AUDIT_CONTROL] = "cap_audit_control",
        [CAP_SETFCAP] = "cap_setfcap",
        [CAP_MAC_OVERRIDE] = "cap_mac_override",
        [CAP_MAC_ADMIN] = "cap_mac_admin",
        [CAP_SYSLOG] = "cap_syslog",
        [CAP_WAKE_ALARM] = "cap_wake_alarm",
        [CAP_BLOCK_SUSPEND] = "cap_block_suspend",
        [CAP_AUDIT_READ] = "cap_audit_read",
        [38] = "cap_perfmon",
        [39] = "cap_bpf",
        [40] = "cap_checkpoint_restore",
};

const char *caps_cost(int cap)
{
        switch (cap) {
        case CAP_KILL:
                return "processes of other users cannot be killed";
        case CAP_SYS_PTRACE:
                return "Policy exe: rules do not match processes of other users, and processes of "
                       "other users that share a victim's memory are not found and killed with it";
        case CAP_SYS_NICE:
                return "ReaperNice= below 0 and ReaperSchedPolicy=fifo/rr are not applied to the reaper";
        case CAP_SYS_RESOURCE:
                return "PSI windows are rounded up to a multiple of 2s and reapd's own oom_score_adj "
                       "is not lowered";
        case CAP_IPC_LOCK:
                return "reapd is not locked in memory (mlockall) beyond RLIMIT_MEMLOCK, so it can be "
                       "paged out under the very pressure it handles";
        case CAP_DAC_OVERRIDE:
                return "cgroups delegated to a user cannot be monitored with PSI triggers or killed "
                       "with cgroup.kill";
        default:
                return NULL;
        }
}

static uint64_t caps_mask(cap_t c, cap_flag_t flag)
{
        uint64_t m = 0;

        for (int cap = 0; cap < CAPS_MAX && cap_valid(cap); cap++) {
                cap_flag_value_t v = CAP_CLEAR;

                if (cap_get_flag(c, (cap_value_t)cap, flag, &v) == 0 && v == CAP_SET)
                        m |= CAPS_BIT(cap);
        }
        return m;
}

/* Lowers our oom_score_adj to CAPS_OOM_SCORE_ADJ unless it is already there. */
static int set_oom_score_adj(const char *path, int *ret_value)
{
        char buf[32];
        int fd, r = 0, v;
        ssize_t n;

        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        if (n > 0 && parse_int(buf, &v) == 0 && v <= CAPS_OOM_SCORE_ADJ) {
                /* Already there, e.g. OOMScoreAdjust=-1000 in the unit. */
                *ret_value = v;
                close(fd);
                return 0;
        }
        snprintf(buf, sizeof(buf), "%d\n", CAPS_OOM_SCORE_ADJ);
        if (pwrite(fd, buf, strlen(buf), 0) < 0)
                r = -errno;
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        if (n > 0 && parse_int(buf, &v) == 0)
                *ret_value = v;
        close(fd);
        return r;
}

static int drop_bounding(uint64_t keep)
{
        int r = 0;

        for (int cap = 0; cap < CAPS_MAX && cap_valid(cap); cap++) {
                if (keep & CAPS_BIT(cap))
                        continue;
                if (cap_get_bound((cap_value_t)cap) <= 0)
                        continue; /* not in the bounding set, or unknown to this kernel */
                if (cap_drop_bound((cap_value_t)cap) < 0 && r == 0)
                        r = -errno;
        }
        return r;
}

static int set_caps(uint64_t keep)
{
        cap_value_t list[CAPS_MAX];
        int n = 0, r = 0;
        cap_t c = cap_init(); /* everything clear, inheritable included */

        if (!c)
                return -errno;
        for (int cap = 0; cap < CAPS_MAX; cap++)
                if (keep & CAPS_BIT(cap))
                        list[n++] = (cap_value_t)cap;
        if (n > 0 && (cap_set_flag(c, CAP_EFFECTIVE, n, list, CAP_SET) < 0 ||
                      cap_set_flag(c, CAP_PERMITTED, n, list, CAP_SET) < 0))
                r = -errno;
        if (r == 0 && cap_set_proc(c) < 0)
                r = -errno;
        cap_free(c);
        /* The kernel already dropped ambient caps with the inheritable set; this is explicit. */
        if (r == 0 && CAP_AMBIENT_SUPPORTED())
                (void)cap_reset_ambient();
        return r;
}

int caps_setup(const struct caps_setup_args *args, struct caps_report *ret)
{
        struct caps_report rep = {0};
        uint64_t permitted;
        cap_t c;

        c = cap_get_proc();
        if (!c)
                return -errno;
        rep.held = caps_mask(c, CAP_EFFECTIVE);
        permitted = caps_mask(c, CAP_PERMITTED);
        cap_free(c);
        rep.missing = args->keep & ~permitted;

        /* MCL_ONFAULT: lock pages as they are touched, not every page of libc and libsystemd. */
        if (args->mlock && mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0)
                rep.mlock_error = -errno;
        if (args->oom_score_adj_path)
                rep.oom_score_adj_error = set_oom_score_adj(args->oom_score_adj_path, &rep.oom_score_adj);
        /* Before set_caps(): shrinking the bounding set needs the CAP_SETPCAP that it drops. */
        if (args->drop_bounding)
                rep.bounding_error = permitted & CAPS_BIT(CAP_SETPCAP) ? drop_bounding(args->keep) : -EPERM;
        rep.drop_error = set_caps(args->keep & permitted);
        /* reapd never execs; this makes sure nothing it might run could regain privileges. */
        (void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);

        c = cap_get_proc();
        if (c) {
                rep.kept = caps_mask(c, CAP_EFFECTIVE);
                cap_free(c);
        } else
                rep.kept = rep.held;

        *ret = rep;
        return rep.mlock_error || rep.oom_score_adj_error || rep.bounding_error || rep.drop_error ? 1 : 0;
}

int caps_read_effective(const char *proc_root, int pid, uint64_t *ret)
{
        _cleanup_(closep) int fd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct proc_status st;
        int r;

        if (fd < 0)
                return -errno;
        r = proc_read_status(fd, pid > 0 ? pid : getpid(), &st);
        if (r < 0)
                return r;
        if (!st.has_caps)
                return -ENOENT;
        *ret = st.cap_eff;
        return 0;
}

char *caps_format(char *buf, size_t size, uint64_t mask)
{
        size_t n = 0;

        if (size == 0)
                return buf;
        buf[0] = '\0';
        for (int cap = 0; cap < CAPS_MAX; cap++) {
                char num[16];
                const char *name;
                int k;

                if (!(mask & CAPS_BIT(cap)))
                        continue;
                name = (size_t)cap < ELEMENTSOF(cap_names) ? cap_names[cap] : NULL;
                if (!name) {
                        snprintf(num, sizeof(num), "%d", cap);
                        name = num;
                }
                k = snprintf(buf + n, size - n, "%s%s", n ? " " : "", name);
                if (k < 0 || (size_t)k >= size - n) {
                        buf[n] = '\0'; /* whole names only */
                        break;
                }
                n += (size_t)k;
        }
        if (mask == 0)
                snprintf(buf, size, "none");
        return buf;
}
