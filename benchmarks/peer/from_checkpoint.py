#!/usr/bin/python3
"""Loads an mgiad-jvm checkpoint into PyTorch and compares both engines' logits on test images.

  /usr/bin/python3 benchmarks/peer/from_checkpoint.py RUN_DIR [--best] [--images 8] [--data-dir DIR]
  /usr/bin/python3 benchmarks/peer/from_checkpoint.py RUN_DIR --logits FILE      (a file from `mgiad eval --dump-logits`)

1. Builds the PyTorch model of the run from its state.json ("model": family, widths, c_K, g_s, ...) with the models
   of mgiad_torch.py (written from the spec, module tree = `mgiad params --tensors`).
2. Loads ckpt-NNNN/model.safetensors with load_state_dict(strict=True): no renaming, every tensor used, none missing.
3. Runs `bin/mgiad eval --checkpoint RUN_DIR --dump-logits FILE` (unless --logits names such a file), which writes the
   first test images as our engine feeds them to the model (normalised), their labels and our logits; runs the
   PyTorch model in evaluation mode on the same images and prints both engines' logits side by side.
Exits 1 when any logit differs by more than --tol * max(1, max |logit|) (default 1e-4).
Needs only torch (Debian's python3-torch under /usr/bin/python3); safetensors files are read without the package.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgiad_torch as mt  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def checkpoint_folder(run, best):
    pointer = os.path.join(run, "best.json" if best else "checkpoint.json")
    try:
        with open(pointer) as fh:
            latest = json.load(fh)["latest"]
    except (OSError, ValueError, KeyError) as e:
        raise SystemExit(f"{pointer}: no readable checkpoint pointer ({e})")
    return os.path.join(run, latest)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run", help="run directory (holding checkpoint.json)")
    ap.add_argument("--best", action="store_true", help="the best-validation weights (runs trained with --val-split)")
    ap.add_argument("--logits", help="a file written by `mgiad eval --dump-logits` (else bin/mgiad is run)")
    ap.add_argument("--images", type=int, default=8, help="test images to compare (default 8)")
    ap.add_argument("--data-dir", help="passed to mgiad eval")
    ap.add_argument("--tol", type=float, default=1e-4, help="relative tolerance on the logits (default 1e-4)")
    args = ap.parse_args()

    folder = checkpoint_folder(args.run, args.best)
    with open(os.path.join(folder, "state.json")) as fh:
        cfg = json.load(fh)["model"]
    model = mt.build(cfg)
    state, _ = mt.read_safetensors(os.path.join(folder, "model.safetensors"))
    model.load_state_dict(state, strict=True)
    model.eval()
    print(f"{folder}: {cfg['model']} {cfg['widths']}, {mt.weight_count(model):,} weights; "
          f"load_state_dict(strict=True) took all {len(state)} tensors")

    dump = args.logits
    tmp = None
    if dump is None:
        tmp = tempfile.TemporaryDirectory()
        dump = os.path.join(tmp.name, "logits.safetensors")
        cmd = [os.path.join(ROOT, "bin", "mgiad"), "eval", "--checkpoint", args.run, "--limit-test", str(args.images),
               "--dump-logits", dump, "--dump-count", str(args.images)]
        if args.best:
            cmd.append("--best")
        if args.data_dir:
            cmd += ["--data-dir", args.data_dir]
        print("$ " + " ".join(cmd), flush=True)
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise SystemExit("mgiad eval failed:\n" + r.stdout)
    d, _ = mt.read_safetensors(dump)
    ours, labels = d["logits"], d["labels"].long()
    with torch.no_grad():
        theirs = model(d["images"])
    scale = max(1.0, theirs.abs().max().item())
    diff = (ours - theirs).abs()
    print(f"\n{'image':>5} {'label':>5} {'ours':>5} {'torch':>5}  max|diff|   logits (ours / torch)")
    for i in range(len(labels)):
        fmt = lambda z: " ".join(f"{v:+8.4f}" for v in z[:10].tolist())  # noqa: E731
        print(f"{i:5d} {labels[i].item():5d} {ours[i].argmax().item():5d} {theirs[i].argmax().item():5d}  "
              f"{diff[i].max().item():9.2e}   {fmt(ours[i])}")
        print(f"{'':36s}{fmt(theirs[i])}")
    worst = diff.max().item()
    agree = (ours.argmax(1) == theirs.argmax(1)).sum().item()
    print(f"\nmax |ours - torch| = {worst:.3g} over {diff.numel()} logits (tolerance {args.tol * scale:.3g}); "
          f"top-1 agrees on {agree}/{len(labels)} images")
    if tmp:
        tmp.cleanup()
    if not worst <= args.tol * scale:
        sys.exit(1)


if __name__ == "__main__":
    main()
