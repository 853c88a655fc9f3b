#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check-bus-policy.sh POLICY - dbus-daemon must accept the bus policy: a private system bus is
# started with Debian's /usr/share/dbus-1/system.conf rules plus POLICY included, and must come
# up (a policy with an error makes dbus-daemon refuse its whole configuration).
set -euo pipefail
policy=$(realpath "$1")
command -v dbus-daemon >/dev/null || { echo "dbus-daemon not installed"; exit 77; }
tmp=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
cat >"$tmp/system.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$tmp/socket</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
  </policy>
  <include>$policy</include>
</busconfig>
CONF
dbus-daemon --config-file="$tmp/system.conf" --nofork --nopidfile --print-address=3 3>"$tmp/address" \
        2>"$tmp/err" &
pid=$!
for _ in $(seq 50); do
        [ -s "$tmp/address" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
done
if [ ! -s "$tmp/address" ]; then
        cat "$tmp/err"
        echo "$policy: dbus-daemon refused it"
        exit 1
fi
if grep -v 'Failed to set fd limit' "$tmp/err" | grep .; then
        echo "$policy: dbus-daemon complained"
        exit 1
fi
echo "$policy: dbus-daemon accepts it"
