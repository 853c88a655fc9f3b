#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Validate reapd kill records: a journal entry (journalctl -o json) and reapctl kills --json.

Used by the system test (tests/system/test-nspawn.sh) and the journal integration test
(tests/integration/test-journal.py). Each function returns a list of problems; empty is good.

CLI, for the shell test: killrecord.py journal RECORD.json KEY=VALUE...
                         killrecord.py reapctl KILLS.json KEY=VALUE...
                         killrecord.py scope KILLS.json CGROUP [instance=NAME]
where KEY=VALUE are expectations: pid=, comm=, uid=, cgroup=, dry_run=, kill_unit=, min_rss_kb=,
released=1 (a real kill must show RELEASED_KB > 0), instance=NAME (INSTANCE=NAME; "instance="
means no INSTANCE field: a record of reapd.service). "scope" checks that every record of
reapctl kills --json is about a process in CGROUP or below, and of the instance NAME if given.
Prints "ok"/one problem per line, exits 1 on any problem.
"""

import json
import re
import sys

KILL_MESSAGE_ID = "0d34ba080ff344199e41f36a4bb9b436"

UINT = re.compile(r"^[0-9]+$")
INT = re.compile(r"^-?[0-9]+$")
PERCENT = re.compile(r"^[0-9]+(\.[0-9]+)?$")

# Journal field -> (value pattern, reapctl --json key). The acceptance list of issue 6.
FIELDS = {
    "VICTIM_PID": (UINT, "pid"),
    "VICTIM_COMM": (re.compile(r"^.{1,15}$"), "comm"),
    "VICTIM_UID": (UINT, "uid"),
    "VICTIM_CGROUP": (re.compile(r"^/"), "cgroup"),
    "BADNESS": (INT, "badness"),
    "OOM_SCORE_ADJ": (INT, "oom_score_adj"),
    "RSS_KB": (UINT, "rss_kb"),
    "SWAP_KB": (UINT, "swap_kb"),
    "TRIGGER": (re.compile(r"^(pressure-some|pressure-full|memory|swap)$"), "trigger"),
    "PRESSURE_SOME_AVG10": (PERCENT, "pressure_some_avg10"),
    "MEM_AVAILABLE_KB": (UINT, "mem_available_kb"),
    "KILL_USEC": (UINT, "kill_usec"),
    "RELEASE_USEC": (UINT, "release_usec"),
    "RELEASED_KB": (UINT, "released_kb"),
    "DRY_RUN": (re.compile(r"^[01]$"), "dry_run"),
}


def _expect_common(get, exp, problems, what):
    """Checks shared by both formats; get(journal_field) returns the value as a string or None."""
    for k, (pat, _) in FIELDS.items():
        v = get(k)
        if v is None:
            problems.append(f"{what}: {k} missing")
        elif not pat.match(v):
            problems.append(f"{what}: {k}={v!r} does not look right")
    want = {"pid": "VICTIM_PID", "comm": "VICTIM_COMM", "uid": "VICTIM_UID", "cgroup": "VICTIM_CGROUP",
            "dry_run": "DRY_RUN", "kill_unit": "KILL_UNIT"}
    for key, field in want.items():
        if key in exp and get(field) is not None and get(field) != exp[key]:
            problems.append(f"{what}: {field}={get(field)!r}, expected {exp[key]!r}")
    if "instance" in exp and (get("INSTANCE") or "") != exp["instance"]:
        problems.append(f"{what}: INSTANCE={get('INSTANCE')!r}, expected {exp['instance'] or None!r}")
    dry = get("DRY_RUN")
    if dry is None:
        return
    rss = get("RSS_KB")
    if rss is not None and UINT.match(rss) and "min_rss_kb" in exp and int(rss) < int(exp["min_rss_kb"]):
        problems.append(f"{what}: RSS_KB={rss}, expected at least {exp['min_rss_kb']}")
    if dry == "1":
        for k in ("RELEASE_USEC", "RELEASED_KB"):
            if get(k) not in (None, "0"):
                problems.append(f"{what}: dry run but {k}={get(k)}")
    elif exp.get("released") == "1":
        # Only where the gain is measurable: a cgroup with a memory controller, not a container
        # sharing a busy host's MemAvailable.
        rk = get("RELEASED_KB")
        if rk is not None and UINT.match(rk) and int(rk) == 0:
            problems.append(f"{what}: real kill but RELEASED_KB=0")


def check_journal_record(rec, **exp):
    """@rec: one entry of journalctl -o json (dict). Returns problems."""
    problems = []
    if rec.get("MESSAGE_ID") != KILL_MESSAGE_ID:
        problems.append(f"journal: MESSAGE_ID={rec.get('MESSAGE_ID')!r}")
    if not rec.get("MESSAGE"):
        problems.append("journal: MESSAGE missing")

    def get(k):
        v = rec.get(k)
        if isinstance(v, list):  # a field sent twice
            problems.append(f"journal: {k} appears {len(v)} times")
            v = v[0]
        return None if v is None else str(v)

    _expect_common(get, exp, problems, "journal")
    return problems


def _load_array(text):
    """reapctl kills --json: (the array, []) or (None, problems) unless it is a non-empty array."""
    try:
        arr = json.loads(text)
    except ValueError as e:
        return None, [f"reapctl: not JSON ({e}): {text[:200]!r}"]
    if not isinstance(arr, list) or not arr:
        return None, [f"reapctl: expected a non-empty JSON array, got {text[:200]!r}"]
    return arr, []


def check_reapctl_json(text, **exp):
    """@text: the output of reapctl kills --json. The entry for exp['pid'] (else the last) is
    checked. Returns problems."""
    arr, problems = _load_array(text)
    if arr is None:
        return problems
    ent = arr[-1]
    if "pid" in exp:
        matching = [e for e in arr if isinstance(e, dict) and str(e.get("pid")) == exp["pid"]
                    and ("dry_run" not in exp or str(e.get("dry_run")) == exp["dry_run"])]
        if not matching:
            return [f"reapctl: no entry with pid {exp['pid']} among {len(arr)}"]
        ent = matching[0]
    problems = []
    if not isinstance(ent, dict):
        return [f"reapctl: entry is not an object: {ent!r}"]
    if not isinstance(ent.get("time_usec"), int):
        problems.append("reapctl: time_usec missing or not a number")

    def get(field):
        key = FIELDS[field][1] if field in FIELDS else field.lower()
        v = ent.get(key)
        if v is None:
            return None
        if isinstance(v, bool):
            return "1" if v else "0"
        if isinstance(v, float):
            return f"{v:.2f}"
        return str(v)

    for field, (_, key) in FIELDS.items():
        v = ent.get(key)
        if v is not None and field not in ("VICTIM_COMM", "VICTIM_CGROUP", "TRIGGER") \
                and not isinstance(v, (int, float)):
            problems.append(f"reapctl: {key}={v!r} should be a JSON number")
    _expect_common(get, exp, problems, "reapctl")
    return problems


def check_reapctl_scope(text, cgroup, instance=None):
    """@text: reapctl kills --json. Every record is about a process in @cgroup or below, and of
    @instance if given; there is at least one. Returns problems."""
    arr, problems = _load_array(text)
    if arr is None:
        return problems
    for e in arr:
        cg = str(e.get("cgroup", ""))
        if cg != cgroup and not cg.startswith(cgroup.rstrip("/") + "/"):
            problems.append(f"reapctl: pid {e.get('pid')} ({e.get('comm')}) in {cg!r}, outside {cgroup!r}")
        if instance is not None and e.get("instance") != instance:
            problems.append(f"reapctl: pid {e.get('pid')}: instance {e.get('instance')!r}, expected {instance!r}")
    return problems


def main(argv):
    scope = len(argv) >= 4 and argv[1] == "scope"
    if not scope and (len(argv) < 3 or argv[1] not in ("journal", "reapctl")):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    exp = dict(a.split("=", 1) for a in argv[4 if scope else 3:])
    try:
        text = open(argv[2]).read()
    except OSError as e:
        print(f"cannot read {argv[2]}: {e.strerror}")
        return 1
    if scope:
        problems = check_reapctl_scope(text, argv[3], exp.get("instance"))
    elif argv[1] == "journal":
        try:
            rec = json.loads(text.splitlines()[0])
        except (ValueError, IndexError):
            print(f"journal: no JSON record in {argv[2]}")
            return 1
        problems = check_journal_record(rec, **exp)
    else:
        problems = check_reapctl_json(text, **exp)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
