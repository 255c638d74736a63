"""Summary of tools/bench-engine's paired accuracy runs: the validation accuracies of both engines
per seed and their means, and for each seed the first step where the two training-loss curves
(karyo-bench engine --trace, bench.py --trace: `epoch batch loss lr indices` per step) differ by over 1%.

usage: accuracy_summary.py LOG PAIRS_DIR SEED [SEED ...]"""
import statistics
import sys


def final_accuracies(log):
    acc = {"karyo": {}, "pytorch": {}}
    for line in open(log):
        if "mode=accuracy" in line:
            kv = dict(p.split("=", 1) for p in line.split())
            acc[kv["engine"]][kv["seed"]] = float(kv["val_acc"])
    return acc


def first_parting(karyo_trace, pytorch_trace, tolerance=0.01):
    """(step, karyo loss, pytorch loss) of the first step whose losses differ by more than
    `tolerance` relative, or None; raises ValueError if the traces are not of the same batches."""
    k = [line.split() for line in open(karyo_trace)]
    t = [line.split() for line in open(pytorch_trace)]
    if len(k) != len(t) or any(a[4] != b[4] for a, b in zip(k, t)):
        raise ValueError(f"{karyo_trace} and {pytorch_trace} are not the same batches")
    for step, (a, b) in enumerate(zip(k, t)):
        la, lb = float(a[2]), float(b[2])
        if abs(la - lb) > tolerance * max(abs(la), abs(lb), 1e-12):
            return step, la, lb
    return None


def main():
    log, pairs, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
    acc = final_accuracies(log)
    done = [s for s in seeds if s in acc["karyo"] and s in acc["pytorch"]]
    for s in done:
        try:
            parting = first_parting(f"{pairs}/karyo-{s}.txt", f"{pairs}/pytorch-{s}.txt")
        except (OSError, ValueError) as e:
            parting = f"traces not comparable ({e})"
        if isinstance(parting, tuple):
            parting = f"loss curves first differ by over 1% at step {parting[0]} ({parting[1]:.6f} vs {parting[2]:.6f})"
        elif parting is None:
            parting = "loss curves within 1% at every step"
        print(f"seed {s}: validation accuracy Karyo {acc['karyo'][s]:.4f}, PyTorch {acc['pytorch'][s]:.4f}; {parting}")
    if not done:
        print("no seed finished in both engines")
        return
    k = statistics.mean(acc["karyo"][s] for s in done)
    t = statistics.mean(acc["pytorch"][s] for s in done)
    print(f"validation accuracy after the last epoch, mean over {len(done)} seed(s): Karyo {k:.4f}, PyTorch {t:.4f}: "
          + ("Karyo is not worse" if k >= t else f"Karyo is worse by {t - k:.4f}"))
    if len(done) >= 3:
        # The runs are paired (same initial weights, same batches), so the spread of the per-seed
        # differences says how far the mean difference could move with other seeds.
        differences = [acc["karyo"][s] - acc["pytorch"][s] for s in done]
        half_width = 1.96 * statistics.stdev(differences) / len(done) ** 0.5
        mean = statistics.mean(differences)
        print(f"paired difference Karyo - PyTorch: {mean:+.4f} (95% interval {mean - half_width:+.4f} to "
              f"{mean + half_width:+.4f}, normal approximation over {len(done)} seeds); "
              f"Karyo better in {sum(d > 0 for d in differences)}, equal in {sum(d == 0 for d in differences)}, "
              f"worse in {sum(d < 0 for d in differences)}")


if __name__ == "__main__":
    main()
