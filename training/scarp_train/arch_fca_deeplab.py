"""FCA-DeepLab (architecture-specs.md section 3): DeepLabv3+ with RGB/DEM fusion before a ConvNeXt
backbone, small-object attention on low-level features and a regularised decoder.

- Fusion (before the backbone): RGB 3 -> 2 x (3x3 conv-BN-ReLU, 16); terrain k -> 2 x (3x3
  conv-BN-ReLU, 16); concat 32 -> CBAM (ratio 4, 7x7) -> 1x1 conv-BN-ReLU 32 -> backbone stem.
  The terrain input may be all zeros (no DEM): the recipe trains with terrain dropped at random.
  Built with terrain_ch=0 (a recipe without terrain, e.g. `sat`) it is the paper's no-fusion
  ablation: one input, RGB straight into the stem.
- Backbone: ConvNeXt (V1) from scratch, widths 32/64/128/256, depths 2/2/6/2; block 7x7 dw -> LN ->
  1x1 4C -> GELU -> 1x1 C -> layer-scale (1e-6) -> drop-path (up to 0.1) -> residual. Output stride 16:
  stage 4 replaces the 2x2/2 conv by LN + 1x1 (128 -> 256) and dilates its depthwise convs by 2.
- ASPP on stage 4: 1x1, separable atrous 3x3 at 6/12/18, image pooling; 96 wide, BN-ReLU; concat ->
  1x1 to 96 -> BN-ReLU -> dropout 0.5.
- Small-object attention: CBAM (ratio 4, 7x7) on the stage-1 output (H/4, 32 ch), then the low-level
  1x1 conv-BN-ReLU to 24.
- Decoder: ASPP x4 (bilinear) ++ low-level 24 -> separable 3x3 conv-BN-ReLU 96 -> dropout 0.5 ->
  separable 3x3 conv-BN-ReLU 96 -> dropout 0.1 ("hierarchical regularisation").
- Head: paper order is 1x1 logit at H/4 -> bilinear x4; here the 96-channel map is upsampled x4 to the
  input size first (`features`) and the 1x1 `head` applied after (the same function: bilinear
  weights sum to 1, so upsampling and a 1x1 conv commute).

Variants (the paper's ablations): 'full' (default), 'no-soa' (no small-object attention: the stage-1
map goes straight to the low-level 1x1). The no-fusion ablation is terrain_ch=0. The ResNet101-style
backbone ablation is not built.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .arch_blocks import ASPP, CBAM, DropPath, LayerNorm2d, conv_bn_relu, sep_conv_bn_relu

VARIANTS = ('full', 'no-soa')


class V1Block(nn.Module):
    def __init__(self, c, drop_path=0.0, dilation=1, layer_scale=1e-6):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 7, padding=3 * dilation, dilation=dilation, groups=c)
        self.norm = LayerNorm2d(c)
        self.pw1 = nn.Conv2d(c, 4 * c, 1)
        self.act = nn.GELU()
        self.pw2 = nn.Conv2d(4 * c, c, 1)
        self.gamma = nn.Parameter(torch.full((1, c, 1, 1), layer_scale))
        self.drop = DropPath(drop_path)

    def forward(self, x):
        y = self.pw2(self.act(self.pw1(self.norm(self.dw(x)))))
        return x + self.drop(self.gamma * y)


class ConvNeXtOS16(nn.Module):
    """ConvNeXt V1 at output stride 16; returns the stage-1 (H/4) and stage-4 (H/16) maps."""

    def __init__(self, in_ch, widths=(32, 64, 128, 256), depths=(2, 2, 6, 2), drop_path=0.1):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_ch, widths[0], 4, stride=4), LayerNorm2d(widths[0]))
        downs = [nn.Sequential(LayerNorm2d(widths[i - 1]), nn.Conv2d(widths[i - 1], widths[i], 2, stride=2)) for i in (1, 2)]
        downs.append(nn.Sequential(LayerNorm2d(widths[2]), nn.Conv2d(widths[2], widths[3], 1)))  # OS16: no stride
        self.downs = nn.ModuleList(downs)
        n = sum(depths)
        rates = [drop_path * i / max(1, n - 1) for i in range(n)]
        self.stages = nn.ModuleList()
        k = 0
        for s, (w, d) in enumerate(zip(widths, depths)):
            self.stages.append(nn.Sequential(*[V1Block(w, rates[k + j], dilation=2 if s == 3 else 1) for j in range(d)]))
            k += d

    def forward(self, x):
        x = self.stages[0](self.stem(x))
        low = x
        for i in (1, 2, 3):
            x = self.stages[i](self.downs[i - 1](x))
        return low, x


class FCADeepLab(nn.Module):
    multiple = 16

    def __init__(self, optical_ch=3, terrain_ch=2, widths=(32, 64, 128, 256), depths=(2, 2, 6, 2), aspp_ch=96,
                 rates=(6, 12, 18), low_ch=24, dec_ch=96, variant='full', drop_path=0.1):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f'fca-deeplab variant {variant!r}: one of {VARIANTS}')
        self.variant = variant
        self.fusion = terrain_ch > 0
        if self.fusion:
            self.rgb = nn.Sequential(conv_bn_relu(optical_ch, 16), conv_bn_relu(16, 16))
            self.dem = nn.Sequential(conv_bn_relu(terrain_ch, 16), conv_bn_relu(16, 16))
            self.fuse = nn.Sequential(CBAM(32, 4, 7), conv_bn_relu(32, 32, 1))
            stem_in = 32
        else:
            stem_in = optical_ch
        self.backbone = ConvNeXtOS16(stem_in, widths, depths, drop_path)
        self.aspp = ASPP(widths[3], aspp_ch, rates, 0.5)
        self.soa = CBAM(widths[0], 4, 7) if variant == 'full' else nn.Identity()
        self.low = conv_bn_relu(widths[0], low_ch, 1)
        self.decoder = nn.Sequential(sep_conv_bn_relu(aspp_ch + low_ch, dec_ch), nn.Dropout(0.5),
                                     sep_conv_bn_relu(dec_ch, dec_ch), nn.Dropout(0.1))
        self.head = nn.Conv2d(dec_ch, 1, 1)

    def forward(self, optical, terrain=None):
        if self.fusion:
            x = self.fuse(torch.cat([self.rgb(optical), self.dem(terrain)], 1))
        else:
            x = optical
        low, deep = self.backbone(x)
        y = F.interpolate(self.aspp(deep), scale_factor=4.0, mode='bilinear', align_corners=False)
        y = self.decoder(torch.cat([y, self.low(self.soa(low))], 1))  # H/4
        feats = F.interpolate(y, scale_factor=4.0, mode='bilinear', align_corners=False)
        return {'main': self.head(feats), 'features': feats}


def build(in_ch=3, terrain_ch=2, variant=None, **_):
    return FCADeepLab(optical_ch=3, terrain_ch=terrain_ch, variant=variant or 'full')
