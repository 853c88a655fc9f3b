/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reapctl.c - inspect reapd: status, candidates, kills; and its user agent, notify */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "util.h"

static void help(void)
{
        printf("Usage: reapctl [OPTIONS] COMMAND\n"
               "\n"
               "Commands:\n"
               "  status        Effective config, pressure and headroom, capabilities, last kill\n"
               "  candidates    Who would die next, best victim first\n"
               "  kills         Kills recorded in the journal\n"
               "  notify        Desktop notifications of the kills (the user agent)\n"
               "\n"
               "Options:\n"
               "  -h --help     Show this help and exit\n"
               "     --version  Show the version and exit\n"
               "\n"
               "See reapctl(1).\n");
}

int main(int argc, char **argv)
{
        enum { ARG_VERSION = 0x100 };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("reapctl %s\n", REAPD_VERSION);
                        return 0;
                default:
                        fprintf(stderr, "Try 'reapctl --help' for more information.\n");
                        return 2;
                }
        }
        if (optind >= argc) {
                fprintf(stderr, "reapctl: missing command\nTry 'reapctl --help' for more information.\n");
                return 2;
        }
        if (streq(argv[optind], "status"))
                return ctl_status(argc - optind, argv + optind);
        if (streq(argv[optind], "candidates"))
                return ctl_candidates(argc - optind, argv + optind);
        if (streq(argv[optind], "kills"))
                return ctl_kills(argc - optind, argv + optind);
        if (streq(argv[optind], "notify"))
                return ctl_notify(argc - optind, argv + optind);
        fprintf(stderr, "reapctl: unknown command '%s'\nTry 'reapctl --help' for more information.\n",
                argv[optind]);
        return 2;
}
