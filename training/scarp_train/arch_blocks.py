"""Building blocks shared by the comparison architectures (arch_*.py). Everything here exports to
ONNX opset 17 with dynamic batch/height/width: global pooling as GlobalAveragePool/GlobalMaxPool,
channel LayerNorm written as mean/var over dim 1, no in-place ops on exported paths that matter,
image-pooling branches broadcast with expand_as (a bilinear upsampling of a 1x1 map is a broadcast).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn_relu(cin, cout, k=3, stride=1, dilation=1, groups=1):
    pad = dilation * (k - 1) // 2
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, pad, dilation=dilation, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def up2(x):
    return F.interpolate(x, scale_factor=2.0, mode='bilinear', align_corners=False)


def up_to(x, ref):
    """Bilinear resize of x to ref's spatial size (exported as Resize with sizes from Shape)."""
    return F.interpolate(x, size=ref.shape[-2:], mode='bilinear', align_corners=False)


class LayerNorm2d(nn.Module):
    """ConvNeXt's channels-last LayerNorm on an NCHW map: normalise over C at each pixel."""

    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.eps = eps

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        d = x - u
        s = (d * d).mean(1, keepdim=True)
        x = d / torch.sqrt(s + self.eps)
        return x * self.weight[:, None, None] + self.bias[:, None, None]


class DropPath(nn.Module):
    """Stochastic depth (per sample), identity at inference."""

    def __init__(self, p=0.0):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        m = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
        return x * m / keep


class ChannelAttention(nn.Module):
    """CBAM channel attention: sigmoid(MLP(GAP x) + MLP(GMP x)), shared MLP C -> C/r -> C."""

    def __init__(self, c, ratio=8):
        super().__init__()
        h = max(2, c // ratio)
        self.mlp = nn.Sequential(nn.Conv2d(c, h, 1), nn.ReLU(inplace=True), nn.Conv2d(h, c, 1))

    def forward(self, x):
        a = self.mlp(F.adaptive_avg_pool2d(x, 1)) + self.mlp(F.adaptive_max_pool2d(x, 1))
        return x * torch.sigmoid(a)


class SpatialAttention(nn.Module):
    """CBAM spatial attention: x * sigmoid(conv7x7([mean_c x; max_c x]))."""

    def __init__(self, k=7):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, k, padding=k // 2)

    def forward(self, x):
        s = torch.cat([x.mean(1, keepdim=True), x.max(1, keepdim=True)[0]], 1)
        return x * torch.sigmoid(self.conv(s))


class CBAM(nn.Sequential):
    """F1 = Mc(F) * F, F2 = Ms(F1) * F1."""

    def __init__(self, c, ratio=4, k=7):
        super().__init__(ChannelAttention(c, ratio), SpatialAttention(k))


class SE(nn.Module):
    """Squeeze-and-excitation: x * sigmoid(FC(ReLU(FC(GAP x))))."""

    def __init__(self, c, ratio=8):
        super().__init__()
        h = max(2, c // ratio)
        self.fc = nn.Sequential(nn.Conv2d(c, h, 1), nn.ReLU(inplace=True), nn.Conv2d(h, c, 1))

    def forward(self, x):
        return x * torch.sigmoid(self.fc(F.adaptive_avg_pool2d(x, 1)))


def sep_conv_bn_relu(cin, cout, dilation=1):
    """Depthwise-separable 3x3 (atrous) conv -> BN -> ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cin, 3, padding=dilation, dilation=dilation, groups=cin, bias=False),
                         nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ImagePool(nn.Module):
    """ASPP image-pooling branch: GAP -> 1x1 conv -> ReLU, broadcast back to the map's size.
    No BatchNorm here (deviation from DeepLab): BN over a 1x1 map fails in training at batch 1."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        y = F.relu(self.conv(F.adaptive_avg_pool2d(x, 1)))
        return y.expand(-1, -1, x.shape[2], x.shape[3])


class ASPP(nn.Module):
    """1x1 branch, three 3x3 atrous depthwise-separable branches, image pooling; each `ch` wide with
    BN-ReLU; concat -> 1x1 to `ch` -> BN-ReLU -> dropout."""

    def __init__(self, cin, ch, rates, dropout):
        super().__init__()
        self.branches = nn.ModuleList([conv_bn_relu(cin, ch, 1)] + [sep_conv_bn_relu(cin, ch, r) for r in rates])
        self.pool = ImagePool(cin, ch)
        self.project = nn.Sequential(nn.Conv2d(ch * (len(rates) + 2), ch, 1, bias=False), nn.BatchNorm2d(ch),
                                     nn.ReLU(inplace=True), nn.Dropout(dropout))

    def forward(self, x):
        return self.project(torch.cat([b(x) for b in self.branches] + [self.pool(x)], 1))
