#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report.h - stage 6: one structured journal record per kill, and the daemon's status line */

/*
 * MESSAGE_ID of a kill record (also in systemd/reapd.catalog and reapd(8)):
 *   journalctl MESSAGE_ID=0d34ba080ff344199e41f36a4bb9b436
 * and of a "wanted to kill but found no candidate" record.
 */
#define REPORT_MESSAGE_ID_KILL "0d34ba080ff344199e41f36a4bb9b436"
#define REPORT_MESSAGE_ID_NO_CANDIDATE "1dfb41b4ef794ba1b0dfe82a1585f3e9"
