#!/usr/bin/env bash
# tests/e2e/pcap_fifo.sh - monitoring a bridge into a FIFO must not
# disturb it: lanad bridges two namespaces with a tee to pcap_out writing
# into a FIFO (mkfifo). With no reader, apply returns at once, ping loses
# nothing, `lanarun show` answers in under 100 ms and pcap_out drops (and
# counts) every frame offered. With a reader taking one frame a second,
# the same holds while the FIFO and the queue are full; once the reader
# drains, dropped = offered - written and the reader got `written` frames.
# Needs root. Env: LANARUN, LANAD (binaries), top_srcdir.
set -uo pipefail
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/e2e/lib.sh"
e2e_need_root
L=${LANARUN:-lanarun}
D=${LANAD:-lanad}
tmp=$(mktemp -d)
sock=$tmp/lanad.sock
lanad_pid=
reader_pid=

cleanup() {
	[ -n "$reader_pid" ] && kill "$reader_pid" 2>/dev/null
	[ -n "$lanad_pid" ] && kill "$lanad_pid" 2>/dev/null && wait "$lanad_pid" 2>/dev/null
	e2e_netns_down
	rm -rf "$tmp"
}
trap cleanup EXIT

lr() { timeout 10 "$L" --socket "$sock" -D DEV0=lana-v1 -D DEV1=lana-v2 "$@"; }
stat_of() {	# stat_of JSON KEY
	e2e_json_num "$1" "$2"
}
ms_now() { echo $(($(date +%s%N) / 1000000)); }
# ping_loss: packet loss (%) of 20 pings, 50 ms apart, ns1 -> ns2
ping_loss() {
	ip netns exec lana-ns1 ping -q -c 20 -i 0.05 -W 1 10.77.0.2 2>/dev/null |
		sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p'
}
# show_ms: the slowest of 5 `lanarun show` runs, in ms
show_ms() {
	local worst=0 t0 t
	for _ in 1 2 3 4 5; do
		t0=$(ms_now)
		lr show >/dev/null 2>&1 || { echo 99999; return; }
		t=$(($(ms_now) - t0))
		[ "$t" -gt "$worst" ] && worst=$t
	done
	echo "$worst"
}

e2e_netns_up
# the FIFOs live in $tmp: lanad's pcap directory (--pcap-dir)
"$D" --socket "$sock" --workers 2 --pcap-dir "$tmp" >"$tmp/lanad.log" 2>&1 &
lanad_pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
e2e_check "lanad listens on its socket" test -S "$sock"

# --- a FIFO without a reader, through std/monitor.lana
mkfifo "$tmp/none.fifo"
cat >"$tmp/none.lana" <<G
import "std/monitor.lana";
a :: eth(dev = DEV0);
b :: eth(dev = DEV1);
a -> m :: monitor(file = "$tmp/none.fifo") -> b;
b -> a;
G
t0=$(ms_now)
lr apply "$tmp/none.lana" >/dev/null
rc=$?
t=$(($(ms_now) - t0))
e2e_check "apply with a FIFO nobody reads returns ($rc) in under 1 s (${t} ms)" \
	test "$rc" = 0 -a "$t" -lt 1000
loss=$(ping_loss)
e2e_check "no reader: ping -c 20 -i 0.05 through the bridge loses nothing (${loss:-?}%)" \
	test "${loss:-x}" = 0
t=$(show_ms)
e2e_check "no reader: lanarun show answers in under 100 ms (slowest of 5: ${t} ms)" \
	test "$t" -lt 100
j=$(lr stats --json m/pcap_out0)
off=$(stat_of "$j" packets); dr=$(stat_of "$j" dropped); wr=$(stat_of "$j" written)
e2e_check "no reader: dropped ($dr) = offered ($off) - written ($wr), > 0" \
	test "${dr:-0}" -gt 0 -a "${dr:-0}" = $(( ${off:-0} - ${wr:-0} )) -a "${wr:-x}" = 0
t0=$(ms_now)
lr flush >/dev/null
rc=$?
t=$(($(ms_now) - t0))
e2e_check "flush with a FIFO nobody reads returns ($rc) in under 1 s (${t} ms)" \
	test "$rc" = 0 -a "$t" -lt 1000

# --- a reader taking one frame a second, then draining on demand
mkfifo "$tmp/slow.fifo"
cat >"$tmp/reader.py" <<'PY'
import os, sys, time
path, fast, out = sys.argv[1:4]
fd = os.open(path, os.O_RDONLY)
def readn(n):
    b = b""
    while len(b) < n:
        r = os.read(fd, n - len(b))
        if not r:
            return None
        b += r
    return b
frames = 0
if readn(24) is not None:
    while True:
        h = readn(16)
        if h is None:
            break
        caplen = int.from_bytes(h[8:12], sys.byteorder)
        if readn(caplen) is None:
            break
        frames += 1
        if not os.path.exists(fast):
            time.sleep(1)
with open(out, "w") as f:
    f.write("%d\n" % frames)
PY
python3 "$tmp/reader.py" "$tmp/slow.fifo" "$tmp/fast" "$tmp/frames" &
reader_pid=$!
cat >"$tmp/slow.lana" <<G
a :: eth(dev = DEV0);
b :: eth(dev = DEV1);
a -> t :: tee(n = 2);
t[0] -> b;
t[1] -> p :: pcap_out(file = "$tmp/slow.fifo", queue = 64KiB);
b -> a;
G
t0=$(ms_now)
lr apply "$tmp/slow.lana" >/dev/null
rc=$?
t=$(($(ms_now) - t0))
e2e_check "apply with a slow reader returns ($rc) in under 1 s (${t} ms)" \
	test "$rc" = 0 -a "$t" -lt 1000
# the writer opens the FIFO within 100 ms of the reader (PO_RETRY_MS);
# until then frames are dropped: wait until one was written
for _ in $(seq 30); do
	e2e_ping 1
	[ "$(stat_of "$(lr stats --json p)" written)" -gt 0 ] 2>/dev/null && break
	sleep 0.1
done
# fill the pipe (64 KiB) and the queue (64 KiB a worker): 400 x 1442 B
ip netns exec lana-ns1 ping -q -f -c 400 -s 1400 -W 1 10.77.0.2 >/dev/null 2>&1
j=$(lr stats --json p)
e2e_check "slow reader: the queue is full ($(stat_of "$j" queued) frames queued, $(stat_of "$j" dropped) dropped)" \
	test "$(stat_of "$j" dropped)" -gt 0 -a "$(stat_of "$j" queued)" -gt 0
loss=$(ping_loss)
e2e_check "slow reader: ping -c 20 -i 0.05 through the bridge loses nothing (${loss:-?}%)" \
	test "${loss:-x}" = 0
t=$(show_ms)
e2e_check "slow reader: lanarun show answers in under 100 ms (slowest of 5: ${t} ms)" \
	test "$t" -lt 100
j=$(lr stats --json p)
off=$(stat_of "$j" packets); dr=$(stat_of "$j" dropped); wr=$(stat_of "$j" written)
q=$(stat_of "$j" queued); er=$(stat_of "$j" errors)
e2e_check "slow reader: offered ($off) = written ($wr) + dropped ($dr) + queued ($q) + errors ($er)" \
	test "${off:-0}" -gt 0 -a "${off:-0}" = $(( ${wr:-0} + ${dr:-0} + ${q:-0} + ${er:-0} ))

touch "$tmp/fast"
for _ in $(seq 100); do
	j=$(lr stats --json p)
	[ "$(stat_of "$j" queued)" = 0 ] && break
	sleep 0.1
done
off=$(stat_of "$j" packets); dr=$(stat_of "$j" dropped); wr=$(stat_of "$j" written)
e2e_check "reader drained: dropped ($dr) = offered ($off) - written ($wr), > 0" \
	test "${dr:-0}" -gt 0 -a "${dr:-0}" = $(( ${off:-0} - ${wr:-0} ))
e2e_check "reader drained: no write errors ($(stat_of "$j" errors))" \
	test "$(stat_of "$j" errors)" = 0
lr flush >/dev/null	# closes the FIFO: the reader sees its end
for _ in $(seq 50); do [ -s "$tmp/frames" ] && break; sleep 0.1; done
got=$(cat "$tmp/frames" 2>/dev/null)
e2e_check "the reader got exactly the written frames (${got:-none} of $wr)" \
	test "${got:-x}" = "$wr"

kill "$lanad_pid"; wait "$lanad_pid" 2>/dev/null
lanad_pid=
e2e_summary
