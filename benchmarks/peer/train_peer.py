#!/usr/bin/python3
"""PyTorch CPU peer for `mgiad train`: the same model, data, augmentation and schedule, so that an
accuracy gap can be pinned on the recipe or on the engine.

Data: the CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin) from --data-dir.
Pipeline as `mgiad train`: zero pad 4 + random 32x32 crop + horizontal flip (train), per-channel
mean/std (0.4914, 0.4822, 0.4465) / (0.2470, 0.2435, 0.2616), batch 128, reshuffled every epoch,
SGD (momentum, weight decay on every parameter, optional Nesterov), cosine annealing evaluated
per step with optional linear warm-up, evaluation with running batch-norm statistics.
Models come from bench_models.py (weight counts asserted there).

Init: --init default keeps PyTorch's defaults (conv/linear U(+-1/sqrt(fan_in)), what mgiad
uses with --init uniform); --init he uses kaiming_normal_(fan_out, relu) for convs (torchvision).

Usage:
  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/bin/python3 \
      benchmarks/peer/train_peer.py --data-dir ../shared/data --model resnet20 --epochs 5 \
      --lr 0.1 --nesterov --wd 5e-4 --threads 2
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_models  # noqa: E402

MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)


def find_cifar(root):
    for d in (root, os.path.join(root, "cifar-10-batches-bin")):
        if os.path.exists(os.path.join(d, "test_batch.bin")):
            return d
    raise SystemExit(f"no CIFAR-10 binary batches under {root}")


def read_batches(paths):
    raw = np.concatenate([np.fromfile(p, dtype=np.uint8).reshape(-1, 3073) for p in paths])
    return torch.from_numpy(raw[:, 1:].reshape(-1, 3, 32, 32).copy()), torch.from_numpy(raw[:, 0].astype(np.int64))


def normalize(u8):
    x = u8.float().div_(255)
    m = torch.tensor(MEAN).view(1, 3, 1, 1)
    s = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - m) / s


def augment(u8, gen):
    """Pad 4 with zeros, crop 32 at a random offset, flip with probability 1/2 (per sample)."""
    n = u8.shape[0]
    padded = F.pad(u8, (4, 4, 4, 4))
    oy = torch.randint(0, 9, (n,), generator=gen)
    ox = torch.randint(0, 9, (n,), generator=gen)
    flip = torch.rand(n, generator=gen) < 0.5
    out = torch.empty_like(u8)
    for i in range(n):
        img = padded[i, :, oy[i]:oy[i] + 32, ox[i]:ox[i] + 32]
        out[i] = img.flip(-1) if flip[i] else img
    return out


def lr_at(t, args):
    """t = epochs done (fractional). Linear warm-up, then cosine from lr to 0 over the rest."""
    if args.warmup > 0 and t < args.warmup:
        return args.lr * t / args.warmup
    return 0.5 * args.lr * (1 + math.cos(math.pi * t / args.epochs))


def he_init(model):
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")


def evaluate(model, x, y, bs):
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(y), bs):
            out = model(x[i:i + bs])
            loss += F.cross_entropy(out, y[i:i + bs], reduction="sum").item()
            correct += (out.argmax(1) == y[i:i + bs]).sum().item()
    model.train()
    return loss / len(y), correct / len(y)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--model", default="resnet20")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--wd", type=float, default=1e-4)
    ap.add_argument("--nesterov", action="store_true")
    ap.add_argument("--warmup", type=float, default=0.0)
    ap.add_argument("--label-smoothing", type=float, default=0.0)
    ap.add_argument("--init", choices=["default", "he"], default="default")
    ap.add_argument("--zero-init-residual", action="store_true",
                    help="ResNets: the last BN of every residual branch starts with gamma 0 (torchvision's flag)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit-train", type=int, default=0)
    ap.add_argument("--csv", help="write epoch,lr,train_loss,train_acc,test_loss,test_acc,seconds here")
    # bench_models.parse_model reads these for MGiaD
    ap.add_argument("--ck", type=int, default=64)
    ap.add_argument("--gs", type=int, default=4)
    ap.add_argument("--lam", type=int, default=1)
    ap.add_argument("--eta-post", type=int, default=1)
    ap.add_argument("--fas", default="literal")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    d = find_cifar(args.data_dir)
    xtr, ytr = read_batches([os.path.join(d, f"data_batch_{i}.bin") for i in range(1, 6)])
    xte, yte = read_batches([os.path.join(d, "test_batch.bin")])
    if args.limit_train:
        xtr, ytr = xtr[:args.limit_train], ytr[:args.limit_train]
    xte = normalize(xte)

    build, expected, desc = bench_models.parse_model(args.model, args)
    model = build()
    assert expected is None or bench_models.n_weights(model) == expected, "weight count differs from the spec"
    if args.init == "he":
        he_init(model)
    if args.zero_init_residual:
        for m in model.modules():
            if isinstance(m, bench_models.BasicBlock):
                nn.init.zeros_(m.bn2.weight)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.wd,
                          nesterov=args.nesterov)
    crit = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    gen = torch.Generator().manual_seed(args.seed)
    n, bs = len(ytr), args.batch
    steps = (n + bs - 1) // bs
    print(f"{desc}: {bench_models.n_weights(model):,} weights, {steps} steps/epoch, init {args.init}", flush=True)
    rows = []
    for epoch in range(args.epochs):
        t0 = time.time()
        perm = torch.randperm(n, generator=gen)
        seen, correct, loss_sum = 0, 0, 0.0
        lr = args.lr
        for s in range(steps):
            idx = perm[s * bs:(s + 1) * bs]
            x = normalize(augment(xtr[idx], gen))
            y = ytr[idx]
            lr = lr_at(epoch + s / steps, args)
            for g in opt.param_groups:
                g["lr"] = lr
            out = model(x)
            loss = crit(out, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(y)
            correct += (out.argmax(1) == y).sum().item()
            seen += len(y)
        train_s = time.time() - t0
        te_loss, te_acc = evaluate(model, xte, yte, 500)
        secs = time.time() - t0
        rows.append((epoch + 1, lr, loss_sum / seen, correct / seen, te_loss, te_acc, secs))
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {loss_sum / seen:.4f} acc {100 * correct / seen:.2f}% | "
              f"test loss {te_loss:.4f} acc {100 * te_acc:.2f}% | {secs:.1f} s, {seen / train_s:.0f} img/s", flush=True)
    if args.csv:
        with open(args.csv, "w") as f:
            f.write("epoch,lr,train_loss,train_accuracy,test_loss,test_accuracy,seconds\n")
            for r in rows:
                f.write(",".join(str(v) for v in r) + "\n")


if __name__ == "__main__":
    main()
