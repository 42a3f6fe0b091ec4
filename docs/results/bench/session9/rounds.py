"""Per-round ratios of an ab_models.sh sitting: python3 rounds.py DIR > DIR/rounds.txt (PyTorch's step / ours)."""
import glob, json, os, re, sys

d = sys.argv[1]
models, rounds = [], set()
for f in sorted(glob.glob(os.path.join(d, "ours-*-r*.json"))):
    m, r = re.match(r"ours-(.+)-r(\d+)\.json", os.path.basename(f)).groups()
    if m not in models: models.append(m)
    rounds.add(int(r))
print("per round: ours step median ms (iqr, min) / PyTorch step median ms = PyTorch / ours")
for m in ["resnet20", "resnet18", "mgnet", "mgiad-64-4", "mgiad-16-4"] + [x for x in models if x not in
          ("resnet20", "resnet18", "mgnet", "mgiad-64-4", "mgiad-16-4")]:
    if m not in models: continue
    parts = []
    for r in sorted(rounds):
        try:
            o = json.load(open(os.path.join(d, f"ours-{m}-r{r}.json")))["rows"][0]
            t = json.load(open(os.path.join(d, f"torch-{m}-r{r}.json")))["rows"][0]
        except FileNotFoundError:
            continue
        tm = t["step"]["med_ms"]
        parts.append(f"r{r}: {o['step_med_ms']:.0f} (iqr {o['step_iqr_pct']:.0f}%, min {o['step_min_ms']:.0f}) / {tm:.0f} = {tm / o['step_med_ms']:.2f}x")
    print(f"{m:11s} " + " | ".join(parts))
