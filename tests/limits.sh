#!/usr/bin/env bash
# tests/limits.sh - the compiler's limits against hostile inputs (issue 9,
# "Compiler caps" and "Out of memory"): the block cap after compound
# expansion (--max-blocks), the compound nesting limit, the error limit
# (--max-errors) and the excerpt window, input files that are not regular
# files or too large, and out of memory. Every hostile input is generated
# here; every run is bounded by `timeout`, so that a regression fails
# instead of hanging, and the outputs by size.
# Run by `make check` with LANARUN set; works with the ASan build too (the
# memory bounds that need `ulimit -v` are then replaced or reported as
# skipped, and not counted as passed).
set -uo pipefail
L=${LANARUN:-./lanarun}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 skip=0
export NO_COLOR=1 LC_ALL=C
unset LANA_PATH

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
skipped() { skip=$((skip + 1)); echo "SKIP: $*"; }
# [VL=KIB] run TIMEOUT CMD...: run with a time limit (and, with VL, at
# most KIB of address space, unless ASan); output in $tmp/out, $tmp/err;
# the exit status in $rc (124: timed out)
run() {
	local t=$1; shift
	if [ -n "${VL:-}" ] && [ "$asan" = 0 ]; then
		(ulimit -v "$VL"; exec timeout "$t" "$@") >"$tmp/out" 2>"$tmp/err"
	else
		timeout "$t" "$@" >"$tmp/out" 2>"$tmp/err"
	fi
	rc=$?
}
want_rc() {	# WANT DESC
	if [ "$rc" = "$1" ]; then ok; else bad "$2: exit $rc, want $1"; head -c 2000 "$tmp/err"; fi
}
want_err() {	# FIXED-STRING DESC
	if grep -qF -- "$1" "$tmp/err"; then ok; else bad "$2: stderr lacks '$1'"; head -c 2000 "$tmp/err"; fi
}
want_small() {	# MAXBYTES DESC: stdout + stderr at most MAXBYTES
	local n; n=$(cat "$tmp/out" "$tmp/err" | wc -c)
	if [ "$n" -le "$1" ]; then ok; else bad "$2: $n bytes of output, want <= $1"; fi
}

# Can this lanarun run under `ulimit -v`? Not the ASan build (its shadow
# memory is terabytes of address space).
VLIM=300000	# KiB of address space for the memory-bounded runs
if { (ulimit -v $VLIM; "$L" --version) >/dev/null 2>&1; } 2>/dev/null; then
	asan=0
else
	asan=1
fi

# --------------------------------------------------------- block cap
# dbl.lana: compound cI uses c(I+1) twice, 40 levels; c39 holds one
# counter, so an instance of c0 expands to 2^39 blocks (4.4 KB of source).
gen_doubling() {	# LEVELS FILE
	local n=$1 i
	for ((i = 0; i < n; i++)); do
		if ((i == n - 1)); then
			echo "block c$i() { input in : eth; output out : eth; in -> counter() -> out; }"
		else
			echo "block c$i() { input in : eth; output out : eth; in -> c$((i + 1))() -> c$((i + 1))() -> out; }"
		fi
	done
	echo 'gen(count = 1) -> c0() -> drop();'
}
gen_doubling 40 >"$tmp/dbl.lana"
size=$(wc -c <"$tmp/dbl.lana")
[ "$size" -lt 5000 ] && ok || bad "the doubling file is small ($size bytes)"
# the instantiation of c0: line 41, the column of "c0()" in it
col=$(awk 'NR == 41 { print index($0, "c0()") }' "$tmp/dbl.lana")
VL=$VLIM run 10 "$L" lint "$tmp/dbl.lana"
want_rc 1 "doubling compounds"
want_err "dbl.lana:41:$col: error: block 'c0' expands to $((1 << 39)) blocks: this instance would take the graph to $(((1 << 39) + 1)) blocks, past the limit of 1048576 (--max-blocks)" \
	"the block cap names the instance that crosses it"
want_err "dbl.lana:1:7: note: block 'c0' is defined here" "the block cap notes the compound"
want_err "1 error generated." "the block cap is one error"
grep -q "out of memory" "$tmp/err" && bad "doubling compounds ran out of memory (in $VLIM KiB)" || ok
want_small 10240 "doubling compounds: bounded output"
[ "$asan" = 0 ] || skipped "doubling compounds under ulimit -v (ASan build); bounded by time only"

# the default cap, 2^20 = 1048576 blocks: 21 levels give 2^20 counters,
# plus gen and drop 1048578 blocks: refused, before expansion (in time)
gen_doubling 21 >"$tmp/dbl21.lana"
run 10 "$L" lint "$tmp/dbl21.lana"
want_rc 1 "2^20 + 2 blocks with the default cap"
want_err "expands to 1048576 blocks: this instance would take the graph to 1048577 blocks, past the limit of 1048576" \
	"the default cap is 1048576 blocks"

# --max-blocks on a small graph, counted by hand: gen (1), three
# instances of ten (10 counters each), drop (1) = 32 blocks in that order
cat >"$tmp/ten.lana" <<'G'
block ten() {
	input in : eth;
	output out : eth;
	in -> counter() -> counter() -> counter() -> counter() -> counter()
	   -> counter() -> counter() -> counter() -> counter() -> counter() -> out;
}
src :: gen(count = 1);
src -> t1 :: ten() -> t2 :: ten() -> t3 :: ten() -> drop();
G
run 10 "$L" --max-blocks 32 lint "$tmp/ten.lana"
want_rc 0 "32 blocks with --max-blocks 32"
run 10 "$L" --max-blocks 31 lint "$tmp/ten.lana"
want_rc 1 "32 blocks with --max-blocks 31"
want_err "ten.lana:8:53: error: the graph has more than 31 blocks, the limit (--max-blocks)" \
	"a plain block (drop) that crosses the cap is named"
run 10 "$L" --max-blocks 30 lint "$tmp/ten.lana"
want_rc 1 "--max-blocks 30"
want_err "ten.lana:8:44: error: block 'ten' expands to 10 blocks: this instance would take the graph to 31 blocks, past the limit of 30" \
	"the third instance (t3) crosses 30"
run 10 "$L" --max-blocks 30 compile -o "$tmp/ten.plan" "$tmp/ten.lana"
want_rc 1 "compile with the cap crossed"
[ ! -e "$tmp/ten.plan" ] && ok || bad "no plan is written when the cap is crossed"
for v in 0 16777216 -1 12x ""; do
	run 10 "$L" --max-blocks "$v" lint "$tmp/ten.lana"
	want_rc 2 "--max-blocks '$v' is a usage error"
done
want_err "--max-blocks takes a number from 1 to 16777215" "--max-blocks range message"
run 10 "$L" --max-blocks 16777215 lint "$tmp/ten.lana"
want_rc 0 "--max-blocks 16777215 (the engine's IDP limit)"

# ------------------------------------------------- compound nesting depth
gen_chain() {	# LEVELS FILE: nI uses n(I+1) once; the last holds a counter
	local n=$1 i
	for ((i = 0; i < n; i++)); do
		if ((i == n - 1)); then
			echo "block n$i() { input in : eth; output out : eth; in -> counter() -> out; }"
		else
			echo "block n$i() { input in : eth; output out : eth; in -> n$((i + 1))() -> out; }"
		fi
	done
	echo 'gen(count = 1) -> n0() -> drop();'
}
gen_chain 64 >"$tmp/deep64.lana"
run 10 "$L" lint "$tmp/deep64.lana"
want_rc 0 "64 levels of compounds are allowed"
[ ! -s "$tmp/err" ] && ok || { bad "64 levels: no diagnostics"; head -c 2000 "$tmp/err"; }
gen_chain 70 >"$tmp/deep.lana"
# n64 is instantiated on line 64 (in n63), at level 65
col=$(awk 'NR == 64 { print index($0, "n64()") }' "$tmp/deep.lana")
inst=n00
for ((i = 1; i <= 64; i++)); do inst="$inst/n${i}0"; done
run 10 "$L" lint "$tmp/deep.lana"
want_rc 1 "70 levels of compounds"
want_err "deep.lana:64:$col: error: compound nesting deeper than 64 levels: instance '$inst' of block 'n64' would be level 65" \
	"the depth limit is named, with the instance chain"
want_err "deep.lana:71:19: note: level 1 is instance 'n00' of block 'n0'" "the depth error notes level 1"
grep -q "instantiates itself" "$tmp/err" && bad "70 levels reported as self-instantiation" || ok
want_err "1 error generated." "70 levels: one error, no warnings"
want_small 10240 "70 levels: bounded output"
gen_chain 1000 >"$tmp/deep1000.lana"
run 10 "$L" lint "$tmp/deep1000.lana"
want_rc 1 "1000 levels of compounds"
n=$(grep -c "warning:" "$tmp/err")
[ "$n" = 0 ] && ok || bad "1000 levels: $n warnings (the compounds below the cut are not 'unused')"
want_err "1 error generated." "1000 levels: one error"
# real recursion keeps its own message
cat >"$tmp/rec.lana" <<'G'
block a() { input in : eth; output out : eth; in -> b() -> out; }
block b() { input in : eth; output out : eth; in -> a() -> out; }
gen(count = 1) -> a() -> drop();
G
run 10 "$L" lint "$tmp/rec.lana"
want_rc 1 "mutual recursion"
want_err "rec.lana:2:53: error: block 'a' instantiates itself" "recursion is still named as such"

# --------------------------------------------------- error limit, excerpts
# 1000 nested `block{` on one line: one error per `block{` (999 "expected
# identifier", then the parser's stack is full: "nesting too deep")
for ((i = 0; i < 1000; i++)); do printf 'block{'; done >"$tmp/nest.lana"
echo >>"$tmp/nest.lana"
run 10 "$L" lint "$tmp/nest.lana"
want_rc 1 "1000 nested blocks"
n=$(grep -c "nest.lana:1:[0-9]*: error:" "$tmp/err")
[ "$n" = 20 ] && ok || bad "1000 nested blocks: $n errors printed, want 20"
want_err "lanarun: error: too many errors, stopping (--max-errors 20)" "the error limit is said"
[ "$(tail -n 1 "$tmp/err")" = "20 errors generated." ] && ok || bad "summary after the limit: $(tail -n 1 "$tmp/err")"
want_small 10240 "1000 nested blocks: bounded output (was 21.8 MB)"
# the excerpt of each error is a window of the 6000-byte line
long=$(awk 'length($0) > 140' "$tmp/err" | wc -l)
[ "$long" = 0 ] && ok || bad "excerpt lines longer than 140 bytes: $long"
run 10 "$L" --max-errors 3 lint "$tmp/nest.lana"
n=$(grep -c "nest.lana:1:[0-9]*: error:" "$tmp/err")
[ "$n" = 3 ] && ok || bad "--max-errors 3: $n errors printed"
want_err "too many errors, stopping (--max-errors 3)" "--max-errors 3 message"
run 10 "$L" --max-errors 0 lint "$tmp/nest.lana"
want_rc 1 "--max-errors 0"
n=$(grep -c "nest.lana:1:[0-9]*: error:" "$tmp/err")
[ "$n" = 1000 ] && ok || bad "--max-errors 0: $n errors, want all 1000"
grep -q "too many errors" "$tmp/err" && bad "--max-errors 0 has no limit" || ok
run 10 "$L" --max-errors 3 --format=json lint "$tmp/nest.lana"
n=$(grep -o '"severity":"error"' "$tmp/out" | wc -l)
[ "$n" = 4 ] && ok || bad "json: $n error objects, want 3 and the stop"
for v in -1 x 4294967296; do
	run 10 "$L" --max-errors "$v" lint "$tmp/nest.lana"
	want_rc 2 "--max-errors '$v' is a usage error"
done
# at the limit the compiler stops, it does not go on dropping errors: the
# scanner (60 MB of stray bytes) and the parser (60 MB of syntax errors,
# one per 9-byte line), 4 files each. Fixed: 0.3 s a file here; going on
# to the end: 5 to 7 s a file.
head -c 60000000 /dev/zero | tr '\0' '@' >"$tmp/stray.lana"
yes 'a b c d;' | head -c 60000000 >"$tmp/syn.lana"
for f in stray syn; do
	run 10 "$L" lint "$tmp/$f.lana" "$tmp/$f.lana" "$tmp/$f.lana" "$tmp/$f.lana"
	want_rc 1 "$f: 4 x 60 MB of errors stop at the limit (124: it went on)"
	n=$(grep -c "^20 errors generated.$" "$tmp/err")
	[ "$n" = 4 ] && ok || bad "$f: $n files with 20 errors, want 4"
done
rm -f "$tmp/stray.lana" "$tmp/syn.lana"
# 1000 nested block{ on separate lines: the same limit
for ((i = 0; i < 1000; i++)); do echo 'block{'; done >"$tmp/nest2.lana"
run 10 "$L" lint "$tmp/nest2.lana"
want_rc 1 "1000 nested blocks, one per line"
want_small 10240 "1000 nested blocks, one per line: bounded output"

# excerpt window: an error at byte 251 of a 300-byte line; the caret must
# be under the 'q' of 'qqq' (a name no block type has)
{
	printf 'src :: gen(count = 1); src -> '
	for ((i = 0; i < 55; i++)); do printf 'fwd() -> '; done
	printf 'qqq() -> drop();\n'
} >"$tmp/wide.lana"
col=$(awk 'NR == 1 { print index($0, "qqq()") }' "$tmp/wide.lana")
run 10 "$L" lint "$tmp/wide.lana"
want_rc 1 "wide line"
want_err "wide.lana:1:$col: error: unknown block type 'qqq'" "wide line error"
src_line=$(sed -n 2p "$tmp/err")
caret_line=$(sed -n 3p "$tmp/err")
pos=$(awk '{ print index($0, "^") }' <<<"$caret_line")
[ "${src_line:pos-1:3}" = qqq ] && ok || bad "caret under 'qqq' in the window: '$src_line' / '$caret_line'"
[ "${#src_line}" -le 120 ] && ok || bad "window of a 300-byte line: ${#src_line} bytes"
case "$src_line" in *" | ..."*) ok ;; *) bad "cut start marked '...': '$src_line'" ;; esac

# ------------------------------------------------------------ input files
printf 'src :: gen(count = 1);\nsrc -> drop();\n' >"$tmp/g.lana"
for cmd in lint compile graph disasm; do
	VL=$VLIM run 5 "$L" "$cmd" /dev/zero
	want_rc 2 "$cmd /dev/zero"
	want_err "cannot read '/dev/zero': not a regular file" "$cmd /dev/zero message"
done
mkfifo "$tmp/fifo"
for cmd in lint compile; do
	run 5 "$L" "$cmd" "$tmp/fifo"
	want_rc 2 "$cmd on a FIFO without writer (124: it hung)"
	want_err "fifo': not a regular file" "$cmd FIFO message"
done
run 5 "$L" lint "$tmp"
want_rc 2 "lint a directory"
want_err "not a regular file" "directory message"
# an import that is a device: searched for regular files only
printf 'import "/dev/zero";\nsrc :: gen(count = 1);\nsrc -> drop();\n' >"$tmp/imp.lana"
run 5 "$L" lint "$tmp/imp.lana"
want_rc 1 "import /dev/zero"
# standard input still works, from a file and from a pipe
run 5 "$L" lint - <"$tmp/g.lana"
want_rc 0 "lint - from a file"
run 5 sh -c "cat '$tmp/g.lana' | '$L' compile --emit=disasm -o - -"
want_rc 0 "compile - from a pipe"
grep -q "^NEW .*src gen" "$tmp/out" && ok || bad "compile - from a pipe: the plan"
# size: 64 MiB is accepted, one byte more is not (file and stdin)
{ cat "$tmp/g.lana"; head -c $((64 * 1024 * 1024 - $(wc -c <"$tmp/g.lana"))) /dev/zero | tr '\0' ' '; } >"$tmp/max.lana"
[ "$(wc -c <"$tmp/max.lana")" = 67108864 ] && ok || bad "max.lana is 64 MiB"
run 20 "$L" lint "$tmp/max.lana"
want_rc 0 "a 64 MiB source file"
printf ' ' >>"$tmp/max.lana"
run 20 "$L" lint "$tmp/max.lana"
want_rc 2 "a source file of 64 MiB + 1 byte"
want_err "max.lana': larger than 64 MiB, the limit for this input" "size limit message"
run 20 sh -c "cat '$tmp/max.lana' | '$L' lint -"
want_rc 2 "64 MiB + 1 byte on standard input"
want_err "larger than 64 MiB" "size limit on standard input"
rm -f "$tmp/max.lana"

# ----------------------------------------------------------- out of memory
# 20 levels of doubling: 2^19 + 2 blocks, under the block cap, about
# 1 GB to compile: far more than the limit below
gen_doubling 20 >"$tmp/dbl20.lana"
if [ "$asan" = 0 ]; then
	oomv=150000 oomenv=()
else
	# ASan: allocations over 8 MiB fail (the graph's arrays pass it)
	oomv='' oomenv=(env ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=8:detect_leaks=0)
fi
VL=$oomv run 30 "${oomenv[@]}" "$L" compile -o "$tmp/g.plan" "$tmp/g.lana"
want_rc 0 "a small graph compiles under the memory limit"
for cmd in lint compile; do
	VL=$oomv run 60 "${oomenv[@]}" "$L" "$cmd" -o "$tmp/dbl20.plan" "$tmp/dbl20.lana"
	want_rc 1 "$cmd out of memory (134: abort)"
	want_err "lanarun: out of memory" "$cmd out-of-memory message"
	grep -q "^lana: out of memory" "$tmp/err" && bad "$cmd: the abort path's message" || ok
done
[ ! -e "$tmp/dbl20.plan" ] && ok || bad "no plan written out of memory"
[ -z "$(find "$tmp" -name 'core*')" ] && ok || bad "a core file was written"

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
