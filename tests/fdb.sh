#!/usr/bin/env bash
# tests/fdb.sh - `lanarun stats SW` lists a switch's Filtering Database
# after its counters (issue 10), as lanad sends it: table rows in the
# STATS_GET replies of one named block, paged (128 rows a reply), cut at
# LANA_TABLE_MAX (16384) rows. Expected values are worked by hand from
# gen's rule (frame i comes from src + i, docs/blocks.md), in python here:
#   - 3 learned MACs 02:00:00:00:00:10, :11, :12 on port 1 with a small
#     age, and the static 02:00:00:00:00:aa on port 0 listed as "static":
#     the text table (its header "MAC VLAN PORT AGE") and --json;
#   - 300 MACs (three replies; the last ones carry into the fifth byte:
#     :10 + 299 = 01:3b): every one listed once, :aa (:10 + 154) being the
#     static entry, on port 0, never learned on port 1: 300 rows;
#   - 16390 MACs (:aa among them): 16390 entries, 16384 rows listed,
#     "truncated": true and a notice on stderr;
#   - a block without a table, and show: no table.
# No root needed. Env: LANARUN, LANAD, top_srcdir.
set -uo pipefail
L=${LANARUN:-./lanarun}
D=${LANAD:-./lanad}
command -v python3 >/dev/null || { echo "skip: needs python3"; exit 77; }
tmp=$(mktemp -d)
pass=0 fail=0
lanad_pid=
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
cleanup() {
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
lr() { timeout 20 "$L" --socket "$tmp/sock" "$@"; }

"$D" -f -s "$tmp/sock" 2>"$tmp/lanad.log" &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$tmp/sock" ] && break; sleep 0.1; done
[ -S "$tmp/sock" ] || { echo "FAIL: lanad did not start: $(cat "$tmp/lanad.log")"; exit 1; }

# graph N [SWITCH-ARGS]: gen of N frames from N sources into port 1
graph() {
	cat >"$tmp/g.lana" <<EOF
g :: gen(count = $1, src_count = $1, src = 02:00:00:00:00:10,
	 dst = ff:ff:ff:ff:ff:ff);
s :: switch(ports = 2, static = ["02:00:00:00:00:aa 0"]$2);
g -> [1]s;
s[0] -> drop();
s[1] -> drop();
EOF
	lr flush >/dev/null 2>&1
	lr apply "$tmp/g.lana" >"$tmp/o" 2>&1 || bad "apply of $1 sources: $(cat "$tmp/o")"
	# until gen has sent them all (5 s at most)
	for _ in $(seq 50); do
		lr stats --json g 2>/dev/null | python3 -c '
import json, sys
sys.exit(json.load(sys.stdin)["stats"]["sent"] != int(sys.argv[1]))' "$1" && return 0
		sleep 0.1
	done
	bad "gen did not send $1 frames"
}

# --- three learned addresses and a static one
graph 3 ""
lr stats s >"$tmp/text" 2>"$tmp/err" || bad "stats s: $(cat "$tmp/err")"
python3 - "$tmp/text" <<'PY' && ok || bad "stats s text: $(cat "$tmp/text")"
import sys
lines = open(sys.argv[1]).read().split("\n")
# the header, hand-written: 4 indent, MAC 17 wide, others 6, one blank
assert "    MAC               VLAN   PORT   AGE" in lines, lines
rows = [l.split() for l in lines[lines.index("    MAC               VLAN   PORT   AGE") + 1:] if l]
got = {r[0]: r[1:] for r in rows}
assert len(rows) == 4 == len(got), rows
for m in ("02:00:00:00:00:10", "02:00:00:00:00:11", "02:00:00:00:00:12"):
    vlan, port, age = got[m]
    assert vlan == "-" and port == "1", (m, got[m])
    assert 0 <= float(age) < 10 and age == "%.1f" % float(age), age
assert got["02:00:00:00:00:aa"] == ["-", "0", "static"], got
# the counters still come first
assert "    entries 4" in lines and lines.index("    entries 4") < lines.index("    MAC               VLAN   PORT   AGE")
PY
[ ! -s "$tmp/err" ] && ok || bad "stats s wrote to stderr: $(cat "$tmp/err")"

lr stats --json s >"$tmp/json" 2>"$tmp/err" || bad "stats --json s: $(cat "$tmp/err")"
python3 - "$tmp/json" <<'PY' && ok || bad "stats --json s: $(cat "$tmp/json")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["name"] == "s" and j["type"] == "switch"
assert j["stats"]["entries"] == 4 and j["stats"]["rx1"] == 3
assert j["truncated"] is False
t = j["table"]
assert all(list(r) == ["mac", "vlan", "port", "age"] for r in t), t
got = {r["mac"]: r for r in t}
assert len(t) == 4 == len(got), t
for m in ("02:00:00:00:00:10", "02:00:00:00:00:11", "02:00:00:00:00:12"):
    assert got[m]["port"] == "1" and got[m]["vlan"] == "-", got[m]
    assert 0 <= float(got[m]["age"]) < 10, got[m]
assert got["02:00:00:00:00:aa"] == {"mac": "02:00:00:00:00:aa", "vlan": "-",
                                     "port": "0", "age": "static"}, got
PY

# --- a block without a table, every block, show: no table
lr stats --json g | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert "table" not in j and "truncated" not in j and j["stats"]["sent"] == 3' && ok ||
	bad "stats --json g has a table"
lr show >"$tmp/show" 2>&1 && ! grep -q "MAC  *VLAN\|02:00:00:00:00:1" "$tmp/show" && ok ||
	bad "show lists a table: $(cat "$tmp/show")"
lr stats nosuch >"$tmp/o" 2>&1
[ $? != 0 ] && grep -qF "no block named 'nosuch'" "$tmp/o" && ok ||
	bad "stats of an unknown block: $(cat "$tmp/o")"

# --- 300 addresses: three replies of rows, each address once
graph 300 ""
lr stats --json s >"$tmp/json" 2>"$tmp/err" || bad "stats --json s (300): $(cat "$tmp/err")"
python3 - "$tmp/json" <<'PY' && ok || bad "300 addresses: $(head -c 600 "$tmp/json")"
import json, sys
j = json.load(open(sys.argv[1]))
want = {"02:00:00:00:%02x:%02x" % ((0x10 + i) >> 8, (0x10 + i) & 0xff)
        for i in range(300)}
assert "02:00:00:00:01:3b" in want and "02:00:00:00:00:ff" in want
t = j["table"]
macs = [r["mac"] for r in t]
assert len(t) == 300 and j["stats"]["entries"] == 300, len(t)
assert sorted(macs) == sorted(want), sorted(set(want) ^ set(macs))[:5]
st = [r for r in t if r["age"] == "static"]
assert st == [{"mac": "02:00:00:00:00:aa", "vlan": "-", "port": "0",
               "age": "static"}], st
assert all(r["port"] == "1" for r in t if r["age"] != "static")
assert j["truncated"] is False
PY
lr stats s | grep -c "^    02:00:00:00:0" >"$tmp/n"
[ "$(cat "$tmp/n")" = 300 ] && ok || bad "text table of 300: $(cat "$tmp/n") rows"

# --- 16390 addresses (the static one among them): cut at 16384 rows
graph 16390 ", max_entries = 20000"
lr stats --json s >"$tmp/json" 2>"$tmp/err" || bad "stats --json s (16390): $(cat "$tmp/err")"
python3 - "$tmp/json" <<'PY' && ok || bad "16390 addresses: $(head -c 300 "$tmp/json")"
import json, sys
j = json.load(open(sys.argv[1]))
t = j["table"]
assert j["stats"]["entries"] == 16390, j["stats"]["entries"]
assert len(t) == 16384 and len({r["mac"] for r in t}) == 16384, len(t)
assert j["truncated"] is True
PY
grep -qF "stats: the table of 's' was cut at 16384 rows" "$tmp/err" && ok ||
	bad "no notice of the cut: $(cat "$tmp/err")"

# --- VLAN mode: the VID column (two sources into access port 1, VLAN 20,
# and a static entry of VLAN 10 on port 0)
cat >"$tmp/v.lana" <<EOF
g :: gen(count = 2, src_count = 2, src = 02:00:00:00:00:30,
	 dst = ff:ff:ff:ff:ff:ff);
s :: switch(ports = 2, vlans = true, port_vlans = ["access 10", "access 20"],
	    static = ["02:00:00:00:00:bb 0 10"]);
g -> [1]s;
s[0] -> drop();
s[1] -> drop();
EOF
lr flush >/dev/null 2>&1
lr apply "$tmp/v.lana" >"$tmp/o" 2>&1 || bad "apply v.lana: $(cat "$tmp/o")"
sleep 0.5
lr stats --json s >"$tmp/json" 2>"$tmp/err" || bad "stats --json s (vlans): $(cat "$tmp/err")"
python3 - "$tmp/json" <<'PY' && ok || bad "VLAN column: $(head -c 400 "$tmp/json")"
import json, sys
t = {(r["mac"], r["vlan"]): (r["port"], r["age"]) for r in json.load(open(sys.argv[1]))["table"]}
assert t[("02:00:00:00:00:30", "20")][0] == "1", t
assert t[("02:00:00:00:00:31", "20")][0] == "1", t
assert t[("02:00:00:00:00:bb", "10")] == ("0", "static"), t
assert len(t) == 3, t
PY

echo "fdb: $pass passed, $fail failed"
[ "$fail" = 0 ]
