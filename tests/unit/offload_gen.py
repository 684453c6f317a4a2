#!/usr/bin/python3
# tests/unit/offload_gen.py - the frames of tests/unit/test_offload.c,
# built with scapy (Debian python3-scapy), an implementation independent
# of runtime/offload.c:
#   data/offload_in.pcap   one frame per case, as a sender hands it to
#                          offload: checksum field = pseudo-header sum
#                          (virtio 1.1 sec. 5.1.6.2), GSO super-frames
#                          with the total IP length
#   data/offload_out.pcap  what must come out: the frame scapy computes
#                          the checksums of, or the segments scapy builds
#                          one by one (seq, IP ID, flags, lengths)
#   data/offload_cases.txt one line per case:
#                          name n_out flags gso_type gso_size csum_start
#                          csum_offset
# Run it from the source tree root after changing it; the outputs are
# committed so that the unit test runs without scapy.
import os
import struct
from scapy.all import Ether, Dot1Q, IP, IPv6, TCP, UDP, Raw, wrpcap

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
MAC = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
A4 = dict(src="10.77.0.1", dst="10.77.0.2")
A6 = dict(src="fd00::1", dst="fd00::2")
NEEDS_CSUM = 1
GSO = dict(none=0, tcpv4=1, tcpv6=4, udp_l4=5)


def sum16(b):
    """RFC 1071 ones' complement sum, folded, not complemented."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def pseudo(ipl, proto, l4len):
    """The pseudo header (RFC 793 3.1, RFC 8200 8.1) as bytes."""
    raw = bytes(ipl)
    if ipl.version == 4:
        return raw[12:20] + struct.pack("!BBH", 0, proto, l4len)
    return raw[8:40] + struct.pack("!IxxxB", l4len, proto)


def payload(n, seed):
    return bytes((seed * 7 + i * 13) & 0xff for i in range(n))


def l4info(frame):
    """(offset of L4 header, checksum offset in it, proto, IP layer)."""
    ipl = frame[IP] if IP in frame else frame[IPv6]
    l4 = frame[TCP] if TCP in frame else frame[UDP]
    start = len(frame) - len(l4)
    proto = 6 if TCP in frame else 17
    return start, (16 if proto == 6 else 6), proto, ipl


def seeded(frame):
    """The frame with its L4 checksum replaced by the pseudo-header sum."""
    raw = bytearray(bytes(frame))
    start, coff, proto, _ = l4info(frame)
    built = Ether(bytes(raw))
    ipl = built[IP] if IP in built else built[IPv6]
    seed = sum16(pseudo(ipl, proto, len(raw) - start))
    struct.pack_into("!H", raw, start + coff, seed)
    return bytes(raw), start, coff


cases, ins, outs = [], [], []


def add_partial(name, frame):
    frame = Ether(bytes(frame))		# let scapy fill in every field
    raw, start, coff = seeded(frame)
    cases.append((name, 1, NEEDS_CSUM, 0, 0, start, coff))
    ins.append(Ether(raw))
    outs.append(frame)


def add_gso(name, l2, l3, mk_l4, gso, mss, total, tcp_flags="PA"):
    """A super-frame of @total payload bytes and its segments."""
    data = payload(total, len(cases))
    seq0 = 1000000
    if gso == "udp_l4":
        big = l2 / l3 / UDP(sport=4000, dport=5000) / Raw(data)
    else:
        big = l2 / l3 / TCP(sport=4000, dport=5201, seq=seq0, ack=77,
                            flags=tcp_flags, window=500) / Raw(data)
    big = Ether(bytes(big))
    raw, start, coff = seeded(big)
    segs = []
    for i, off in enumerate(range(0, total, mss)):
        chunk = data[off:off + mss]
        last = off + mss >= total
        l3i = l3.copy()
        if IP in l3i:
            l3i[IP].id = (l3[IP].id + i) & 0xffff  # wraps
        if gso == "udp_l4":
            l4 = UDP(sport=4000, dport=5000)
        else:
            f = str(tcp_flags)
            if not last:
                f = f.replace("F", "").replace("P", "")
            if i:
                f = f.replace("C", "")
            l4 = TCP(sport=4000, dport=5201, seq=seq0 + off, ack=77,
                     flags=f, window=500)
        segs.append(Ether(bytes(l2 / l3i / l4 / Raw(chunk))))
    cases.append((name, len(segs), NEEDS_CSUM, GSO[gso], mss, start, coff))
    ins.append(Ether(raw))
    outs.extend(segs)


e = Ether(**MAC)
add_partial("tcp4_partial", e / IP(id=7, flags="DF", **A4) /
            TCP(sport=1234, dport=80, seq=1, ack=2, flags="PA") /
            Raw(payload(100, 1)))
add_partial("udp4_partial_odd", e / IP(id=8, **A4) /
            UDP(sport=53, dport=5353) / Raw(payload(333, 2)))
add_partial("tcp6_partial", e / IPv6(**A6) /
            TCP(sport=1234, dport=80, seq=5, flags="A") /
            Raw(payload(1200, 3)))
add_partial("udp6_partial", e / IPv6(**A6) /
            UDP(sport=9, dport=9) / Raw(payload(77, 4)))
add_partial("tcp4_vlan_partial", e / Dot1Q(vlan=5) /
            IP(id=9, **A4) / TCP(sport=1, dport=2, flags="S"))

# A UDP datagram whose checksum computes to 0, sent as 0xffff (RFC 768):
# pick the last two payload bytes so that the sum is 0xffff.
base = payload(40, 5)
probe = Ether(bytes(e / IP(id=10, **A4) / UDP(sport=7, dport=7) /
                    Raw(base + b"\0\0")))
s = sum16(bytes(probe[UDP])[:6] + b"\0\0" + bytes(probe[UDP])[8:] +
          pseudo(probe[IP], 17, len(probe[UDP])))
fix = 0xffff - s
zero = Ether(bytes(e / IP(id=10, **A4) / UDP(sport=7, dport=7) /
                   Raw(base + struct.pack("!H", fix))))
assert zero[UDP].chksum == 0xffff, hex(zero[UDP].chksum)
add_partial("udp4_sum_zero", zero)

add_gso("tcp4_gso", e, IP(id=100, flags="DF", **A4), None, "tcpv4",
        1448, 3500, "FPA")
add_gso("tcp4_gso_cwr", e, IP(id=65534, flags="DF", **A4), None, "tcpv4",
        500, 1500, "CA")
add_gso("tcp6_gso", e, IPv6(**A6), None, "tcpv6", 1000, 4000, "PA")
add_gso("udp4_gso", e, IP(id=300, **A4), None, "udp_l4", 1000, 2500)
add_gso("udp6_gso", e, IPv6(**A6), None, "udp_l4", 1200, 3001)
add_gso("tcp4_vlan_gso", e / Dot1Q(vlan=42), IP(id=400, flags="DF", **A4),
        None, "tcpv4", 1400, 2900, "PA")
add_gso("tcp4_gso_one", e, IP(id=500, flags="DF", **A4), None, "tcpv4",
        1448, 1000, "FPA")

wrpcap(os.path.join(D, "offload_in.pcap"), ins)
wrpcap(os.path.join(D, "offload_out.pcap"), outs)
with open(os.path.join(D, "offload_cases.txt"), "w") as f:
    f.write("# generated by tests/unit/offload_gen.py: name n_out flags "
            "gso_type gso_size csum_start csum_offset\n")
    for c in cases:
        f.write(" ".join(str(x) for x in c) + "\n")
