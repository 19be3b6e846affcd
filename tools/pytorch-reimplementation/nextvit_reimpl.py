"""PyTorch re-implementation of Next-ViT as the official code computes it (bytedance/Next-ViT,
classification/nextvit.py).

Written for this project, not copied from the official repository: the official module names,
state-dict keys and forward op sequence, without timm and einops (the token
rearrangements are the Transpose + Reshape that einops >= 0.6 emits). The official code deploys a
model after `merge_bn()`, which folds the pre-norm BatchNorms of the NCB and NTB blocks into the 1x1
conv / linear layers after them; for_export does the same (and the official forward skips those
BatchNorms inside torch.onnx.export for that reason).
"""
import torch
import torch.nn as nn

EPS = 1e-5


def make_divisible(v, divisor=32):
    rounded = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * v else rounded


def bn_affine(bn):
    """Eval BatchNorm as y = scale * x + shift (per channel)."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return scale, bn.bias - bn.running_mean * scale


def fold_pre_bns(layer, *bns):
    """Folds BatchNorms applied (in this order, with only channel-wise linear ops between them) before a
    Linear or 1x1 conv into its weight and bias: W' = W diag(s), b' = b + W t."""
    scale, shift = torch.ones_like(bns[0].weight), torch.zeros_like(bns[0].weight)
    for bn in bns:
        s, t = bn_affine(bn)
        scale, shift = scale * s, shift * s + t
    w = layer.weight.reshape(layer.weight.shape[0], -1)
    layer.bias.add_(w @ shift)
    w.mul_(scale)  # a view of layer.weight


class ConvBNReLU(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.norm = nn.BatchNorm2d(cout, eps=EPS)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.act(self.norm(self.conv(x)))


class PatchEmbed(nn.Module):
    """Stride 2: 2x2 average pool (ceil, no padding counted), 1x1 conv, BN; a width change: 1x1 conv, BN; else nothing."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        change = stride == 2 or cin != cout
        self.avgpool = nn.AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False) if stride == 2 else nn.Identity()
        self.conv = nn.Conv2d(cin, cout, 1, bias=False) if change else nn.Identity()
        self.norm = nn.BatchNorm2d(cout, eps=EPS) if change else nn.Identity()

    def forward(self, x):
        return self.norm(self.conv(self.avgpool(x)))


class MHCA(nn.Module):
    """Multi-head convolutional attention: grouped 3x3 (one group per 32-channel head), BN, ReLU, 1x1."""

    def __init__(self, channels, head_dim=32):
        super().__init__()
        self.group_conv3x3 = nn.Conv2d(channels, channels, 3, 1, 1, groups=channels // head_dim, bias=False)
        self.norm = nn.BatchNorm2d(channels, eps=EPS)
        self.act = nn.ReLU(inplace=True)
        self.projection = nn.Conv2d(channels, channels, 1, bias=False)

    def forward(self, x):
        return self.projection(self.act(self.norm(self.group_conv3x3(x))))


class Mlp(nn.Module):
    def __init__(self, channels, mlp_ratio):
        super().__init__()
        hidden = make_divisible(channels * mlp_ratio)
        self.conv1 = nn.Conv2d(channels, hidden, 1)
        self.act = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(hidden, channels, 1)

    def forward(self, x):
        return self.conv2(self.act(self.conv1(x)))


class NCB(nn.Module):
    """Next Convolution Block: patch embed, x + MHCA(x), x + Mlp(BN(x))."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.patch_embed = PatchEmbed(cin, cout, stride)
        self.mhca = MHCA(cout)
        self.norm = nn.BatchNorm2d(cout, eps=EPS)
        self.mlp = Mlp(cout, 3)
        self.merged = False

    def merge_bn(self):
        fold_pre_bns(self.mlp.conv1, self.norm)
        self.merged = True

    def forward(self, x):
        x = self.patch_embed(x)
        x = x + self.mhca(x)
        return x + self.mlp(x if self.merged else self.norm(x))


class E_MHSA(nn.Module):  # noqa: N801 (the official class name)
    """Efficient MHSA on tokens; keys and values from tokens average-pooled by sr² (1-D, over the sequence), then BN."""

    def __init__(self, dim, sr_ratio, head_dim=32):
        super().__init__()
        self.heads, self.scale, self.sr_ratio = dim // head_dim, head_dim ** -0.5, sr_ratio
        self.q, self.k, self.v, self.proj = (nn.Linear(dim, dim) for _ in range(4))
        if sr_ratio > 1:
            self.sr = nn.AvgPool1d(sr_ratio ** 2, sr_ratio ** 2)
            self.norm = nn.BatchNorm1d(dim, eps=EPS)
        self.merged = False

    def merge_bn(self, pre_bn):
        fold_pre_bns(self.q, pre_bn)
        for layer in (self.k, self.v):
            fold_pre_bns(layer, pre_bn, *([self.norm] if self.sr_ratio > 1 else []))
        self.merged = True

    def forward(self, x):
        B, N, C = x.shape
        d = C // self.heads
        q = self.q(x).reshape(B, N, self.heads, d).permute(0, 2, 1, 3)
        kv = x
        if self.sr_ratio > 1:
            kv = self.sr(x.transpose(1, 2))
            kv = (kv if self.merged else self.norm(kv)).transpose(1, 2)
        k = self.k(kv).reshape(B, -1, self.heads, d).permute(0, 2, 3, 1)
        v = self.v(kv).reshape(B, -1, self.heads, d).permute(0, 2, 1, 3)
        attn = ((q @ k) * self.scale).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))


class NTB(nn.Module):
    """Next Transformer Block: E-MHSA on 3/4 of the width, MHCA on the rest, concatenated, then x + Mlp(BN(x))."""

    def __init__(self, cin, cout, stride, sr_ratio):
        super().__init__()
        self.mhsa_out_channels = make_divisible(int(cout * 0.75))
        self.mhca_out_channels = cout - self.mhsa_out_channels
        self.patch_embed = PatchEmbed(cin, self.mhsa_out_channels, stride)
        self.norm1 = nn.BatchNorm2d(self.mhsa_out_channels, eps=EPS)
        self.e_mhsa = E_MHSA(self.mhsa_out_channels, sr_ratio)
        self.projection = PatchEmbed(self.mhsa_out_channels, self.mhca_out_channels)
        self.mhca = MHCA(self.mhca_out_channels)
        self.norm2 = nn.BatchNorm2d(cout, eps=EPS)
        self.mlp = Mlp(cout, 2)
        self.merged = False

    def merge_bn(self):
        self.e_mhsa.merge_bn(self.norm1)
        fold_pre_bns(self.mlp.conv1, self.norm2)
        self.merged = True

    def forward(self, x):
        x = self.patch_embed(x)
        B, C, H, W = x.shape
        out = x if self.merged else self.norm1(x)
        out = self.e_mhsa(out.permute(0, 2, 3, 1).reshape(B, H * W, C))      # b c h w -> b (h w) c
        x = x + out.reshape(B, H, W, C).permute(0, 3, 1, 2)                  # b (h w) c -> b c h w
        out = self.projection(x)
        x = torch.cat([x, out + self.mhca(out)], dim=1)
        return x + self.mlp(x if self.merged else self.norm2(x))


class NextViT(nn.Module):
    def __init__(self, depths, stem_chs=(64, 32, 64), sr_ratios=(8, 4, 2, 1), num_classes=1000):
        super().__init__()
        # per stage: block widths and kinds (as classification/nextvit.py lays them out: NTBs end stages 2 and 4 and every 5th block of stage 3)
        widths = [[96] * depths[0], [192] * (depths[1] - 1) + [256],
                  [384, 384, 384, 384, 512] * (depths[2] // 5), [768] * (depths[3] - 1) + [1024]]
        kinds = [[NCB] * depths[0], [NCB] * (depths[1] - 1) + [NTB],
                 [NCB, NCB, NCB, NCB, NTB] * (depths[2] // 5), [NCB] * (depths[3] - 1) + [NTB]]
        self.stem = nn.Sequential(ConvBNReLU(3, stem_chs[0], 2), ConvBNReLU(stem_chs[0], stem_chs[1], 1),
                                  ConvBNReLU(stem_chs[1], stem_chs[2], 1), ConvBNReLU(stem_chs[2], stem_chs[2], 2))
        blocks, cin = [], stem_chs[2]
        for stage in range(4):
            for i, (cout, kind) in enumerate(zip(widths[stage], kinds[stage])):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(NCB(cin, cout, stride) if kind is NCB else NTB(cin, cout, stride, sr_ratios[stage]))
                cin = cout
        self.features = nn.Sequential(*blocks)
        self.norm = nn.BatchNorm2d(cin, eps=EPS)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.proj_head = nn.Sequential(nn.Linear(cin, num_classes))

    def forward(self, x):
        x = self.norm(self.features(self.stem(x)))
        return self.proj_head(torch.flatten(self.avgpool(x), 1))


VARIANTS = {"nextvit_small": [3, 4, 10, 3], "nextvit_base": [3, 4, 20, 3], "nextvit_large": [3, 4, 30, 3]}


def create(name):
    return NextViT(VARIANTS[name]).eval(), 224


@torch.no_grad()
def for_export(model):
    """The official deployment: merge_bn() on every NCB and NTB."""
    for block in model.features:
        block.merge_bn()
    return True
