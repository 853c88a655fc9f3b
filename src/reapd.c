/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reapd.c - the daemon's main(): options, config, then the manager's event loop */

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "config.h"
#include "instance.h"
#include "log.h"
#include "manager.h"

static void help(void)
{
        printf("Usage: reapd [OPTIONS]\n"
               "\n"
               "Userspace OOM killer: watches PSI and memory headroom, kills the process the\n"
               "kernel would pick, and reclaims its memory at once with process_mrelease().\n"
               "\n"
               "  -h --help              Show this help and exit\n"
               "     --version           Show the version and exit\n"
               "  -c --config=FILE       Read FILE and FILE.d/*.conf instead of %s\n"
               "  -i --instance=NAME     Be reapd@NAME.service: read %s/reapd/NAME.conf (unless\n"
               "                         --config), keep state in %s/NAME, name NAME in the\n"
               "                         kill records; Cgroup= must be set\n"
               "     --check-config      Validate the configuration, print it and exit\n"
               "  -n --dry-run           Do everything but send signals (overrides DryRun=)\n"
               "     --log-target=TARGET auto, journal or stderr (default: auto)\n"
               "\n"
               "See reapd(8) and reapd.conf(5).\n",
               CONFIG_FILE_DEFAULT, INSTANCE_CONF_ROOT, INSTANCE_RUN_DIR);
}

/*
 * A group or cgroup kill keeps a pidfd open per member for its release, and a build or a
 * container holds thousands: the soft RLIMIT_NOFILE (1024 by default) up to the hard one
 * (the unit's LimitNOFILE=). Beyond it the kill still signals every member (include/kill.h).
 */
static void raise_nofile(void)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void)setrlimit(RLIMIT_NOFILE, &rl);
        }
}

int main(int argc, char **argv)
{
        enum { ARG_VERSION = 0x100, ARG_CHECK_CONFIG, ARG_LOG_TARGET };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {"config", required_argument, NULL, 'c'},
                {"instance", required_argument, NULL, 'i'},
                {"check-config", no_argument, NULL, ARG_CHECK_CONFIG},
                {"dry-run", no_argument, NULL, 'n'},
                {"log-target", required_argument, NULL, ARG_LOG_TARGET},
                {},
        };
        struct manager_args args = {
                .config_path = CONFIG_FILE_DEFAULT,
                .log_target = LOG_TARGET_AUTO,
        };
        static struct instance_paths paths;
        bool check_config = false, config_given = false;
        int c;

        while ((c = getopt_long(argc, argv, "hc:i:n", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("reapd %s\n", REAPD_VERSION);
                        return 0;
                case 'c':
                        args.config_path = optarg;
                        config_given = true;
                        break;
                case 'i':
                        if (!instance_name_valid(optarg)) {
                                fprintf(stderr,
                                        "reapd: invalid --instance '%s' (1 to %d of A-Z a-z 0-9 : _ . - \\, "
                                        "not starting with '.')\n",
                                        optarg, INSTANCE_NAME_MAX);
                                return 2;
                        }
                        args.instance = optarg;
                        break;
                case ARG_CHECK_CONFIG:
                        check_config = true;
                        break;
                case 'n':
                        args.force_dry_run = true;
                        break;
                case ARG_LOG_TARGET:
                        if (streq(optarg, "auto"))
                                args.log_target = LOG_TARGET_AUTO;
                        else if (streq(optarg, "journal"))
                                args.log_target = LOG_TARGET_JOURNAL;
                        else if (streq(optarg, "stderr"))
                                args.log_target = LOG_TARGET_STDERR;
                        else {
                                fprintf(stderr, "reapd: invalid --log-target '%s' (auto, journal, stderr)\n",
                                        optarg);
                                return 2;
                        }
                        break;
                default:
                        fprintf(stderr, "Try 'reapd --help' for more information.\n");
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr,
                        "reapd: unexpected argument '%s'\nTry 'reapd --help' for more information.\n",
                        argv[optind]);
                return 2;
        }

        if (args.instance) {
                if (instance_paths(INSTANCE_CONF_ROOT, INSTANCE_RUN_DIR, args.instance, &paths) < 0) {
                        fprintf(stderr, "reapd: --instance '%s': path too long\n", args.instance);
                        return 2;
                }
                if (!config_given)
                        args.config_path = paths.config;
        }

        if (check_config) {
                struct reapd_config cfg;

                if (config_load(args.config_path, stderr, &cfg) < 0) {
                        fprintf(stderr, "reapd: configuration is invalid\n");
                        return 1;
                }
                if (args.instance && !cfg.cgroup[0]) {
                        fprintf(stderr, INSTANCE_NO_CGROUP_FMT "\n", args.config_path, args.instance);
                        config_done(&cfg);
                        return 1;
                }
                config_dump(&cfg, stdout);
                config_done(&cfg);
                return 0;
        }

        raise_nofile();
        return manager_main(&args) < 0 ? 1 : 0;
}
