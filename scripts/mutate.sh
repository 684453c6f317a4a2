#!/usr/bin/env bash
# scripts/mutate.sh [BUILDDIR] - plant each mutant of the list below in a
# scratch copy of the tree, rebuild, run the tests that should kill it, and
# report KILLED or SURVIVED per mutant (exit 1 if any survived). Not run by
# CI; docs/testing.md records the last result.
#
# A mutant is: NAME | FILE | sed expression (applied to FILE) | TESTS
# (make check TESTS=...). The sed expression must change FILE: a mutant
# whose pattern no longer matches is reported STALE (fix the list).
# BUILDDIR (default build) must be a configured build of this tree; the
# scratch copy is configured the same way the first time (in
# ${MUTATE_DIR:-/tmp/lana-mutate}).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=${MUTATE_DIR:-/tmp/lana-mutate}

MUTANTS=(
	"decoder accepts bool 2|plan/codec.c|s/if (q\[0\] > 1)/if (0)/|tests/unit/test_plan"
	"ctl parser accepts an inner NUL|proto/codec.c|s/if (strlen(s) != (size_t)len - 1)/if (0)/|tests/unit/test_ctl"
	"bpf checker accepts any opcode|plan/bpf_check.c|s/if (!lana_bpf_code_allowed(in->code))/if (0)/|tests/unit/test_bpf_check"
	"counter counts 4 bytes too many|blocks/counter.c|s/bytes += lana_pkt_len(v->pkt\[i\]);/bytes += lana_pkt_len(v->pkt[i]) + 4;/|tests/unit/test_engine tests/blocks/test_blocks"
	"hop bound is the longest path - 1|engine/graph.c|s/bound = (uint64_t)len \* /bound = (uint64_t)(len - 1) * /|tests/unit/test_engine"
	"checksum not complemented|runtime/offload.c|s/return (uint16_t)~sum;/return (uint16_t)sum;/|tests/unit/test_offload"
	"PPE hands rx the instance's newest live object, not its version's|runtime/ppe.c|s/bu->live = d->live;/bu->live = lana_inst_of(d->b)->live;/|tests/unit/test_engine"
	"failed SET keeps the freed live object|engine/txn.c|/in->b.type->live_free(in->live);/{n;s/in->live = r->old;//}|tests/unit/test_engine"
	"switch floods back out of the ingress port|blocks/switch.c|s/if (p == in)$/if (0)/|tests/blocks/test_blocks"
	"switch does not move a known address|blocks/switch.c|s/e->port = port;\t\t\/\* moves at once \*\//;/|tests/blocks/test_blocks"
	"classify skips the first filter|blocks/classify.c|s/for (k = 0; k < cp->n; k++)/for (k = 1; k < cp->n; k++)/|tests/blocks/test_blocks"
	"rate passes a frame without its credit|blocks/rate.c|s/if (!rp->qn \&\& rp->tokens >= cost) {/if (!rp->qn) {/|tests/blocks/test_blocks"
	"switch table lists the port off by one|blocks/switch.c|s/(unsigned int)e->port);/(unsigned int)e->port + 1);/|tests/unit/test_engine tests/fdb.sh"
	"switch table cursor skips a slot after a full page|blocks/switch.c|s/: (uint32_t)i;$/: (uint32_t)i + (n == max);/|tests/unit/test_engine"
	"lanad sends no table continuation|daemon/dispatch.c|s/^\t\tt.partial = true;$/\t\treturn 0;/|tests/fdb.sh"
)

mkdir -p "$work"
# the tree as it is now (tracked and generated files, no build dirs)
rm -rf "$work/src"
mkdir -p "$work/src"
(cd "$top" && tar --exclude=./build --exclude='./build-asan*' \
	--exclude=./build-fuzz --exclude=./build-kmod --exclude=./.git -cf - .) |
	(cd "$work/src" && tar -xf -)
if [ ! -f "$work/build/Makefile" ]; then
	mkdir -p "$work/build"
	(cd "$work/build" && "$work/src/configure" -q) || exit 1
fi
make -s -C "$work/build" -j"$(nproc)" >/dev/null 2>&1 || {
	echo "mutate: the unmutated copy does not build" >&2; exit 1; }

# control: every listed test passes on the unmutated copy, else a
# "killed" would mean nothing
all=$(for m in "${MUTANTS[@]}"; do echo "${m##*|}"; done | tr ' ' '\n' | sort -u | tr '\n' ' ')
if ! make -s -C "$work/build" check TESTS="$all" >/dev/null 2>&1; then
	echo "mutate: the unmutated copy fails its tests ($all)" >&2
	exit 1
fi
echo "control: unmutated copy passes $all"

survived=0
for m in "${MUTANTS[@]}"; do
	IFS='|' read -r name file expr tests <<<"$m"
	cp "$work/src/$file" "$work/orig"
	sed -i "$expr" "$work/src/$file"
	if cmp -s "$work/src/$file" "$work/orig"; then
		echo "STALE    $name ($file: pattern not found)"
		survived=1
		continue
	fi
	if ! make -s -C "$work/build" -j"$(nproc)" >/dev/null 2>&1; then
		res="KILLED   (does not build)"
	elif make -s -C "$work/build" check TESTS="$tests" >/dev/null 2>&1; then
		res="SURVIVED"
		survived=1
	else
		res="KILLED  "
	fi
	echo "$res $name  [$tests]"
	cp "$work/orig" "$work/src/$file"
	touch "$work/src/$file"
done
make -s -C "$work/build" -j"$(nproc)" >/dev/null 2>&1
exit $survived
