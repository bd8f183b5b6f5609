"""GeoNeXt (architecture-specs.md section 1): a from-scratch Atto-like ConvNeXt V2 encoder (GRN
blocks) with a PSA + ASPP top-down decoder. RGB only (the paper never mentions a DEM).

- Stem 4x4/4 conv + LN; stages 32/64/128/256 wide, 2/2/6/2 deep, at strides 4/8/16/32, joined by
  LN + 2x2/2 conv. Block: 7x7 depthwise -> LN -> 1x1 to 4C -> GELU -> GRN -> 1x1 to C -> drop-path
  (0 rising to 0.1 with depth) -> residual; no layer-scale (V2 removed it).
- ASPP on stage 4 (OS32): 1x1, three separable atrous 3x3 at dilations 1/2/3 (the spec's rates for
  256-px input: they cover the image area of DeepLab's 6/12/18 at OS16), image pooling; 128 wide.
- Decoder: ASPP -> x2 -> concat stage 3 -> 1x1 to 128 -> PSA unit; x2 -> concat stage 2 -> 1x1 to
  64 -> PSA; x2 -> concat stage 1 -> 1x1 to 32 -> PSA (PSA unit: y = x + ReLU(BN(PSA(x)))).
- Head (paper order: 3x3 conv-BN-ReLU 32 -> 1x1 logit at H/4 -> bilinear x4). Scarp's contract wants
  `features` at input size before the 1x1 `head`, so the 32-channel map is upsampled x4 first and the
  1x1 head applied after: bilinear upsampling and a 1x1 conv commute (the bilinear weights sum to 1),
  so the logits are the same function; only the cost of the head moves to full resolution.

Variants (the paper's decoder ablation): 'psa+aspp' (default), 'psa', 'aspp', 'plain' (a 1x1 conv
in place of ASPP, no PSA).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .arch_blocks import ASPP, DropPath, LayerNorm2d, conv_bn_relu, up2

VARIANTS = ('psa+aspp', 'psa', 'aspp', 'plain')


class GRN(nn.Module):
    """Global Response Normalisation (ConvNeXt V2): G = ||x||_2 over H,W per channel,
    N = G / (mean_c G + 1e-6), out = gamma * (x * N) + beta + x; gamma, beta zero-initialised."""

    def __init__(self, c):
        super().__init__()
        self.gamma = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.beta = nn.Parameter(torch.zeros(1, c, 1, 1))

    def forward(self, x):
        # The L2 norm, not sqrt(sum x^2): sqrt's gradient is infinite where a channel is all zero (a dead
        # GELU channel), which turned a whole run into NaN (seed 1, epoch 4); the norm's gradient there is 0.
        g = torch.linalg.vector_norm(x, ord=2, dim=(2, 3), keepdim=True)
        n = g / (g.mean(dim=1, keepdim=True) + 1e-6)
        return self.gamma * (x * n) + self.beta + x


class V2Block(nn.Module):
    def __init__(self, c, drop_path=0.0):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = LayerNorm2d(c)
        self.pw1 = nn.Conv2d(c, 4 * c, 1)
        self.act = nn.GELU()
        self.grn = GRN(4 * c)
        self.pw2 = nn.Conv2d(4 * c, c, 1)
        self.drop = DropPath(drop_path)

    def forward(self, x):
        y = self.pw2(self.grn(self.act(self.pw1(self.norm(self.dw(x))))))
        return x + self.drop(y)


class ConvNeXtV2(nn.Module):
    """Returns the four stage outputs (strides 4, 8, 16, 32)."""

    def __init__(self, in_ch=3, widths=(32, 64, 128, 256), depths=(2, 2, 6, 2), drop_path=0.1):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_ch, widths[0], 4, stride=4), LayerNorm2d(widths[0]))
        self.downs = nn.ModuleList(nn.Sequential(LayerNorm2d(widths[i - 1]), nn.Conv2d(widths[i - 1], widths[i], 2, stride=2))
                                   for i in range(1, len(widths)))
        n = sum(depths)
        rates = [drop_path * i / max(1, n - 1) for i in range(n)]
        self.stages = nn.ModuleList()
        k = 0
        for w, d in zip(widths, depths):
            self.stages.append(nn.Sequential(*[V2Block(w, rates[k + j]) for j in range(d)]))
            k += d

    def forward(self, x):
        feats = []
        x = self.stem(x)
        for i, st in enumerate(self.stages):
            if i:
                x = self.downs[i - 1](x)
            x = st(x)
            feats.append(x)
        return feats


def _groups(g, cin, cout):
    """The EPSANet group count, reduced to a divisor of both channel counts for narrow maps."""
    while g > 1 and (cin % g or cout % g):
        g //= 2
    return g


class PSA(nn.Module):
    """Pyramid Squeeze Attention (EPSANet): four parallel convs C -> C/4 (kernels 3/5/7/9, groups
    1/4/8/16), one SE shared by the branches (C/4 -> C/16 -> C/4), softmax across the four branches per
    channel, re-weighted branches concatenated back to C."""

    def __init__(self, c, kernels=(3, 5, 7, 9), groups=(1, 4, 8, 16)):
        super().__init__()
        q = c // 4
        self.q = q
        self.convs = nn.ModuleList(nn.Conv2d(c, q, k, padding=k // 2, groups=_groups(g, c, q), bias=False)
                                   for k, g in zip(kernels, groups))
        h = max(2, c // 16)
        self.se = nn.Sequential(nn.Conv2d(q, h, 1), nn.ReLU(inplace=True), nn.Conv2d(h, q, 1))

    def forward(self, x):
        bs = [conv(x) for conv in self.convs]
        w = torch.stack([self.se(F.adaptive_avg_pool2d(b, 1)) for b in bs], 1)  # N, 4, q, 1, 1
        w = torch.softmax(w, dim=1)
        return torch.cat([b * w[:, i] for i, b in enumerate(bs)], 1)


class PSAUnit(nn.Module):
    """y = x + ReLU(BN(PSA(x)))."""

    def __init__(self, c):
        super().__init__()
        self.psa = PSA(c)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return x + F.relu(self.bn(self.psa(x)))


class GeoNeXt(nn.Module):
    multiple = 32

    def __init__(self, in_ch=3, widths=(32, 64, 128, 256), depths=(2, 2, 6, 2), aspp_ch=128, rates=(1, 2, 3),
                 dec=(128, 64, 32), variant='psa+aspp', drop_path=0.1):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f'geonext variant {variant!r}: one of {VARIANTS}')
        self.variant = variant
        use_psa = 'psa' in variant
        use_aspp = 'aspp' in variant
        self.encoder = ConvNeXtV2(in_ch, widths, depths, drop_path)
        self.aspp = ASPP(widths[3], aspp_ch, rates, 0.1) if use_aspp else conv_bn_relu(widths[3], aspp_ch, 1)
        self.fuse = nn.ModuleList()
        self.psa = nn.ModuleList()
        c = aspp_ch
        for skip, d in zip(reversed(widths[:3]), dec):
            self.fuse.append(conv_bn_relu(c + skip, d, 1))
            self.psa.append(PSAUnit(d) if use_psa else nn.Identity())
            c = d
        self.pre_head = conv_bn_relu(c, 32, 3)
        self.head = nn.Conv2d(32, 1, 1)

    def forward(self, x):
        f = self.encoder(x)
        y = self.aspp(f[3])
        for i, skip in enumerate(reversed(f[:3])):
            y = self.psa[i](self.fuse[i](torch.cat([up2(y), skip], 1)))
        y = self.pre_head(y)  # H/4
        feats = F.interpolate(y, scale_factor=4.0, mode='bilinear', align_corners=False)
        return {'main': self.head(feats), 'features': feats}


def build(in_ch=3, variant=None, **_):
    return GeoNeXt(in_ch=in_ch, variant=variant or 'psa+aspp')
