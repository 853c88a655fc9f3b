#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Metrics (issue 16): MetricsFile= read by the real consumer, Debian's prometheus-node-exporter,
# started here on loopback with its textfile collector on the test's directory, and scraped
# over HTTP as Prometheus would.
#
# Usage: test-metrics.sh REAPD HOG
#
# The real daemon, scoped (Cgroup=) to a cgroup made here with a 512M limit and one hog, starts
# harmless (MinAvailable=0 and MinSwapFree=0, so that another test's swap file does not count;
# no PSI), writes its file, then a reload (both at 100%) makes it kill the hog. The scrape must hold every reapd series with the right values (build info, the
# kill by reason, kill unit and result, bytes released, both duration histograms, the last kill's
# time, the scope's pressure and headroom) and no textfile parse error; a MetricsFile= in a
# directory that is not there is one warning; at stop the file, and the series, are gone.
# Exit 0 all good, 1 a check failed, 77 skipped (not root, no node_exporter).
set -euo pipefail
REAPD=$(realpath "$1") HOG=$(realpath "$2")
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/tap.sh"

if [ "$(id -u)" -ne 0 ]; then echo "1..0 # SKIP needs root"; exit 77; fi
NODE_EXPORTER=$(command -v prometheus-node-exporter || command -v node_exporter || true)
for t in "$NODE_EXPORTER" curl python3; do
        [ -n "$t" ] && command -v "$t" >/dev/null ||
                { echo "1..0 # SKIP needs prometheus-node-exporter, curl and python3 (tools/install-deps.sh test)"; exit 77; }
done


lab_init reapd-test-metrics
lab_limit $((512 << 20))
dir=$LAB_DIR/textfile
mkdir -m 755 "$dir"
prom=$dir/reapd.prom

lab_spawn -- "$HOG" 64 --ready-fd 3 3>"$LAB_DIR/hog.ready"
hog=$LAB_LAST_PID
lab_wait_ready "$LAB_DIR/hog.ready"

conf() { # conf THRESHOLD METRICS_FILE
        scoped_conf "$LAB_DIR/reapd.conf" "$LAB_CG" "$1" "[Daemon]" "DBus=no" "MetricsFile=$2"
}
conf 0 "$prom"
RUNTIME_DIRECTORY=$LAB_DIR "$REAPD" --config "$LAB_DIR/reapd.conf" --log-target=stderr 2>"$LAB_DIR/reapd.log" &
reapd=$!
LAB_PIDS+=("$reapd")
check "reapd writes MetricsFile= at start" "$(tail -n 5 "$LAB_DIR/reapd.log")" wait_for 10 test -s "$prom"

# node_exporter on a free loopback port, the textfile collector alone.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$NODE_EXPORTER" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.textfile \
        --collector.textfile.directory="$dir" >"$LAB_DIR/node-exporter.log" 2>&1 &
LAB_PIDS+=("$!")
scrape() { curl -sf "http://127.0.0.1:$port/metrics" >"$LAB_DIR/scrape.txt"; }
wait_for 15 scrape || lab_fail "node_exporter did not serve on 127.0.0.1:$port: $(tail -n 5 "$LAB_DIR/node-exporter.log")"
ok "$("$NODE_EXPORTER" --version 2>&1 | head -n 1) serves 127.0.0.1:$port, textfile collector on $dir"

# value NAME [LABEL=VALUE...]: the value of the one series NAME whose labels include these.
value() {
        python3 - "$LAB_DIR/scrape.txt" "$@" <<'EOF'
import re, sys
path, name, want = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
series = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
found = []
for line in open(path):
    m = series.match(line.strip())
    if not m or m.group(1) != name:
        continue
    labels = {k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in label.findall(m.group(2) or "")}
    if all(labels.get(k) == v for k, v in want.items()):
        found.append(m.group(3))
if len(found) != 1:
    sys.exit(f"{len(found)} series {name} with {want}")
print(found[0])
EOF
}
# is EXPR: a Python comparison of the values, e.g. is "$v > 0".
is() { python3 -c "import sys; sys.exit(0 if ($1) else 1)"; }

svc=service=reapd.service
check "no textfile parse error (node_textfile_scrape_error 0)" "$(grep -i textfile "$LAB_DIR/scrape.txt")" \
        [ "$(value node_textfile_scrape_error)" = 0 ]
check "reapd_build_info{scope=\"$LAB_CG\",service=\"reapd.service\",version=\"0.1.0\"} 1" "$(grep reapd_ "$LAB_DIR/scrape.txt")" \
        [ "$(value reapd_build_info "$svc" scope="$LAB_CG" version=0.1.0)" = 1 ]
check "no kill yet: reapd_futile_kills_total 0, reapd_kill_duration_seconds_count 0, no reapd_kills_total series" \
        "$(grep -E 'reapd_(kills|futile|kill_duration_seconds_count)' "$LAB_DIR/scrape.txt")" \
        bash -c "[ '$(value reapd_futile_kills_total "$svc")' = 0 ] && [ '$(value reapd_kill_duration_seconds_count "$svc")' = 0 ] && ! grep -q '^reapd_kills_total' '$LAB_DIR/scrape.txt'"

# --- the kill ---------------------------------------------------------------------------------------
t_kill=$(date +%s)
conf 100% "$prom"
kill -HUP "$reapd"
dead() { ! lab_alive "$hog"; }
check "reapd killed the hog" "$(tail -n 5 "$LAB_DIR/reapd.log")" wait_for 20 dead
conf 0 "$prom"
kill -HUP "$reapd"
# the kill's record and the reload after it, in either order: both must be in the file scraped
killed_in_file() { grep -q '^reapd_kills_total{.*result="killed"} 1$' "$prom" && grep -q '^reapd_min_available_bytes{.*} 0$' "$prom"; }
wait_for 10 killed_in_file || true
scrape || true
kills=$(value reapd_kills_total "$svc" reason=memory kill_unit=process result=killed 2>&1 || true)
check "reapd_kills_total{kill_unit=\"process\",reason=\"memory\",result=\"killed\",service=\"reapd.service\"} $kills" \
        "$(grep reapd_kills "$LAB_DIR/scrape.txt")" [ "$kills" = 1 ]
released=$(value reapd_released_bytes_total "$svc" 2>&1 || true)
check "reapd_released_bytes_total $released: what the hog held came back" "$released" is "$released > 50e6"
for h in kill release; do
        count=$(value "reapd_${h}_duration_seconds_count" "$svc" 2>&1 || true)
        inf=$(value "reapd_${h}_duration_seconds_bucket" "$svc" le=+Inf 2>&1 || true)
        sum=$(value "reapd_${h}_duration_seconds_sum" "$svc" 2>&1 || true)
        check "reapd_${h}_duration_seconds: a histogram with one observation of ${sum}s" \
                "$(grep "reapd_${h}_duration" "$LAB_DIR/scrape.txt")" \
                bash -c "[ '$count' = 1 ] && [ '$inf' = 1 ] && grep -q '^# TYPE reapd_${h}_duration_seconds histogram' '$LAB_DIR/scrape.txt'"
done
last=$(value reapd_last_kill_timestamp_seconds "$svc" 2>&1 || true)
check "reapd_last_kill_timestamp_seconds $last: the kill's time" "now $(date +%s), reload at $t_kill" \
        is "$last >= $t_kill - 1 and $last <= $(date +%s) + 1"
total=$(value reapd_memory_total_bytes "$svc" 2>&1 || true)
avail=$(value reapd_memory_available_bytes "$svc" 2>&1 || true)
min=$(value reapd_min_available_bytes "$svc" 2>&1 || true)
some=$(value reapd_pressure_some_avg10_ratio "$svc" 2>&1 || true)
check "the scope's readings: total $total (the 512M limit), available $avail, MinAvailable= $min, some avg10 $some" \
        "$(grep -E 'reapd_(memory|min|swap|pressure)' "$LAB_DIR/scrape.txt")" \
        is "$total == 512 * 2**20 and 0 < $avail <= $total and $min == 0 and 0 <= $some <= 1"
check "no temporary file is left next to it" "$(ls -a "$dir")" bash -c "[ \"\$(ls -A '$dir')\" = reapd.prom ]"

# --- a directory that is not there, then the stop ------------------------------------------------------
conf 0 "$LAB_DIR/missing/reapd.prom"
kill -HUP "$reapd"
warned() { grep -q 'Cannot write MetricsFile=.*/missing/reapd.prom' "$LAB_DIR/reapd.log"; }
warned_and_removed() { wait_for 10 warned && [ ! -e "$prom" ]; }
check "a MetricsFile= that cannot be written is a warning, and the former file is removed" \
        "$(tail -n 5 "$LAB_DIR/reapd.log"; ls "$dir")" warned_and_removed
sleep 16 # a rewrite interval: the same error is not said again
check "said once" "$(grep -c 'Cannot write MetricsFile' "$LAB_DIR/reapd.log") times" \
        [ "$(grep -c 'Cannot write MetricsFile' "$LAB_DIR/reapd.log")" = 1 ]
conf 0 "$prom"
kill -HUP "$reapd"
wait_for 10 test -s "$prom" || true
kill -TERM "$reapd"
rc=0
wait "$reapd" || rc=$?
scrape || true
check "at stop reapd removes its file, and node_exporter serves no reapd series" \
        "exit $rc; $(ls "$dir"); $(grep -c '^reapd_' "$LAB_DIR/scrape.txt")" \
        bash -c "[ $rc = 0 ] && [ ! -e '$prom' ] && ! grep -q '^reapd_' '$LAB_DIR/scrape.txt'"
tap_done
