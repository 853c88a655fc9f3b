#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl.h - reapctl's commands, one file each; each returns the process exit code (0, 1 or 2 for usage) */

/* argv[0] is the command name; options follow. */
int ctl_status(int argc, char **argv);
int ctl_candidates(int argc, char **argv);
int ctl_kills(int argc, char **argv);
int ctl_notify(int argc, char **argv);
