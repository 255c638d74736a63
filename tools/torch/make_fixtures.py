"""Writes PyTorch reference fixtures for KaryoNet's tests (Tests/KaryoNetTests/Fixtures/).

For each network: weights, batch-norm running statistics and the input come from the shared
deterministic generator (fixture_weights.py); PyTorch computes, in float64, one training-mode
forward and backward pass with nn.CrossEntropyLoss(weight=[1, 1.5], label_smoothing=0.05), then an
eval-mode forward with the updated running statistics. The fixture stores the input, both logits,
the loss, updated running statistics of some layers, and parameter gradients (all of them for the
small network; a subset, large ones truncated to their first elements, for ResNet-50, once at
64x64 and once at 32x32 for the reference backend). For the small network it also saves PyTorch's own
state_dict after the step (small-resnet-torch-state.safetensors), a torchvision-style checkpoint
that Karyo must load."""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
import fixture_weights  # noqa: E402
import karyo_resnet  # noqa: E402
import safetensors_io  # noqa: E402

SEED = 2024
CLASS_WEIGHTS = [1.0, 1.5]
SMOOTHING = 0.05


def make(model, input_shape, labels, name, out_dir, gradient_names=None, truncate=None, stat_layers=(),
         save_state=False):
    model = model.double()
    with torch.no_grad():
        for n, t in list(model.named_parameters()) + list(model.named_buffers()):
            if n.endswith("num_batches_tracked"):
                continue
            t.copy_(torch.from_numpy(fixture_weights.values(n, tuple(t.shape), SEED)))
    x = torch.from_numpy(fixture_weights.values("input", input_shape, SEED))
    y = torch.tensor(labels)
    model.train()
    logits = model(x)
    loss = torch.nn.CrossEntropyLoss(weight=torch.tensor(CLASS_WEIGHTS, dtype=torch.float64),
                                     label_smoothing=SMOOTHING)(logits, y)
    loss.backward()
    model.eval()
    with torch.no_grad():
        eval_logits = model(x)
    out = {
        "input": x.float().numpy(),
        "labels": y.numpy().astype(np.int64),
        "train_logits": logits.detach().float().numpy(),
        "loss": loss.detach().float().reshape(1).numpy(),
        "eval_logits": eval_logits.float().numpy(),
    }
    params = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    for n in gradient_names or params.keys():
        g = params[n].grad.float().numpy().reshape(-1)
        if truncate and g.size > truncate:
            g = g[:truncate]
        out["grad." + n] = g
    for layer in stat_layers:
        out["stat." + layer + ".running_mean"] = buffers[layer + ".running_mean"].float().numpy()
        out["stat." + layer + ".running_var"] = buffers[layer + ".running_var"].float().numpy()
    if save_state:
        # The model's own state_dict (float32, num_batches_tracked included) after the training
        # step, as a PyTorch user would save it: Karyo must load it and reproduce eval_logits.
        state = {k: v.detach().float().numpy() if v.is_floating_point() else v.numpy().astype(np.int64)
                 for k, v in model.state_dict().items()}
        state_path = os.path.join(out_dir, name + "-torch-state.safetensors")
        safetensors_io.save(state_path, state, {"format": "pt", "torch": torch.__version__})
        print(f"{state_path}: {os.path.getsize(state_path) / 1e6:.2f} MB")
    path = os.path.join(out_dir, name + ".safetensors")
    safetensors_io.save(path, out, {"seed": SEED, "torch": torch.__version__, "class_weights": CLASS_WEIGHTS,
                                    "label_smoothing": SMOOTHING})
    print(f"{path}: {os.path.getsize(path) / 1e6:.2f} MB, loss {loss.item():.6f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out_dir")
    a = p.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    torch.manual_seed(0)
    make(karyo_resnet.small(width=8, stem_pooling="max"), (4, 1, 32, 32), [0, 1, 1, 0], "small-resnet", a.out_dir,
         stat_layers=("bn1", "layer4.0.bn2"), save_state=True)
    r50_grads = ["conv1.weight", "bn1.weight", "bn1.bias", "layer1.0.conv1.weight", "layer1.0.downsample.0.weight",
                 "layer2.0.conv2.weight", "layer3.0.bn2.weight", "layer3.5.conv3.weight", "layer4.2.conv3.weight",
                 "layer4.2.bn3.weight", "layer4.2.bn3.bias", "fc.weight", "fc.bias"]
    make(karyo_resnet.resnet50_paper(), (2, 1, 64, 64), [1, 0], "resnet50-paper", a.out_dir,
         gradient_names=r50_grads, truncate=16384, stat_layers=("bn1", "layer4.2.bn3"))
    # The same network on a tiny input, small enough for the plain-Swift reference backend in a
    # debug build (layer4 runs at 1x1; batch 4 keeps every batch norm's statistics well defined).
    make(karyo_resnet.resnet50_paper(), (4, 1, 32, 32), [1, 0, 0, 1], "resnet50-paper-tiny", a.out_dir,
         gradient_names=r50_grads, truncate=4096, stat_layers=("bn1", "layer4.2.bn3"))


if __name__ == "__main__":
    main()
