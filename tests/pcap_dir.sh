#!/usr/bin/env bash
# tests/pcap_dir.sh - lanad confines pcap_in and pcap_out to its
# --pcap-dir directories (issue 9): whoever may apply a graph must not
# overwrite (or read) any other file through lanad. A 0600 file outside
# the directories is untouched (checksum before and after) by applies
# that name it directly, through a symlink inside a directory, through a
# symlinked directory and through `..`, each refused with a message that
# names the path and the rule; an existing file inside is not truncated;
# new files, REPLACE (appending) and FIFOs inside work. pcap_in of a
# corrupt capture (tests/mkbadpcap.py) delivers the good frames before the
# bad record and counts and logs it with its offset. No root needed (a
# device node check runs when root). Env: LANARUN, LANAD, top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
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

lr() { timeout 10 "$L" --socket "$tmp/sock" "$@"; }
# stat_of BLOCK KEY: a counter of BLOCK from `lanarun stats --json`
stat_of() {
	lr stats --json "$1" 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
k = sys.argv[1]
print(j[k] if k in j else j["stats"].get(k, ""))' "$2" 2>/dev/null
}
# wait_stat BLOCK KEY VALUE: until the counter has VALUE (5 s at most)
wait_stat() {
	for _ in $(seq 50); do
		[ "$(stat_of "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
# frames FILE: records in a pcap file (pcap-savefile(5), parsed here)
frames() {
	python3 - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
off, n = 24, 0
while off + 16 <= len(b):
    caplen = struct.unpack_from("=I", b, off + 8)[0]
    off += 16 + caplen
    n += 1
print(n if off == len(b) else -1)
PY
}
sum() { sha256sum <"$1"; }

mkdir "$tmp/pc" "$tmp/pc2" "$tmp/out"
pc=$(realpath "$tmp/pc")
pc2=$(realpath "$tmp/pc2")
secret=$tmp/out/secret
head -c 4096 /dev/urandom >"$secret"
chmod 600 "$secret"
sum0=$(sum "$secret")

# --- bad --pcap-dir arguments stop lanad at once
"$D" -s "$tmp/bad.sock" --pcap-dir "$tmp/nosuch" >"$tmp/o" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -qF -- "--pcap-dir $tmp/nosuch: No such file or directory" "$tmp/o" && ok ||
	bad "lanad --pcap-dir of a missing directory: exit $rc: $(cat "$tmp/o")"
"$D" -s "$tmp/bad.sock" --pcap-dir "$secret" >"$tmp/o" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -qF -- "--pcap-dir $secret: not a directory" "$tmp/o" && ok ||
	bad "lanad --pcap-dir of a file: exit $rc: $(cat "$tmp/o")"

"$D" -f -v -s "$tmp/sock" --pcap-dir "$tmp/pc" --pcap-dir "$tmp/pc2" \
	2>"$tmp/lanad.log" &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$tmp/sock" ] && break; sleep 0.1; done
[ -S "$tmp/sock" ] || { echo "FAIL: lanad did not start: $(cat "$tmp/lanad.log")"; exit 1; }
# the socket exists before lanad logs its start-up lines: wait for them
for _ in $(seq 50); do grep -qF "pcap files in $pc2" "$tmp/lanad.log" && break; sleep 0.1; done
grep -qF "pcap files in $pc" "$tmp/lanad.log" && grep -qF "pcap files in $pc2" "$tmp/lanad.log" && ok ||
	bad "lanad logs its pcap directories: $(cat "$tmp/lanad.log")"

# refused DESC GRAPH MESSAGE: applying GRAPH fails naming MESSAGE, the
# secret is unchanged, the graph stays empty and lanad alive
refused() {
	printf '%s\n' "$2" >"$tmp/g.lana"
	lr apply "$tmp/g.lana" >"$tmp/o" 2>&1
	rc=$?
	[ "$rc" != 0 ] && grep -qF -- "$3" "$tmp/o" && ok ||
		bad "$1: apply exit $rc, want the message '$3': $(cat "$tmp/o")"
	[ "$(sum "$secret")" = "$sum0" ] && ok || bad "$1: the secret file changed"
	[ "$(stat -c %a "$secret")" = 600 ] && ok || bad "$1: the secret's mode changed"
	lr show >"$tmp/show" 2>&1 && ! grep -q pcap "$tmp/show" && ok ||
		bad "$1: the graph changed or lanad died: $(cat "$tmp/show")"
}
rule="outside the pcap directories (--pcap-dir): $pc, $pc2"
refused "pcap_out of a $(stat -c %U "$secret")-only 0600 file outside the directories" \
	"gen(count = 3) -> pcap_out(file = \"$secret\");" "$secret: $rule"
refused "pcap_in of a file outside the directories" \
	"pcap_in(file = \"$secret\") -> drop();" "$secret: $rule"
refused "a path that merely begins like a pcap directory" \
	"gen(count = 3) -> pcap_out(file = \"${pc}x/a.pcap\");" "${pc}x/a.pcap: $rule"
ln -s "$secret" "$tmp/pc/link"
refused "pcap_out to a symlink inside a directory pointing outside" \
	"gen(count = 3) -> pcap_out(file = \"$pc/link\");" \
	"$pc/link: a symbolic link, refused under the pcap directories (--pcap-dir)"
# (to a capture libpcap would read, so that following it would succeed)
python3 "$src/tests/mkbadpcap.py" "$tmp/out/valid.pcap" >/dev/null
ln -s "$tmp/out/valid.pcap" "$tmp/pc/vlink"
refused "pcap_in of a symlink inside a directory pointing outside" \
	"pcap_in(file = \"$pc/vlink\") -> drop();" \
	"$pc/vlink: a symbolic link, refused under the pcap directories (--pcap-dir)"
ln -s "$tmp/out" "$tmp/pc/sd"
refused "pcap_out through a symlinked directory inside pointing outside" \
	"gen(count = 3) -> pcap_out(file = \"$pc/sd/secret\");" \
	"$pc/sd/secret: a symbolic link in the path, refused under the pcap directories"
refused "pcap_out escaping with .." \
	"gen(count = 3) -> pcap_out(file = \"$pc/../out/secret\");" \
	"$pc/../out/secret: '..' is not allowed in a path inside the pcap directories (--pcap-dir): $pc, $pc2"
refused "pcap_in escaping with .." \
	"pcap_in(file = \"$pc2/../out/secret\") -> drop();" \
	"$pc2/../out/secret: '..' is not allowed"
refused "a relative path" \
	"gen(count = 3) -> pcap_out(file = \"secret\");" \
	"secret: not an absolute path; lanad opens files only inside the pcap directories (--pcap-dir): $pc, $pc2"

# an existing file inside is not truncated either
cp "$secret" "$tmp/pc/old.pcap"
refused "pcap_out to an existing file inside" \
	"gen(count = 3) -> pcap_out(file = \"$pc/old.pcap\");" \
	"$pc/old.pcap: exists; lanad writes only new files or FIFOs, it does not overwrite"
[ "$(sum "$tmp/pc/old.pcap")" = "$sum0" ] && ok || bad "the existing file inside changed"

if [ "$(id -u)" = 0 ]; then
	mknod "$tmp/pc/null" c 1 3
	refused "pcap_out to a device node inside" \
		"gen(count = 3) -> pcap_out(file = \"$pc/null\");" \
		"$pc/null: not a regular file or FIFO, refused under the pcap directories"
else
	echo "skip: device node check (needs root for mknod)"
fi

# --- what is allowed: a new file, a REPLACE appending to it
g="g :: gen(count = 5, size = 100) -> p :: pcap_out(file = \"$pc2/new.pcap\""
printf '%s);\n' "$g" >"$tmp/g.lana"
lr apply "$tmp/g.lana" >"$tmp/o" 2>&1 && ok || bad "pcap_out to a new file inside: $(cat "$tmp/o")"
wait_stat p written 5 && ok || bad "pcap_out wrote 5 frames: $(lr stats --json p)"
printf '%s, snaplen = 1000B);\n' "$g" >"$tmp/g.lana"
lr apply "$tmp/g.lana" >"$tmp/o" 2>&1 && grep -q "1 replaced" "$tmp/o" && ok ||
	bad "REPLACE of pcap_out on its own file: $(cat "$tmp/o")"
lr flush >/dev/null
n=$(frames "$pc2/new.pcap")
[ "$n" = 5 ] && ok || bad "the new file holds the 5 frames after the REPLACE ($n)"
s5=$(sum "$pc2/new.pcap")
refused "a later NEW of the same file" "$(cat "$tmp/g.lana")" \
	"$pc2/new.pcap: exists; lanad writes only new files"
[ "$(sum "$pc2/new.pcap")" = "$s5" ] && ok || bad "the earlier capture changed"

# --- a FIFO inside (a reader holding it open read-write, so no EOF)
mkfifo "$tmp/pc/f.fifo"
python3 - "$tmp/pc/f.fifo" "$tmp/fifo.out" "$tmp/ready" <<'PY' &
import os, select, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
open(sys.argv[3], "w").close()
want, got, end = 24 + 3 * (16 + 100), b"", time.time() + 10
while len(got) < want and time.time() < end:
    if select.select([fd], [], [], 0.5)[0]:
        got += os.read(fd, 65536)
open(sys.argv[2], "wb").write(got)
PY
reader=$!
for _ in $(seq 50); do [ -e "$tmp/ready" ] && break; sleep 0.1; done
printf 'gen(count = 3, size = 100) -> f :: pcap_out(file = "%s");\n' "$pc/f.fifo" >"$tmp/g.lana"
lr apply "$tmp/g.lana" >"$tmp/o" 2>&1 && ok || bad "pcap_out to a FIFO inside: $(cat "$tmp/o")"
wait "$reader"
n=$(frames "$tmp/fifo.out")
[ "$n" = 3 ] && ok || bad "the FIFO's reader got the 3 frames ($n)"
lr flush >/dev/null

# --- a corrupt capture: two good records, a bad one, one more good
off=$(python3 "$src/tests/mkbadpcap.py" "$tmp/pc/bad.pcap" caplen)
printf 'i :: pcap_in(file = "%s") -> pcap_out(file = "%s");\n' \
	"$pc/bad.pcap" "$pc/got.pcap" >"$tmp/g.lana"
lr apply "$tmp/g.lana" >"$tmp/o" 2>&1 && ok || bad "pcap_in of a corrupt capture: $(cat "$tmp/o")"
wait_stat i errors 1 && ok || bad "lanarun stats shows pcap_in's error: $(lr stats --json i)"
r=$(stat_of i read)
[ "$r" = 2 ] && ok || bad "pcap_in read the 2 good records before the bad one ($r)"
for _ in $(seq 20); do grep -q "bad record" "$tmp/lanad.log" && break; sleep 0.1; done
grep -qF "pcap_in i: $pc/bad.pcap: bad record at offset $off (after 2 good records of pass 1): invalid packet capture length 300000" "$tmp/lanad.log" && ok ||
	bad "lanad logs the bad record at offset $off: $(grep -i pcap_in "$tmp/lanad.log")"
lr flush >/dev/null
head -c "$off" "$pc/bad.pcap" | cmp -s - "$pc/got.pcap" && ok ||
	bad "the two good frames came out byte for byte ($(frames "$pc/got.pcap") frames)"

kill "$lanad_pid"; wait "$lanad_pid" 2>/dev/null
lanad_pid=

# --- without --pcap-dir: the default directory (as written when missing)
dflt=/var/lib/lana/pcap
[ -d "$dflt" ] && dflt=$(realpath "$dflt")
"$D" -f -s "$tmp/sock" 2>"$tmp/lanad.log" &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$tmp/sock" ] && break; sleep 0.1; done
refused "default pcap directory" "gen(count = 3) -> pcap_out(file = \"$pc/d.pcap\");" \
	"$pc/d.pcap: outside the pcap directories (--pcap-dir): $dflt"
[ ! -e "$pc/d.pcap" ] && ok || bad "the refused file was created"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
