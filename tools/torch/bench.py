"""PyTorch side of tools/bench-engine: the same ResNet-50 (paper variant, 90x90x1) and the same
measurements as karyo-bench engine, printing one line of key=value pairs."""
import argparse
import math
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
import cellset  # noqa: E402
import karyo_resnet  # noqa: E402
import safetensors_io  # noqa: E402


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timing(args):
    torch.manual_seed(1)
    model = karyo_resnet.resnet50_paper()
    x = torch.randn(args.batch, 1, args.size, args.size)
    labels = torch.arange(args.batch) % 2
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    if args.mode == "infer":
        model.eval()
    elif args.mode == "infer-bf16":
        # PyTorch's fastest bfloat16 inference here: a bfloat16 model in channels-last layout
        # (torch.autocast measured no faster than float32 on this CPU).
        model = model.eval().to(torch.bfloat16).to(memory_format=torch.channels_last)
        x = x.to(torch.bfloat16).to(memory_format=torch.channels_last)
    for step in range(args.warmup + args.steps):
        start = time.perf_counter()
        if args.mode.startswith("infer"):
            with torch.inference_mode():
                model(x)
        else:
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x), labels).backward()
            opt.step()
        if step >= args.warmup:
            times.append(time.perf_counter() - start)
    m = statistics.median(times)
    print(f"engine=pytorch mode={args.mode} batch={args.batch} images_per_s={args.batch / m:.2f} step_s={m:.4f} "
          f"best_images_per_s={args.batch / min(times):.2f} "
          f"peak_rss_mb={peak_rss_mb():.0f}")


def accuracy(args):
    torch.manual_seed(args.seed)
    try:
        data = cellset.read(args.cells)
    except cellset.CellSetError as e:
        sys.exit(f"bench.py: {e}")
    (xt, yt), (xv, yv) = [tuple(torch.from_numpy(a) for a in data[s]) for s in ("train", "validation")]
    checksum = float(xt.double().sum() + xv.double().sum())
    print(f"pytorch: {len(xt)} training ({int(yt.sum())} positive) and {len(xv)} validation ({int(yv.sum())} positive) "
          f"cells of {xt.shape[3]}x{xt.shape[2]}, pixel sum {checksum:.3f}")
    model = karyo_resnet.small(width=8) if args.model == "small" else karyo_resnet.resnet50_paper()
    if args.init:
        # The same initial weights as Karyo's run (karyo-bench engine accuracy --save-init).
        state = {k: torch.from_numpy(v) for k, v in safetensors_io.load(args.init).items()}
        missing = set(model.state_dict()) - set(state)
        if missing:
            sys.exit(f"bench.py: {args.init}: no tensor {sorted(missing)[0]}")
        model.load_state_dict({k: state[k] for k in model.state_dict()})
    # The same batches as Karyo's run (karyo-bench engine accuracy --trace): one line per step.
    order = [[int(i) for i in line.split()[4].split(",")] for line in open(args.order)] if args.order else None
    trace = open(args.trace, "w") if args.trace else None
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    batches = len(xt) // args.batch
    if order is not None and len(order) != batches * args.epochs:
        sys.exit(f"bench.py: {args.order}: {len(order)} steps, this run has {batches * args.epochs}")
    # Karyo's LearningRateSchedule: linear warm-up base*(s+1)/w for s < w, then cosine to 0.
    warm, total = args.warmup_epochs * batches, batches * args.epochs
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (s + 1) / warm if s < warm else
                                              0.5 * (1 + math.cos(math.pi * min(s - warm, total - warm) / max(total - warm, 1))))
    loss_fn = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(args.seed)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        tl, tc, seen = 0.0, 0, 0
        for b in range(batches):
            idx = torch.tensor(order[(epoch - 1) * batches + b]) if order else perm[b * args.batch:(b + 1) * args.batch]
            logits = model(xt[idx])
            loss = loss_fn(logits, yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if trace:
                trace.write(f"{epoch} {b} {loss.item():.6f} {sched.get_last_lr()[0]:.8g} {','.join(map(str, idx.tolist()))}\n")
            sched.step()
            tl += loss.item() * len(idx)
            tc += (logits.argmax(1) == yt[idx]).sum().item()
            seen += len(idx)
        model.eval()
        vl, vc = 0.0, 0
        with torch.inference_mode():
            for s in range(0, len(xv), args.batch):
                logits = model(xv[s:s + args.batch])
                vl += loss_fn(logits, yv[s:s + args.batch]).item() * len(logits)
                vc += (logits.argmax(1) == yv[s:s + args.batch]).sum().item()
        print(f"pytorch epoch {epoch:2d} train_loss={tl / seen:.4f} train_acc={tc / seen:.3f} "
              f"val_loss={vl / len(xv):.4f} val_acc={vc / len(xv):.3f} ({time.perf_counter() - start:.0f} s)", flush=True)
    if trace:
        trace.close()
    print(f"engine=pytorch mode=accuracy seed={args.seed} epochs={args.epochs} val_acc={vc / len(xv):.4f} val_loss={vl / len(xv):.4f} "
          f"seconds={time.perf_counter() - start:.0f} peak_rss_mb={peak_rss_mb():.0f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["train", "infer", "infer-bf16", "accuracy"])
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--size", type=int, default=90)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cells", help="a karyo-bench t922-cells folder (cells.csv + PNGs)")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--warmup-epochs", type=int, default=0)
    p.add_argument("--model", choices=["resnet50", "small"], default="resnet50",
                   help="accuracy mode: the paper's ResNet-50, or a small ResNet (basic blocks [1,1,1,1], width 8)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--init", help="initial weights (safetensors, torchvision names) instead of a seeded initialization")
    p.add_argument("--order", help="a karyo-bench engine --trace file: train on its batches, in its order")
    p.add_argument("--trace", help="write one line per step: epoch batch loss lr indices")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.mode == "accuracy":
        accuracy(args)
    else:
        timing(args)


if __name__ == "__main__":
    main()
