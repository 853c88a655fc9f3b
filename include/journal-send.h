#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* journal-send.h - journal records that never block their sender: a nonblocking socket, a bounded queue, a thread */

/*
 * libsystemd's sd_journal_send() writes to journald's datagram socket and blocks while
 * journald's receive queue is full: a journald that is stopped, frozen or starved under memory
 * pressure would stall reapd's event loop, and its watchdog with it. Here the caller's send is
 * nonblocking; what journald cannot take now waits in a fixed queue for a small thread, which
 * sends it once journald reads again, in order. A full queue drops the newest records and counts
 * them; the count is sent as a record of its own once the queue drains (it is said once).
 * Nothing allocates after journal_send_start(). The fields are journald's native protocol, as
 * sd_journal_sendv() sends them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* 32 KiB, touched at start so it is resident and locked: about twenty kill records. */
#define JOURNAL_QUEUE_SIZE (32 * 1024)
/* The largest record: a kill record is a few KB; reapd's fields are bounded (report.h). */
#define JOURNAL_RECORD_MAX (16 * 1024)

/*
 * journal_send_start() - connect to @socket_path (NULL: journald's /run/systemd/journal/socket),
 * touch the queue and start the sender thread, with every signal blocked. Call it once, after
 * capabilities are dropped: the thread keeps the sets its creator has. Returns 0 or a negative
 * errno (then journal_sendv() still sends what journald takes at once, and fails otherwise).
 */
int journal_send_start(const char *socket_path);

/*
 * journal_send_stop() - wait up to @timeout_usec for the queue to drain, then stop the thread
 * and close the socket. What is left is counted as dropped. Safe without a start.
 */
void journal_send_stop(uint64_t timeout_usec);

/*
 * journal_sendv() - send the "KEY=value" fields @iov[0..@n) as one record. Never blocks: sent at
 * once if journald takes it and nothing is queued before it, else queued. Returns 0 (sent or
 * queued), -ENOBUFS (the queue is full: dropped and counted), -EMSGSIZE (longer than
 * JOURNAL_RECORD_MAX), or a negative errno from the socket (no journald: the caller writes the
 * record elsewhere). Thread-safe; does not allocate.
 */
int journal_sendv(const struct iovec *iov, size_t n);

/* journal_send_dropped() - records dropped since the start. */
uint64_t journal_send_dropped(void);

/*
 * journal_serialize() - pure: @iov's fields in the native protocol into @buf: "KEY=value\n", or
 * for a value holding a newline "KEY\n", its length as 64-bit little endian, the value, "\n".
 * A field without '=' is skipped. Returns the length, or -EMSGSIZE if it does not fit @size.
 */
long journal_serialize(const struct iovec *iov, size_t n, char *buf, size_t size);
