#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tests/soak/soak.py - random live edits of a running lanad under traffic
(issue 9), for SOAK_SECONDS (default 1800). Not part of `make check`: run
it with `make soak` (docs/testing.md).

The graph (only gen as a source: no devices, no namespaces):

    g :: gen(count = K) -> entry :: counter() -> [middle] -> sink :: counter() -> fin :: drop()
                                     tee side ports -> side :: counter() -> sdrop :: drop()

The middle is a chain of segments edited at random: counter, fwd,
bpf(filter) with its reject port unbound (a reject is an engine unbound
drop), a vlan push -> pop pair (vids equal: all pass; different: the pop
rejects all, unbound), tee(n) whose out[0] goes on and out[1..n-1] go to
the fixed side counter. gen writes its sequence number big-endian into
bytes 14..21 of each frame (blocks/gen.c), so every filter used here
matches a known set of seq mod 4 (FILTERS below), and the fate of every
packet is computed by this script from its own model of the graph.

Traffic runs in rounds: an apply that REPLACEs gen (new count, size)
starts one; the round ends when gen sent its count and the fixed counters
add up. Between rounds any edit is made (insert, delete, replace, set,
flush), and after each one the counters must not have moved. During a
round only edits that leave the fate of every packet unchanged are made
(neutral segments, a filter changed to an equivalent one, pcp, rate):
packets in flight finish on the version they started in, which behaves
the same, so the figures at the fixed blocks stay exact.

After every apply: the running plan is the intended one (the CRC that
`lanarun show --json` reports equals the CRC of the intended plan,
compiled by `lanarun compile` and renumbered with the IDPs this script
expects from the diff rules of docs/plan-format.md; names, types, IDPs and
edges are compared with show's too), and lanad is alive. After every
round: gen sent == sink + engine drops (conservation), and sink packets,
sink bytes, side copies and engine unbound drops equal the model's. At the
end: no ASan/UBSan/LSan report in lanad's log, lanad exits 0 on SIGTERM,
RSS at the end at most SOAK_RSS_FACTOR (4) x RSS after warm-up.

Environment: LANAD, LANARUN (default: build-asan/ if it has lanad, else
build/), SOAK_SECONDS, SOAK_SEED, SOAK_WORKERS (lanad -w, default 1),
SOAK_RSS_FACTOR, SOAK_KEEP (keep the temp dir), SOAK_VERBOSE (print
each apply).
"""
import collections
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def default_bin(name):
    for b in ("build-asan", "build"):
        p = os.path.join(TOP, b, name)
        if os.access(p, os.X_OK):
            return p
    return "./" + name


LANAD = os.environ.get("LANAD") or default_bin("lanad")
LANARUN = os.environ.get("LANARUN") or default_bin("lanarun")
SECONDS = float(os.environ.get("SOAK_SECONDS", "1800"))
SEED = int(os.environ.get("SOAK_SEED") or
           (int(time.time() * 1000) & 0x7fffffff))
WORKERS = int(os.environ.get("SOAK_WORKERS", "1"))
RSS_FACTOR = float(os.environ.get("SOAK_RSS_FACTOR", "4"))
VERBOSE = bool(os.environ.get("SOAK_VERBOSE"))
MAX_SEGS = 12

# Filters by the set of seq mod 4 they match (gen frames: EtherType
# 0x88b5, seq big-endian in bytes 14..21, so ether[21] & 3 = seq mod 4).
# Texts of one class are equivalent: a SET from one to another changes
# no packet's fate.
FILTERS = {
    "all": ({0, 1, 2, 3}, ["ether proto 0x88b5", "ether[12:2] = 0x88b5",
                           "not arp"]),
    "even": ({0, 2}, ["ether[21] & 1 = 0", "not ether[21] & 1 = 1"]),
    "odd": ({1, 3}, ["ether[21] & 1 = 1", "ether[21] & 1 != 0"]),
    "q0": ({0}, ["ether[21] & 3 = 0", "not ether[21] & 3 != 0"]),
    "none": (set(), ["arp", "ether proto 0x0806"]),
}
# gen's pace in frames per second; its rate is pps x (size + 24) x 8 bit/s
# (blocks/gen.c: FCS, preamble and gap count on the wire)
PPS = [1000, 5000, 20000, 50000, 100000]


class Violation(Exception):
    pass


# ------------------------------------------------------------ plan codec
# docs/plan-format.md: header 40 bytes, string table, instructions
# u16 len | u8 op | u8 0 | payload, padded to 4; NEW = 2, BIND = 3.
OP_BEGIN, OP_NEW, OP_BIND, OP_COMMIT = 1, 2, 3, 8
PT_STRING, PT_LIST, PT_ENUM, PT_FILTER = 7, 16, 15, 17


def pad4(n):
    return (n + 3) & ~3


def plan_parse(b):
    """A full plan's NEWs [(idp, type, name, attrs)] and BINDs
    [(src, sport, dport, dst)]; attrs [(ptype, key, value bytes, [(offset
    of a strref in value, string)])]."""
    if b[:8] != b"LANAPLAN":
        raise ValueError("not a plan")
    strlen, codeoff, codelen = struct.unpack_from("<III", b, 28)
    tab = b[40:40 + strlen]

    def s(ref):
        return tab[ref:tab.index(b"\0", ref)]

    news, binds = [], []
    off = codeoff
    while off < codeoff + codelen:
        ln, op = struct.unpack_from("<HB", b, off)
        body = b[off + 4:off + ln]
        if op == OP_NEW:
            idp, ty, nm = struct.unpack_from("<III", body, 0)
            attrs, a = [], 12
            while a < len(body):
                alen, pt, _, key = struct.unpack_from("<HBBI", body, a)
                val = body[a + 8:a + alen]
                refs = []
                if pt in (PT_STRING, PT_ENUM, PT_FILTER):
                    refs.append((0, s(struct.unpack_from("<I", val, 0)[0])))
                elif pt == PT_LIST:
                    raise ValueError("list parameters are not handled")
                attrs.append((pt, s(key), val, refs))
                a += pad4(alen)
            news.append((idp, s(ty), s(nm), attrs))
        elif op == OP_BIND:
            binds.append(struct.unpack_from("<IHHI", body, 0))
        elif op not in (OP_BEGIN, OP_COMMIT):
            raise ValueError("opcode %d in a full plan" % op)
        off += pad4(ln)
    return news, binds


def plan_encode(news, binds):
    """Encode a full plan as the encoder does: strings once each in order
    of first use (type, name, then each parameter's key and strings)."""
    tab = bytearray(b"\0")
    refs = {b"": 0}

    def ref(sv):
        if sv not in refs:
            refs[sv] = len(tab)
            tab.extend(sv + b"\0")
        return refs[sv]

    code = bytearray()

    def put(op, payload):
        code.extend(struct.pack("<HBB", 4 + len(payload), op, 0) + payload)
        code.extend(b"\0" * (pad4(len(code)) - len(code)))

    put(OP_BEGIN, struct.pack("<II", 0, len(news) + len(binds)))
    for idp, ty, nm, attrs in news:
        p = bytearray(struct.pack("<III", idp, ref(ty), ref(nm)))
        for pt, key, val, vrefs in attrs:
            kref = ref(key)
            v = bytearray(val)
            for o, sv in vrefs:
                struct.pack_into("<I", v, o, ref(sv))
            a = struct.pack("<HBBI", 8 + len(v), pt, 0, kref) + bytes(v)
            p.extend(a + b"\0" * (pad4(len(a)) - len(a)))
        put(OP_NEW, bytes(p))
    for src, sp, dp, dst in binds:
        put(OP_BIND, struct.pack("<IHHI", src, sp, dp, dst))
    put(OP_COMMIT, b"")
    codeoff = 40 + pad4(len(tab))
    total = codeoff + len(code)
    body = (struct.pack("<IIII", 40, len(tab), codeoff, len(code)) +
            bytes(tab) + b"\0" * (codeoff - 40 - len(tab)) + bytes(code))
    crc = zlib.crc32(body)
    return (b"LANAPLAN" + struct.pack("<HHII", 1, 0, 0, total) +
            struct.pack("<I", crc) + body), crc


def plan_renumber(b, idmap):
    """CRC of plan @b in canonical form with IDP i renamed idmap[i]: NEW
    by IDP, BIND by (source IDP, port) (docs/plan-format.md, Applying)."""
    news, binds = plan_parse(b)
    news = sorted(((idmap[i], t, n, a) for i, t, n, a in news))
    binds = sorted(((idmap[s], sp, dp, idmap[d]) for s, sp, dp, d in binds))
    return plan_encode(news, binds)[1]


# ----------------------------------------------------------------- model
class Seg:
    """One segment of the middle: kind counter|fwd|bpf|vlan|tee."""

    def __init__(self, sid, kind, **kw):
        self.sid, self.kind = sid, kind
        self.fclass = kw.get("fclass", "all")
        self.ftext = kw.get("ftext", FILTERS["all"][1][0])
        self.vid_a = kw.get("vid_a", 10)
        self.vid_b = kw.get("vid_b", 10)
        self.pcp = kw.get("pcp", 0)
        self.n = kw.get("n", 2)

    def names(self):
        if self.kind == "vlan":
            return ["m%dp" % self.sid, "m%dq" % self.sid]
        return ["m%d" % self.sid]

    def head(self):
        return self.names()[0]

    def tail_port(self):
        """The OUT port that goes on: (name, port text in show)."""
        if self.kind == "tee":
            return self.names()[-1], "out[0]", "[0]"
        return self.names()[-1], "out", ""

    def decls(self):
        if self.kind in ("counter", "fwd"):
            return [("m%d" % self.sid, self.kind, "")]
        if self.kind == "bpf":
            return [("m%d" % self.sid, "bpf",
                     'filter = "%s"' % self.ftext)]
        if self.kind == "tee":
            return [("m%d" % self.sid, "tee", "n = %d" % self.n)]
        return [("m%dp" % self.sid, "vlan",
                 "op = push, vid = %d, pcp = %d" % (self.vid_a, self.pcp)),
                ("m%dq" % self.sid, "vlan", "op = pop, vid = %d" % self.vid_b)]

    def neutral(self):
        """Every packet leaves at the end as it came in."""
        if self.kind == "bpf":
            return self.fclass == "all"
        if self.kind == "vlan":
            return self.vid_a == self.vid_b
        return True


class Model:
    def __init__(self, rng):
        self.rng = rng
        self.segs = []
        self.next_sid = 1
        self.K, self.size, self.pps = 1000, 64, 20000
        self.idp = {}           # name -> IDP in the running graph

    def decls(self):
        d = [("g", "gen", "size = %dB, count = %d, rate = %d" %
              (self.size, self.K, self.rate())),
             ("entry", "counter", ""), ("sink", "counter", ""),
             ("fin", "drop", ""), ("side", "counter", ""),
             ("sdrop", "drop", "")]
        for s in self.segs:
            d += s.decls()
        return d

    def edges(self):
        """(from, from port as show prints it, port in .lana, to)"""
        e = [("g", "out", "", "entry"), ("sink", "out", "", "fin"),
             ("side", "out", "", "sdrop")]
        prev = ("entry", "out", "")
        for s in self.segs:
            e.append(prev + (s.head(),))
            if s.kind == "vlan":
                e.append((s.names()[0], "out", "", s.names()[1]))
            if s.kind == "tee":
                for i in range(1, s.n):
                    e.append((s.head(), "out[%d]" % i, "[%d]" % i, "side"))
            prev = s.tail_port()
        e.append(prev + ("sink",))
        return e

    def lana(self):
        out = ["// soak seed %d" % SEED]
        for n, t, p in self.decls():
            out.append("%s :: %s(%s);" % (n, t, p))
        for f, _, port, t in self.edges():
            out.append("%s%s -> %s;" % (f, port, t))
        return "\n".join(out) + "\n"

    def rate(self):
        return self.pps * (self.size + 24) * 8

    def expect_ids(self):
        """IDPs after applying: kept names keep theirs, new ones get the
        running plan's largest IDP + 1, + 2, ... in declaration order
        (docs/plan-format.md, Diff)."""
        nxt = max(self.idp.values(), default=0) + 1
        ids = {}
        for n, _, _ in self.decls():
            if n in self.idp:
                ids[n] = self.idp[n]
            else:
                ids[n] = nxt
                nxt += 1
        return ids

    def fate(self, K):
        """(packets at sink, side copies, engine unbound drops) of a
        round of K frames seq 0..K-1, from the model."""
        sink = side = unbound = 0
        for r in range(4):
            cnt = (K - r + 3) // 4 if K > r else 0
            alive = True
            for s in self.segs:
                if s.kind == "bpf" and r not in FILTERS[s.fclass][0]:
                    alive = False
                elif s.kind == "vlan" and s.vid_a != s.vid_b:
                    alive = False
                elif s.kind == "tee":
                    side += cnt * (s.n - 1)
                if not alive:
                    unbound += cnt
                    break
            if alive:
                sink += cnt
        return sink, side, unbound


# ------------------------------------------------------------ the soak
class Soak:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.m = Model(self.rng)
        self.tmp = tempfile.mkdtemp(prefix="lana-soak.")
        self.sock = os.path.join(self.tmp, "lanad.sock")
        self.logpath = os.path.join(self.tmp, "lanad.log")
        self.napply = 0
        self.kinds = {k: 0 for k in ("insert", "delete", "replace", "set",
                                     "flush", "start")}
        self.sent = self.checked = 0
        self.rounds = 0
        self.during = 0         # applies with traffic flowing after them
        # the model's figures, cumulative
        self.exp_sink = self.exp_sink_bytes = self.exp_side = 0
        self.exp_unbound = 0
        self.side_exact = True
        self.lanad = None
        self.hist = collections.deque(maxlen=6)     # the last applies

    # -------------------------------------------------------- helpers
    def fail(self, msg):
        raise Violation("apply %d (round %d, seed %d): %s" %
                        (self.napply, self.rounds, SEED, msg))

    def lr(self, *args, check=True, timeout=60):
        r = subprocess.run([LANARUN, "--engine", "user", "--socket",
                            self.sock] + list(args), capture_output=True,
                           text=True, timeout=timeout)
        if check and r.returncode != 0:
            self.alive()        # a dead lanad first, with its log
            self.fail("lanarun %s: exit %d: %s" %
                      (" ".join(args), r.returncode,
                       (r.stdout + r.stderr).strip()))
        return r

    def show(self):
        return json.loads(self.lr("show", "--json").stdout)

    def rss(self):
        with open("/proc/%d/status" % self.lanad.pid) as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def alive(self):
        if self.lanad.poll() is not None:
            self.fail("lanad died (status %s); its log ends:\n%s" %
                      (self.lanad.returncode, self.logtail()))

    def logtail(self):
        """The end of lanad's log, or its sanitizer report if it has one."""
        with open(self.logpath, errors="replace") as f:
            log = f.read()
        at = log.find("ERROR: ")
        if at >= 0 and "Sanitizer" in log[at:at + 40]:
            return log[max(0, log.rfind("\n", 0, at)):][:3000]
        return log[-3000:]

    def start_lanad(self):
        env = dict(os.environ)
        # ASan keeps freed memory in a quarantine (256 MiB by default):
        # keep it small so that RSS shows what lanad holds
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                               ":quarantine_size_mb=16")
        self.logf = open(self.logpath, "w")
        self.lanad = subprocess.Popen(
            [LANAD, "-f", "-w", str(WORKERS), "-s", self.sock],
            stderr=self.logf, stdout=self.logf, env=env)
        for _ in range(300):
            if os.path.exists(self.sock):
                break
            time.sleep(0.02)
        else:
            self.fail("lanad did not start: " + self.logtail())

    def stop_lanad(self):
        self.lanad.send_signal(signal.SIGTERM)
        try:
            rc = self.lanad.wait(30)
        except subprocess.TimeoutExpired:
            self.lanad.kill()
            self.lanad.wait()
            raise Violation("lanad did not stop within 30 s of SIGTERM")
        self.logf.close()
        log = open(self.logpath, errors="replace").read()
        for pat in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                    "runtime error:", "Sanitizer"):
            if pat in log:
                raise Violation("lanad's log has '%s' (seed %d):\n%s" %
                                (pat, SEED, log[-4000:]))
        if rc != 0:
            raise Violation("lanad exited %d on SIGTERM (seed %d): %s" %
                            (rc, SEED, log[-2000:]))

    # ---------------------------------------------------- the checks
    def compile_intended(self, text):
        path = os.path.join(self.tmp, "intended.lana")
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run([LANARUN, "compile", "-o", "-", path],
                           capture_output=True, timeout=60)
        if r.returncode != 0:
            self.fail("compile of the intended graph: %s\n%s" %
                      (r.stderr.decode(errors="replace"), text))
        b = r.stdout
        # the codec here must reproduce the compiler's bytes exactly
        news, binds = plan_parse(b)
        if plan_encode(news, binds)[0] != b:
            self.fail("tests/soak's plan encoder disagrees with lanarun "
                      "compile (docs/plan-format.md changed?)")
        return path, b

    def check_plan(self, path, plan, ids):
        """The running plan is the intended one."""
        self.alive()
        names = [n for n, _, _ in self.m.decls()]
        idmap = {i + 1: ids[n] for i, n in enumerate(names)}
        want_crc = plan_renumber(plan, idmap)
        sj = self.show()
        got = {b["name"]: (b["idp"], b["type"]) for b in sj["blocks"]}
        want = {n: (ids[n], t) for n, t, _ in self.m.decls()}
        if got != want:
            self.fail("running blocks differ from the intended:\n"
                      "  running only: %s\n  intended only: %s" %
                      (sorted(set(got.items()) - set(want.items())),
                       sorted(set(want.items()) - set(got.items()))))
        ge = sorted((e["from"], e["from_port"], e["to"], e["to_port"])
                    for e in sj["edges"])
        we = sorted((f, p, t, "in") for f, p, _, t in self.m.edges())
        if ge != we:
            self.fail("running edges differ from the intended:\n"
                      "  running only: %s\n  intended only: %s" %
                      (sorted(set(ge) - set(we)), sorted(set(we) - set(ge))))
        if sj["plan_crc"] != want_crc:
            dry = self.lr("apply", "--dry-run", path, check=False)
            self.fail("running plan CRC 0x%08x, intended 0x%08x; "
                      "apply --dry-run of the intended graph says:\n%s" %
                      (sj["plan_crc"], want_crc, dry.stdout + dry.stderr))
        self.m.idp = dict(ids)
        return sj

    def counters(self, sj):
        by = {b["name"]: b for b in sj["blocks"]}
        e = sj["engine"]
        return {"sent": by["g"]["stats"]["sent"],
                "sink": by["sink"]["packets"],
                "sink_bytes": by["sink"]["bytes"],
                "side": by["side"]["packets"],
                "unbound": e["unbound_drops"], "loop": e["loop_drops"],
                "nomem": e["nomem_drops"], "drops": e["drops"]}

    def check_model(self, c, what):
        bad = []
        if c["sink"] != self.exp_sink:
            bad.append("sink counted %d, model %d" % (c["sink"],
                                                       self.exp_sink))
        if c["sink_bytes"] != self.exp_sink_bytes:
            bad.append("sink bytes %d, model %d" % (c["sink_bytes"],
                                                     self.exp_sink_bytes))
        if self.side_exact and c["side"] != self.exp_side:
            bad.append("side counted %d copies, model %d" %
                       (c["side"], self.exp_side))
        if c["unbound"] != self.exp_unbound:
            bad.append("engine unbound drops %d, model %d" %
                       (c["unbound"], self.exp_unbound))
        if c["loop"] or c["nomem"]:
            bad.append("engine loop drops %d, nomem drops %d, want 0" %
                       (c["loop"], c["nomem"]))
        if bad:
            self.fail("%s: %s" % (what, "; ".join(bad)))

    # ---------------------------------------------------------- edits
    def trace(self, kind, what):
        line = "soak: apply %d %s: %s" % (self.napply, kind, what)
        self.hist.append(line)
        if VERBOSE:
            print(line, flush=True)

    def apply_model(self, kind):
        """Apply the model's graph; check the plan. Returns show's JSON."""
        self.napply += 1
        self.kinds[kind] += 1
        self.trace(kind, "apply: " + " ".join(
            "%s::%s(%s)" % (n, t, p) for n, t, p in self.m.decls()
            if n[0] in "gm"))
        ids = self.m.expect_ids()
        path, plan = self.compile_intended(self.m.lana())
        self.lr("apply", path)
        return self.check_plan(path, plan, ids)

    def new_seg(self, neutral):
        sid = self.m.next_sid
        self.m.next_sid += 1
        rng = self.rng
        kind = rng.choice(["counter", "fwd", "bpf", "bpf", "vlan", "vlan",
                           "tee"])
        if kind == "bpf":
            fc = "all" if neutral or rng.random() < 0.5 else \
                rng.choice(list(FILTERS))
            return Seg(sid, "bpf", fclass=fc,
                       ftext=rng.choice(FILTERS[fc][1]))
        if kind == "vlan":
            a = rng.randint(1, 4094)
            b = a if neutral or rng.random() < 0.7 else rng.randint(1, 4094)
            return Seg(sid, "vlan", vid_a=a, vid_b=b, pcp=rng.randint(0, 7))
        if kind == "tee":
            return Seg(sid, "tee", n=rng.randint(1, 4))
        return Seg(sid, kind)

    def edit(self, mid):
        """One random edit; during a round (@mid) only neutral ones."""
        rng, m = self.rng, self.m
        kind = rng.choice(["insert", "delete", "replace", "set", "set"])
        if kind == "delete":
            cand = [s for s in m.segs if s.neutral() or not mid]
            if not cand:
                kind = "insert"
        if kind == "insert" and len(m.segs) >= MAX_SEGS:
            kind = "delete"
            cand = [s for s in m.segs if s.neutral() or not mid]
            if not cand:
                kind = "set"
        if kind == "insert":
            s = self.new_seg(mid)
            m.segs.insert(rng.randint(0, len(m.segs)), s)
            if mid and s.kind == "tee":
                self.side_exact = False
            return self.apply_model("insert")
        if kind == "delete":
            s = rng.choice(cand)
            m.segs.remove(s)
            if mid and s.kind == "tee":
                self.side_exact = False
            return self.apply_model("delete")
        if kind == "replace":
            cand = [s for s in m.segs if s.kind in ("counter", "fwd", "tee")]
            if cand:
                s = rng.choice(cand)
                if s.kind == "tee":     # a constructor parameter
                    s.n = rng.choice([x for x in range(1, 5) if x != s.n])
                    if mid:
                        self.side_exact = False
                else:                   # the type
                    s.kind = "fwd" if s.kind == "counter" else "counter"
            else:
                # gen's size would REPLACE gen, which starts a round
                return self.edit_set(mid)
            return self.apply_model("replace")
        return self.edit_set(mid)

    def edit_set(self, mid):
        """SET of a live parameter: by `lanarun set` or by an apply."""
        rng, m = self.rng, self.m
        opts = ["rate"]
        opts += ["filter"] * sum(s.kind == "bpf" for s in m.segs)
        opts += ["pcp"] * sum(s.kind == "vlan" for s in m.segs)
        if not mid:
            opts += ["vid"] * 2 * sum(s.kind == "vlan" for s in m.segs)
        what = rng.choice(opts)
        if what == "rate":
            # a round still ends within 4 s
            m.pps = rng.choice([r for r in PPS if r != m.pps and
                                m.K / r <= 4] or [max(PPS)])
            name, kv = "g", "rate=%d" % m.rate()
        elif what == "filter":
            s = rng.choice([s for s in m.segs if s.kind == "bpf"])
            fc = s.fclass if mid else rng.choice(list(FILTERS))
            texts = [t for t in FILTERS[fc][1] if t != s.ftext]
            s.fclass, s.ftext = fc, rng.choice(texts)
            name, kv = s.head(), "filter=" + s.ftext
        elif what == "pcp":
            s = rng.choice([s for s in m.segs if s.kind == "vlan"])
            s.pcp = (s.pcp + rng.randint(1, 7)) % 8
            name, kv = s.names()[0], "pcp=%d" % s.pcp
        else:
            s = rng.choice([s for s in m.segs if s.kind == "vlan"])
            if rng.random() < 0.5:
                s.vid_a = s.vid_b if s.vid_a != s.vid_b else \
                    rng.randint(1, 4094)
                name, kv = s.names()[0], "vid=%d" % s.vid_a
            else:
                s.vid_b = s.vid_a if s.vid_a != s.vid_b else \
                    rng.randint(1, 4094)
                name, kv = s.names()[1], "vid=%d" % s.vid_b
        if rng.random() < 0.5:
            return self.apply_model("set")
        self.napply += 1
        self.kinds["set"] += 1
        ids = self.m.expect_ids()
        path, plan = self.compile_intended(self.m.lana())
        self.trace("set", "lanarun set %s %s" % (name, kv))
        self.lr("set", name, kv)
        return self.check_plan(path, plan, ids)

    def flush(self):
        self.napply += 1
        self.kinds["flush"] += 1
        self.trace("flush", "lanarun flush")
        self.lr("flush")
        self.alive()
        sj = self.show()
        if sj["blocks"] or sj["edges"]:
            self.fail("after flush: %d blocks, %d edges" %
                      (len(sj["blocks"]), len(sj["edges"])))
        if sj["engine"]["unbound_drops"] != self.exp_unbound:
            self.fail("after flush: engine unbound drops %d, model %d" %
                      (sj["engine"]["unbound_drops"], self.exp_unbound))
        self.m.idp = {}
        self.exp_sink = self.exp_sink_bytes = self.exp_side = 0
        self.side_exact = True

    # ---------------------------------------------------------- rounds
    def round(self, first=False):
        rng, m = self.rng, self.m
        self.rounds += 1
        # between rounds: nothing flows, every edit is allowed, and after
        # each the counters must be where the model left them (the first
        # round starts with the first load: gen sends as soon as it exists)
        for _ in range(0 if first else rng.randint(1, 3)):
            self.q = self.counters(self.edit(False))
            self.check_model(self.q, "between rounds")
        if rng.random() < 0.05:
            self.flush()
            self.q["sink"] = 0      # a new sink
        # start: gen REPLACEd with a new count (and maybe size)
        k = m.K
        while k == m.K:     # a new count: gen is REPLACEd and sends again
            k = rng.choice((500, 1000, 3000, 5000, 10000, 20000, 50000)) + \
                rng.randint(0, 3)
        m.K = k
        if rng.random() < 0.3:
            m.size = rng.choice([x for x in (60, 64, 128, 512, 1514)
                                 if x != m.size])
        # a round lasts 0.4 to 4 s: time for edits under traffic
        m.pps = rng.choice([r for r in PPS if 0.4 <= m.K / r <= 4] or
                           [max(PPS)])
        sink, side, unbound = m.fate(m.K)
        before = self.q         # read before the start, at rest
        self.apply_model("start")
        t0 = time.monotonic()
        # during the round: edits that change no packet's fate
        for _ in range(rng.randint(0, 5)):
            time.sleep(rng.random() * 0.2)
            # all of them, also when traffic ended: the same seed makes
            # the same edits whatever the timing
            c = self.counters(self.edit(True))
            if c["sent"] < m.K:
                self.during += 1    # gen was still sending after it
        self.exp_sink += sink
        self.exp_sink_bytes += sink * m.size
        self.exp_side += side
        self.exp_unbound += unbound
        # the end of the round: gen sent K, and sink + engine drops = K
        deadline = t0 + 30 + 2 * m.K / min(PPS)
        last, still = None, time.monotonic()
        while True:
            self.alive()
            c = self.counters(self.show())
            got = (c["sink"] - before["sink"]) + (c["drops"] - before["drops"])
            if c["sent"] == m.K and got >= m.K:
                break
            if c != last:
                last, still = c, time.monotonic()
            elif c["sent"] == m.K and time.monotonic() - still > 5:
                break           # nothing moves: the check below tells
            if time.monotonic() > deadline:
                self.fail("round did not end: gen sent %d of %d, sink + "
                          "engine drops %d" % (c["sent"], m.K, got))
            time.sleep(0.05)
        time.sleep(0.1)         # nothing more may arrive
        c = self.counters(self.show())
        got = (c["sink"] - before["sink"]) + (c["drops"] - before["drops"])
        if got != c["sent"]:
            self.fail("conservation: gen sent %d, sink + engine drops %d "
                      "(sink %d, drops %d)" %
                      (c["sent"], got, c["sink"] - before["sink"],
                       c["drops"] - before["drops"]))
        self.check_model(c, "end of round (K %d)" % m.K)
        self.sent += m.K
        self.checked += m.K + (side if self.side_exact else 0)
        if not self.side_exact:     # not checked this round: re-base
            self.exp_side = c["side"]
            self.side_exact = True
        self.q = c

    def run(self):
        print("soak: seed %d (SOAK_SEED=%d to repeat), %g s, lanad %s" %
              (SEED, SEED, SECONDS, LANAD), flush=True)
        self.start_lanad()
        t0 = time.monotonic()
        rss0 = self.rss()
        rss_warm = None
        warm = min(120.0, SECONDS / 10)
        last = t0
        sj = self.show()
        if sj["blocks"] or sj["engine"]["drops"]:
            self.fail("a new lanad is not empty: %s" % sj)
        self.q = {"sink": 0, "drops": 0}
        self.round(first=True)
        while time.monotonic() - t0 < SECONDS:
            self.round()
            now = time.monotonic()
            if rss_warm is None and now - t0 >= warm:
                rss_warm = self.rss()
            if now - last >= 60:
                last = now
                print("soak: %.0f s: %d applies, %d rounds, %d packets, "
                      "RSS %d kB" % (now - t0, self.napply, self.rounds,
                                     self.sent, self.rss()), flush=True)
        secs = time.monotonic() - t0
        rss1 = self.rss()
        if rss_warm is None:
            rss_warm = rss1
        if rss1 > RSS_FACTOR * rss_warm:
            raise Violation("lanad's RSS grew from %d kB (after warm-up) to "
                            "%d kB, more than %gx (seed %d)" %
                            (rss_warm, rss1, RSS_FACTOR, SEED))
        self.stop_lanad()
        print("soak: ok: %d applies (%s; %d under traffic), %d rounds, "
              "packets sent %d, checked %d, %.0f s, seed %d, RSS start %d "
              "kB, after warm-up %d kB, end %d kB" %
              (self.napply, ", ".join("%s %d" % kv
                                      for kv in self.kinds.items()),
               self.during, self.rounds, self.sent, self.checked, secs, SEED, rss0,
               rss_warm, rss1), flush=True)


def main():
    s = Soak()
    try:
        s.run()
        rc = 0
    except Violation as e:
        print("\n".join(s.hist), flush=True)
        print("soak: FAIL: %s" % e, flush=True)
        print("soak: the intended graph: %s/intended.lana, lanad's log: %s"
              % (s.tmp, s.logpath), flush=True)
        rc = 1
    finally:
        if s.lanad and s.lanad.poll() is None:
            s.lanad.kill()
            s.lanad.wait()
    if rc == 0 and not os.environ.get("SOAK_KEEP"):
        shutil.rmtree(s.tmp, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
