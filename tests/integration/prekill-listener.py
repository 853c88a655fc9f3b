#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A pre-kill hook for the tests (reapd(8), PRE-KILL HOOKS): listens on SOCKET, and for each
connection reads reapd's line and appends {"t": time.time(), "line": ...} to LOG, then
answers "ok" (MODE answer), or never answers and keeps the connection open (MODE silent).

Usage: prekill-listener.py SOCKET MODE LOG
"""

import json
import socket
import sys
import time

path, mode, log = sys.argv[1:4]
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(8)
kept = []
while True:
    conn, _ = server.accept()
    line = conn.makefile("rb").readline().decode("utf-8", "replace")
    with open(log, "a") as f:
        f.write(json.dumps({"t": time.time(), "line": line}) + "\n")
    if mode == "answer":
        conn.sendall(b"ok\n")
        conn.close()
    else:
        kept.append(conn)
