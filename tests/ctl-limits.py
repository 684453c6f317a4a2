#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tests/ctl-limits.py - lanad's control plane limits (issue 9), from the
outside: each case starts its own lanad on a socket in a temporary
directory and talks the control protocol to it with a small client written
here from docs/runtime.md (netlink header, generic netlink header,
attributes; NLMSG_ERROR with an extended-ack message), plus lanarun.

Cases: a client holding the most transactions it may does not stop
another client's apply; lanad's RSS stays bounded while clients stream
large transactions; ten clients that never read do not delay another
client's `lanarun show`, and are disconnected (queue full, deadline);
200 idle connections: the excess is refused with "too many clients", the
accepted ones work and are closed when idle; an idle open transaction is
aborted. Run by tests/ctl-limits.sh with LANAD and LANARUN set.
"""
import errno
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

LANAD = os.environ.get("LANAD", "./lanad")
LANARUN = os.environ.get("LANARUN", "./lanarun")

# the protocol's numbers: proto/proto.h, proto/attrs.def, <linux/netlink.h>
FAMILY = 0x4C41
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_DUMP = 1, 2, 4, 0x300
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLMSGERR_ATTR_MSG = 1
CMD = {"TXN_BEGIN": 1, "TXN_DATA": 2, "TXN_COMMIT": 3, "TXN_ABORT": 4,
       "PLAN_GET": 5, "STATS_GET": 6, "SET": 7, "FLUSH": 8}
ATTR = {"TXN_ID": 1, "TOTAL_LEN": 2, "OFFSET": 3, "DATA": 4}
CHUNK = 32768
MiB = 1 << 20

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + what, flush=True)
    return cond


def attr(kind, value):
    """One attribute: u32 for an int, bytes as they are."""
    payload = struct.pack("=I", value) if isinstance(value, int) else value
    a = struct.pack("=HH", 4 + len(payload), ATTR[kind]) + payload
    return a + b"\0" * (-len(a) % 4)


def parse_error(payload, flags):
    """(errno <= 0, extack message) of an NLMSG_ERROR payload."""
    err = struct.unpack_from("=i", payload, 0)[0]
    msg = ""
    off = 4 + 16          # struct nlmsgerr, the request's header (capped)
    if flags & NLM_F_ACK_TLVS:
        while off + 4 <= len(payload):
            alen, atype = struct.unpack_from("=HH", payload, off)
            if alen < 4:
                break
            if atype == NLMSGERR_ATTR_MSG:
                msg = payload[off + 4:off + alen].split(b"\0")[0].decode()
            off += (alen + 3) & ~3
    return err, msg


class Conn:
    """One client connection to lanad."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)    # blocking: waits while the backlog is full
        self.s.settimeout(5)
        self.seq = 0

    def close(self):
        self.s.close()

    def send(self, cmd, attrs=b"", flags=NLM_F_REQUEST | NLM_F_ACK,
             block=True):
        """Send one request; returns its sequence number."""
        self.seq += 1
        body = struct.pack("=BBH", CMD[cmd], 1, 0) + attrs
        msg = struct.pack("=IHHII", 16 + len(body), FAMILY, flags,
                          self.seq, 0) + body
        if block:
            self.s.send(msg)
        else:
            self.s.send(msg, socket.MSG_DONTWAIT)
        return self.seq

    def recv(self):
        """(type, flags, seq, payload) of the next datagram; None at EOF."""
        d = self.s.recv(70000)
        if not d:
            return None
        ln, typ, flags, seq, _ = struct.unpack_from("=IHHII", d, 0)
        return typ, flags, seq, d[16:ln]

    def request(self, cmd, attrs=b""):
        """Send and wait: (errno, message, replies' payloads)."""
        seq = self.send(cmd, attrs,
                        NLM_F_REQUEST | NLM_F_ACK |
                        (NLM_F_DUMP if cmd in ("PLAN_GET", "STATS_GET")
                         else 0))
        replies = []
        while True:
            m = self.recv()
            if m is None:
                return -errno.ECONNRESET, "EOF", replies
            typ, flags, rseq, payload = m
            if typ == NLMSG_ERROR:
                err, msg = parse_error(payload, flags)
                if rseq == 0 or rseq == seq:
                    return err, msg, replies
            elif rseq != seq:
                continue
            elif typ == NLMSG_DONE:
                return 0, "", replies
            else:
                replies.append(payload)

    def begin(self, total):
        """TXN_BEGIN: (errno, message, TXN_ID or 0)."""
        err, msg, rep = self.request("TXN_BEGIN", attr("TOTAL_LEN", total))
        tid = 0
        if not err and rep:
            # genlmsghdr (4), then the TXN_ID attribute (4 + 4)
            tid = struct.unpack_from("=I", rep[0], 8)[0]
        return err, msg, tid

    def data(self, tid, off, chunk):
        return self.request("TXN_DATA", attr("TXN_ID", tid) +
                            attr("OFFSET", off) + attr("DATA", chunk))[:2]


class Lanad:
    """A lanad of its own, on a socket in @tmp, with @opts."""

    def __init__(self, tmp, name, *opts):
        self.path = os.path.join(tmp, name + ".sock")
        self.log = os.path.join(tmp, name + ".log")
        self.logf = open(self.log, "w")
        # an ASan build keeps freed blocks in quarantine (256 MiB): let
        # RSS show what lanad holds, not what it freed
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                               ":quarantine_size_mb=1"
                               ":thread_local_quarantine_size_kb=64")
        self.p = subprocess.Popen([LANAD, "-v", "--socket", self.path] +
                                  list(opts), stderr=self.logf, env=env)
        for _ in range(200):
            try:
                Conn(self.path).close()
                # let lanad see the probe hang up before a case counts
                # connections (case_many_idle saw 127 + 73 without this)
                time.sleep(0.3)
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("lanad did not start: " + self.logtext())

    def rss_kib(self):
        with open("/proc/%d/status" % self.p.pid) as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def logtext(self):
        self.logf.flush()
        with open(self.log) as f:
            return f.read()

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        """SIGTERM: lanad must exit 0 (with ASan: no error, no leak)."""
        was = self.alive()
        if was:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        log = self.logtext()
        self.logf.close()
        check(was and self.p.returncode == 0 and "Sanitizer" not in log
              and "runtime error" not in log,
              "lanad (%s) ran to a clean exit: status %s%s" %
              (os.path.basename(self.path), self.p.returncode,
               "" if was else " (died before SIGTERM)") +
              ("" if "Sanitizer" not in log else "\n" + log[-3000:]))


def lanarun(d, *args, timeout=10):
    """Run lanarun on @d's socket: (exit code, stdout+stderr, seconds)."""
    t = time.monotonic()
    try:
        r = subprocess.run([LANARUN, "--engine", "user", "--socket", d.path] +
                           list(args), capture_output=True, text=True,
                           timeout=timeout)
        rc, out = r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired:
        rc, out = -1, "timed out after %d s" % timeout
    return rc, out, time.monotonic() - t


def case_txn_hog(tmp, graph):
    """One client holds all the transactions it may: others still apply;
    when all clients together fill the table, apply says why."""
    d = Lanad(tmp, "hog")
    try:
        hog = Conn(d.path)
        ids = []
        while len(ids) < 20:
            err, msg, tid = hog.begin(64)
            if err:
                break
            ids.append(tid)
        # the default: 4 per client (lanad --help)
        check(len(ids) == 4, "a client opens 4 transactions, not %d" %
              len(ids))
        check(err == -errno.EBUSY and
              msg == "too many open transactions (limit 4 per client)",
              "5th TXN_BEGIN: %d %r" % (err, msg))
        rc, out, _ = lanarun(d, "apply", graph)
        check(rc == 0, "apply beside a client holding its 4 transactions: "
              "rc %d: %s" % (rc, out.strip()))
        # 3 more clients x 4 = 16, the global default: now apply fails,
        # with the reason
        others = [Conn(d.path) for _ in range(3)]
        for o in others:
            for _ in range(4):
                o.begin(64)
        rc, out, _ = lanarun(d, "apply", graph + "2")
        check(rc != 0 and "too many open transactions (limit 16 over all "
              "clients)" in out, "apply with 16 open: rc %d: %s" %
              (rc, out.strip()))
        hog.close()
        time.sleep(0.2)
        rc, out, _ = lanarun(d, "flush")
        check(rc == 0, "the hog gone, flush works: %s" % out.strip())
        for o in others:
            o.close()
        check(d.alive(), "lanad alive after the hog case")
    finally:
        d.stop()


def stream(c, total, limit):
    """Begin a @total byte transaction and send up to @limit bytes of it;
    returns (errno, message) of the BEGIN."""
    err, msg, tid = c.begin(total)
    if err:
        return err, msg
    chunk = b"\x55" * CHUNK
    off = 0
    while off < min(total, limit):
        n = min(CHUNK, total - off)
        e, m = c.data(tid, off, chunk[:n])
        if e:
            return e, m
        off += n
    return 0, ""


def case_rss(tmp):
    """RSS stays bounded by the byte limits while clients stream."""
    d = Lanad(tmp, "rss", "--max-txn-size", "8M", "--max-txn-bytes", "16M")
    try:
        time.sleep(0.2)
        base = d.rss_kib()
        # a huge transaction is refused at BEGIN; were it accepted, 64 MiB
        # of it would be streamed
        c = Conn(d.path)
        err, msg = stream(c, 1 << 30, 64 * MiB)
        check(err == -errno.EFBIG and msg == "transaction too large: "
              "TOTAL_LEN 1073741824 bytes (limit 8 MiB)",
              "1 GiB TXN_BEGIN: %d %r" % (err, msg))
        # six clients stream 8 MiB each (48 MiB): only 16 MiB are taken
        conns = [Conn(d.path) for _ in range(6)]
        res = [stream(k, 8 * MiB, 8 * MiB) for k in conns]
        ok = sum(1 for e, _ in res if not e)
        check(ok == 2, "16 MiB over all clients take two 8 MiB "
              "transactions, not %d" % ok)
        refused = [m for e, m in res if e == -errno.ENOBUFS]
        check(len(refused) == 4 and refused[0] ==
              "open transactions too large: all clients' would hold "
              "25165824 bytes (limit 16 MiB over all clients)",
              "the others refused: %r" % refused[:1])
        grew = (d.rss_kib() - base) / 1024
        print("  lanad RSS: %.1f MiB, +%.1f MiB with 16 MiB of transactions "
              "open" % (base / 1024, grew))
        # 16 MiB buffered, plus the allocator's and the messages' slack
        check(grew < 28, "lanad RSS grew %.1f MiB (limit: 16 MiB of "
              "transactions + 12 MiB slack)" % grew)
        for k in conns + [c]:
            k.close()
    finally:
        d.stop()


def case_nonreaders(tmp):
    """Ten clients that never read: another client's show answers at once;
    the ten are disconnected, by the queue bound or the deadline."""
    d = Lanad(tmp, "nr", "--send-queue", "256K", "--send-timeout", "1")
    try:
        quiet = []
        for i in range(10):
            c = Conn(d.path)
            c.s.setblocking(False)
            quiet.append(c)
        # TXN_ABORT of no transaction: an error reply of 68 bytes each.
        # Clients 0-4 send 20000 (1.3 MiB of replies: more than their
        # socket and the 256 KiB queue hold), 5-9 send 1500 (100 KiB:
        # more than the socket holds, less than the queue: they wait for
        # the deadline). In a thread, while show runs.
        abort = attr("TXN_ID", 999999)
        todo = {c: (20000 if i < 5 else 1500) for i, c in enumerate(quiet)}
        stop = threading.Event()

        def flood():
            while todo and not stop.is_set():
                sent = 0
                for c in list(todo):
                    try:
                        c.send("TXN_ABORT", abort, block=False)
                    except BlockingIOError:
                        continue
                    except (BrokenPipeError, ConnectionResetError):
                        del todo[c]    # lanad cut it off
                        continue
                    sent += 1
                    todo[c] -= 1
                    if not todo[c]:
                        del todo[c]
                if not sent:
                    time.sleep(0.001)

        th = threading.Thread(target=flood)
        th.start()
        time.sleep(0.2)
        # now the heavy senders' queues fill; show must not wait for them
        worst = 0
        for _ in range(3):
            rc, out, secs = lanarun(d, "show", timeout=5)
            check(rc == 0, "show beside 10 non-reading clients: rc %d: %s"
                  % (rc, out.strip()))
            worst = max(worst, secs)
        print("  show beside 10 non-readers: at most %.3f s" % worst)
        check(worst < 1.0, "show took %.2f s beside 10 non-reading clients "
              "(limit 1 s)" % worst)
        th.join(10)
        stop.set()
        check(not todo, "%d non-readers could not send everything" %
              len(todo))
        # after the deadline (1 s), each of the ten has been cut off
        time.sleep(1.6)
        log = d.logtext()
        full = len(re.findall(r"output queue full .*: disconnected", log))
        late = len(re.findall(r"does not read its replies: \d+ bytes "
                              r"undelivered for 1 s: disconnected", log))
        check(full >= 1, "a client over --send-queue is disconnected "
              "(%d logged)" % full)
        check(full + late == 10, "all 10 non-readers disconnected: %d "
              "queue full + %d deadline" % (full, late))
        rc, out, secs = lanarun(d, "show", timeout=5)
        check(rc == 0 and secs < 1.0, "show afterwards: rc %d, %.2f s" %
              (rc, secs))
        for c in quiet:
            c.close()
    finally:
        d.stop()


def case_many_idle(tmp):
    """200 idle connections: 128 are served, 72 are told "too many
    clients"; the accepted ones work, and are closed when idle."""
    d = Lanad(tmp, "idle", "--idle-timeout", "2.5")
    try:
        t0 = time.monotonic()
        conns = [Conn(d.path) for _ in range(200)]
        time.sleep(0.3)     # lanad accepts, and refuses, all of them
        refused, served = 0, []
        for c in conns:
            c.s.setblocking(False)
            try:
                m = c.recv()
            except BlockingIOError:
                served.append(c)
                continue
            if m and m[0] == NLMSG_ERROR and m[2] == 0:
                err, msg = parse_error(m[3], m[1])
                refused += err == -errno.EUSERS and \
                    msg == "too many clients (limit 128)"
        check(len(served) == 128 and refused == 72, "200 connections: %d "
              "served, %d refused with 'too many clients (limit 128)'"
              % (len(served), refused))
        rc, out, _ = lanarun(d, "show", timeout=5)
        check(rc != 0 and "too many clients (limit 128)" in out and
              "Broken pipe" not in out,
              "show beyond the limit: rc %d: %s" % (rc, out.strip()))
        # an accepted connection works
        kept = served[0] if served else conns[0]
        kept.s.settimeout(5)
        err, msg, rep = kept.request("STATS_GET")
        check(err == 0, "an accepted connection answers: %d %s" %
              (err, msg))
        # the idle ones are closed after 2.5 s, with a notice
        time.sleep(max(0, t0 + 3.2 - time.monotonic()))
        m = kept.recv()
        check(m is not None and m[0] == NLMSG_ERROR and
              parse_error(m[3], m[1]) == (-errno.ETIMEDOUT,
                                          "idle for 2.500 s: disconnected"),
              "an idle connection is told why it is closed: %r" % (m,))
        rc, out, _ = lanarun(d, "show", timeout=5)
        check(rc == 0, "show once the idle are gone: rc %d: %s" %
              (rc, out.strip()))
        for c in conns:
            c.close()
    finally:
        d.stop()


def case_txn_timeout(tmp):
    """An open transaction idle for --txn-timeout is aborted and logged."""
    d = Lanad(tmp, "tt", "--txn-timeout", "0.5")
    try:
        c = Conn(d.path)
        err, msg, tid = c.begin(64)
        check(err == 0 and tid, "TXN_BEGIN: %d %s" % (err, msg))
        err, msg = c.data(tid, 0, b"x" * 8)
        check(err == 0, "TXN_DATA in time: %d %s" % (err, msg))
        time.sleep(0.9)
        err, msg = c.data(tid, 8, b"x" * 8)
        check(err == -errno.ENOENT and msg == "unknown transaction %d" % tid,
              "TXN_DATA after 0.9 s idle: %d %r" % (err, msg))
        check(re.search(r"transaction %d of client fd \d+ aborted: idle for "
                        r"0\.500 s" % tid, d.logtext()) is not None,
              "the abort is logged")
        c.close()
    finally:
        d.stop()


def main():
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        graph = os.path.join(tmp, "g.lana")
        with open(graph, "w") as f:
            f.write("src :: gen(count = 10);\nsrc -> drop();\n")
        with open(graph + "2", "w") as f:
            f.write("src :: gen(count = 20);\nsrc -> drop();\n")
        for case in (case_txn_hog, case_rss, case_nonreaders,
                     case_many_idle, case_txn_timeout):
            t = time.monotonic()
            try:
                if case is case_txn_hog:
                    case(tmp, graph)
                else:
                    case(tmp)
            except Exception as e:  # a broken case is a failure, not a skip
                check(False, "%s: %s: %s" % (case.__name__,
                                            type(e).__name__, e))
            print("%s: %.1f s" % (case.__name__, time.monotonic() - t),
                  flush=True)
    print("%d passed, %d failed (%.1f s)" % (passed, failed,
                                             time.monotonic() - start))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
