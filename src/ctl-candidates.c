/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl-candidates.c - reapctl candidates */

#include <stdio.h>

#include "ctl.h"

int ctl_candidates(int argc, char **argv)
{
        fprintf(stderr, "reapctl: 'candidates' is not implemented yet\n");
        return 1;
}
