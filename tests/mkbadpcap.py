#!/usr/bin/env python3
# tests/mkbadpcap.py FILE [KIND] - write a pcap savefile (pcap-savefile(5),
# version 2.4, snaplen 65535, LINKTYPE_ETHERNET, host byte order: the
# header pcap_out writes) holding two good Ethernet records (60 and 70
# bytes), then one bad record, then (KIND caplen) one more good record:
#   caplen  the bad record's header claims 300000 captured bytes, above
#           libpcap's 256 KiB limit for Ethernet (its data: none; the good
#           record follows right after the header)
#   trunc   the bad record's header claims 100 bytes, the file ends 10
#           bytes into them
# Prints the byte offset of the bad record: what a reader delivers before
# it is exactly the first OFFSET bytes of FILE (header + two records).
import struct
import sys


def rec(sec, data, caplen=None, length=None):
    caplen = len(data) if caplen is None else caplen
    length = caplen if length is None else length
    return struct.pack("=IIII", sec, 0, caplen, length) + data


def frame(n, fill):
    eth = bytes.fromhex("001122334455" "66778899aabb" "0800")
    return eth + bytes([fill]) * (n - len(eth))


path = sys.argv[1]
kind = sys.argv[2] if len(sys.argv) > 2 else "caplen"
out = struct.pack("=IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
out += rec(1767225600, frame(60, 0xa1))
out += rec(1767225601, frame(70, 0xb2))
bad = len(out)
if kind == "caplen":
    out += struct.pack("=IIII", 1767225602, 0, 300000, 300000)
    out += rec(1767225603, frame(80, 0xc3))
elif kind == "trunc":
    out += struct.pack("=IIII", 1767225602, 0, 100, 100) + frame(100, 0xd4)[:10]
else:
    sys.exit("mkbadpcap: KIND is caplen or trunc")
with open(path, "wb") as f:
    f.write(out)
print(bad)
