#!/usr/bin/env python3
"""tests/e2e/udp_flows.py - many UDP flows with sequence numbers (issue 8).

  udp_flows.py send ADDR PORT FLOWS COUNT BURST
      FLOWS sockets, source ports 41000.., each sends COUNT datagrams to
      ADDR:PORT, payload "FLOW SEQ" (SEQ 0..COUNT-1), BURST datagrams of
      one flow back to back, then BURST of the next flow, and so on, with
      2 ms between bursts (the veths' backlogs never overflow).
  udp_flows.py recv ADDR PORT TOTAL READYFILE
      receives on ADDR:PORT until TOTAL datagrams came or nothing came for
      3 s (30 s at most), then prints one line:
        total=N dup=N missing=N reordered=N flows=N
      dup: datagrams whose (flow, seq) came before; missing: (flow, seq)
      of 0..max never seen; reordered: datagrams whose seq is lower than
      the highest seq of their flow seen before (order within a flow).
"""
import socket
import sys
import time

SO_RCVBUFFORCE = 33  # socket(7); root may exceed rmem_max


def send(addr, port, flows, count, burst):
    socks = []
    for f in range(flows):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", 41000 + f))
        s.connect((addr, port))
        socks.append(s)
    for start in range(0, count, burst):
        for f, s in enumerate(socks):
            for seq in range(start, min(start + burst, count)):
                s.send(b"%d %d" % (f, seq))
            time.sleep(0.002)


def recv(addr, port, total, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
    s.bind((addr, port))
    open(ready, "w").close()
    seen = set()
    high = {}
    n = dup = reordered = 0
    deadline = time.time() + 30
    s.settimeout(30)
    while n < total and time.time() < deadline:
        try:
            data = s.recv(2048)
        except socket.timeout:
            break
        s.settimeout(3)
        f, seq = (int(x) for x in data.split())
        n += 1
        if (f, seq) in seen:
            dup += 1
        seen.add((f, seq))
        if f in high and seq < high[f]:
            reordered += 1
        high[f] = max(high.get(f, -1), seq)
    missing = sum(high[f] + 1 for f in high) - len(seen)
    print("total=%d dup=%d missing=%d reordered=%d flows=%d"
          % (n, dup, missing, reordered, len(high)))


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "send":
        send(a[2], int(a[3]), int(a[4]), int(a[5]), int(a[6]))
    else:
        recv(a[2], int(a[3]), int(a[4]), a[5])
