"""Deterministic fixture values shared with Swift (Tests/KaryoNetTests/FixtureWeights.swift):
element i of tensor `name` is offset + scale * (2u - 1), where u comes from a SplitMix64 hash of
(FNV-1a(name) XOR seed) + (i + 1) * golden. Lets a 23.5 M-parameter network be rebuilt on both sides
without committing its weights."""
import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1, M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def fnv1a(name: str) -> int:
    h = 0xCBF29CE484222325
    for b in name.encode():
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def uniform(name: str, n: int, seed: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        base = np.uint64(fnv1a(name) ^ seed)
        z = base + (np.arange(1, n + 1, dtype=np.uint64) * GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * M1
        z = (z ^ (z >> np.uint64(27))) * M2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float64) / 16777216.0


def values(name: str, shape, seed: int) -> np.ndarray:
    """The fixture value of a parameter, buffer or input, by its torchvision name."""
    n = int(np.prod(shape)) if len(shape) else 1
    u = uniform(name, n, seed) * 2 - 1
    if name.endswith("running_var"):
        v = 1 + 0.25 * u
    elif name.endswith("running_mean") or (name.endswith(".bias") and not name.startswith("fc")):
        v = 0.1 * u
    elif name == "fc.bias":
        v = 0.1 * u
    elif name == "fc.weight":
        v = u / np.sqrt(shape[1])
    elif len(shape) == 4:  # convolution weight: He-uniform on fan-in
        v = u * np.sqrt(6.0 / (shape[1] * shape[2] * shape[3]))
    elif name.endswith("bn3.weight"):  # last batch norm of a bottleneck: small, as in trained networks;
        v = 0.1 * (1 + 0.1 * u)         # with γ ≈ 1 the float32 gradients of a deep net are ill-conditioned
    elif len(shape) == 1:  # batch-norm weight
        v = 1 + 0.1 * u
    else:  # inputs
        v = u
    return v.reshape(shape)
