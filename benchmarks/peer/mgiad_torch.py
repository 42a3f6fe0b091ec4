"""The spec's models in plain PyTorch, with the module tree of mgiad-jvm, so that a checkpoint's model.safetensors
loads with load_state_dict(strict=True) and no renaming.

Names follow `mgiad params --tensors`: stem.conv.weight, stem.bn.{weight,bias,running_mean,running_var},
levels.<l>.* (resolution levels count from 1, as the paper's l), channel.<kappa>.* (from 1, as kappa),
block.<i>, bn_r.<s>, bn_u.<s> (from 0), fc.{weight,bias}. The forward passes are written from
/work/shared/ARCHITECTURE.md (sections 2-7) and follow the engine's model code step for step (models/src/main/java/
dev/mgiad/model): the same operators in the same order, so the two engines agree to float rounding.

A model is built from the "model" object of a checkpoint's state.json (build(cfg)); read_safetensors and
write_safetensors handle the files without the safetensors package (Debian's python3-torch lacks it).

Used by from_checkpoint.py (load a run, compare logits) and golden.py (the engine's golden test files).
"""
import json
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv(cin, cout, k, stride=1, groups=1):
    """The engine's Conv2d: no bias, padding (k-1)/2."""
    return nn.Conv2d(cin, cout, k, stride=stride, padding=(k - 1) // 2, groups=groups, bias=False)


def numbered(modules, first):
    """The engine's ModuleList: children named first, first+1, ... (levels and channel levels count from 1)."""
    return nn.ModuleDict({str(first + i): m for i, m in enumerate(modules)})


def items(d):
    return [d[k] for k in sorted(d.keys(), key=int)]


class Stem(nn.Module):
    def __init__(self, cin, c):
        super().__init__()
        self.conv, self.bn = conv(cin, c, 3), nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


def head(fc, u):
    return fc(torch.flatten(F.adaptive_avg_pool2d(u, 1), 1))


# ----------------------------------------------------------------------------- ResNet18 / ResNet20 (spec 2, 3)

class Projection(nn.Module):
    def __init__(self, cin, c, stride):
        super().__init__()
        self.conv, self.bn = conv(cin, c, 1, stride), nn.BatchNorm2d(c)

    def forward(self, x):
        return self.bn(self.conv(x))


class BasicBlock(nn.Module):
    def __init__(self, cin, c, stride, option_a):
        super().__init__()
        self.stride, self.cin, self.c, self.option_a = stride, cin, c, option_a
        self.conv1, self.bn1 = conv(cin, c, 3, stride), nn.BatchNorm2d(c)
        self.conv2, self.bn2 = conv(c, c, 3), nn.BatchNorm2d(c)
        if (stride != 1 or cin != c) and not option_a:
            self.shortcut = Projection(cin, c, stride)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        if hasattr(self, "shortcut"):
            s = self.shortcut(x)
        elif self.stride != 1 or self.cin != self.c:  # option A: subsample, zero-pad the channels on both sides
            p = (self.c - self.cin) // 2
            s = F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, p, p))
        else:
            s = x
        return F.relu(self.bn2(self.conv2(y)) + s)


class Stage(nn.Module):
    def __init__(self, blocks):
        super().__init__()
        self.block = numbered(blocks, 0)


class ResNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c, option_a = cfg["widths"], cfg["model"] == "resnet20"
        self.stem = Stem(cfg["in_channels"], c[0])
        stages, cin = [], c[0]
        for l, w in enumerate(c):
            blocks = []
            for b in range(cfg["blocks"]):
                blocks.append(BasicBlock(cin, w, 2 if b == 0 and l > 0 else 1, option_a))
                cin = w
            stages.append(Stage(blocks))
        self.levels = numbered(stages, 1)
        self.fc = nn.Linear(c[-1], cfg["classes"])

    def forward(self, x):
        h = self.stem(x)
        for s in items(self.levels):
            for b in items(s.block):
                h = b(h)
        return head(self.fc, h)


# ----------------------------------------------------------------------------- MgNet (spec 4, 5)

def depthwise_pool(cprev, c):
    """Pi_l, R_l: 3x3, stride 2, groups = c_{l-1} (depthwise with channel multiplier c_l / c_{l-1})."""
    return conv(cprev, c, 3, 2, cprev)


def smooth(a, b, bn_r, bn_u, f, u):
    """r = ReLU(bn_r(f - A u)); u = u + ReLU(bn_u(B r))."""
    r = F.relu(bn_r(f - a(u)))
    return u + F.relu(bn_u(b(r)))


def transfers(module, level, cprev, c):
    """Pi and R of level >= 2; on level 1 the dead pair, allocated and never applied (spec 4)."""
    if level == 1:
        module.dead_pi, module.dead_r = depthwise_pool(cprev, c), depthwise_pool(cprev, c)
    else:
        module.Pi, module.R = depthwise_pool(cprev, c), depthwise_pool(cprev, c)


class MgNetLevel(nn.Module):
    def __init__(self, level, cprev, c, nu, gs, share):
        super().__init__()
        transfers(self, level, cprev, c)
        g = 1 if gs == 0 else c // gs
        self.A = conv(c, c, 3, 1, g) if share != "NONE" else numbered([conv(c, c, 3, 1, g) for _ in range(nu)], 0)
        self.B = conv(c, c, 3, 1, g) if share == "AB" else numbered([conv(c, c, 3, 1, g) for _ in range(nu)], 0)
        self.bn_r = numbered([nn.BatchNorm2d(c) for _ in range(nu)], 0)
        self.bn_u = numbered([nn.BatchNorm2d(c) for _ in range(nu)], 0)
        self.nu = nu

    def a(self, i):
        return self.A[str(i)] if isinstance(self.A, nn.ModuleDict) else self.A

    def b(self, i):
        return self.B[str(i)] if isinstance(self.B, nn.ModuleDict) else self.B


class MgNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg["widths"]
        self.stem = Stem(cfg["in_channels"], c[0])
        self.levels = numbered([MgNetLevel(l + 1, c[0] if l == 0 else c[l - 1], w, cfg["nu"], cfg["gs"], cfg["share"].upper())
                                for l, w in enumerate(c)], 1)
        self.fc = nn.Linear(c[-1], cfg["classes"])

    def forward(self, x):
        f = self.stem(x)
        u = torch.zeros_like(f)
        f_res = None
        levels = items(self.levels)
        for l, lv in enumerate(levels):
            if l > 0:  # FAS: u = Pi(u), f = R(f_res) + A(Pi u); with A not shared the first step's A
                u = lv.Pi(u)
                f = lv.R(f_res) + lv.a(0)(u)
            for i in range(lv.nu):
                u = smooth(lv.a(i), lv.b(i), lv.bn_r[str(i)], lv.bn_u[str(i)], f, u)
            if l < len(levels) - 1:
                f_res = F.relu(f - lv.a(lv.nu - 1)(u))  # the last step's A, no BN
        return head(self.fc, u)


# ----------------------------------------------------------------------------- MGiaD (spec 6)

def channel_hierarchy(c, ck):
    ws = [c]
    while ws[-1] % 2 == 0 and ws[-1] // 2 >= ck:
        ws.append(ws[-1] // 2)
    return ws


class ChannelLevel(nn.Module):
    def __init__(self, c, coarsest, gs, steps):
        super().__init__()
        g = 1 if coarsest else c // gs
        self.A, self.B = conv(c, c, 3, 1, g), conv(c, c, 3, 1, g)
        self.bn_r = numbered([nn.BatchNorm2d(c) for _ in range(steps)], 0)
        self.bn_u = numbered([nn.BatchNorm2d(c) for _ in range(steps)], 0)
        if not coarsest:  # coarse channel j <-> fine channels 2j, 2j+1
            self.R_hat = conv(c, c // 2, 1, 1, c // 2)
            self.Pi_hat = conv(c, c // 2, 1, 1, c // 2)
            self.P_hat = conv(c // 2, c, 1, 1, c // 2)

    def smooth(self, s, f, u):
        return smooth(self.A, self.B, self.bn_r[str(s)], self.bn_u[str(s)], f, u)


class MgiadLevel(nn.Module):
    def __init__(self, level, cprev, hierarchy, cfg):
        super().__init__()
        transfers(self, level, cprev, hierarchy[0])
        steps = cfg["pre"] + cfg["post"]
        self.channel = numbered([ChannelLevel(w, k == len(hierarchy) - 1, cfg["gs"], steps)
                                 for k, w in enumerate(hierarchy)], 1)
        self.pre, self.post, self.literal = cfg["pre"], cfg["post"], cfg["correction"] == "literal"

    def sic(self, f, u, kappa):
        ch = self.channel[str(kappa)]
        for s in range(self.pre):
            u = ch.smooth(s, f, u)
        if str(kappa + 1) in self.channel:
            coarse = self.channel[str(kappa + 1)]
            uc = ch.Pi_hat(u)
            fc = ch.R_hat(F.relu(f - ch.A(u))) + coarse.A(uc)
            u_hat = self.sic(fc, uc, kappa + 1)
            u = u + ch.P_hat(u_hat if self.literal else u_hat - uc)
        for s in range(self.post):
            u = ch.smooth(self.pre + s, f, u)
        return u


class Mgiad(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = [w * cfg["lambda"] for w in cfg["widths"]]
        self.stem = Stem(cfg["in_channels"], c[0])
        self.levels = numbered([MgiadLevel(l + 1, c[0] if l == 0 else c[l - 1], channel_hierarchy(w, cfg["ck"]), cfg)
                                for l, w in enumerate(c)], 1)
        self.fc = nn.Linear(c[-1], cfg["classes"])

    def forward(self, x):
        f = self.stem(x)
        u = torch.zeros_like(f)
        f_res = None
        levels = items(self.levels)
        for l, lv in enumerate(levels):
            a = lv.channel["1"].A
            if l > 0:
                u = lv.Pi(u)
                f = lv.R(f_res) + a(u)
            u = lv.sic(f, u, 1)
            if l < len(levels) - 1:
                f_res = F.relu(f - a(u))
        return head(self.fc, u)


# ----------------------------------------------------------------------------- MGIC (spec 7)

def mgic_hierarchy(c, cfc):
    ws = [c]
    while True:
        ws.append(ws[-1] // 2)
        if ws[-1] < cfc:
            return ws


class Connector(nn.Module):
    def __init__(self, cin, c, stride):
        super().__init__()
        self.conv, self.bn = conv(cin, c, 3, stride, cin), nn.BatchNorm2d(c)


class MgicLevel(nn.Module):
    def __init__(self, c, groups, coarsest):
        super().__init__()
        if not coarsest:
            self.R, self.P, self.bn_p = conv(c, c // 2, 1, 1, groups), conv(c // 2, c, 1, 1, groups), nn.BatchNorm2d(c)
        self.conv1, self.bn1 = conv(c, c, 3, 1, groups), nn.BatchNorm2d(c)
        self.conv2, self.bn2 = conv(c, c, 3, 1, groups), nn.BatchNorm2d(c)

    def res_step(self, x):
        return F.relu(x + self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


class MgicBlock(nn.Module):
    def __init__(self, cin, c, stride, g, cfc):
        super().__init__()
        if stride != 1 or cin != c:
            self.connector = Connector(cin, c, stride)
        h = mgic_hierarchy(c, cfc)
        self.channel = numbered([MgicLevel(w, 1 if k == len(h) - 1 else max(w // g, 1), k == len(h) - 1)
                                 for k, w in enumerate(h)], 1)

    def cycle(self, x, kappa):
        ch = self.channel[str(kappa)]
        if str(kappa + 1) not in self.channel:
            return ch.res_step(x)
        xc = ch.R(x)
        z = x + ch.bn_p(ch.P(self.cycle(xc, kappa + 1) - xc))
        return ch.res_step(z)

    def forward(self, x):
        if hasattr(self, "connector"):
            x = F.relu(self.connector.bn(self.connector.conv(x)))
        return self.cycle(x, 1)


class Mgic(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg["widths"]
        self.stem = Stem(cfg["in_channels"], c[0])
        stages, cin = [], c[0]
        for l, w in enumerate(c):
            blocks = []
            for b in range(cfg["blocks"]):
                blocks.append(MgicBlock(cin, w, 2 if b == 0 and l > 0 else 1, cfg["gs"], cfg["ck"]))
                cin = w
            stages.append(Stage(blocks))
        self.levels = numbered(stages, 1)
        self.fc = nn.Linear(c[-1], cfg["classes"])

    def forward(self, x):
        h = self.stem(x)
        for s in items(self.levels):
            for b in items(s.block):
                h = b(h)
        return head(self.fc, h)


def build(cfg):
    """The model a state.json "model" object describes (model, in_channels, classes, widths, ck, gs, lambda, pre,
    post, nu, share, correction, blocks)."""
    kind = cfg["model"]
    if kind in ("resnet18", "resnet20"):
        return ResNet(cfg)
    if kind == "mgnet":
        return MgNet(cfg)
    if kind == "mgiad":
        return Mgiad(cfg)
    if kind == "mgic":
        return Mgic(cfg)
    raise SystemExit(f"unknown model {kind!r} in the checkpoint")


def weight_count(model):
    """The paper's count: every parameter, the unused level-1 pair included (buffers are not weights)."""
    return sum(p.numel() for p in model.parameters())


# ----------------------------------------------------------------------------- safetensors without the package

_DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "I64": (torch.int64, 8)}


def read_safetensors(path):
    """{name: tensor} and the metadata of a safetensors file."""
    with open(path, "rb") as fh:
        data = fh.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    out, base = {}, 8 + n
    for name, e in header.items():
        dtype, size = _DTYPES[e["dtype"]]
        b, en = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + b:base + en]), dtype=dtype) if en > b else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(e["shape"]).clone()
    return out, meta


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} (float32 or int64) as safetensors, data 8-byte aligned."""
    header, chunks, off = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        code = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        raw = t.numpy().tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        chunks.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(h)))
        fh.write(h)
        for c in chunks:
            fh.write(c)
