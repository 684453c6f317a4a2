#!/usr/bin/env bash
# bench/kmod/run.sh - the kernel engine benchmark (bench/kmod/vm-bench.sh)
# in the test VM: builds lana.ko and lanarun and boots the VM like
# tests/kmod/run.sh, but runs the benchmark instead of the test. Prints
# "bench:" lines: frames per second of pktgen into a veth received and
# dropped by the host stack, and by lana.ko graphs eth -> N x fwd -> drop
# (N = 1, 10, 50), with the ratio to the host stack's rate in brackets.
# Environment: as tests/kmod/run.sh (LANARUN, LANA_VM_WORKDIR, ...).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
LANA_VM_BENCH=1 exec "$top/tests/kmod/run.sh" "$@"
