# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario "desktop": the tree a desktop session has. User 1000 (desk) with lingering, so a real
# user@1000.service runs its own systemd, capped at MemoryMax=400M, with 1 GB of zram swap as
# on Fedora. Three applications, each in its own app-*.scope made by "systemd-run --user
# --scope" as a desktop launches them: an editor (30 MB), a browser (50 MB) and a terminal
# whose shell has a sleep running and then starts a grower (16 MB every 100 ms). reapd, scoped to
# the user's service, must kill the one big process, and only it: the terminal's shell and its
# sleep live, as do the other applications (a killer that kills whole cgroups takes the
# terminal with it). The record names the grower, uid 1000, in the terminal's scope.
USER_CG=/user.slice/user-1000.slice/user@1000.service
CG=$USER_CG
D=/run/vt-desk

# as_desk CMD...: CMD as user 1000 with its session's environment.
as_desk() {
        setpriv --reuid=1000 --regid=1000 --init-groups env HOME=/home/desk USER=desk \
                XDG_RUNTIME_DIR=/run/user/1000 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus "$@"
}
user_unit_result() { echo "$(as_desk systemctl --user show -p ActiveState --value "$1")/$(as_desk systemctl --user show -p Result --value "$1")"; }
# app NAME CMD...: launch CMD in app-NAME-1.scope of the user's manager, in the background.
app() {
        local name=$1
        shift
        setsid -f setpriv --reuid=1000 --regid=1000 --init-groups env HOME=/home/desk USER=desk \
                XDG_RUNTIME_DIR=/run/user/1000 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus \
                systemd-run --user --quiet --scope --unit="app-$name-1.scope" "$@" </dev/null >/dev/null 2>&1
}
pidfile() { [ -s "$D/$1.pid" ] && cat "$D/$1.pid"; }

scenario_setup() {
        zram_on 1G || return 1
        loginctl enable-linger desk
        user_up() { [ "$(prop user@1000.service ActiveState)" = active ] && [ -S /run/user/1000/bus ]; }
        wait_for 60 user_up || {
                echo "user@1000.service: $(unit_result user@1000.service), bus $(ls -l /run/user/1000/bus 2>&1)"
                return 1
        }
        echo "user@1000.service: Wants=$(prop user@1000.service Wants); ManagedOOMMemoryPressure=$(prop user@1000.service ManagedOOMMemoryPressure)"
        # shellcheck disable=SC2046
        systemctl set-property --runtime user@1000.service MemoryMax=400M $(killer_props)
        rm -rf "$D"
        mkdir -p "$D"
        chown desk: "$D"
        app vteditor /bin/bash -c 'echo $$ >"$1/editor.pid"; exec "$0" 30' "$BIN/hog" "$D"
        app vtbrowser /bin/bash -c 'echo $$ >"$1/browser.pid"; exec "$0" 50' "$BIN/hog" "$D"
        # The terminal: its shell, a sleep it started, and later the grower it starts.
        # shellcheck disable=SC2016
        app vtterm /bin/bash -c 'echo $$ >"$1/term.pid"; sleep 100000 & echo $! >"$1/sleep.pid"
                while [ ! -e "$1/go" ]; do sleep 0.1; done
                "$0" 16 100 2048 & echo $! >"$1/grower.pid"; wait' "$BIN/grower" "$D"
        apps_up() { pidfile editor && pidfile browser && pidfile term && pidfile sleep; } >/dev/null
        wait_for 60 apps_up || return 1
        editor=$(pidfile editor) browser=$(pidfile browser) term=$(pidfile term) tsleep=$(pidfile sleep)
        wait_rss "$editor" 30 && wait_rss "$browser" 50
        echo "editor $editor browser $browser terminal $term (sleep $tsleep): $(cat "/proc/$term/cgroup")"
}
reapd_conf() {
        cat <<EOF
[Monitor]
Cgroup=$USER_CG
MinAvailable=20%
HeadroomMode=or
PressureSome=0
PressureFull=0
[Kill]
KillTimeout=5s
EOF
}
scenario_go() {
        t0=$(now_us)
        touch "$D/go"
        wait_for 10 pidfile grower >/dev/null
        grower=$(pidfile grower)
}
scenario_measure() {
        UNIT_RESULT=user_unit_result measure desktop "$KILLER" $CG 60 "$t0" \
                "app-vtterm-1.scope app-vteditor-1.scope app-vtbrowser-1.scope" \
                grower="$grower" terminal-shell="$term" terminal-sleep="$tsleep" editor="$editor" browser="$browser"
}
scenario_check() {
        local rec cg
        cg=$(sed -n 's/^0:://p' "/proc/$term/cgroup")
        check "reapd.service stayed active through the user's session (MainPID $REAPD_PID)" \
                "$(unit_result reapd.service), MainPID $(prop reapd.service MainPID)" \
                [ "$(prop reapd.service ActiveState)/$(prop reapd.service MainPID)" = "active/$REAPD_PID" ]
        check "the big process (grower $grower) was killed" "state $(pstate "$grower")" wait_for 5 eval '! alive "$grower"'
        check "the terminal's shell and its sleep live" "shell $(pstate "$term"), sleep $(pstate "$tsleep")" \
                eval 'alive "$term" && alive "$tsleep"'
        check "the editor and the browser live" "editor $(pstate "$editor"), browser $(pstate "$browser")" \
                eval 'alive "$editor" && alive "$browser"'
        check_no_oom_kill $CG
        rec=$(one_record)
        check_record "$rec" VICTIM_PID="$grower" VICTIM_COMM=grower VICTIM_UID=1000 VICTIM_CGROUP="$cg" \
                KILL_UNIT=process TRIGGER=memory RESULT=killed 'RELEASED_KB>=51200'
}
scenario_cleanup() {
        as_desk systemctl --user stop app-vtterm-1.scope app-vteditor-1.scope app-vtbrowser-1.scope 2>/dev/null || true
        as_desk systemctl --user reset-failed 2>/dev/null || true
        # revert drops what set-property --runtime set (the next killer's run starts clean).
        systemctl revert user@1000.service >/dev/null 2>&1 || true
        rm -rf "$D"
        zram_off
}
