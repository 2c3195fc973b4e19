#!/usr/bin/env python3
"""The emulator's memory per operation: fills it over REST to its --max-operations cap, reads its
RSS, then resets it. Standard library only.

    cargo build --release -p ccai-lro-cli
    python3 tools/emulator_memory.py target/release/ccai-lro 100000
"""
import http.client
import subprocess
import sys
import time


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
    return -1


def main(binary, count):
    emu = subprocess.Popen(
        [binary, "emulator", "--listen", "127.0.0.1:0", "--max-operations", str(count)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        host, port = emu.stdout.readline().strip().split(":")
        print(f"baseline: {rss_kib(emu.pid)} KiB", flush=True)
        conn = http.client.HTTPConnection(host, int(port))
        codes, started = {}, time.time()
        # One past the cap: the last answer must be 429 RESOURCE_EXHAUSTED.
        for _ in range(count + 1):
            conn.request("POST", "/v1/projects/p/locations/us-central1/issueModels",
                         body='{"displayName":"m"}', headers={"content-type": "application/json"})
            answer = conn.getresponse()
            answer.read()
            codes[answer.status] = codes.get(answer.status, 0) + 1
        full = rss_kib(emu.pid)
        print(f"{count} operations: {full} KiB ({codes}, {time.time() - started:.1f} s)")
        conn.request("POST", "/reset")
        conn.getresponse().read()
        print(f"after /reset: {rss_kib(emu.pid)} KiB")
    finally:
        emu.terminate()
        emu.wait(timeout=10)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
