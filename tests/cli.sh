#!/usr/bin/env bash
# tests/cli.sh - lanarun's command-line contract: exit codes, --help,
# compile/disasm/diff round trips, JSON output, DOT, -Werror, corrupt plans,
# per-command help and the bash completion made from the command table.
# Run by `make check` with LANARUN and top_srcdir set.
set -uo pipefail
L=${LANARUN:-./lanarun}
src=${top_srcdir:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect_rc() {	# RC DESC CMD...
	local want=$1 desc=$2; shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" = "$want" ]; then ok; else bad "$desc: exit $rc, want $want"; cat "$tmp/err"; fi
}

cat >"$tmp/g.lana" <<'G'
src :: gen(count = 10);
src -> c :: counter() -> t :: tee(n = 2);
t[0] -> drop();
t[1] -> bpf(filter = "ip") -> drop();
G
cat >"$tmp/g2.lana" <<'G'
src :: gen(count = 10, rate = 1mbit);
src -> c :: fwd() -> t :: tee(n = 2);
t[0] -> drop();
t[1] -> bpf(filter = "arp") -> drop();
G
cat >"$tmp/bad.lana" <<'G'
src :: gen(size = 1B);
src -> nosuch();
G
cat >"$tmp/warn.lana" <<'G'
const UNUSED = 3;
src :: gen();
src -> drop();
G

expect_rc 0 "--help" "$L" --help
grep -q "Usage: lanarun" "$tmp/out" && ok || bad "--help prints usage"
expect_rc 0 "--version" "$L" --version
expect_rc 2 "no command" "$L"
expect_rc 2 "unknown command" "$L" frobnicate
expect_rc 2 "unknown option" "$L" --frobnicate lint "$tmp/g.lana"
expect_rc 2 "missing file" "$L" lint "$tmp/nonexistent.lana"
expect_rc 0 "lint good" "$L" lint "$tmp/g.lana"
[ ! -s "$tmp/err" ] && ok || bad "lint good prints nothing"
expect_rc 1 "lint bad" "$L" lint "$tmp/bad.lana"
grep -q "bad.lana:1:" "$tmp/err" && grep -q "bad.lana:2:" "$tmp/err" && ok ||
	bad "lint reports every error with file:line"
expect_rc 0 "warning only" "$L" lint "$tmp/warn.lana"
grep -q "warning: unused constant 'UNUSED'" "$tmp/err" && ok || bad "unused const warning"
expect_rc 1 "-Werror" "$L" -Werror lint "$tmp/warn.lana"
expect_rc 1 "lint json" "$L" --format=json lint "$tmp/bad.lana"
grep -q '"severity":"error"' "$tmp/out" && ok || bad "json diagnostics on stdout"

expect_rc 0 "compile" "$L" compile "$tmp/g.lana" -o "$tmp/g.plan"
head -c 8 "$tmp/g.plan" | grep -q LANAPLAN && ok || bad "plan magic"
expect_rc 0 "compile again" "$L" compile "$tmp/g.lana" -o "$tmp/g-again.plan"
cmp -s "$tmp/g.plan" "$tmp/g-again.plan" && ok || bad "deterministic plan bytes"
expect_rc 0 "compile from stdin" sh -c "\"$L\" compile --emit=disasm -o - - <\"$tmp/g.lana\""
grep -q "^NEW .*src gen" "$tmp/out" && ok || bad "compile - reads the graph from stdin"
expect_rc 0 "disasm" "$L" disasm "$tmp/g.plan"
grep -q "^NEW .*src gen" "$tmp/out" && grep -q "^BIND" "$tmp/out" && ok || bad "disasm content"
expect_rc 0 "emit json" "$L" compile --emit=json -o - "$tmp/g.lana"
grep -q '"op":"NEW"' "$tmp/out" && ok || bad "json plan"
expect_rc 0 "graph" "$L" graph "$tmp/g.lana"
grep -q "digraph" "$tmp/out" && ok || bad "dot output"
if command -v dot >/dev/null; then
	dot -Tsvg "$tmp/out" >/dev/null 2>&1 && ok || bad "DOT accepted by graphviz"
fi

# corrupt plan: flip a byte in the body -> checksum error, exit 1
cp "$tmp/g.plan" "$tmp/c.plan"
printf '\xff' | dd of="$tmp/c.plan" bs=1 seek=60 conv=notrunc 2>/dev/null
expect_rc 1 "corrupt plan" "$L" disasm "$tmp/c.plan"
grep -qi "crc\|checksum" "$tmp/err" && ok || bad "corrupt plan names the checksum"
head -c 20 "$tmp/g.plan" >"$tmp/t.plan"
expect_rc 1 "truncated plan" "$L" disasm "$tmp/t.plan"

# diff: .lana vs .lana, .plan vs .lana, summary, -o plan
expect_rc 0 "diff same" "$L" diff --summary "$tmp/g.lana" "$tmp/g.plan"
grep -qx "no changes" "$tmp/out" && ok || bad "diff of equal graphs is empty: $(cat "$tmp/out")"
# exit status as diff(1): 0 equal, 1 different, 2 trouble
expect_rc 1 "diff of different graphs exits 1" "$L" diff "$tmp/g.plan" "$tmp/g2.lana"
grep -q "^SET .*rate=" "$tmp/out" && ok || bad "live parameter gives SET"
grep -q "^SET .*bpf0 filter=\"arp\"" "$tmp/out" && ok || bad "filter change (live) gives SET"
grep -q "^REPLACE .* c fwd" "$tmp/out" && ok || bad "type change gives REPLACE"
expect_rc 1 "diff -o" "$L" diff -o "$tmp/e.plan" "$tmp/g.plan" "$tmp/g2.lana"
expect_rc 0 "disasm edit plan" "$L" disasm "$tmp/e.plan"
grep -q "edit" "$tmp/out" && ok || bad "edit plan disassembles as edit"
expect_rc 1 "diff json" "$L" --format=json diff "$tmp/g.plan" "$tmp/g2.lana"
grep -q '"replaced":' "$tmp/out" && ok || bad "diff json"
expect_rc 2 "diff bad input exits 2 (trouble)" "$L" diff "$tmp/g.plan" "$tmp/bad.lana"
expect_rc 2 "diff of a missing file exits 2" "$L" diff "$tmp/g.plan" "$tmp/nosuch.lana"

# fleet models (docs/fleet.md): lint checks every host; a plan is one
# host's (--host); VNIs are FNV-1a of the edges, recomputed independently
fm=$top_srcdir/tests/lang/good/fleet_pair.lana
expect_rc 0 "lint a fleet model (no --host needed)" "$L" lint "$fm"
expect_rc 1 "compile a fleet model without --host" "$L" compile -o "$tmp/f.plan" "$fm"
grep -q "error: the model places its blocks on 2 hosts: make one host's plan with --host NAME" "$tmp/err" &&
	ok || bad "compile without --host says why: $(cat "$tmp/err")"
expect_rc 1 "--host of a host the model lacks" "$L" compile --host h9 -o "$tmp/f.plan" "$fm"
grep -q "error: --host h9: no such host in the model" "$tmp/err" && grep -q "note: host 'h2' is declared here" "$tmp/err" &&
	ok || bad "--host h9 names the hosts: $(cat "$tmp/err")"
expect_rc 1 "--host for a model without hosts" "$L" compile --host h1 -o "$tmp/f.plan" "$tmp/g.lana"
grep -q "error: --host h1: the model declares no hosts" "$tmp/err" && ok || bad "--host without hosts: $(cat "$tmp/err")"
for h in h1 h2; do
	expect_rc 0 "compile --host $h" "$L" compile --host "$h" --emit=disasm -o "$tmp/f-$h.txt" "$fm"
	python3 "$top_srcdir/tests/fleet_vni.py" "$tmp/f-$h.txt" \
		"tunnel/m/t-v2=m/t.0>v2.0" "tunnel/v2-v1=v2.0>v1.0" \
		"tunnel/w1-w2=w1.0>w2.0|w2.0>w1.0" && ok || bad "$h: tunnel VNIs are FNV-1a of their edges"
done
# an unrelated change renumbers no tunnel: a new pair of blocks adds its
# own tunnel, the edit script of each host touches nothing else
sed 's|^w1 -> w2 -> w1;|w1 -> w2 -> w1;\nhost h3(underlay = 192.0.2.3) { x3 :: tap(name = "x3"); }\nx3 -> v1;|' "$fm" >"$tmp/fm2.lana"
expect_rc 1 "diff --host h1 after adding host h3 and x3 -> v1" "$L" diff --host h1 "$fm" "$tmp/fm2.lana"
grep -q '^NEW  *11 tunnel/x3-v1 vxlan .*local="192.0.2.1" remote=\["192.0.2.3"\]' "$tmp/out" &&
	[ "$(grep -c '^[A-Z]' "$tmp/out")" = 4 ] && grep -qx "; 1 new, 1 bound" "$tmp/out" &&
	ok || bad "h1 gets the new tunnel end only: $(cat "$tmp/out")"
expect_rc 0 "diff --host h2: h3 is none of h2's business" "$L" diff --host h2 "$fm" "$tmp/fm2.lana"
# --host all: a line per host; blocks and edges counted by hand from the
# model (h1: v1 w1 m/c m/t m/drop0 host drop0 + 3 tunnel ends, 8 edges;
# h2: v2 w2 + 3 tunnel ends, 4 edges; h3: x3 and its tunnel end, 1 edge)
expect_rc 0 "compile --host all" "$L" compile --host all "$fm"
[ "$(cat "$tmp/out")" = "$(printf 'h1: 10 blocks, 8 edges\nh2: 5 blocks, 4 edges')" ] &&
	ok || bad "compile --host all: $(cat "$tmp/out")"
mkdir -p "$tmp/fleet"
expect_rc 0 "compile --host all -o DIR" "$L" compile --host all -o "$tmp/fleet" "$fm"
"$L" disasm "$tmp/fleet/h2.plan" >"$tmp/h2a.txt" 2>&1
cmp -s "$tmp/h2a.txt" "$tmp/f-h2.txt" && ok || bad "DIR/h2.plan is h2's plan"
expect_rc 1 "diff --host all (h3 is new)" "$L" diff --host all "$fm" "$tmp/fm2.lana"
[ "$(cat "$tmp/out")" = "$(printf 'h1: 1 new, 1 bound\nh2: no changes\nh3: 2 new, 1 bound')" ] &&
	ok || bad "diff --host all: $(cat "$tmp/out")"
expect_rc 1 "diff --host all, json" "$L" -f json diff --host all "$fm" "$tmp/fm2.lana"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [x["host"] for x in d] == ["h1","h2","h3"], d' "$tmp/out" &&
	ok || bad "diff --host all json: $(cat "$tmp/out")"
expect_rc 0 "diff --host all of a model and itself" "$L" diff --host all "$fm" "$fm"
# graph of a fleet model: a cluster per host, the tunnel blocks replaced by
# one dashed edge per cross-host edge. By hand: nodes h1 v1 w1 m/c m/t
# m/drop0 host drop0, h2 v2 w2 (9); edges within h1 v1->m/c m/c->m/t
# m/t[1]->m/drop0 host->drop0 (4, none within h2), dashed m/t->v2 v2->v1
# w1->w2 w2->w1 (4)
expect_rc 0 "graph of a fleet model" "$L" graph "$fm"
cp "$tmp/out" "$tmp/fleet.dot"
if command -v dot >/dev/null; then
	dot -Tplain "$tmp/fleet.dot" >"$tmp/fleet.plain" 2>"$tmp/err" &&
		[ "$(grep -c '^node ' "$tmp/fleet.plain")" = 9 ] &&
		[ "$(grep -c '^edge ' "$tmp/fleet.plain")" = 8 ] && ok ||
		bad "fleet graph: 9 nodes, 8 edges: $(cat "$tmp/err" "$tmp/fleet.plain")"
fi
[ "$(grep -c '^	subgraph "cluster_' "$tmp/fleet.dot")" = 2 ] &&
	[ "$(grep -c 'style=dashed' "$tmp/fleet.dot")" = 4 ] &&
	grep -q '"h1:m/t" -> "h2:v2" \[style=dashed, taillabel="out\[0\]", headlabel="in", label="vni 2458228"\]' "$tmp/fleet.dot" &&
	! grep -q 'tunnel/' "$tmp/fleet.dot" && ok || bad "fleet graph clusters and dashed edges: $(cat "$tmp/fleet.dot")"
expect_rc 2 "diff --host all of a model without hosts" "$L" diff --host all "$tmp/g.lana" "$tmp/g.lana"

# abbreviations as ip(8): the first command in table order with the prefix
expect_rc 0 "lanarun ty (types)" "$L" ty counter
grep -q "^counter - " "$tmp/out" && ok || bad "lanarun ty is types: $(head -2 "$tmp/out")"
expect_rc 0 "lanarun a --help (apply)" "$L" a --help
grep -q "^Usage: lanarun \[OPTIONS\] apply FILE" "$tmp/out" && ok || bad "lanarun a is apply: $(head -1 "$tmp/out")"
expect_rc 0 "lanarun sh --help (show)" "$L" sh --help
grep -q "^Usage: lanarun \[OPTIONS\] show" "$tmp/out" && ok || bad "lanarun sh is show: $(head -1 "$tmp/out")"
expect_rc 2 "an unknown command" "$L" zz
grep -q "unknown command 'zz'" "$tmp/err" && ok || bad "unknown command: $(cat "$tmp/err")"
# -j: JSON output, as ip -j
expect_rc 0 "-j types counter" "$L" -j types counter
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["name"] == "counter", d' "$tmp/out" &&
	ok || bad "-j types is JSON: $(head -c 200 "$tmp/out")"

# -D overrides a constant, typed where it is used; a bad value is an error
cat >"$tmp/d.lana" <<'G'
const DEV = "veth0";
const N = 2;
e :: eth(dev = DEV);
e -> t :: tee(n = N);
t[0] -> drop(); t[1] -> drop(); t[2] -> drop();
G
expect_rc 1 "-D default N=2 leaves t[2] unbound" "$L" lint "$tmp/d.lana"
expect_rc 0 "-D N=3" "$L" -D N=3 -D DEV=lana-x compile --emit=disasm -o - "$tmp/d.lana"
grep -q 'dev="lana-x"' "$tmp/out" && grep -q 'tee n=3' "$tmp/out" && ok || bad "-D values reach the plan"
# a quoted value is a string literal: quotes and escapes undone
expect_rc 0 "-D DEV='\"lana-q\"'" "$L" -D N=3 -D DEV='"lana-q\x41\""' compile --emit=disasm -o - "$tmp/d.lana"
grep -q 'dev="lana-qA\\""' "$tmp/out" && ok || bad "-D string literal unquoted: $(grep eth "$tmp/out")"
expect_rc 1 "-D DEV='\"a\" b'" "$L" -D N=3 -D DEV='"a" b' lint "$tmp/d.lana"
grep -q "^-D DEV:1:5: error: .*one string literal" "$tmp/err" && ok || bad "-D trailing text after a literal: $(cat "$tmp/err")"
expect_rc 1 "-D DEV='\"a' (unterminated)" "$L" -D N=3 -D DEV='"a' lint "$tmp/d.lana"
grep -q "^-D DEV:1:1: error: unterminated string" "$tmp/err" && ok || bad "-D unterminated literal: $(cat "$tmp/err")"
expect_rc 1 "-D N=300" "$L" -D N=300 lint "$tmp/d.lana"
grep -q "does not fit u8" "$tmp/err" && ok || bad "-D value checked against the parameter"
expect_rc 1 "-D without =" "$L" -D N lint "$tmp/d.lana"

# types
expect_rc 0 "types" "$L" types
grep -q "^tee" "$tmp/out" && ok || bad "types lists tee"
expect_rc 0 "types tee" "$L" types tee
expect_rc 1 "types unknown" "$L" types nosuch
expect_rc 0 "types json" "$L" types --json

# the command table: per-command help, `help COMMAND`
expect_rc 0 "apply --help" "$L" apply --help
grep -q "^Usage: lanarun \[OPTIONS\] apply FILE" "$tmp/out" && grep -q -- "--dry-run" "$tmp/out" &&
	ok || bad "apply --help prints apply's usage and options"
expect_rc 0 "help compile" "$L" help compile
grep -q "^Usage: lanarun \[OPTIONS\] compile FILE" "$tmp/out" && ok || bad "help compile prints compile's usage"
expect_rc 0 "--help before an unknown command" "$L" --help frobnicate
grep -q "^Usage: lanarun \[OPTIONS\] COMMAND" "$tmp/out" && ok || bad "--help with an unknown command prints the usage"

# bash completion, made from the command table
expect_rc 2 "completion zsh" "$L" completion zsh
expect_rc 0 "completion bash" "$L" completion bash
cp "$tmp/out" "$tmp/lanarun.bash"
# complete_words WORD...: what the script offers for the last WORD
complete_words() {
	bash -c '. "$1" || exit 1; shift
		f=$(complete -p lanarun) || exit 1; f=${f#*-F }; f=${f%% *}
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		"$f" lanarun "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' complete_words "$tmp/lanarun.bash" "$@"
}
[ "$(complete_words lanarun ap)" = apply ] && ok ||
	bad "completing 'lanarun ap' offers apply: $(complete_words lanarun ap)"
[ "$(complete_words lanarun --emit = di)" = disasm ] && ok || bad "completing '--emit=di' offers disasm"
complete_words lanarun types te | grep -qx tee && ok || bad "completing 'types te' offers tee"
complete_words lanarun diff --su | grep -qx -- --summary && ok || bad "completing 'diff --su' offers --summary"
# every command of the table is in --help and has its own --help
complete_words lanarun "" >"$tmp/cmds"
[ "$(wc -l <"$tmp/cmds")" -gt 10 ] && ok || bad "completion offers the commands: $(cat "$tmp/cmds")"
"$L" --help >"$tmp/help"
missing=
while read -r c; do
	grep -qE "^  $c( |\$)" "$tmp/help" || missing="$missing $c"
	"$L" "$c" --help 2>/dev/null | grep -q "^Usage: lanarun \[OPTIONS\] $c" || missing="$missing $c(--help)"
done <"$tmp/cmds"
[ -z "$missing" ] && ok || bad "commands missing from --help:$missing"

# `lanarun run` is offline and lossless: pcap_out waits for its writer when
# its queue is full (a fast replay, a FIFO whose reader is slow) instead of
# dropping, and the counters are printed once the queue is drained.
# pcap_frames FILE: frames in a capture (tcpdump's count, else pcap_in's)
pcap_frames() {
	if command -v tcpdump >/dev/null; then
		tcpdump -nr "$1" 2>/dev/null | grep -c '^[0-9]'
	else
		printf 'pcap_in(file = "%s") -> drop();\n' "$1" >"$tmp/cnt.lana"
		"$L" run "$tmp/cnt.lana" | sed -n 's/.* read=\([0-9]*\).*/\1/p'
	fi
}
printf 'gen(count = 40000, size = 1500) -> pcap_out(file = "%s");\n' \
	"$tmp/big.pcap" >"$tmp/mk.lana"
expect_rc 0 "run gen -> pcap_out" "$L" run "$tmp/mk.lana"
grep -q ' dropped=0 written=40000 errors=0 queued=0$' "$tmp/out" && ok ||
	bad "gen -> pcap_out writes every frame: $(cat "$tmp/out")"
for q in 1MiB 4KiB; do
	printf 'pcap_in(file = "%s") -> pcap_out(file = "%s", queue = %s);\n' \
		"$tmp/big.pcap" "$tmp/big2.pcap" "$q" >"$tmp/rp.lana"
	expect_rc 0 "replay, queue $q" "$L" run "$tmp/rp.lana"
	grep -q ' dropped=0 written=40000 errors=0 queued=0$' "$tmp/out" && ok ||
		bad "replay, queue $q, writes every frame: $(cat "$tmp/out")"
	n=$(pcap_frames "$tmp/big2.pcap")
	[ "$n" = 40000 ] && ok || bad "replay, queue $q: $n frames in the copy"
	cmp -s "$tmp/big.pcap" "$tmp/big2.pcap" && ok ||
		bad "replay, queue $q: the copy differs from the capture"
done
# frames larger than a pooled buffer (2 KiB) and than 2 KiB of caplen,
# up to gen's 9 KiB: pcap_in -> pcap_out copies the crafted capture byte
# for byte (pcap_out's header: 2.4, snaplen 65535, Ethernet, host order)
if command -v python3 >/dev/null; then
	python3 - "$tmp/jumbo.pcap" <<'PY'
import random, struct, sys
r = random.Random(2048)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("=IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, n in enumerate([4000, 9000, 60, 2049, 9000, 4000, 2048]):
        eth = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5"
        body = bytes(r.randrange(256) for _ in range(n - len(eth)))
        f.write(struct.pack("=IIII", 1700000000 + i, 1000 * i, n, n))
        f.write(eth + body)
PY
	printf 'pcap_in(file = "%s") -> pcap_out(file = "%s");\n' \
		"$tmp/jumbo.pcap" "$tmp/jumbo2.pcap" >"$tmp/jb.lana"
	expect_rc 0 "replay of 4000 and 9000 byte frames" "$L" run "$tmp/jb.lana"
	grep -q ' dropped=0 written=7 errors=0 queued=0$' "$tmp/out" && ok ||
		bad "replay of large frames writes every frame: $(cat "$tmp/out")"
	cmp "$tmp/jumbo.pcap" "$tmp/jumbo2.pcap" >"$tmp/cmp" 2>&1 && ok ||
		bad "large frames: the copy differs from the crafted capture: $(cat "$tmp/cmp")"
fi
# a FIFO whose reader reads nothing for a second: 4 KiB of queue, 64 KiB
# of pipe, 2000 frames of 1000 bytes
mkfifo "$tmp/fifo"
{ sleep 1; cat; } <"$tmp/fifo" >"$tmp/fifo.pcap" &
reader=$!
sleep 0.2
printf 'gen(count = 2000, size = 1000) -> pcap_out(file = "%s", queue = 4KiB);\n' \
	"$tmp/fifo" >"$tmp/ff.lana"
expect_rc 0 "run gen -> pcap_out to a slow FIFO" "$L" run "$tmp/ff.lana"
grep -q ' dropped=0 written=2000 errors=0 queued=0$' "$tmp/out" && ok ||
	bad "a slow FIFO reader gets every frame: $(cat "$tmp/out")"
wait "$reader"
n=$(pcap_frames "$tmp/fifo.pcap")
[ "$n" = 2000 ] && ok || bad "slow FIFO: $n frames read"

# `lanarun run` is the user's own process opening the user's own files:
# no pcap directories (that is lanad, tests/pcap_dir.sh). pcap_out writes
# through a symlink and over an existing file, truncating it, as before.
printf 'not a capture\n' >"$tmp/real.pcap"
ln -s "$tmp/real.pcap" "$tmp/link.pcap"
printf 'gen(count = 3, size = 100) -> pcap_out(file = "%s");\n' \
	"$tmp/link.pcap" >"$tmp/ln.lana"
expect_rc 0 "run pcap_out through a symlink" "$L" run "$tmp/ln.lana"
[ -L "$tmp/link.pcap" ] && [ "$(stat -c %s "$tmp/real.pcap")" = $((24 + 3 * 116)) ] && ok ||
	bad "run: pcap_out wrote 3 frames of 100 bytes through the symlink: $(ls -l "$tmp")"
# a corrupt capture (tests/mkbadpcap.py): two good records, one whose
# caplen is above 256 KiB (or one cut short), one more good: the two first
# come out byte for byte, the error is counted and logged with the offset
if command -v python3 >/dev/null; then
	for kind in caplen trunc; do
		off=$(python3 "$src/tests/mkbadpcap.py" "$tmp/bad.pcap" "$kind")
		printf 'i :: pcap_in(file = "%s", loop = 0) -> pcap_out(file = "%s");\n' \
			"$tmp/bad.pcap" "$tmp/good.pcap" >"$tmp/bad.lana"
		expect_rc 0 "run a corrupt capture ($kind)" timeout 20 "$L" run "$tmp/bad.lana"
		grep -q '^ *1  i  .* read=2 errors=1$' "$tmp/out" && ok ||
			bad "corrupt capture ($kind): read=2 errors=1: $(cat "$tmp/out")"
		grep -q "pcap_in i: $tmp/bad.pcap: bad record at offset $off (after 2 good records of pass 1): " "$tmp/err" && ok ||
			bad "corrupt capture ($kind): the log names offset $off: $(cat "$tmp/err")"
		head -c "$off" "$tmp/bad.pcap" | cmp -s - "$tmp/good.pcap" && ok ||
			bad "corrupt capture ($kind): the two good frames came out byte for byte"
	done
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
