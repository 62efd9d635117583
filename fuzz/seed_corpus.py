#!/usr/bin/python3
"""Builds the libFuzzer seed corpora from the real Bybit recordings of ../shared/data (read in place, never copied
into the repository) plus the small hand-written seeds of fuzz/seeds/ (private topics, trade acks, HTTP requests,
which no public recording contains).

usage: seed_corpus.py --data DIR --out DIR [--mm PATH]
  --data  the shared data folder (holds bybit/cryptofeed-...jsonl.zst and bybit/..._ob500.data.zip)
  --out   the corpus root: one sub-folder per harness is (re)filled
  --mm    an `mm` binary: adds an mm capture file (mm convert) to the recording corpus
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def put(out, harness, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def mask_frame(payload, key):
    """A masked client text frame (RFC 6455), as the simulator receives it."""
    head = bytearray([0x81])
    n = len(payload)
    if n < 126:
        head.append(0x80 | n)
    elif n < 65536:
        head.append(0x80 | 126)
        head += struct.pack(">H", n)
    else:
        head.append(0x80 | 127)
        head += struct.pack(">Q", n)
    head += key
    return bytes(head) + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mm")
    a = ap.parse_args()
    cf = os.path.join(a.data, "bybit", "cryptofeed-BYBIT-2026-08-09.jsonl.zst")
    hist = os.path.join(a.data, "bybit", "2024-12-01_XRPUSDT_ob500.data.zip")
    for p in (cf, hist):
        if not os.path.exists(p):
            sys.exit(f"seed_corpus: {p} not found (the shared recordings)")
    for h in os.listdir(a.out) if os.path.isdir(a.out) else []:
        shutil.rmtree(os.path.join(a.out, h))
    lines = subprocess.run(["zstd", "-dc", cf], check=True, capture_output=True).stdout.decode().splitlines()
    records = [json.loads(l) for l in lines]
    with zipfile.ZipFile(hist) as z:
        hist_lines = z.read(z.namelist()[0]).decode().splitlines()

    # Codec: every received frame of both connections, and every line of the history file.
    for r in records:
        if r["t"] == "recv":
            put(a.out, "codec", r["data"])
    for l in hist_lines[:10]:
        put(a.out, "codec", l)
    # Book builder: per symbol, the snapshot and the deltas that follow, one frame per line (and the history file).
    books = {}
    for r in records:
        if r["t"] == "recv" and r["conn"] == "BYBIT.ws.2" and '"topic":"orderbook.' in r["data"]:
            topic = json.loads(r["data"])["topic"]
            books.setdefault(topic, []).append(r["data"])
    for topic, frames in books.items():
        for start in range(0, min(len(frames), 200), 40):
            put(a.out, "book_sync", "\n".join([frames[0]] + frames[start + 1:start + 40]))
    put(a.out, "book_sync", "\n".join(hist_lines[:30]))
    # REST envelope: the two instruments-info answers (body only), and a few small answers.
    for r in records:
        if r["t"] == "http":
            body = r["data"]
            put(a.out, "rest_envelope", body[body.find("{"):])
    # Recording readers: the first byte picks the file extension (recording_fuzz.cpp).
    put(a.out, "recording", b"\x01" + "\n".join(lines[:60]).encode())
    put(a.out, "recording", b"\x02" + "\n".join(hist_lines[:20]).encode())
    if a.mm:
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "head.jsonl")
            with open(src, "w") as f:
                f.write("\n".join(lines[:80]) + "\n")
            cap = os.path.join(tmp, "head.mmcap")
            subprocess.run([a.mm, "convert", src, cap, "--to", "capture"], check=True, capture_output=True)
            with open(cap, "rb") as f:
                put(a.out, "recording", b"\x00" + f.read())
    # WebSocket client frames: the subscribe requests the recorder sent, masked with a seeded key.
    rnd = random.Random(13)
    sends = [r["data"].encode() for r in records if r["t"] == "send"]
    for i in range(0, len(sends), 4):
        put(a.out, "ws_frame", b"".join(mask_frame(s, bytes(rnd.randrange(256) for _ in range(4)))
                                        for s in sends[i:i + 4]))
    # Simulator requests: the sent subscribe messages as JSON bodies (selector byte 1).
    for s in sends:
        put(a.out, "sim_request", b"\x01" + s)
    # Hand-written seeds (fuzz/seeds/<harness>/), for what the public recordings cannot contain.
    seeds = os.path.join(HERE, "seeds")
    for h in os.listdir(seeds):
        for name in os.listdir(os.path.join(seeds, h)):
            with open(os.path.join(seeds, h, name), "rb") as f:
                put(a.out, h, f.read())
    # The config loader: the example configs of the repository.
    ex = os.path.join(HERE, "..", "examples")
    for name in sorted(os.listdir(ex)):
        if name.endswith(".toml"):
            with open(os.path.join(ex, name), "rb") as f:
                put(a.out, "config", f.read())
    for h in sorted(os.listdir(a.out)):
        print(f"seed_corpus: {h}: {len(os.listdir(os.path.join(a.out, h)))} seeds")


if __name__ == "__main__":
    main()
