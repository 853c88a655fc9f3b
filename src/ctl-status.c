/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl-status.c - reapctl status: the daemon's view, live readings, capabilities and the last kill */

#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "caps.h"
#include "cgroupfs.h"
#include "config.h"
#include "ctl.h"
#include "instance.h"
#include "meminfo.h"
#include "monitor.h"
#include "pressure.h"
#include "report.h"
#include "util.h"

#define STATE_FILE_DEFAULT INSTANCE_RUN_DIR "/state"
/* Exit status when the daemon is not running, as systemctl status and LSB use it. */
#define EXIT_NOT_RUNNING 3

static void help(void)
{
        printf("Usage: reapctl status [OPTIONS]\n"
               "\n"
               "Show what reapd sees: its effective configuration, current pressure and\n"
               "headroom of the monitored scope, the capabilities it holds and its last kill.\n"
               "\n"
               "  -i --instance=NAME   The instance reapd@NAME.service: its configuration\n"
               "                       (%s/reapd/NAME.conf), state file and kill records\n"
               "  -c --config=FILE     Configuration to show (default %s)\n"
               "     --state-file=FILE The daemon's state file (default %s)\n"
               "  -h --help            Show this help\n",
               INSTANCE_CONF_ROOT, CONFIG_FILE_DEFAULT, STATE_FILE_DEFAULT);
}

/* Whether the current entry is @instance's record: INSTANCE=@instance, or none for reapd.service. */
static bool entry_of_instance(sd_journal *j, const char *instance)
{
        const void *d;
        size_t l;

        if (sd_journal_get_data(j, "INSTANCE", &d, &l) < 0)
                return !instance;
        return instance && l == strlen("INSTANCE=") + strlen(instance) &&
               memcmp((const char *)d + strlen("INSTANCE="), instance, strlen(instance)) == 0;
}

static void print_last_kill(const char *instance)
{
        sd_journal *j = NULL;
        const void *d;
        size_t l;
        int r = 0;

        if (sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY) < 0)
                return;
        if (sd_journal_add_match(j, "MESSAGE_ID=" REPORT_MESSAGE_ID_KILL, 0) >= 0 &&
            sd_journal_seek_tail(j) >= 0)
                /* Newest first, past the other daemons' records. */
                while ((r = sd_journal_previous(j)) > 0 && !entry_of_instance(j, instance))
                        ;
        if (r > 0 && sd_journal_get_data(j, "MESSAGE", &d, &l) >= 0 && l > 8) {
                uint64_t rt = 0;
                char when[32] = "?";

                if (sd_journal_get_realtime_usec(j, &rt) >= 0) {
                        time_t t = (time_t)(rt / USEC_PER_SEC);
                        struct tm tm;

                        localtime_r(&t, &tm);
                        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
                }
                printf("  Last kill: %s %.*s\n", when, (int)(l - 8), (const char *)d + 8);
        } else
                printf("  Last kill: none recorded in the journal\n");
        sd_journal_close(j);
}

/*
 * The scope's memory as the daemon computes it (monitor_memory_sample()), so that the two never
 * disagree about what "available" means. Returns the sample's note for the Memory: line.
 */
static const char *live_memory(const struct reapd_config *c, const struct cgroup_roots *roots,
                               struct monitor_sample *ret)
{
        struct cgroup_memory_reader rd = CGROUP_MEMORY_READER_INIT;
        struct monitor_memory in = {};
        int r;

        /* not the per-CPU free lists: the daemon counts them only right after a kill */
        if (meminfo_read_at(AT_FDCWD, NULL, &in.machine) < 0)
                return NULL;
        r = c->cgroup[0] && roots ? monitor_memory_read_cgroup(&rd, roots, c->cgroup, &in) : 0;
        cgroup_memory_reader_close(&rd);
        monitor_memory_sample(&in, ret);
        if (!c->cgroup[0])
                return "";
        if (r < 0)
                return " (the machine's: the cgroup's memory files cannot be read)";
        if (in.cgroup.max == CGROUP_LIMIT_MAX)
                return in.cgroup.v1 ? " (cgroup v1 memory, no limit: the machine's)"
                                    : " (cgroup2, no limit: the machine's)";
        return in.cgroup.v1 ? " (cgroup v1 memory limit)" : " (cgroup2 limit)";
}

static void print_live(const struct reapd_config *c)
{
        struct cgroup_roots roots;
        struct monitor_sample s = {};
        struct pressure p;
        char a[32], b[32], path[PATH_MAX];
        bool have_roots = cgroup_roots_discover("/proc/self/mountinfo", &roots) >= 0;
        const char *note = live_memory(c, have_roots ? &roots : NULL, &s);

        if (!note)
                printf("  Memory:    /proc/meminfo cannot be read\n");
        else {
                printf("  Memory:    %s available of %s%s\n", format_size(a, sizeof(a), s.mem_available),
                       format_size(b, sizeof(b), s.mem_total), note);
                if (s.swap_total > 0)
                        printf("  Swap:      %s free of %s\n", format_size(a, sizeof(a), s.swap_free),
                               format_size(b, sizeof(b), s.swap_total));
                else
                        printf("  Swap:      none\n");
        }
        if (!c->cgroup[0])
                snprintf(path, sizeof(path), "/proc/pressure/memory");
        else if (!have_roots || cgroup_pressure_path(&roots, c->cgroup, path, sizeof(path)) < 0)
                path[0] = '\0';
        if (path[0] && pressure_read_at(AT_FDCWD, path, &p) >= 0)
                printf("  Pressure:  some avg10 %u.%02u%% avg60 %u.%02u%%, full avg10 %u.%02u%% (%s)\n",
                       p.some.avg10 / 100, p.some.avg10 % 100, p.some.avg60 / 100, p.some.avg60 % 100,
                       p.full.avg10 / 100, p.full.avg10 % 100, path);
        else
                printf("  Pressure:  unavailable%s%s\n", path[0] ? " at " : "", path);
}

/* reapd.service's view: the instances running beside it, one line each. */
static void print_instance(const char *name, int pid, const char *state, void *userdata)
{
        char v[PATH_MAX];

        if (name)
                printf("  Instance:  %s, PID %d, scope %s (reapctl status -i %s)\n", name, pid,
                       instance_state_get(state, "SCOPE", v, sizeof(v)), name);
}

int ctl_status(int argc, char **argv)
{
        enum { ARG_STATE_FILE = 0x100 };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"config", required_argument, NULL, 'c'},
                {"state-file", required_argument, NULL, ARG_STATE_FILE},
                {"instance", required_argument, NULL, 'i'},
                {},
        };
        const char *config_path = NULL, *state_path = NULL, *instance = NULL;
        char state[4096], v[PATH_MAX], caps[512];
        struct instance_paths paths;
        struct reapd_config c;
        bool running = false;
        int pid = 0, opt;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "hc:i:", options, NULL)) >= 0) {
                switch (opt) {
                case 'h':
                        help();
                        return 0;
                case 'c':
                        config_path = optarg;
                        break;
                case ARG_STATE_FILE:
                        state_path = optarg;
                        break;
                case 'i':
                        if (!instance_name_valid(optarg)) {
                                fprintf(stderr, "reapctl status: invalid --instance '%s'\n", optarg);
                                return 2;
                        }
                        instance = optarg;
                        break;
                default:
                        fprintf(stderr, "Try 'reapctl status --help' for more information.\n");
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "reapctl status: unexpected argument '%s'\n", argv[optind]);
                return 2;
        }
        if (instance_paths(INSTANCE_CONF_ROOT, INSTANCE_RUN_DIR, instance, &paths) < 0) {
                fprintf(stderr, "reapctl status: --instance '%s': path too long\n", instance);
                return 2;
        }
        if (!state_path)
                state_path = paths.state;

        if (read_file_at(AT_FDCWD, state_path, state, sizeof(state)) < 0)
                state[0] = '\0';
        if (state[0] && parse_int(instance_state_get(state, "PID", v, sizeof(v)), &pid) == 0 && pid > 0 &&
            (kill(pid, 0) == 0 || errno == EPERM))
                running = true;

        if (running) {
                printf("reapd%s%s %s: running, PID %d, state %s\n", instance ? "@" : "",
                       instance ? instance : "", instance_state_get(state, "VERSION", v, sizeof(v)), pid,
                       instance_state_get(state, "STATE", caps, sizeof(caps)));
                printf("  Config:    %s\n", instance_state_get(state, "CONFIG", v, sizeof(v)));
                printf("  Scope:     %s%s\n", instance_state_get(state, "SCOPE", v, sizeof(v)),
                       streq(instance_state_get(state, "DRY_RUN", caps, sizeof(caps)), "1") ? " (dry run)"
                                                                                            : "");
                printf("  Kills:     %s since start\n", instance_state_get(state, "KILLS", v, sizeof(v)));
                printf("  Triggers:  some %s, full %s%s\n",
                       instance_state_get(state, "TRIGGER_SOME", v, sizeof(v))[0] ? v : "off",
                       instance_state_get(state, "TRIGGER_FULL", caps, sizeof(caps))[0] ? caps : "off",
                       streq(instance_state_get(state, "POLLING", v, sizeof(v)), "1")
                               ? " (polling stall counters)"
                               : "");
                printf("  Caps:      %s\n", instance_state_get(state, "CAPABILITIES", v, sizeof(v)));
                if (!config_path && instance_state_get(state, "CONFIG", v, sizeof(v))[0])
                        config_path = strdupa(v);
        } else
                printf("reapd%s%s: not running\n", instance ? "@" : "", instance ? instance : "");
        if (!instance)
                (void)instance_for_each_running(INSTANCE_RUN_DIR, print_instance, NULL);
        if (!config_path)
                config_path = paths.config;

        if (config_load(config_path, stderr, &c) < 0) {
                fprintf(stderr, "reapctl status: %s is invalid\n", config_path);
                return 1;
        }
        if (instance && !c.cgroup[0])
                printf("  Scope:     none: %s has no Cgroup=, reapd@%s refuses to start\n", config_path,
                       instance);
        print_live(&c);
        if (!running) {
                uint64_t eff = 0;

                if (caps_read_effective("/proc", 0, &eff) >= 0)
                        printf("  Caps:      started like this, reapd would keep %s\n",
                               caps_format(caps, sizeof(caps), eff & CAPS_WANTED));
        }
        print_last_kill(instance);
        printf("\nEffective configuration (%s):\n", config_path);
        config_dump(&c, stdout);
        config_done(&c);
        return running ? 0 : EXIT_NOT_RUNNING;
}
