#!/usr/bin/python3
"""PyTorch CPU peer benchmark for the mgiad-jvm engine: full training steps of the paper's models.

Models (built in plain torch.nn, exactly per /work/shared/ARCHITECTURE.md; weight counts asserted):
  resnet20        ResNet20, [16,32,64] x 3 blocks, option-A shortcuts            (§3)    269,722
  resnet18        CIFAR ResNet18, [64,128,256,512], no max-pool                    (§2) 11,173,962
  mgnet           MgNet^{A,B}, [64,128,256,256], nu=2                              (§5)  2,750,666
  mgnet-small     MgNet^{A,B}, [16,32,64], nu=3                                    (§5)    101,242
  mgiad-CK-GS     MGiaD, lambda*[64,128,256,256], eta_pre=2, eta_post=1, c_K=CK, g_s=GS (§6)
  mgiad-CK-GS-lL  same with lambda=L, e.g. mgiad-64-8-l3
  mgiad           MGiaD with --ck/--gs/--lambda (defaults 64/4/1)
Expected counts: mgiad-64-4 393,034; mgiad-64-8 457,546; mgiad-64-8-l3 1,268,938; mgiad-16-4 147,658.
MGiaD/MgNet allocate the dead level-1 Pi/R pair (counted, never applied, §4); the in-channel
correction is the literal u <- u + P(u_hat) (§6.4), or textbook FAS with --fas textbook.

On start, every reference configuration above is built and its sum(p.numel()) is asserted
against the exact numbers; the script aborts if any differ.

Timed step (float32, train mode, 3x32x32 random inputs, 10 classes, fixed batch):
  forward  = model(x) + cross-entropy
  backward = loss.backward()
  optimizer= SGD(lr 0.05, momentum 0.9, weight_decay 1e-4).step() + zero_grad(set_to_none=True)
Noise handling (as in /work/shared/bench/bench_conv.py): every model gets `--warmup` untimed
steps first, then the model list is swept `--rounds` times (interleaved), each sweep taking
`--steps` timed steps per model; reported times are medians over all rounds*steps samples,
with IQR/median ("noise %") as a spread indicator. The step median is the median of whole
step times (not the sum of the phase medians). GFLOP/s uses 3 x forward MACs x 2 (approx.).

Usage (Debian torch 1.13 under /usr/bin/python3; preload tcmalloc, glibc malloc is much slower
for the large, short-lived activation buffers):
  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/bin/python3 benchmarks/peer/bench_models.py --threads 2
  ... --threads 2 --json out.json --channels-last
  ... --models mgiad --ck 16 --gs 4 --lambda 1
  quick smoke test: ... --batch 8 --warmup 0 --steps 1 --rounds 1
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

IN_CH = 3
CLASSES = 10
HW = 32

DEFAULT_MODELS = "resnet20,resnet18,mgnet,mgiad-64-4,mgiad-64-8,mgiad-64-8-l3"

# Exact sum(p.numel()) for CIFAR-10 (ARCHITECTURE.md §9); asserted on start.
EXPECTED = {
    "resnet20": 269_722,
    "resnet18": 11_173_962,
    "mgnet": 2_750_666,
    "mgnet-small": 101_242,
    "mgiad-64-4": 393_034,
    "mgiad-64-8": 457_546,
    "mgiad-64-8-l3": 1_268_938,
    "mgiad-16-4": 147_658,
}


def conv3x3(cin, cout, stride=1, groups=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, groups=groups, bias=False)


def conv1x1(cin, cout, stride=1, groups=1):
    return nn.Conv2d(cin, cout, 1, stride=stride, padding=0, groups=groups, bias=False)


def stem(cin, c):
    return nn.Sequential(conv3x3(cin, c), nn.BatchNorm2d(c), nn.ReLU(inplace=True))


# ----------------------------------------------------------------------------- ResNets (§2, §3)

class BasicBlock(nn.Module):
    """y = ReLU(BN(conv3x3 s)(x)); y = BN(conv3x3(y)); out = ReLU(y + shortcut(x))."""

    def __init__(self, cin, c, stride, shortcut):  # shortcut: "B" (projection) or "A" (zero pad)
        super().__init__()
        self.conv1, self.bn1 = conv3x3(cin, c, stride), nn.BatchNorm2d(c)
        self.conv2, self.bn2 = conv3x3(c, c), nn.BatchNorm2d(c)
        self.mode = "id"
        if stride != 1 or cin != c:
            self.mode = shortcut
            if shortcut == "B":
                self.proj = nn.Sequential(conv1x1(cin, c, stride), nn.BatchNorm2d(c))
            else:
                assert stride == 2 and (c - cin) % 2 == 0
                self.pad = (c - cin) // 2

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)), inplace=True)
        y = self.bn2(self.conv2(y))
        if self.mode == "id":
            s = x
        elif self.mode == "B":
            s = self.proj(x)
        else:  # option A: subsample, zero-pad channels on both sides, no weights
            s = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(y + s, inplace=True)


class ResNet(nn.Module):
    def __init__(self, widths, blocks, shortcut, in_ch=IN_CH, classes=CLASSES):
        super().__init__()
        self.stem = stem(in_ch, widths[0])
        layers, cin = [], widths[0]
        for i, (c, n) in enumerate(zip(widths, blocks)):
            for b in range(n):
                layers.append(BasicBlock(cin, c, 2 if (i > 0 and b == 0) else 1, shortcut))
                cin = c
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def resnet18():
    return ResNet([64, 128, 256, 512], [2, 2, 2, 2], "B")


def resnet20():
    return ResNet([16, 32, 64], [3, 3, 3], "A")


# ----------------------------------------------------------------------------- shared MG skeleton (§4)

def depthwise_pool(cin, cout):
    """'Learnable depthwise pooling' Pi_l / R_l: 3x3, stride 2, pad 1, groups=cin -> weight [cout,1,3,3]."""
    return nn.Conv2d(cin, cout, 3, stride=2, padding=1, groups=cin, bias=False)


class MgSkeleton(nn.Module):
    """Stem, resolution transfers Pi_l/R_l (l>=2), the dead level-1 pair, classifier on avgpool(u_L)."""

    def __init__(self, widths, in_ch, classes):
        super().__init__()
        self.widths = list(widths)
        self.stem = stem(in_ch, widths[0])
        # Pi[0], R[0]: the dead level-1 pair (allocated and counted, never applied; grad stays None).
        self.Pi = nn.ModuleList([depthwise_pool(widths[0], widths[0])] +
                                [depthwise_pool(widths[l - 1], widths[l]) for l in range(1, len(widths))])
        self.R = nn.ModuleList([depthwise_pool(widths[0], widths[0])] +
                               [depthwise_pool(widths[l - 1], widths[l]) for l in range(1, len(widths))])
        self.fc = nn.Linear(widths[-1], classes)

    def head(self, u):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(u, 1), 1))


# ----------------------------------------------------------------------------- MgNet (§5)

class MgNetLevel(nn.Module):
    def __init__(self, c, nu, gs=None):
        super().__init__()
        g = 1 if gs is None else c // gs
        self.A = conv3x3(c, c, groups=g)  # shared by all nu steps (A-sharing)
        self.B = conv3x3(c, c, groups=g)  # shared by all nu steps (MgNet^{A,B})
        self.bn_r = nn.ModuleList([nn.BatchNorm2d(c) for _ in range(nu)])
        self.bn_u = nn.ModuleList([nn.BatchNorm2d(c) for _ in range(nu)])


class MgNetAB(MgSkeleton):
    def __init__(self, widths=(64, 128, 256, 256), nu=2, gs=None, in_ch=IN_CH, classes=CLASSES):
        super().__init__(widths, in_ch, classes)
        self.levels = nn.ModuleList([MgNetLevel(c, nu, gs) for c in widths])

    def forward(self, x):
        f = self.stem(x)
        u = torch.zeros_like(f)  # u_1 = 0; the first A(u) is executed as in the spec
        L = len(self.levels)
        f_res = None
        for l, lev in enumerate(self.levels):
            if l > 0:
                u = self.Pi[l](u)                        # FAS initial guess
                f = self.R[l](f_res) + lev.A(u)          # restricted residual + A(Pi u)
            for bn_r, bn_u in zip(lev.bn_r, lev.bn_u):
                r = F.relu(bn_r(f - lev.A(u)))
                u = u + F.relu(bn_u(lev.B(r)))
            if l < L - 1:
                f_res = F.relu(f - lev.A(u))             # no BN here
        return self.head(u)


# ----------------------------------------------------------------------------- MGiaD (§6)

def channel_hierarchy(c, ck):
    """Halve while the half is still >= c_K (and the width is even). §6.2"""
    ws = [c]
    while ws[-1] % 2 == 0 and ws[-1] // 2 >= ck:
        ws.append(ws[-1] // 2)
    return ws


class ChannelLevel(nn.Module):
    def __init__(self, c, coarsest, gs, steps):
        super().__init__()
        g = 1 if coarsest else c // gs
        assert coarsest or c % gs == 0, (c, gs)
        self.A = conv3x3(c, c, groups=g)  # shared by all eta_pre+eta_post steps and the FAS evaluations
        self.B = conv3x3(c, c, groups=g)
        self.bn_r = nn.ModuleList([nn.BatchNorm2d(c) for _ in range(steps)])
        self.bn_u = nn.ModuleList([nn.BatchNorm2d(c) for _ in range(steps)])
        if not coarsest:  # in-channel transfers: coarse channel j <-> fine channels 2j, 2j+1
            h = c // 2
            self.Rh = conv1x1(c, h, groups=h)    # [c/2, 2, 1, 1]
            self.Pih = conv1x1(c, h, groups=h)   # [c/2, 2, 1, 1]
            self.Ph = conv1x1(h, c, groups=h)    # [c, 1, 1, 1]

    def smooth(self, s, f, u):
        r = F.relu(self.bn_r[s](f - self.A(u)))
        return u + F.relu(self.bn_u[s](self.B(r)))


class MGiaD(MgSkeleton):
    def __init__(self, ck=64, gs=4, lam=1, base=(64, 128, 256, 256), eta_pre=2, eta_post=1,
                 fas="literal", in_ch=IN_CH, classes=CLASSES):
        widths = [lam * c for c in base]
        super().__init__(widths, in_ch, classes)
        assert fas in ("literal", "textbook")
        self.eta_pre, self.eta_post, self.fas = eta_pre, eta_post, fas
        self.hier = [channel_hierarchy(c, ck) for c in widths]
        S = eta_pre + eta_post
        self.levels = nn.ModuleList([
            nn.ModuleList([ChannelLevel(cw, k == len(h) - 1, gs, S) for k, cw in enumerate(h)])
            for h in self.hier])

    def sic(self, chain, k, f, u):
        lev = chain[k]
        for s in range(self.eta_pre):
            u = lev.smooth(s, f, u)
        if k < len(chain) - 1:
            u_c = lev.Pih(u)                                             # in-channel FAS guess
            f_c = lev.Rh(F.relu(f - lev.A(u))) + chain[k + 1].A(u_c)
            u_hat = self.sic(chain, k + 1, f_c, u_c)
            u = u + lev.Ph(u_hat if self.fas == "literal" else u_hat - u_c)  # Alg. 2 line 7 literally
        for s in range(self.eta_post):
            u = lev.smooth(self.eta_pre + s, f, u)
        return u

    def forward(self, x):
        f = self.stem(x)
        u = torch.zeros_like(f)
        L = len(self.levels)
        f_res = None
        for l, chain in enumerate(self.levels):
            A1 = chain[0].A
            if l > 0:
                u = self.Pi[l](u)
                f = self.R[l](f_res) + A1(u)
            u = self.sic(chain, 0, f, u)
            if l < L - 1:
                f_res = F.relu(f - A1(u))
        return self.head(u)


def mgiad_closed_form(ck, gs, lam, base=(64, 128, 256, 256), eta_pre=2, eta_post=1, in_ch=IN_CH, classes=CLASSES):
    """§6.5 closed-form weight count (independent cross-check of the module tree)."""
    c = [lam * b for b in base]
    S = eta_pre + eta_post
    W = 9 * in_ch * c[0] + 2 * c[0] + 18 * c[0] + sum(18 * x for x in c[1:])
    for x in c:
        h = channel_hierarchy(x, ck)
        W += sum(18 * gs * w + 4 * S * w + 3 * w for w in h[:-1])
        W += 18 * h[-1] ** 2 + 4 * S * h[-1]
    return W + (c[-1] + 1) * classes


# ----------------------------------------------------------------------------- registry

def parse_model(name, args):
    """Returns (builder, expected_count or None, description)."""
    if name == "resnet20":
        return resnet20, EXPECTED[name], "ResNet20 [16,32,64]x3, option A"
    if name == "resnet18":
        return resnet18, EXPECTED[name], "ResNet18 CIFAR [64,128,256,512], no max-pool"
    if name == "mgnet":
        return (lambda: MgNetAB((64, 128, 256, 256), 2)), EXPECTED[name], "MgNet^{A,B} [64,128,256,256] nu=2"
    if name == "mgnet-small":
        return (lambda: MgNetAB((16, 32, 64), 3)), EXPECTED[name], "MgNet^{A,B} [16,32,64] nu=3"
    m = re.fullmatch(r"mgiad(?:-(\d+)-(\d+)(?:-l(\d+))?)?", name)
    if m:
        if m.group(1):
            ck, gs, lam = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
        else:
            ck, gs, lam = args.ck, args.gs, args.lam
        key = f"mgiad-{ck}-{gs}" + (f"-l{lam}" if lam != 1 else "")
        exp = EXPECTED.get(key, mgiad_closed_form(ck, gs, lam, eta_post=args.eta_post))
        if args.eta_post != 1:
            exp = mgiad_closed_form(ck, gs, lam, eta_post=args.eta_post)
        desc = f"MGiaD c_K={ck} g_s={gs} lambda={lam} eta=2/{args.eta_post}" + (
            " textbook-FAS" if args.fas != "literal" else "")
        return (lambda: MGiaD(ck, gs, lam, eta_post=args.eta_post, fas=args.fas)), exp, desc
    raise SystemExit(f"unknown model {name!r}")


def n_weights(model):
    return sum(p.numel() for p in model.parameters())


def self_check(args):
    """Build every reference configuration and assert its exact weight count (fails loudly)."""
    ref = argparse.Namespace(ck=64, gs=4, lam=1, eta_post=1, fas="literal")
    bad = []
    for name, exp in EXPECTED.items():
        got = n_weights(parse_model(name, ref)[0]())
        if name.startswith("mgiad"):
            ck, gs, *rest = [int(t.lstrip("l")) for t in name.split("-")[1:]]
            cf = mgiad_closed_form(ck, gs, rest[0] if rest else 1)
            if cf != exp:
                bad.append(f"{name}: closed form {cf:,} != expected {exp:,}")
        if got != exp:
            bad.append(f"{name}: sum(p.numel()) = {got:,} != expected {exp:,}")
        print(f"# count ok? {name:15s} {got:>12,} (expected {exp:,})", file=sys.stderr)
    if bad:
        raise AssertionError("weight-count self-check FAILED:\n  " + "\n  ".join(bad))


def count_macs(model, in_ch=IN_CH):
    """Forward multiply-adds of conv/linear layers for one 32x32 image, as executed (§1, §10)."""
    total = [0]

    def conv_hook(m, inp, out):
        total[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def lin_hook(m, inp, out):
        total[0] += out.numel() * m.in_features

    hs = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hs += [m.register_forward_hook(lin_hook) for m in model.modules() if isinstance(m, nn.Linear)]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, in_ch, HW, HW))
    model.train(was_training)
    for h in hs:
        h.remove()
    return total[0]


# ----------------------------------------------------------------------------- timing

class Runner:
    def __init__(self, name, args):
        build, exp, self.desc = parse_model(name, args)
        torch.manual_seed(0)
        self.name = name
        self.model = build()
        self.weights = n_weights(self.model)
        if exp is not None and self.weights != exp:
            raise AssertionError(f"{name}: sum(p.numel()) = {self.weights:,} != expected {exp:,}")
        self.macs = count_macs(self.model)
        self.fmt = torch.channels_last if args.channels_last else torch.contiguous_format
        self.model = self.model.to(memory_format=self.fmt).train()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
        g = torch.Generator().manual_seed(1)
        self.x = torch.randn(args.batch, IN_CH, HW, HW, generator=g).contiguous(memory_format=self.fmt)
        self.y = torch.randint(0, CLASSES, (args.batch,), generator=g)
        self.samples = {"step": [], "fwd": [], "bwd": [], "opt": []}
        self.last_loss = None

    def step(self, record):
        t0 = time.perf_counter()
        loss = F.cross_entropy(self.model(self.x), self.y)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        t3 = time.perf_counter()
        self.last_loss = loss.item()
        if not torch.isfinite(torch.tensor(self.last_loss)):
            raise FloatingPointError(f"{self.name}: non-finite loss {self.last_loss}")
        if record:
            for k, v in (("fwd", t1 - t0), ("bwd", t2 - t1), ("opt", t3 - t2), ("step", t3 - t0)):
                self.samples[k].append(v)


def q(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summarize(ts):
    med = statistics.median(ts)
    return dict(med_ms=med * 1e3, min_ms=min(ts) * 1e3, iqr_pct=100 * (q(ts, .75) - q(ts, .25)) / med, n=len(ts))


def run_bench(args, names):
    runners = []
    for n in names:
        r = Runner(n, args)
        print(f"# built {n}: {r.weights:,} weights, {r.macs / 1e6:.1f} M MACs/img ({r.desc})",
              file=sys.stderr, flush=True)
        runners.append(r)
    for r in runners:
        for _ in range(args.warmup):
            r.step(record=False)
    for rnd in range(args.rounds):
        for r in runners:
            for _ in range(args.steps):
                r.step(record=True)
        print(f"# round {rnd + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    rows = []
    for r in runners:
        s = {k: summarize(v) for k, v in r.samples.items()}
        step_ms = s["step"]["med_ms"]
        flops = 3 * 2 * r.macs * args.batch  # fwd + ~2x fwd for bwd
        rows.append(dict(model=r.name, desc=r.desc, weights=r.weights, macs_per_img=r.macs, batch=args.batch,
                         threads=args.threads, channels_last=args.channels_last,
                         step=s["step"], fwd=s["fwd"], bwd=s["bwd"], opt=s["opt"],
                         images_per_s=args.batch / (step_ms / 1e3), gflops_per_s=flops / (step_ms / 1e3) / 1e9,
                         last_loss=r.last_loss))
    return rows


def print_table(rows):
    hdr = ("| model | weights | MMACs/img | step ms (noise%) | img/s | fwd ms | bwd ms | opt ms | ~GFLOP/s |")
    print(hdr)
    print("|" + "---|" * (hdr.count("|") - 1))
    for r in rows:
        print(f"| {r['model']} | {r['weights']:,} | {r['macs_per_img'] / 1e6:.1f} | "
              f"{r['step']['med_ms']:.1f} ({r['step']['iqr_pct']:.0f}%) | {r['images_per_s']:.1f} | "
              f"{r['fwd']['med_ms']:.1f} | {r['bwd']['med_ms']:.1f} | {r['opt']['med_ms']:.1f} | "
              f"{r['gflops_per_s']:.1f} |")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps per model before the first round")
    ap.add_argument("--steps", type=int, default=5, help="timed steps per model per round")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved sweeps over the model list")
    ap.add_argument("--models", default=DEFAULT_MODELS, help="comma list; see the module docstring")
    ap.add_argument("--ck", type=int, default=64, help="c_K for model 'mgiad'")
    ap.add_argument("--gs", type=int, default=4, help="g_s for model 'mgiad'")
    ap.add_argument("--lambda", dest="lam", type=int, default=1, help="lambda for model 'mgiad'")
    ap.add_argument("--eta-post", type=int, default=1, help="MGiaD post-smoothing steps (counts re-derived by §6.5)")
    ap.add_argument("--fas", choices=("literal", "textbook"), default="literal",
                    help="MGiaD in-channel correction: u+P(u_hat) (literal) or u+P(u_hat-Pi u) (textbook)")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.steps < 1 or args.rounds < 1:
        ap.error("--steps and --rounds must be >= 1")

    torch.set_num_threads(args.threads)
    if "tcmalloc" not in os.environ.get("LD_PRELOAD", ""):
        print("# note: tcmalloc not preloaded; set LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 "
              "for numbers comparable with the other peer benchmarks", file=sys.stderr)
    self_check(args)
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    meta = dict(torch=torch.__version__, threads=torch.get_num_threads(), mkldnn=torch.backends.mkldnn.is_available(),
                batch=args.batch, warmup=args.warmup, steps=args.steps, rounds=args.rounds,
                channels_last=args.channels_last, fas=args.fas, eta_post=args.eta_post,
                ld_preload=os.environ.get("LD_PRELOAD", ""),
                date=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), argv=sys.argv)
    print("# " + json.dumps(meta), file=sys.stderr)
    rows = run_bench(args, names)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(meta=meta, rows=rows), f, indent=1)
    print_table(rows)


if __name__ == "__main__":
    main()
