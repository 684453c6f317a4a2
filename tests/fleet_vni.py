#!/usr/bin/env python3
# tests/fleet_vni.py PLAN.disasm NAME=KEY... - check a fleet model's
# tunnel VNIs (docs/fleet.md) independently of lang/hosts.c: for each
# tunnel block NAME, the VNI is FNV-1a 32 (IETF draft-eastlake-fnv:
# offset basis 2166136261, prime 16777619, xor then multiply per octet)
# of KEY ("SRC.PORT>DST.PORT", "|" and the paired edge's), modulo
# 16777214, plus 1. Exits 1 naming the first tunnel that differs.
import re
import sys


def fnv1a32(data):
    h = 2166136261
    for octet in data:
        h ^= octet
        h = (h * 16777619) % 2**32
    return h


def main():
    text = open(sys.argv[1]).read()
    for arg in sys.argv[2:]:
        name, key = arg.split("=", 1)
        want = fnv1a32(key.encode()) % 16777214 + 1
        m = re.search(r"^NEW +\d+ %s vxlan vni=(\d+) " % re.escape(name),
                      text, re.M)
        if not m:
            print("fleet_vni: no tunnel block %s" % name)
            return 1
        if int(m.group(1)) != want:
            print("fleet_vni: %s has vni %s, FNV-1a of %r gives %d"
                  % (name, m.group(1), key, want))
            return 1
    return 0


sys.exit(main())
