"""Multi-CNN feature fusion + GAN refinement (architecture-specs.md section 4; Srivats et al.).
RGB only (the paper's inputs are RGB despite its title).

Segmentation network (exported):
- four from-scratch mini encoders, each keeping its family's defining block, BN everywhere, all
  ending at stride 16:
  VGG16-style (2/2/3/3 3x3 conv-BN-ReLU, 16/32/64/96, 2x2 max-pool after each -> 96 ch);
  DenseNet201-style (3x3/2 stem 24 + max-pool; dense blocks of 4/8/12/8 BN-ReLU-1x1(48)-BN-ReLU-3x3(12)
  layers; transitions BN-ReLU-1x1 at 0.5 compression, avg-pool after blocks 1-2 -> 201 ch);
  ResNet50-style (7x7/2 stem 16 + max-pool; bottleneck stages of 2/3/4 blocks, mid 16/32/64, x4 -> 256);
  InceptionV3-style (3x3/2 16, 3x3 16, 3x3 32, max-pool; module, reduction, module, reduction, module;
  module = 1x1 | 1x1->3x3 | 1x1->5x5 | pool->1x1 at widths 16/24/32 -> 128 ch).
- fusion: concat (681 ch at H/16) -> 1x1 conv-BN-ReLU 160 -> SE (ratio 8) = F.
- generator ('unet', default): GAP(F) ++ z (64-d noise; z = 0 at inference) -> dropout 0.5 -> FC ->
  4x4x16 -> bilinear to F's size -> concat F -> 3x3 conv-BN-ReLU 96; Layers 1-4: 4x4/2 transposed
  conv-BN-ReLU (64/32/16/16), each followed by a skip concat (the four encoders' same-stride maps,
  1x1-projected: s8 -> 48, s4 -> 32, s2 -> 16; full resolution: VGG stage 1, 16 ch) and a 3x3
  conv-BN-ReLU; final layer: the 1x1 `head` (sigmoid in the export wrapper).
  'literal' variant: the method text's generator (the same FC map, no concat with F, no skips).
  The FC input is split as FC(GAP F) + FC_z(z) (the same linear map): with z = 0 at inference the
  z term vanishes, so the exported graph has no random op and no constant-of-shape.

Critic (training only, never exported): MaskCritic, five 4x4/2 spectral-norm convs with LeakyReLU 0.2
(16/32/64/96/96) -> flatten -> FC -> 1, linear output (Wasserstein), on masks only; WGAN-GP
(gradient_penalty, lambda 10) in train.py.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .arch_blocks import SE, conv_bn_relu, up_to

VARIANTS = ('unet', 'literal')
Z_DIM = 64


# ------------------------------------------------------------------ encoders (each returns {stride: map}, up to 16)

class VGGMini(nn.Module):
    def __init__(self, in_ch=3, widths=(16, 32, 64, 96), depths=(2, 2, 3, 3)):
        super().__init__()
        self.stages = nn.ModuleList()
        c = in_ch
        for w, d in zip(widths, depths):
            self.stages.append(nn.Sequential(*[conv_bn_relu(c if j == 0 else w, w) for j in range(d)]))
            c = w
        self.out_ch = widths[-1]

    def forward(self, x):
        feats = {}
        s = 1
        for st in self.stages:
            x = st(x)
            feats[s] = x  # pre-pool map at stride s: 1, 2, 4, 8
            x = F.max_pool2d(x, 2)
            s *= 2
        feats[16] = x
        return feats


class DenseLayer(nn.Module):
    def __init__(self, cin, growth=12, bottleneck=48):
        super().__init__()
        self.f = nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(inplace=True), nn.Conv2d(cin, bottleneck, 1, bias=False),
                               nn.BatchNorm2d(bottleneck), nn.ReLU(inplace=True),
                               nn.Conv2d(bottleneck, growth, 3, padding=1, bias=False))

    def forward(self, x):
        return torch.cat([x, self.f(x)], 1)


class DenseNetMini(nn.Module):
    def __init__(self, in_ch=3, stem=24, blocks=(4, 8, 12, 8), growth=12, compression=0.5):
        super().__init__()
        self.stem = conv_bn_relu(in_ch, stem, 3, stride=2)
        self.blocks = nn.ModuleList()
        self.trans = nn.ModuleList()
        c = stem
        for b, n in enumerate(blocks):
            self.blocks.append(nn.Sequential(*[DenseLayer(c + growth * j, growth) for j in range(n)]))
            c = c + growth * n
            if b < len(blocks) - 1:
                co = int(c * compression)
                self.trans.append(nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=True), nn.Conv2d(c, co, 1, bias=False)))
                c = co
        self.final = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=True))
        self.out_ch = c

    def forward(self, x):
        x = self.stem(x)
        feats = {2: x}
        x = F.max_pool2d(x, 2)
        for b, blk in enumerate(self.blocks):
            x = blk(x)
            if b < len(self.trans):
                if b < 2:
                    feats[4 if b == 0 else 8] = x  # block output before its transition
                x = self.trans[b](x)
                if b < 2:
                    x = F.avg_pool2d(x, 2)
        feats[16] = self.final(x)
        return feats


class Bottleneck(nn.Module):
    def __init__(self, cin, mid, stride=1, expansion=4):
        super().__init__()
        cout = mid * expansion
        self.f = nn.Sequential(conv_bn_relu(cin, mid, 1), conv_bn_relu(mid, mid, 3, stride=stride),
                               nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.short = nn.Identity() if (cin == cout and stride == 1) else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return F.relu(self.f(x) + self.short(x))


class ResNetMini(nn.Module):
    def __init__(self, in_ch=3, stem=16, mids=(16, 32, 64), depths=(2, 3, 4)):
        super().__init__()
        self.stem = conv_bn_relu(in_ch, stem, 7, stride=2)
        self.stages = nn.ModuleList()
        c = stem
        for i, (m, d) in enumerate(zip(mids, depths)):
            blocks = []
            for j in range(d):
                blocks.append(Bottleneck(c, m, stride=2 if (i > 0 and j == 0) else 1))
                c = m * 4
            self.stages.append(nn.Sequential(*blocks))
        self.out_ch = c

    def forward(self, x):
        x = self.stem(x)
        feats = {2: x}
        x = F.max_pool2d(x, 2)
        for st, s in zip(self.stages, (4, 8, 16)):
            x = st(x)
            feats[s] = x
        return feats


class InceptionModule(nn.Module):
    """1x1 | 1x1 -> 3x3 | 1x1 -> 5x5 | 3x3 max-pool -> 1x1, each `w` wide."""

    def __init__(self, cin, w):
        super().__init__()
        r = max(8, w * 2 // 3)
        self.b1 = conv_bn_relu(cin, w, 1)
        self.b3 = nn.Sequential(conv_bn_relu(cin, w, 1), conv_bn_relu(w, w, 3))
        self.b5 = nn.Sequential(conv_bn_relu(cin, r, 1), conv_bn_relu(r, w, 5))
        self.bp = conv_bn_relu(cin, w, 1)

    def forward(self, x):
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.bp(F.max_pool2d(x, 3, 1, 1))], 1)


class InceptionReduction(nn.Module):
    """3x3/2 | 1x1 -> 3x3 -> 3x3/2 | 3x3/2 max-pool, concatenated."""

    def __init__(self, cin, w):
        super().__init__()
        self.a = conv_bn_relu(cin, w, 3, stride=2)
        self.b = nn.Sequential(conv_bn_relu(cin, w // 2, 1), conv_bn_relu(w // 2, w * 2 // 3, 3),
                               conv_bn_relu(w * 2 // 3, w, 3, stride=2))
        self.out_ch = cin + 2 * w

    def forward(self, x):
        return torch.cat([self.a(x), self.b(x), F.max_pool2d(x, 3, 2, 1)], 1)


class InceptionMini(nn.Module):
    def __init__(self, in_ch=3, widths=(16, 24, 32)):
        super().__init__()
        self.s1 = conv_bn_relu(in_ch, 16, 3, stride=2)
        self.s2 = nn.Sequential(conv_bn_relu(16, 16), conv_bn_relu(16, 32))
        self.m1 = InceptionModule(32, widths[0])
        self.r1 = InceptionReduction(4 * widths[0], 2 * widths[0])
        self.m2 = InceptionModule(self.r1.out_ch, widths[1])
        self.r2 = InceptionReduction(4 * widths[1], 2 * widths[1])
        self.m3 = InceptionModule(self.r2.out_ch, widths[2])
        self.out_ch = 4 * widths[2]

    def forward(self, x):
        x = self.s1(x)
        feats = {2: x}
        x = self.m1(F.max_pool2d(self.s2(x), 3, 2, 1))
        feats[4] = x
        x = self.m2(self.r1(x))
        feats[8] = x
        feats[16] = self.m3(self.r2(x))
        return feats


# ------------------------------------------------------------------ generator network

class MultiCNNGAN(nn.Module):
    multiple = 16

    def __init__(self, in_ch=3, fused=160, variant='unet', z_dim=Z_DIM, fc_map=(16, 4), up_ch=(64, 32, 16, 16),
                 skip_proj={8: 48, 4: 32, 2: 16}):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f'mcnn-gan variant {variant!r}: one of {VARIANTS}')
        self.variant = variant
        self.vgg, self.dense, self.res, self.inc = VGGMini(in_ch), DenseNetMini(in_ch), ResNetMini(in_ch), InceptionMini(in_ch)
        encs = (self.vgg, self.dense, self.res, self.inc)
        cat = sum(e.out_ch for e in encs)
        self.fusion = nn.Sequential(conv_bn_relu(cat, fused, 1), SE(fused, 8))
        # skip channel counts per stride, measured from a dry run of the encoders
        with torch.no_grad():
            probe = [e.eval()(torch.zeros(1, in_ch, 32, 32)) for e in encs]
        for e in encs:
            e.train()
        self.z_dim = z_dim
        self.fc_c, self.fc_s = fc_map
        n_fc = self.fc_c * self.fc_s * self.fc_s
        self.fc_drop = nn.Dropout(0.5)
        self.fc = nn.Linear(fused, n_fc)
        self.fc_z = nn.Linear(z_dim, n_fc, bias=False)
        unet = variant == 'unet'
        self.entry = conv_bn_relu(self.fc_c + (fused if unet else 0), 96)
        self.ups = nn.ModuleList()
        self.convs = nn.ModuleList()
        self.proj = nn.ModuleDict()
        c = 96
        for u, s in zip(up_ch, (8, 4, 2, 1)):
            self.ups.append(nn.Sequential(nn.ConvTranspose2d(c, u, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(u),
                                          nn.ReLU(inplace=True)))
            sk = 0
            if unet:
                if s == 1:
                    sk = probe[0][1].shape[1]  # VGG stage 1, used as is
                else:
                    self.proj[str(s)] = conv_bn_relu(sum(p[s].shape[1] for p in probe), skip_proj[s], 1)
                    sk = skip_proj[s]
            self.convs.append(conv_bn_relu(u + sk, u))
            c = u
        self.head = nn.Conv2d(c, 1, 1)

    def forward(self, x):
        encs = [self.vgg(x), self.dense(x), self.res(x), self.inc(x)]
        f = self.fusion(torch.cat([e[16] for e in encs], 1))
        g = self.fc_drop(F.adaptive_avg_pool2d(f, 1).flatten(1))
        v = self.fc(g)
        if self.training:  # z ~ N(0, 1) in training, z = 0 at inference (the z term vanishes)
            v = v + self.fc_z(self.fc_drop(torch.randn(g.shape[0], self.z_dim, device=g.device)))
        m = up_to(v.reshape(-1, self.fc_c, self.fc_s, self.fc_s), f)
        y = self.entry(torch.cat([m, f], 1) if self.variant == 'unet' else m)
        for i, s in enumerate((8, 4, 2, 1)):
            y = self.ups[i](y)
            if self.variant == 'unet':
                skip = encs[0][1] if s == 1 else self.proj[str(s)](torch.cat([e[s] for e in encs], 1))
                y = torch.cat([y, skip], 1)
            y = self.convs[i](y)
        return {'main': self.head(y), 'features': y}


# ------------------------------------------------------------------ critic (training only)

class MaskCritic(nn.Module):
    """WGAN critic on masks: five 4x4/2 spectral-norm convs, LeakyReLU 0.2, flatten -> FC -> 1 (linear)."""

    def __init__(self, size=256, widths=(16, 32, 64, 96, 96)):
        super().__init__()
        layers = []
        c = 1
        for w in widths:
            layers += [nn.utils.spectral_norm(nn.Conv2d(c, w, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
            c = w
        self.convs = nn.Sequential(*layers)
        s = size // 2 ** len(widths)
        if s < 1 or size % 2 ** len(widths):
            raise ValueError(f'MaskCritic needs a crop that is a multiple of {2 ** len(widths)}, got {size}')
        self.fc = nn.Linear(c * s * s, 1)

    def forward(self, m):
        return self.fc(self.convs(m).flatten(1))


def gradient_penalty(critic, real, fake):
    """E[(||grad D(x_hat)||_2 - 1)^2] with x_hat uniformly interpolated between real and fake masks."""
    a = torch.rand(real.shape[0], 1, 1, 1, device=real.device)
    xh = (a * real + (1 - a) * fake).requires_grad_(True)
    d = critic(xh)
    g, = torch.autograd.grad(d.sum(), xh, create_graph=True)
    return ((g.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def build(in_ch=3, variant=None, **_):
    return MultiCNNGAN(in_ch=in_ch, variant=variant or 'unet')
