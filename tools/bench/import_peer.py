#!/usr/bin/env python3
"""The peer of `karyo import`: the same work as a straightforward Python pipeline.

For every image: decode with Pillow, convert to 8-bit grayscale, re-encode a fresh PNG without
metadata, hash it (SHA-256), write the blob atomically (temp file, fsync, rename) and record it in
SQLite (WAL, one transaction per file). Decoding and encoding run in a process pool with one worker
per core, as a reasonable Python pipeline would.

usage: import_peer.py INPUT_FOLDER WORK_FOLDER
"""
import hashlib
import io
import os
import sqlite3
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from PIL import Image


def prepare(path):
    with Image.open(path) as im:
        gray = im.convert("L")
        out = io.BytesIO()
        gray.save(out, format="PNG", optimize=False)
        data = out.getvalue()
        return path, data, gray.width, gray.height


def main():
    src, work = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(work, "blobs"), exist_ok=True)
    db = sqlite3.connect(os.path.join(work, "peer.sqlite"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS samples (id INTEGER PRIMARY KEY, hash TEXT UNIQUE, width INT, height INT)")
    files = sorted(os.path.join(src, f) for f in os.listdir(src))
    start = time.perf_counter()
    imported = 0
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        for path, data, width, height in pool.map(prepare, files, chunksize=4):
            digest = hashlib.sha256(data).hexdigest()
            folder = os.path.join(work, "blobs", digest[:2])
            os.makedirs(folder, exist_ok=True)
            tmp = os.path.join(work, "blobs", ".tmp-" + digest)
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.rename(tmp, os.path.join(folder, digest[2:]))
            db.execute("BEGIN")
            db.execute("INSERT OR IGNORE INTO samples (hash, width, height) VALUES (?, ?, ?)", (digest, width, height))
            db.execute("COMMIT")
            imported += 1
    elapsed = time.perf_counter() - start
    rate = imported / elapsed
    print(f"python peer: {imported} images in {elapsed:.2f} s = {rate:.1f} images/s")
    print(f"PEER_IMAGES_PER_SECOND={rate:.2f}")


if __name__ == "__main__":
    main()
