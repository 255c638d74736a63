"""Reads the key=value lines of karyo-bench engine and tools/torch/bench.py (stdin) and prints medians
per engine, mode and batch size, the Karyo/PyTorch ratios and peak RSS."""
import statistics
import sys

# Forward cost of the benchmarked network (the paper's ResNet-50, 90x90x1), counted as direct
# convolutions; ../shared/notes/engine.md measured this CPU's FMA peak at about 234 GFLOP/s on 2 cores.
FORWARD_GFLOP_PER_IMAGE = 1.448
FMA_PEAK_GFLOPS = 234.0
from collections import defaultdict

runs = defaultdict(list)
for line in sys.stdin:
    if not line.startswith("engine="):
        continue
    kv = dict(part.split("=", 1) for part in line.split())
    if kv.get("mode") in ("train", "infer", "infer-bf16"):
        runs[(kv["mode"], int(kv["batch"]), kv["engine"])].append((float(kv["images_per_s"]), float(kv["peak_rss_mb"])))

# infer-bf16 compares bfloat16 with bfloat16 (the target is for inference in general).
targets = {"train": 1.5, "infer": 2.0, "infer-bf16": 2.0}
print(f"{'run':<16}{'Karyo img/s':>12}{'PyTorch img/s':>15}{'ratio':>8}{'target':>8}"
      f"{'Karyo RSS MB':>14}{'PyTorch RSS MB':>16}  runs")
for mode in ("train", "infer", "infer-bf16"):
    for batch in sorted({b for (m, b, _) in runs if m == mode}):
        k, t = runs.get((mode, batch, "karyo"), []), runs.get((mode, batch, "pytorch"), [])
        if not k or not t:
            continue
        km, tm = statistics.median(r[0] for r in k), statistics.median(r[0] for r in t)
        krss, trss = max(r[1] for r in k), max(r[1] for r in t)
        print(f"{mode + ' b' + str(batch):<16}{km:>12.2f}{tm:>15.2f}{km / tm:>8.2f}{'>=' + str(targets[mode]):>8}"
              f"{krss:>14.0f}{trss:>16.0f}  {len(k)}+{len(t)}")

# Karyo's bfloat16 inference against PyTorch's default float32 inference (what each does when asked
# for its fastest inference on this CPU versus PyTorch out of the box).
for batch in sorted({b for (m, b, _) in runs if m == "infer-bf16"}):
    k, t = runs.get(("infer-bf16", batch, "karyo"), []), runs.get(("infer", batch, "pytorch"), [])
    if k and t:
        km, tm = statistics.median(r[0] for r in k), statistics.median(r[0] for r in t)
        print(f"Karyo bfloat16 vs PyTorch float32 inference, batch {batch}: {km:.2f} vs {tm:.2f} img/s, ratio {km / tm:.2f}")

# What a float32 inference ratio of 2 would take: every image costs 1.448 GFLOP of direct
# convolution, so a speed above FMA_PEAK / 1.448 = 162 img/s needs fewer multiplications (Winograd)
# or cheaper ones (bfloat16).
for batch in sorted({b for (m, b, _) in runs if m == "infer"}):
    k, t = runs.get(("infer", batch, "karyo"), []), runs.get(("infer", batch, "pytorch"), [])
    if k and t:
        km, tm = statistics.median(r[0] for r in k), statistics.median(r[0] for r in t)
        print(f"float32 inference, batch {batch}: Karyo {km * FORWARD_GFLOP_PER_IMAGE:.0f}, PyTorch "
              f"{tm * FORWARD_GFLOP_PER_IMAGE:.0f} direct-equivalent GFLOP/s; twice PyTorch would be "
              f"{2 * tm * FORWARD_GFLOP_PER_IMAGE:.0f} (FMA peak about {FMA_PEAK_GFLOPS:.0f})")
