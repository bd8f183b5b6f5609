"""Architectures: a compact U-Net baseline and DiGATe-UNet (dual-stream, gated fusion), plus the four
comparison architectures in their own modules (arch_unetpp, arch_fca_deeplab, arch_geonext,
arch_mcnn_gan). Contract for every net: forward returns a dict with 'main' (N x 1 x H x W logits at
input size) and 'features' (the map the 1x1 `.head` turns into 'main', at input size)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DoubleConv(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(conv_bn(cin, cout), conv_bn(cout, cout))


class UNet(nn.Module):
    """Plain U-Net on stacked channels, five levels (four 2x down-samplings), logits out."""

    def __init__(self, in_ch=3, width=16, depth=5):
        super().__init__()
        chs = [width * 2 ** i for i in range(depth)]
        self.downs = nn.ModuleList()
        c = in_ch
        for i, ch in enumerate(chs):
            self.downs.append(DoubleConv(c, ch))
            c = ch
        self.ups = nn.ModuleList()
        self.upconvs = nn.ModuleList()
        for ch in reversed(chs[:-1]):
            self.ups.append(nn.ConvTranspose2d(c, ch, 2, stride=2))
            self.upconvs.append(DoubleConv(2 * ch, ch))
            c = ch
        self.head = nn.Conv2d(c, 1, 1)
        self.multiple = 2 ** (depth - 1)

    def forward(self, x):
        skips = []
        for i, d in enumerate(self.downs):
            if i:
                x = F.max_pool2d(x, 2)
            x = d(x)
            skips.append(x)
        x = skips.pop()
        for up, conv in zip(self.ups, self.upconvs):
            x = up(x)
            x = conv(torch.cat([x, skips.pop()], 1))
        return {'main': self.head(x), 'features': x}


# ------------------------------------------------------------------ DiGATe-UNet

class Encoder(nn.Module):
    """Five feature levels at 1/1, 1/2, 1/4, 1/8, 1/16."""

    def __init__(self, in_ch, chs):
        super().__init__()
        self.stages = nn.ModuleList()
        c = in_ch
        for i, ch in enumerate(chs):
            self.stages.append(DoubleConv(c, ch))
            c = ch

    def forward(self, x):
        feats = []
        for i, s in enumerate(self.stages):
            if i:
                x = F.max_pool2d(x, 2)
            x = s(x)
            feats.append(x)
        return feats


class GatedFusion(nn.Module):
    """concat(a, b) -> 1x1 conv -> sigmoid gate alpha; out = alpha*a + (1-alpha)*b (b projected to a's C)."""

    def __init__(self, ca, cb):
        super().__init__()
        self.proj = nn.Identity() if ca == cb else nn.Conv2d(cb, ca, 1)
        self.gate = nn.Conv2d(2 * ca, 1, 1)

    def forward(self, a, b):
        b = self.proj(b)
        alpha = torch.sigmoid(self.gate(torch.cat([a, b], 1)))
        return alpha * a + (1 - alpha) * b, alpha


class SubPixelUp(nn.Module):
    """1x1 conv to 4*C, GroupNorm(1) (layer norm over C,H,W), ReLU, pixel shuffle x2."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, 4 * cout, 1, bias=False)
        self.norm = nn.GroupNorm(1, 4 * cout)
        self.shuffle = nn.PixelShuffle(2)

    def forward(self, x):
        return self.shuffle(F.relu(self.norm(self.conv(x))))


class CrossAttention(nn.Module):
    """Light multi-head cross-attention: queries from the decoder map, keys/values from the skip,
    pre-norm, residual, then a pre-norm residual MLP. Written with matmuls (clean ONNX export)."""

    def __init__(self, c, cs, heads=2, mlp_ratio=2):
        super().__init__()
        self.heads = heads
        self.nq = nn.GroupNorm(1, c)
        self.nk = nn.GroupNorm(1, cs)
        self.q = nn.Conv2d(c, c, 1)
        self.kv = nn.Conv2d(cs, 2 * c, 1)
        self.o = nn.Conv2d(c, c, 1)
        self.nm = nn.GroupNorm(1, c)
        self.mlp = nn.Sequential(nn.Conv2d(c, c * mlp_ratio, 1), nn.GELU(), nn.Conv2d(c * mlp_ratio, c, 1))

    def forward(self, x, skip):
        B, C, H, W = x.shape
        h = self.heads
        d = C // h
        q = self.q(self.nq(x)).reshape(B * h, d, H * W).transpose(1, 2)  # (Bh, N, d)
        kv = self.kv(self.nk(skip))
        k, v = kv[:, :C], kv[:, C:]
        k = k.reshape(B * h, d, -1)  # (Bh, d, M)
        v = v.reshape(B * h, d, -1).transpose(1, 2)  # (Bh, M, d)
        att = torch.softmax(torch.bmm(q, k) * (d ** -0.5), dim=-1)
        y = torch.bmm(att, v).transpose(1, 2).reshape(B, C, H, W)
        x = x + self.o(y)
        return x + self.mlp(self.nm(x))


class AttentionGate(nn.Module):
    """skip * sigmoid(psi(relu(Wg g + Wx skip)))."""

    def __init__(self, cg, cs, ci):
        super().__init__()
        self.wg = nn.Conv2d(cg, ci, 1)
        self.wx = nn.Conv2d(cs, ci, 1)
        self.psi = nn.Conv2d(ci, 1, 1)

    def forward(self, g, skip):
        return skip * torch.sigmoid(self.psi(F.relu(self.wg(g) + self.wx(skip))))


def conv_gn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.GroupNorm(1, cout), nn.ReLU(inplace=True))


class DecoderBlock(nn.Module):
    def __init__(self, cin, cskip, cout, attention: bool, heads=2):
        super().__init__()
        self.up = SubPixelUp(cin, cout)
        self.attention = attention
        if attention:
            self.ca = CrossAttention(cout, cskip, heads)
        else:
            self.ag = AttentionGate(cout, cskip, max(4, cout // 2))
        self.convs = nn.Sequential(conv_gn(cout + cskip, cout), conv_gn(cout, cout))

    def forward(self, x, skip):
        x = self.up(x)
        if self.attention:
            x = self.ca(x, skip)
        else:
            skip = self.ag(x, skip)
        return self.convs(torch.cat([x, skip], 1))


class Decoder(nn.Module):
    """Four sub-pixel steps from 1/16 to 1/1; the deepest (1/16 -> 1/8) uses cross-attention.
    `fuse` (optional) is called on the 1/4 and 1/2 outputs to mix in the other decoder."""

    def __init__(self, enc_chs, dec_chs, heads=2):
        super().__init__()
        # enc_chs: 5 levels; dec_chs: outputs at 1/8, 1/4, 1/2, 1/1
        self.blocks = nn.ModuleList()
        c = enc_chs[4]
        for i, (cs, co) in enumerate(zip(reversed(enc_chs[:4]), dec_chs)):
            self.blocks.append(DecoderBlock(c, cs, co, attention=(i == 0), heads=heads))
            c = co


class DiGATeUNet(nn.Module):
    """Dual-stream DiGATe-UNet (see training/README.md for the exact layout).

    Optical encoder and terrain encoder, five levels each. Encoder levels 3 and 4 (1/4, 1/8) are
    fused by gated units into the optical decoder's skips; a terrain decoder decodes the terrain
    stream alone and its 1/4 and 1/2 outputs are fused with the optical decoder's by gated units.
    Heads: main at 1/1, auxiliaries at 1/4 and 1/2 (logits, up-sampled to the input size).
    """

    def __init__(self, optical_ch=3, terrain_ch=1, opt_chs=(16, 24, 40, 64, 96), ter_chs=(8, 12, 20, 32, 48),
                 dec_chs=(64, 40, 24, 16), ter_dec_chs=(32, 20, 12), heads=2):
        super().__init__()
        self.enc_o = Encoder(optical_ch, opt_chs)
        self.enc_t = Encoder(terrain_ch, ter_chs)
        self.fuse_e3 = GatedFusion(opt_chs[2], ter_chs[2])
        self.fuse_e4 = GatedFusion(opt_chs[3], ter_chs[3])
        self.dec_o = Decoder(opt_chs, dec_chs, heads)
        # terrain decoder: 1/16 -> 1/8 -> 1/4 -> 1/2
        self.dec_t = Decoder(ter_chs, ter_dec_chs, heads=2)
        self.fuse_d4 = GatedFusion(dec_chs[1], ter_dec_chs[1])  # 1/4
        self.fuse_d2 = GatedFusion(dec_chs[2], ter_dec_chs[2])  # 1/2
        self.head = nn.Conv2d(dec_chs[3], 1, 1)
        self.aux4 = nn.Conv2d(dec_chs[1], 1, 1)
        self.aux2 = nn.Conv2d(dec_chs[2], 1, 1)
        self.multiple = 16

    def forward(self, optical, terrain):
        o = self.enc_o(optical)
        t = self.enc_t(terrain)
        gates = []
        s3, a = self.fuse_e3(o[2], t[2]); gates.append(a)
        s4, a = self.fuse_e4(o[3], t[3]); gates.append(a)
        skips_o = [o[0], o[1], s3, s4]
        # terrain decoder
        y = t[4]
        tdec = []
        for blk, sk in zip(self.dec_t.blocks, reversed(t[:4])):
            y = blk(y, sk)
            tdec.append(y)  # 1/8, 1/4, 1/2
        # optical decoder with gated fusion of the decoders at 1/4 and 1/2
        x = o[4]
        b = self.dec_o.blocks
        x = b[0](x, skips_o[3])                  # 1/8 (cross-attention step)
        x = b[1](x, skips_o[2])                  # 1/4
        x, a = self.fuse_d4(x, tdec[1]); gates.append(a)
        x4 = x
        x = b[2](x, skips_o[1])                  # 1/2
        x, a = self.fuse_d2(x, tdec[2]); gates.append(a)
        x2 = x
        x = b[3](x, skips_o[0])                  # 1/1
        size = optical.shape[-2:]
        out = {'main': self.head(x), 'features': x, 'gates': gates}
        if self.training:
            out['aux4'] = F.interpolate(self.aux4(x4), size=size, mode='bilinear', align_corners=False)
            out['aux2'] = F.interpolate(self.aux2(x2), size=size, mode='bilinear', align_corners=False)
        return out


class ExportWrapper(nn.Module):
    """Export wrapper: `probability` = sigmoid(main logits / temperature) and `features`, the last
    feature map before the 1x1 head (for the app to apply or refit the head)."""

    def __init__(self, net, temperature: float = 1.0):
        super().__init__()
        self.net = net
        self.register_buffer('inv_t', torch.tensor(1.0 / temperature))

    def forward(self, *xs):
        out = self.net(*xs)
        return torch.sigmoid(out['main'] * self.inv_t), out['features']


def head_of(net: nn.Module) -> nn.Conv2d:
    """The 1x1 conv that maps `features` to the main logits."""
    return net.head


def build(arch: str, **kw) -> nn.Module:
    if arch == 'unet':
        return UNet(in_ch=kw.get('in_ch', 3), width=kw.get('width', 16))
    if arch == 'digate':
        return DiGATeUNet(optical_ch=3, terrain_ch=kw.get('terrain_ch', 1), **kw.get('digate', {}))
    if arch in COMPARISON:
        import importlib
        mod = importlib.import_module(f'.{COMPARISON[arch]}', __package__)
        return mod.build(in_ch=kw.get('in_ch', 3), terrain_ch=kw.get('terrain_ch', 0), variant=kw.get('variant'))
    raise ValueError(arch)


# the four papers' architectures: name -> module (each module has build(in_ch, terrain_ch, variant) and VARIANTS)
COMPARISON = {'unetpp-att': 'arch_unetpp', 'fca-deeplab': 'arch_fca_deeplab', 'geonext': 'arch_geonext',
              'mcnn-gan': 'arch_mcnn_gan'}


def n_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
