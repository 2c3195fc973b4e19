#!/usr/bin/env python3
"""The emulator process under hostile clients: its memory and CPU while each attack holds, its
memory after the attacker leaves, and how fast a well-behaved client is then answered. Each
attack runs against a fresh emulator. Standard library only; HTTP/2 frames are written by hand.

    cargo build --release -p ccai-lro-cli
    python3 tools/emulator_floods.py target/release/ccai-lro [attack ...]

Attacks: silent, connections, streams, watches, bodies, heads, unread, starved (all by default).
"""
import http.client
import os
import socket
import struct
import subprocess
import sys
import threading
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, GOAWAY, WINDOW_UPDATE = 0, 1, 3, 4, 7, 8
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def hpack_literal(name, value):
    def length(n):
        if n < 127:
            return bytes([n])
        out, n = [127], n - 127
        while n >= 128:
            out.append(n % 128 + 128)
            n //= 128
        return bytes(out + [n])
    return b"\x00" + length(len(name)) + name + length(len(value)) + value


def request(path):
    return b"".join(hpack_literal(n, v) for n, v in [
        (b":method", b"POST"), (b":scheme", b"http"), (b":authority", b"emulator"),
        (b":path", path), (b"content-type", b"application/grpc"), (b"te", b"trailers"),
    ])


REQUEST = request(b"/google.longrunning.Operations/GetOperation")
WATCH = request(b"/grpc.health.v1.Health/Watch")


class Peer:
    """One hostile HTTP/2 connection, with a reader that keeps the flow-control credit."""

    def __init__(self, addr, settings=b""):
        self.sock = socket.create_connection(addr)
        self.sock.sendall(PREFACE + frame(SETTINGS, 0, 0, settings))
        self.lock = threading.Condition()
        self.conn_credit, self.initial, self.stream_credit = 65535, 65535, {}
        self.refused = self.goaway = 0
        self.closed = False
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        buf = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
                while len(buf) >= 9:
                    length = int.from_bytes(buf[:3], "big")
                    if len(buf) < 9 + length:
                        break
                    kind, flags, stream = buf[3], buf[4], int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
                    payload, buf = buf[9:9 + length], buf[9 + length:]
                    self.on_frame(kind, flags, stream, payload)
        except OSError:
            pass
        with self.lock:
            self.closed = True
            self.lock.notify_all()

    def on_frame(self, kind, flags, stream, payload):
        with self.lock:
            if kind == SETTINGS and not flags & ACK:
                for i in range(0, len(payload) - 5, 6):
                    ident, value = struct.unpack(">HI", payload[i:i + 6])
                    if ident == 4:
                        self.initial = value
                self.sock.sendall(frame(SETTINGS, ACK, 0))
            elif kind == WINDOW_UPDATE:
                inc = int.from_bytes(payload[:4], "big") & 0x7FFFFFFF
                if stream == 0:
                    self.conn_credit += inc
                else:
                    self.stream_credit[stream] = self.stream_credit.get(stream, self.initial) + inc
            elif kind == RST_STREAM:
                self.refused += 1
                self.stream_credit[stream] = -1
            elif kind == GOAWAY:
                self.goaway += 1
            self.lock.notify_all()

    def open(self, stream, end=False, block=REQUEST):
        self.sock.sendall(frame(HEADERS, END_HEADERS | (END_STREAM if end else 0), stream, block))

    def send_body(self, stream, data, deadline):
        """Sends as much of `data` as flow control allows before `deadline`; returns bytes sent."""
        sent = 0
        while sent < len(data) and time.time() < deadline:
            with self.lock:
                credit = min(self.conn_credit, self.stream_credit.get(stream, self.initial))
                if self.closed or self.stream_credit.get(stream) == -1:
                    return sent
                if credit <= 0:
                    self.lock.wait(0.05)
                    continue
                n = min(credit, 16384, len(data) - sent)
                self.conn_credit -= n
                self.stream_credit[stream] = self.stream_credit.get(stream, self.initial) - n
            self.sock.sendall(frame(DATA, 0, stream, data[sent:sent + n]))
            sent += n
        return sent

    def close(self):
        # shutdown first: close() alone leaves the connection up while the reader is in recv().
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
            self.sock.close()
        except OSError:
            pass


def proc(pid):
    status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024, cpu


def answered(addr):
    started = time.time()
    conn = http.client.HTTPConnection(*addr, timeout=30)
    conn.request("GET", "/v1/projects/p/locations/l/operations/nope")
    status = conn.getresponse().status
    return status, time.time() - started


def attack_connections(addr, _pid):
    peers = [Peer(addr) for _ in range(1000)]
    return peers, "1,000 HTTP/2 connections, idle"


def attack_streams(addr, _pid):
    peers = [Peer(addr) for _ in range(40)]
    for p in peers:
        for i in range(256 + 1000):
            p.open(2 * i + 1)
    time.sleep(1)
    refused = sum(p.refused for p in peers)
    return peers, f"40 connections x 256 held streams, plus 40,000 past the limit ({refused} refused)"


def attack_watches(addr, _pid):
    """Health watches never end by themselves: each would hold its stream for good."""
    peers = [Peer(addr) for _ in range(40)]
    for p in peers:
        for i in range(256):
            p.open(2 * i + 1, block=WATCH)
            # An empty HealthCheckRequest (every service).
            p.sock.sendall(frame(DATA, END_STREAM, 2 * i + 1, b"\x00\x00\x00\x00\x00"))
    time.sleep(1)
    refused = sum(p.refused for p in peers)
    return peers, f"40 connections x 256 health watches ({refused} streams reset)"


def attack_unread(addr, _pid):
    """Clients that ask for 1 MiB answers and never read them (stream windows of 0)."""
    conn = http.client.HTTPConnection(*addr, timeout=30)
    body = '{"displayName":"%s"}' % ("x" * (1000 * 1000))
    conn.request("POST", "/v1/projects/p/locations/us-central1/issueModels", body=body,
                 headers={"content-type": "application/json"})
    import json
    name = json.loads(conn.getresponse().read())["name"].encode()
    time.sleep(2.5)  # the operation is done: its answer carries the model, 1 MB
    ask = b"\x0a" + bytes([len(name)]) + name
    message = b"\x00" + struct.pack(">I", len(ask)) + ask
    peers = [Peer(addr, settings=struct.pack(">HI", 4, 0)) for _ in range(16)]
    for p in peers:
        for i in range(256):
            p.open(2 * i + 1)
            p.sock.sendall(frame(DATA, END_STREAM, 2 * i + 1, message))
    time.sleep(2)
    return peers, "16 connections x 256 GetOperation of a 1 MB answer, none read"


def attack_heads(addr, _pid):
    """HTTP/1.1 request heads that never end: 400 KB of header lines on each connection."""
    peers = []
    line = b"x-filler: " + b"y" * 990 + b"\r\n"
    for _ in range(1000):
        s = socket.create_connection(addr)
        s.settimeout(5)
        try:
            s.sendall(b"GET /v1/projects/p/locations/l/operations HTTP/1.1\r\nHost: e\r\n" + line * 400)
        except OSError:
            pass
        peers.append(Plain(s))
    return peers, "1,000 HTTP/1.1 connections, each 400 KB into a request head that never ends"


LIMIT = 2 << 30


def attack_bodies(addr, _pid):
    """Each stream declares a 4 MiB message and sends 1 MiB of it, 2 GiB in all at most."""
    peers = [Peer(addr) for _ in range(40)]
    declared = 4 * 1024 * 1024 - 1
    chunk = b"\x00" + struct.pack(">I", declared) + b"\x00" * (declared // 4)
    deadline = time.time() + 30
    sent = [0]

    def flood(p):
        for i in range(256):
            p.open(2 * i + 1)
        for i in range(256):
            if sent[0] >= LIMIT:
                break
            sent[0] += p.send_body(2 * i + 1, chunk, deadline)

    threads = [threading.Thread(target=flood, args=(p,)) for p in peers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = sum(p.refused for p in peers)
    return peers, f"40 connections x 256 streams of unfinished 4 MiB messages: {sent[0] >> 20} MiB sent, {refused} streams reset"


class Plain:
    def __init__(self, sock):
        self.sock = sock

    close = Peer.close


def attack_starved(addr, pid):
    """More connections than the process may open descriptors (run under ulimit -n 64)."""
    peers = []
    for _ in range(120):
        s = socket.create_connection(addr)
        peers.append(s)
    cpu0, t0 = proc(pid)[2], time.time()
    time.sleep(5)
    busy = (proc(pid)[2] - cpu0) / (time.time() - t0)
    return [Plain(s) for s in peers], f"120 connections at 64 descriptors: {busy:.1%} of a core while accept fails"


def attack_silent(addr, _pid):
    """The silent-connection attack at the default cap of 1,000: 1,000 connections that never send a byte,
    500 that send HTTP/2's magic only, 500 the magic and SETTINGS; a fresh client is timed
    while they hold, and the silent ones are counted again after the handshake deadline."""
    import resource
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    silent = [socket.create_connection(addr) for _ in range(1000)]
    half = []
    for i in range(1000):
        s = socket.create_connection(addr)
        s.sendall(PREFACE + (frame(SETTINGS, 0, 0) if i % 2 else b""))
        half.append(s)
    fresh = [answered(addr)[1] for _ in range(3)]
    time.sleep(12)

    def is_open(s):
        # What the server sent (its SETTINGS) is read past: open means nothing more to read yet.
        s.setblocking(False)
        try:
            while s.recv(65536):
                pass
            return False
        except BlockingIOError:
            return True
        except OSError:
            return False
    still = sum(is_open(s) for s in silent + half)
    return [Plain(s) for s in silent + half], (
        f"2,000 connections at a cap of 1,000 (1,000 silent, 500 magic only, 500 magic+SETTINGS): "
        f"fresh GETs answered in {', '.join(f'{t * 1000:.1f}' for t in fresh)} ms while they held; "
        f"{still} of the 2,000 still open 12 s later")


ATTACKS = {
    "silent": attack_silent,
    "connections": attack_connections,
    "streams": attack_streams,
    "watches": attack_watches,
    "bodies": attack_bodies,
    "heads": attack_heads,
    "unread": attack_unread,
    "starved": attack_starved,
}


def run(binary, name):
    prefix = "ulimit -n 64 && " if name == "starved" else ""
    emu = subprocess.Popen(
        ["sh", "-c", prefix + 'exec "$0" emulator --listen 127.0.0.1:0', binary],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        host, port = emu.stdout.readline().strip().split(":")
        addr = (host, int(port))
        answered(addr)
        base = proc(emu.pid)[0]
        cpu0, t0 = proc(emu.pid)[2], time.time()
        peers, what = ATTACKS[name](addr, emu.pid)
        time.sleep(2)
        held, peak, cpu1 = proc(emu.pid)
        busy = (cpu1 - cpu0) / (time.time() - t0)
        for p in peers:
            p.close()
        time.sleep(3)
        after = proc(emu.pid)[0]
        status, took = answered(addr)
        print(f"{name}: {what}")
        print(f"  rss {base:.1f} MiB at start, {held:.1f} MiB held, peak {peak:.1f} MiB, "
              f"{after:.1f} MiB 3 s after the attacker left; cpu {busy:.0%} of a core during the attack; "
              f"then a GET answered {status} in {took * 1000:.1f} ms", flush=True)
    finally:
        emu.terminate()
        emu.wait(timeout=10)


if __name__ == "__main__":
    for attack in sys.argv[2:] or list(ATTACKS):
        run(sys.argv[1], attack)
