#!/usr/bin/python3
"""Writes the engine's golden test files: tiny configurations of every model family, run in PyTorch (float64) from
the models of mgiad_torch.py, so that GoldenTest can check our logits and gradients against an independent engine.

For each configuration NAME, into train/src/test/resources/golden/NAME/:
  model.safetensors   the PyTorch state_dict (float32; num_batches_tracked as int64), exactly what
                      torch's model.state_dict() holds: the engine must load it by name
  golden.safetensors  input [N,C,H,W], labels [N] (as floats), and, from float64 runs on those float32 values:
                        eval.logits                 evaluation mode (running statistics)
                        train.logits                training mode (batch statistics)
                        grad.<param>                gradient of the mean cross-entropy in training mode
                                                    (absent for the unused level-1 pair: it gets none)
                        after.<bn>.running_mean/var running statistics after that training-mode forward
                      metadata "config": the state.json "model" object
Batch norm weights, biases and running statistics are drawn away from their defaults, so that both modes and all
four tensors matter. Run once (outputs are committed; 2 s of CPU, bit-identical on rerun):
  /usr/bin/python3 benchmarks/peer/golden.py [--out train/src/test/resources/golden]
"""
import argparse
import json
import os

import torch
import torch.nn.functional as F

import mgiad_torch as mt

N, H = 5, 8  # 5 images: not a multiple of the engine's 16 lanes, so padding must not leak into batch statistics


def cfg(model, widths, in_channels=3, classes=5, ck=0, gs=0, lam=1, pre=0, post=0, nu=0, share="AB",
        correction="literal", blocks=0):
    return {"model": model, "in_channels": in_channels, "classes": classes, "widths": widths, "ck": ck, "gs": gs,
            "lambda": lam, "pre": pre, "post": post, "nu": nu, "share": share, "correction": correction,
            "blocks": blocks}


CONFIGS = {
    "resnet18": cfg("resnet18", [2, 4, 8], blocks=1),                                   # projection shortcuts
    "resnet20": cfg("resnet20", [2, 4, 8], blocks=2),                                   # option-A shortcuts
    "mgnet-ab": cfg("mgnet", [2, 4, 8], nu=2, share="AB"),                              # MgNet^{A,B}, dense
    "mgnet-a": cfg("mgnet", [4, 8], nu=2, gs=2, share="A"),                              # MgNet^A, grouped
    "mgic": cfg("mgic", [8, 16], ck=4, gs=2, blocks=1),
    "mgiad-literal": cfg("mgiad", [4, 8], ck=2, gs=2, pre=2, post=1),
    "mgiad-difference": cfg("mgiad", [2, 4], in_channels=1, ck=2, gs=2, lam=2, pre=1, post=2,
                            correction="difference"),
}


def dump(name, c, out, seed):
    torch.manual_seed(seed)
    model = mt.build(c)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(N, c["in_channels"], H, H)
    labels = torch.randint(0, c["classes"], (N,))

    model = model.double()
    model.eval()
    with torch.no_grad():
        eval_logits = model(x.double())
    model.train()
    logits = model(x.double())
    F.cross_entropy(logits, labels).backward()

    golden = {"input": x, "labels": labels.float(), "eval.logits": eval_logits.float(), "train.logits": logits.detach().float()}
    for n, p in model.named_parameters():
        if p.grad is not None:
            golden["grad." + n] = p.grad.float()
    for n, b in model.named_buffers():
        if not n.endswith("num_batches_tracked"):
            golden["after." + n] = b.float()
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    mt.write_safetensors(os.path.join(d, "model.safetensors"), state, {"format": "pt", "producer": "golden.py"})
    mt.write_safetensors(os.path.join(d, "golden.safetensors"), golden, {"config": json.dumps(c), "torch": torch.__version__})
    size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
    print(f"{name:18s} {mt.weight_count(model):6,d} weights  {size / 1024:6.1f} KiB  eval logit[0,0] {eval_logits[0, 0]:+.6f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "../../train/src/test/resources/golden"))
    args = ap.parse_args()
    torch.use_deterministic_algorithms(True)
    for i, (name, c) in enumerate(CONFIGS.items()):
        dump(name, c, args.out, 100 + i)


if __name__ == "__main__":
    main()
