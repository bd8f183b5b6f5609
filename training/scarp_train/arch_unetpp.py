"""U-Net++ with contextual attention (architecture-specs.md section 2; Hegde et al.).

- Early fusion: RGB and DEM channels stacked into one input (in_ch = 3 + terrain bands on the `uav`
  recipe, 3 on `sat`).
- Nested dense skips: nodes X(i,j), depth i = 0..4 (2x2 max-pool between depths), column j = 0..4-i;
  X(i,0) is the encoder; X(i,j) = ConvBlock(concat[X(i,0..j-1), Up(X(i+1,j-1))]), ConvBlock =
  2 x (3x3 conv -> BN -> ReLU), Up = bilinear x2. Widths 16/32/64/128/256 (the spec's [P]).
- Dropout 0.5 after X(4,0) and X(3,0) (as in the original U-Net). Head: 1x1 conv on X(0,4) (already
  at input size, so `features` = X(0,4)). No deep supervision.
- Attention after each conv-BN-ReLU of the encoder nodes X(i,0) (10 places), by variant:
  'none' (plain U-Net++), 'spatial' (model 4: SA), 'contextual' (model 5, the paper's best and the
  default: channel attention with avg+max pooling and a shared MLP r=8, then SA = CBAM),
  'both' (model 6: SA, then the contextual module).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .arch_blocks import ChannelAttention, SpatialAttention, conv_bn_relu, up2

VARIANTS = ('contextual', 'spatial', 'both', 'none')


def attention(c, variant):
    if variant == 'none':
        return nn.Identity()
    if variant == 'spatial':
        return SpatialAttention(7)
    contextual = [ChannelAttention(c, 8), SpatialAttention(7)]
    if variant == 'contextual':
        return nn.Sequential(*contextual)
    return nn.Sequential(SpatialAttention(7), *contextual)  # 'both': spatial first


class ConvBlock(nn.Sequential):
    def __init__(self, cin, cout, variant='none'):
        super().__init__(conv_bn_relu(cin, cout), attention(cout, variant), conv_bn_relu(cout, cout), attention(cout, variant))


class UNetPP(nn.Module):
    multiple = 16

    def __init__(self, in_ch=3, widths=(16, 32, 64, 128, 256), variant='contextual', dropout=0.5):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f'unetpp-att variant {variant!r}: one of {VARIANTS}')
        self.variant = variant
        n = len(widths)
        self.n = n
        self.nodes = nn.ModuleDict()
        for i in range(n):
            self.nodes[f'{i}_0'] = ConvBlock(in_ch if i == 0 else widths[i - 1], widths[i], variant)
        for j in range(1, n):
            for i in range(n - j):
                self.nodes[f'{i}_{j}'] = ConvBlock(widths[i] * j + widths[i + 1], widths[i])
        self.drop = nn.Dropout(dropout)
        self.head = nn.Conv2d(widths[0], 1, 1)

    def forward(self, x):
        n = self.n
        X = {}
        y = x
        for i in range(n):
            if i:
                y = F.max_pool2d(y, 2)
            y = self.nodes[f'{i}_0'](y)
            if i >= n - 2:  # X(3,0), X(4,0)
                y = self.drop(y)
            X[i, 0] = y
        for j in range(1, n):
            for i in range(n - j):
                X[i, j] = self.nodes[f'{i}_{j}'](torch.cat([X[i, k] for k in range(j)] + [up2(X[i + 1, j - 1])], 1))
        f = X[0, n - 1]
        return {'main': self.head(f), 'features': f}


def build(in_ch=3, variant=None, **_):
    return UNetPP(in_ch=in_ch, variant=variant or 'contextual')
