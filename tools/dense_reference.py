#!/usr/bin/env python3
"""Reference outputs of the official dense Next-ViT backbone and of Semantic FPN on it.

Builds `NextViT` from the official `segmentation/nextvit.py` of github.com/bytedance/Next-ViT
(path given as the first argument) with `with_extra_norm=True`, restoring the
`self.norm = nn.BatchNorm2d(output_channel, eps=NORM_EPS)` line a later commit commented out
(the forward still calls `self.norm`). mmseg, timm, einops and the repository's `utils` are
replaced by the few names the file imports; none of them takes part in an eval-mode forward.
The neck and head follow mmsegmentation's `FPN` and `FPNHead` (plain PyTorch below).

Weights and input follow the `splitmix64-v1` fill rule of the classification references
(state-dict order, gain, qk_gain); the JSON written holds per-stage feature statistics and the
first values, and the segmentation logits' statistics, first values and a strided sample.

    python3 tools/dense_reference.py Next-ViT/segmentation/nextvit.py OUT.json [size] [classes]
"""
import json
import math
import sys
import types

import torch
import torch.nn.functional as F
from torch import nn

MASK = (1 << 64) - 1
GOLDEN, C1, C2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def uniform(seed, n):
    out = []
    for i in range(n):
        z = (seed + (i + 1) * GOLDEN) & MASK
        z = ((z ^ (z >> 30)) * C1) & MASK
        z = ((z ^ (z >> 27)) * C2) & MASK
        z = z ^ (z >> 31)
        out.append((z >> 40) * 2.0 ** -24)
    return out


def fill(model, base_seed, gain, qk_gain):
    t = 0
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            u = uniform((base_seed * 1000003 + t) & MASK, tensor.numel())
            t += 1
            r = [2 * v - 1 for v in u]
            shape = tuple(tensor.shape)
            if name.endswith("running_mean"):
                vals = [0.1 * x for x in r]
            elif name.endswith("running_var"):
                vals = [0.75 + 0.5 * x for x in u]
            elif len(shape) == 1 and name.endswith("weight"):
                vals = [1 + 0.25 * x for x in r]
            elif name.endswith("bias"):
                vals = [0.1 * x for x in r]
            elif len(shape) >= 2:
                scale = math.sqrt(3.0 / math.prod(shape[1:])) * gain
                if name.endswith(".q.weight") or name.endswith(".k.weight"):
                    scale *= qk_gain
                vals = [x * scale for x in r]
            else:
                vals = [0.1 * x for x in r]
            tensor.copy_(torch.tensor(vals, dtype=torch.float64).reshape(shape).float())


def official_backbone(path):
    stub = types.ModuleType
    registry = types.SimpleNamespace(register_module=lambda: (lambda cls: cls))
    mods = {
        "mmseg": stub("mmseg"), "mmseg.models": stub("mmseg.models"),
        "mmseg.models.builder": stub("mmseg.models.builder"), "mmseg.utils": stub("mmseg.utils"),
        "timm": stub("timm"), "timm.models": stub("timm.models"), "timm.models.layers": stub("timm.models.layers"),
        "einops": stub("einops"), "utils": stub("utils"),
    }
    mods["mmseg.models.builder"].BACKBONES = registry
    mods["mmseg.utils"].get_root_logger = lambda: None
    mods["timm.models.layers"].DropPath = lambda p: nn.Identity()
    mods["timm.models.layers"].trunc_normal_ = lambda t, std=1.0: nn.init.trunc_normal_(t, std=std)

    def rearrange(x, pattern, h=None):
        if pattern == "b c h w -> b (h w) c":
            return x.flatten(2).transpose(1, 2)
        if pattern == "b (h w) c -> b c h w":
            b, n, c = x.shape
            return x.transpose(1, 2).reshape(b, c, h, n // h)
        raise ValueError(pattern)

    mods["einops"].rearrange = rearrange
    mods["utils"].merge_pre_bn = lambda *a: None
    sys.modules.update(mods)
    source = open(path).read()
    restored = "        self.norm = nn.BatchNorm2d(output_channel, eps=NORM_EPS)"
    source = source.replace("        # self.norm = nn.BatchNorm2d(output_channel, eps=NORM_EPS)", restored)
    assert restored in source, "the official file no longer has the commented-out norm line"
    namespace = {"__name__": "official_nextvit"}
    exec(compile(source, path, "exec"), namespace)
    return namespace["nextvit_small"](with_extra_norm=True)


class ConvModule(nn.Module):
    """mmcv ConvModule: conv (bias without norm), optional BN + ReLU."""

    def __init__(self, cin, cout, k, norm):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=not norm)
        if norm:
            self.bn = nn.BatchNorm2d(cout)
            self.activate = nn.ReLU()
        self.norm = norm

    def forward(self, x):
        x = self.conv(x)
        return self.activate(self.bn(x)) if self.norm else x


class Upsample(nn.Module):
    def forward(self, x):
        return F.interpolate(x, size=[2 * s for s in x.shape[-2:]], mode="bilinear", align_corners=False)


class FPN(nn.Module):
    def __init__(self, ins, out):
        super().__init__()
        self.lateral_convs = nn.ModuleList(ConvModule(c, out, 1, False) for c in ins)
        self.fpn_convs = nn.ModuleList(ConvModule(out, out, 3, False) for _ in ins)

    def forward(self, xs):
        lat = [conv(x) for conv, x in zip(self.lateral_convs, xs)]
        for i in range(len(lat) - 1, 0, -1):
            lat[i - 1] = lat[i - 1] + F.interpolate(lat[i], size=lat[i - 1].shape[2:], mode="nearest")
        return [conv(x) for conv, x in zip(self.fpn_convs, lat)]


class FPNHead(nn.Module):
    def __init__(self, cin, ch, strides, classes):
        super().__init__()
        self.conv_seg = nn.Conv2d(ch, classes, 1)
        self.dropout = nn.Dropout2d(0.1)
        self.scale_heads = nn.ModuleList()
        for s in strides:
            n = max(1, int(math.log2(s) - math.log2(strides[0])))
            layers = []
            for k in range(n):
                layers.append(ConvModule(cin if k == 0 else ch, ch, 3, True))
                if s != strides[0]:
                    layers.append(Upsample())
            self.scale_heads.append(nn.Sequential(*layers))

    def forward(self, xs):
        out = self.scale_heads[0](xs[0])
        for i in range(1, len(xs)):
            out = out + F.interpolate(self.scale_heads[i](xs[i]), size=out.shape[2:], mode="bilinear",
                                      align_corners=False)
        return self.conv_seg(self.dropout(out))


class SemanticFPN(nn.Module):
    def __init__(self, backbone, classes):
        super().__init__()
        self.backbone = backbone
        self.neck = FPN([96, 256, 512, 1024], 256)
        self.decode_head = FPNHead(256, 128, [4, 8, 16, 32], classes)

    def forward(self, x):
        feats = self.backbone(x)
        out = self.decode_head(self.neck(feats))
        return feats, F.interpolate(out, size=x.shape[2:], mode="bilinear", align_corners=False)


def stats(t):
    flat = t.flatten()
    return {"shape": list(t.shape), "mean": flat.double().mean().item(), "std": flat.double().std().item(),
            "head": flat[:16].tolist()}


def main():
    path, out = sys.argv[1], sys.argv[2]
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    classes = int(sys.argv[4]) if len(sys.argv) > 4 else 150
    base_seed, gain, qk_gain = 2024, 0.8, 3.0
    model = SemanticFPN(official_backbone(path), classes).eval()
    fill(model, base_seed, gain, qk_gain)
    u = uniform((base_seed * 1000003 + 999999) & MASK, 3 * size * size)
    x = torch.tensor([2 * (2 * v - 1) for v in u], dtype=torch.float32).reshape(1, 3, size, size)
    with torch.no_grad():
        feats, logits = model(x)
    flat = logits.flatten()
    json.dump({
        "model": "fpn_nextvit_small", "image_size": size, "batch": 1, "base_seed": base_seed,
        "num_classes": classes, "fill": {"rule": "splitmix64-v1", "gain": gain, "qk_gain": qk_gain},
        "param_count": sum(p.numel() for p in model.parameters()),
        "backbone_param_count": sum(p.numel() for p in model.backbone.parameters()),
        "state_dict": [{"name": k, "shape": list(v.shape)} for k, v in model.state_dict().items()],
        "features": [stats(f) for f in feats],
        "logits": stats(logits),
        "logits_sample_stride": 997,
        "logits_sample": flat[::997].tolist(),
    }, open(out, "w"))


if __name__ == "__main__":
    main()
