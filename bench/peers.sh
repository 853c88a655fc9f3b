#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# peers.sh - the peers bench/run.sh compares reapd with, ready to run: earlyoom 1.7 (Debian
# 12's package), earlyoom 1.8.2 (built from Debian trixie's source package, the newest the
# registry has, and the first series that calls process_mrelease after its SIGKILL) and
# nohang (Debian 12's package). Nothing of theirs is kept in this tree: only this script,
# which fetches and builds them.
#
# Usage: bench/peers.sh            (root) make sure all are there; print "name path version"
#        . bench/peers.sh; peers_ensure   from another bench script: sets EARLYOOM17,
#                                         EARLYOOM18, NOHANG and their *_VERSION
#
# earlyoom 1.8.2: a deb-src line for trixie in a sources file of its own (deb-src only: no
# trixie binary package can ever be installed through it), `apt-get update` of that file
# alone, `apt-get source` of the exact version into the cache, and a plain `make` there. The
# built binary is cached under PEERS_CACHE and rebuilt only when missing. It is checked to
# say 1.8.2 and to call process_mrelease (its source, and strace when the bench has a
# frozen victim to show it on: bench-kill.sh).
# Safety: installing nohang's package never starts it (policy-rc.d, and PID 1 here is not
# systemd anyway); the benches start every peer themselves, fenced in a PID namespace.

PEERS_CACHE=${PEERS_CACHE:-/var/cache/reapd-bench}
PEERS_EARLYOOM_NEW=1.8.2
PEERS_TRIXIE_LIST=/etc/apt/sources.list.d/reapd-bench-trixie-src.list

peers_log() { echo "# peers: $*" >&2; }

# peers_mirror: the Debian mirror this machine already uses (debian.sources or sources.list).
peers_mirror() {
    local m
    m=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null)
    [ -n "$m" ] || m=$(awk '$1 == "deb" && $0 !~ /security/ {print ($2 ~ /^\[/ ? $3 : $2); exit}' /etc/apt/sources.list 2>/dev/null)
    echo "${m:-http://deb.debian.org/debian}"
}

# peers_apt CMD...: apt-get, waiting (up to 10 min) for another apt or dpkg to let go of its locks.
peers_apt() {
    local i
    for i in $(seq 1 120); do
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=5 "$@" && return 0
        fuser /var/lib/apt/lists/lock /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock >/dev/null 2>&1 || return 1
        [ "$i" = 1 ] && peers_log "apt is busy (someone else's install), waiting"
        sleep 5
    done
    return 1
}

# peers_earlyoom_new: print the path of earlyoom 1.8.2, building it first if it is not cached.
peers_earlyoom_new() {
    local dir=$PEERS_CACHE/earlyoom-$PEERS_EARLYOOM_NEW bin ver src
    bin=$dir/earlyoom
    if [ ! -x "$bin" ]; then
        command -v dpkg-source >/dev/null || peers_apt install -y -qq --no-install-recommends dpkg-dev >&2
        if [ ! -e "$PEERS_TRIXIE_LIST" ]; then
            peers_log "adding $PEERS_TRIXIE_LIST (deb-src only)"
            echo "deb-src $(peers_mirror) trixie main" >"$PEERS_TRIXIE_LIST"
        fi
        # only this list: the machine's own indexes are left as they are
        peers_apt update -qq -o Dir::Etc::SourceList="$PEERS_TRIXIE_LIST" -o Dir::Etc::SourceParts=/dev/null \
            -o APT::Get::List-Cleanup=0 >&2 || { peers_log "apt-get update of trixie's sources failed"; return 1; }
        ver=$(apt-cache showsrc earlyoom 2>/dev/null | awk -v v="$PEERS_EARLYOOM_NEW" '$1 == "Version:" && index($2, v "-") == 1 {print $2; exit}')
        [ -n "$ver" ] || { peers_log "trixie's sources have no earlyoom $PEERS_EARLYOOM_NEW-*"; return 1; }
        rm -rf "$dir.src"
        mkdir -p "$dir.src"
        (cd "$dir.src" && apt-get source -qq "earlyoom=$ver") >&2 || { peers_log "apt-get source earlyoom=$ver failed"; return 1; }
        src=$(find "$dir.src" -mindepth 1 -maxdepth 1 -type d -name "earlyoom-*" | head -1)
        # the binary only (its man page wants pandoc); the version as debian/rules sets it
        make -C "$src" earlyoom VERSION="v${ver%-*}" >&2 || { peers_log "building earlyoom $ver failed"; return 1; }
        grep -q process_mrelease "$src"/*.c || { peers_log "earlyoom $ver does not call process_mrelease"; return 1; }
        mkdir -p "$dir"
        cp "$src/earlyoom" "$bin.tmp" && mv "$bin.tmp" "$bin"
        echo "$ver" >"$dir/debian-version"
        grep -n process_mrelease "$src"/*.c >"$dir/process_mrelease.txt"
        peers_log "earlyoom $ver built in $src, cached as $bin"
    fi
    "$bin" -v 2>&1 | grep -q "$PEERS_EARLYOOM_NEW" || { peers_log "$bin -v does not say $PEERS_EARLYOOM_NEW"; return 1; }
    echo "$bin"
}

# peers_nohang: make sure Debian's nohang is installed (never started by the package here).
peers_nohang() {
    local policy=""
    if ! command -v nohang >/dev/null; then
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
            chmod +x /usr/sbin/policy-rc.d
            policy=1
        fi
        peers_apt install -y -qq --no-install-recommends nohang >&2
        [ -n "$policy" ] && rm -f /usr/sbin/policy-rc.d
    fi
    command -v nohang
}

# earlyoom -v prints "earlyoom v1.7" (1.7) or "earlyoom v1.8.2": the version alone
peers_earlyoom_version() { "$1" -v 2>&1 | head -1 | awk '{v = $2; sub(/^v/, "", v); print v}'; }

# peers_earlyoom_mem BIN TERM_KB [KILL_KB]: earlyoom's memory threshold options for these absolute
# amounts. 1.7 takes -M (KiB, as a share of MemTotal). 1.8 and later take their percentages of
# MemAvailable + AnonPages (what a kill can free), and convert -M with MemTotal all the same, which
# would move the threshold by their ratio: they get -m, that sum's share at this moment (it hardly
# moves while memory fills: what MemAvailable loses, AnonPages gains).
peers_earlyoom_mem() {
    local kill=${3:-}
    case $(peers_earlyoom_version "$1") in
    1.[0-7] | 1.[0-7].*) echo "-M $2${kill:+,$kill}" ;;
    *) awk -v t="$2" -v k="$kill" '$1 == "MemAvailable:" {a = $2} $1 == "AnonPages:" {n = $2}
           END {printf "-m %.3f", t * 100 / (a + n); if (k != "") printf ",%.3f", k * 100 / (a + n); print ""}' /proc/meminfo ;;
    esac
}

peers_ensure() {
    EARLYOOM17=$(command -v earlyoom) || { peers_log "Debian's earlyoom is missing (tools/install-deps.sh)"; return 1; }
    EARLYOOM17_VERSION=$(peers_earlyoom_version "$EARLYOOM17")
    EARLYOOM18=$(peers_earlyoom_new) || return 1
    EARLYOOM18_VERSION=$(peers_earlyoom_version "$EARLYOOM18")
    NOHANG=$(peers_nohang) || { peers_log "nohang could not be installed"; return 1; }
    NOHANG_VERSION=$(dpkg-query -W -f='${Version}' nohang 2>/dev/null | sed 's/-[^-]*$//')
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    [ "$(id -u)" = 0 ] || { echo "peers.sh: needs root (apt-get)" >&2; exit 1; }
    peers_ensure
    echo "earlyoom-$EARLYOOM17_VERSION $EARLYOOM17 $EARLYOOM17_VERSION"
    echo "earlyoom-$EARLYOOM18_VERSION $EARLYOOM18 $EARLYOOM18_VERSION"
    echo "nohang $NOHANG $NOHANG_VERSION"
fi
