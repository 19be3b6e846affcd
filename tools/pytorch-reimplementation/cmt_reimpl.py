"""PyTorch re-implementation of CMT as the official code computes it (huawei-noah/Efficient-AI-Backbones,
cmt_pytorch/cmt.py).

Written for this project, not copied from the official repository: the official module names,
state-dict keys and forward op sequence (token-form blocks with their permutes and reshapes,
BatchNorm after GELU, attention on tokens), without timm, so that torch.onnx.export emits the graph
an export of the official code gives. export_reimpl.py checks each model against the official
reference logits before exporting it.
"""
import torch
import torch.nn as nn


class Mlp(nn.Module):
    """IRFFN: 1x1 conv, GELU, BN; depthwise 3x3 with a shortcut, GELU, BN; 1x1 conv, BN."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(dim, hidden, 1), nn.GELU(), nn.BatchNorm2d(hidden))
        self.proj = nn.Conv2d(hidden, hidden, 3, 1, 1, groups=hidden)
        self.proj_act = nn.GELU()
        self.proj_bn = nn.BatchNorm2d(hidden)
        self.conv2 = nn.Sequential(nn.Conv2d(hidden, dim, 1), nn.BatchNorm2d(dim))

    def forward(self, x, H, W):
        B, N, C = x.shape
        x = self.conv1(x.permute(0, 2, 1).reshape(B, C, H, W))
        x = self.proj_bn(self.proj_act(self.proj(x) + x))
        return self.conv2(x).flatten(2).permute(0, 2, 1)


class Attention(nn.Module):
    """Lightweight MHSA: keys and values from a depthwise k×k, stride-k reduced map, plus a relative position bias."""

    def __init__(self, dim, heads, sr_ratio):
        super().__init__()
        self.heads, self.scale, self.sr_ratio = heads, (dim // heads) ** -0.5, sr_ratio
        self.q, self.k, self.v = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)
        if sr_ratio > 1:
            self.sr = nn.Sequential(nn.Conv2d(dim, dim, sr_ratio, sr_ratio, groups=dim), nn.BatchNorm2d(dim))

    def forward(self, x, H, W, relative_pos):
        B, N, C = x.shape
        d = C // self.heads
        q = self.q(x).reshape(B, N, self.heads, d).permute(0, 2, 1, 3)
        kv = x
        if self.sr_ratio > 1:
            kv = self.sr(x.permute(0, 2, 1).reshape(B, C, H, W)).reshape(B, C, -1).permute(0, 2, 1)
        k = self.k(kv).reshape(B, -1, self.heads, d).permute(0, 2, 1, 3)
        v = self.v(kv).reshape(B, -1, self.heads, d).permute(0, 2, 1, 3)
        attn = ((q @ k.transpose(-2, -1)) * self.scale + relative_pos).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))


class Block(nn.Module):
    """LPU (depthwise 3x3 with a shortcut, on the map), then pre-norm attention and IRFFN on tokens."""

    def __init__(self, dim, heads, mlp_ratio, sr_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads, sr_ratio)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.proj = nn.Conv2d(dim, dim, 3, 1, 1, groups=dim)

    def forward(self, x, H, W, relative_pos):
        B, N, C = x.shape
        cnn_feat = x.permute(0, 2, 1).reshape(B, C, H, W)
        x = (self.proj(cnn_feat) + cnn_feat).flatten(2).permute(0, 2, 1)
        x = x + self.attn(self.norm1(x), H, W, relative_pos)
        return x + self.mlp(self.norm2(x), H, W)


class PatchEmbed(nn.Module):
    """2x2 stride-2 conv, then LayerNorm (eps 1e-5) on tokens."""

    def __init__(self, in_chans, dim):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, 2, 2)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        x = self.proj(x)
        H, W = x.shape[2], x.shape[3]
        return self.norm(x.flatten(2).transpose(1, 2)), (H, W)


class Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


class CMT(nn.Module):
    def __init__(self, img_size, embed_dims, stem_channel, num_heads, depths, mlp_ratio,
                 sr_ratios=(8, 4, 2, 1), fc_dim=1280, num_classes=1000):
        super().__init__()
        stem = stem_channel
        self.stem_conv1, self.stem_relu1, self.stem_norm1 = nn.Conv2d(3, stem, 3, 2, 1), nn.GELU(), nn.BatchNorm2d(stem)
        self.stem_conv2, self.stem_relu2, self.stem_norm2 = nn.Conv2d(stem, stem, 3, 1, 1), nn.GELU(), nn.BatchNorm2d(stem)
        self.stem_conv3, self.stem_relu3, self.stem_norm3 = nn.Conv2d(stem, stem, 3, 1, 1), nn.GELU(), nn.BatchNorm2d(stem)
        # registration order = the official state-dict order: patch embeds, relative positions, blocks
        ins = [stem] + list(embed_dims[:3])
        for i, s in enumerate("abcd"):
            setattr(self, "patch_embed_" + s, PatchEmbed(ins[i], embed_dims[i]))
        for i, s in enumerate("abcd"):
            n = (img_size // 2 ** (i + 2)) ** 2
            setattr(self, "relative_pos_" + s, nn.Parameter(torch.zeros(num_heads[i], n, n // sr_ratios[i] ** 2)))
        for i, s in enumerate("abcd"):
            setattr(self, "blocks_" + s, nn.ModuleList(
                Block(embed_dims[i], num_heads[i], mlp_ratio, sr_ratios[i]) for _ in range(depths[i])))
        self._fc = nn.Conv2d(embed_dims[-1], fc_dim, 1)
        self._bn = nn.BatchNorm2d(fc_dim)
        self._swish = Swish()
        self._avg_pooling = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(fc_dim, num_classes)

    def forward(self, x):
        B = x.shape[0]
        x = self.stem_norm1(self.stem_relu1(self.stem_conv1(x)))
        x = self.stem_norm2(self.stem_relu2(self.stem_conv2(x)))
        x = self.stem_norm3(self.stem_relu3(self.stem_conv3(x)))
        for i, s in enumerate("abcd"):
            if i > 0:
                x = x.reshape(B, H, W, -1).permute(0, 3, 1, 2).contiguous()
            x, (H, W) = getattr(self, "patch_embed_" + s)(x)
            for block in getattr(self, "blocks_" + s):
                x = block(x, H, W, getattr(self, "relative_pos_" + s))
        B, N, C = x.shape
        x = self._swish(self._bn(self._fc(x.permute(0, 2, 1).reshape(B, C, H, W))))
        return self.head(self._avg_pooling(x).flatten(start_dim=1))


# The official variants (cmt_pytorch/cmt.py: cmt_ti, cmt_xs, cmt_s, cmt_b), native training resolution.
VARIANTS = {
    "cmt_ti": dict(img_size=160, embed_dims=[46, 92, 184, 368], stem_channel=16, num_heads=[1, 2, 4, 8],
                   depths=[2, 2, 10, 2], mlp_ratio=3.6),
    "cmt_xs": dict(img_size=192, embed_dims=[52, 104, 208, 416], stem_channel=16, num_heads=[1, 2, 4, 8],
                   depths=[3, 3, 12, 3], mlp_ratio=3.77),
    "cmt_s": dict(img_size=224, embed_dims=[64, 128, 256, 512], stem_channel=32, num_heads=[1, 2, 4, 8],
                  depths=[3, 3, 16, 3], mlp_ratio=4),
    "cmt_b": dict(img_size=256, embed_dims=[76, 152, 304, 608], stem_channel=38, num_heads=[1, 2, 4, 8],
                  depths=[4, 4, 20, 4], mlp_ratio=4),
}


def create(name):
    config = VARIANTS[name]
    return CMT(**config).eval(), config["img_size"]


def for_export(model):
    """The official CMT code exports the eval model as it is."""
    return False
