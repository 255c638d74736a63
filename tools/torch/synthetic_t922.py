"""A simple semi-synthetic t(9;22) image set for tools/bench-engine: 90x90 grayscale images of a
chromosome 9 pair and a chromosome 22 pair (banded capsules), as the paper's inputs. In positive
images one 9 and one 22 exchange their distal arms at 9q34 and 22q11: a longer der(9) and the
short Philadelphia chromosome der(22). Per-image jitter: overall condensation (size, the same for
all four), small rotations, positions, stain intensity and noise. Written as safetensors with
train/val images in [0, 1] (chromosomes bright) and labels."""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_io  # noqa: E402

SIZE = 90
CHR9_LEN, CHR22_LEN = 34.0, 14.0
BREAK9, BREAK22 = 0.92, 0.30          # fractions along the chromosome (p-ter at 0)


def band_profile(rng, n=64):
    """A fixed banding pattern for one chromosome type (values in [0.35, 1])."""
    p = np.repeat(rng.uniform(0.35, 1.0, n // 4), 4)
    return np.convolve(p, np.ones(3) / 3, mode="same")


def draw(img, cx, cy, length, angle, profile, width, intensity):
    """Adds a capsule with a banded intensity profile, centred at (cx, cy)."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    ca, sa = np.cos(angle), np.sin(angle)
    u = (xs - cx) * sa + (ys - cy) * ca + length / 2      # along the axis, 0 at the p-terminal end
    v = (xs - cx) * ca - (ys - cy) * sa                   # across
    t = np.clip(u / max(length, 1e-6), 0, 1)
    du = np.maximum(np.maximum(-u, u - length), 0)
    d = np.sqrt(du ** 2 + v ** 2)
    mask = np.clip(width / 2 - d + 0.5, 0, 1)
    idx = np.clip((t * (len(profile) - 1)).astype(int), 0, len(profile) - 1)
    img += mask * profile[idx] * intensity


def splice(a, fa, b, fb):
    """Profile of a[:fa] followed by b[fb:], resampled to 64 points, and the relative length."""
    na, nb = int(round(fa * len(a))), int(round(fb * len(b)))
    return np.concatenate([a[:na], b[nb:]])


def make_set(n, rng, p9, p22):
    images = np.zeros((n, 1, SIZE, SIZE), dtype=np.float32)
    labels = np.zeros(n, dtype=np.int64)
    for i in range(n):
        label = i % 2
        scale = rng.uniform(0.85, 1.15)
        chroms = [(CHR9_LEN, p9), (CHR9_LEN, p9), (CHR22_LEN, p22), (CHR22_LEN, p22)]
        if label:
            der9 = splice(p9, BREAK9, p22, BREAK22)
            der22 = splice(p22, BREAK22, p9, BREAK9)
            l9 = CHR9_LEN * BREAK9 + CHR22_LEN * (1 - BREAK22)
            l22 = CHR22_LEN * BREAK22 + CHR9_LEN * (1 - BREAK9)
            chroms[1] = (l9, der9)
            chroms[3] = (l22, der22)
        order = [0, 1] if rng.random() < 0.5 else [1, 0]
        order += [2, 3] if rng.random() < 0.5 else [3, 2]
        img = np.zeros((SIZE, SIZE))
        slots = [(25, 30), (65, 30), (25, 70), (65, 70)]
        for slot, k in zip(slots, order):
            length, prof = chroms[k]
            cx = slot[0] + rng.uniform(-4, 4)
            cy = slot[1] + rng.uniform(-3, 3)
            draw(img, cx, cy, length * scale, rng.uniform(-0.2, 0.2), prof, 6.5 * scale, rng.uniform(0.8, 1.0))
        img += rng.normal(0, 0.04, img.shape)
        images[i, 0] = np.clip(img, 0, 1)
        labels[i] = label
    perm = rng.permutation(n)
    return images[perm], labels[perm]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--train", type=int, default=320)
    p.add_argument("--val", type=int, default=96)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    types = np.random.default_rng(9022)
    p9, p22 = band_profile(types), band_profile(types)
    rng = np.random.default_rng(a.seed)
    xt, yt = make_set(a.train, rng, p9, p22)
    xv, yv = make_set(a.val, rng, p9, p22)
    safetensors_io.save(a.out, {"train_images": xt, "train_labels": yt, "val_images": xv, "val_labels": yv},
                        {"generator": "tools/torch/synthetic_t922.py", "seed": a.seed})
    print(f"{a.out}: {a.train} train, {a.val} validation images")


if __name__ == "__main__":
    main()
