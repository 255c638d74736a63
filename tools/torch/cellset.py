"""Reads a t(9;22) cell set as `karyo-bench t922-cells` writes it (cells.csv with the columns
file, label = positive|negative, split = train|validation, others ignored; one 8-bit gray PNG per
row) into numpy arrays, exactly as Sources/KaryoNetBench/CellSet.swift does: x = (255 - v) / 255,
label positive = 1, negative = 0, rows in file order."""
import csv
import os

import numpy as np
from PIL import Image

LABELS = {"negative": 0, "positive": 1}


class CellSetError(Exception):
    pass


def read(folder):
    """Returns {"train": (images [N,1,H,W] float32, labels [N] int64), "validation": (...)}."""
    path = os.path.join(folder, "cells.csv")
    try:
        f = open(path, newline="")
    except OSError as e:
        raise CellSetError(f"{path}: cannot read the file ({e.strerror}; is this a t922-cells folder?)")
    with f:
        rows = list(csv.reader(f))
    if not rows:
        raise CellSetError(f"{path}: empty file")
    header = rows[0]
    for name in ("file", "label", "split"):
        if name not in header:
            raise CellSetError(f"{path}: no '{name}' column (header: {','.join(header)})")
    fi, li, si = header.index("file"), header.index("label"), header.index("split")
    images = {"train": [], "validation": []}
    labels = {"train": [], "validation": []}
    size = None
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise CellSetError(f"{path} line {line}: {len(row)} fields, the header has {len(header)}")
        if row[li] not in LABELS:
            raise CellSetError(f"{path} line {line}: label '{row[li]}' is not positive or negative")
        if row[si] not in images:
            raise CellSetError(f"{path} line {line}: split '{row[si]}' is not train or validation")
        image_path = os.path.join(folder, row[fi])
        try:
            with Image.open(image_path) as im:
                v = np.asarray(im.convert("L"), dtype=np.uint8)
        except OSError as e:
            raise CellSetError(f"{image_path}: {e}")
        if size is not None and v.shape != size:
            raise CellSetError(f"{image_path}: {v.shape[1]}x{v.shape[0]} pixels, "
                               f"the set's first image has {size[1]}x{size[0]}")
        size = v.shape
        images[row[si]].append((255 - v.astype(np.float32)) / np.float32(255))
        labels[row[si]].append(LABELS[row[li]])
    out = {}
    for split in ("train", "validation"):
        if not labels[split]:
            raise CellSetError(f"{path}: no {split} cells")
        out[split] = (np.stack(images[split])[:, None, :, :], np.array(labels[split], dtype=np.int64))
    return out
