/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl-status.c - reapctl status */

#include <stdio.h>

#include "ctl.h"

int ctl_status(int argc, char **argv)
{
        fprintf(stderr, "reapctl: 'status' is not implemented yet\n");
        return 1;
}
