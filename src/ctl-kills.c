/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl-kills.c - reapctl kills */

#include <stdio.h>

#include "ctl.h"

int ctl_kills(int argc, char **argv)
{
        fprintf(stderr, "reapctl: 'kills' is not implemented yet\n");
        return 1;
}
