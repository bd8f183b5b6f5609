"""A specialist's own validation: full-scene tiled inference (infer.py, as the app runs) over the
validation blocks of the Jinsha sites, or whole Bijie validation images; pooled pixel histograms
for thresholds swept over 0.02-0.98.

- 'jinshaA': site A rows >= round(0.75 H) (its validation block).
- 'jinshaB': site B rows [1370, 1562) (data.b_val_rows), between the training rows and the test area.
- 'bijie': the dataset's val.txt images, whole.
- 's2': the Sentinel-2 mosaic's validation rows [1216, 1472) (data.s2_rows; sparse labels, 255 elsewhere).
Score: the mean over the validation sets of pooled F1 at one common threshold (the threshold that
maximises that mean), so a site-B-like shift weighs as much as site A's larger block.
"""
from __future__ import annotations

import numpy as np
import torch

from . import config as C
from . import data as D
from . import metrics as M
from .infer import predict_scene

THRESHOLDS = np.round(np.arange(0.02, 0.981, 0.01), 2)


def _pad(a, value, m=32):
    h, w = a.shape[-2:]
    H, W = -(-h // m) * m, -(-w // m) * m
    out = np.full(a.shape[:-2] + (H, W), value, np.float32)
    out[..., :h, :w] = a
    return out


class ValidationSet:
    def __init__(self, spec: dict, terrain_bands, limit: int | None = None, tile: int = 256, overlap: int = 64):
        self.spec = spec
        self.inputs = C.card_inputs(spec, terrain_bands)
        self.limit = limit
        self.tile, self.overlap = tile, overlap
        self._planes = {}

    def logits(self, net, dev=torch.device('cpu'), temperature: float = 1.0, tta: bool = False):
        """[(name, list of logit arrays, list of mask arrays)] over the validation sets."""
        net.eval()
        out = []
        for name in self.spec['val']:
            if name == 'bijie':
                samples = D.bijie('val', self.limit)
                out.append((name, list(sample_logits(net, samples, self.spec, self.inputs, dev, temperature, tta)),
                            [s.mask for s in samples]))
            elif name == 's2':
                opt, mask, gt = D.s2_raw()
                r0, r1 = D.s2_rows('val', mask.shape[0])
                if 's2' not in self._planes:
                    from .infer import scene_planes
                    self._planes['s2'] = scene_planes(self.inputs, opt, None, (10.0, 10.0))
                with torch.no_grad():
                    lg = predict_scene(net, self.inputs, opt, None, (10.0, 10.0), self.tile, self.overlap, rows=(r0, r1),
                                       temperature=temperature, tta=tta, logits=True, planes=self._planes['s2'])
                out.append((name, [lg[r0:r1]], [mask[r0:r1]]))
            else:
                site = name[-1]
                rgb, dsm, mask, gt = D.jinsha_raw(site)
                H, W = mask.shape
                r0, r1 = D.jinsha_rows(site, 'val', H)
                cols = None
                if self.limit:
                    r1 = min(r1, r0 + 256); cols = (0, 512)
                dem = dsm if self.spec['terrain'] else None
                if site not in self._planes:
                    from .infer import scene_planes
                    self._planes[site] = scene_planes(self.inputs, rgb, dem, (abs(gt[1]), abs(gt[5])), 0.0)
                with torch.no_grad():
                    lg = predict_scene(net, self.inputs, rgb, dem, (abs(gt[1]), abs(gt[5])), self.tile, self.overlap,
                                       rows=(r0, r1), cols=cols, rgb_nodata=0.0, temperature=temperature, tta=tta, logits=True,
                                       planes=self._planes[site])
                c0, c1 = cols or (0, W)
                out.append((name, [lg[r0:r1, c0:c1]], [mask[r0:r1, c0:c1]]))
        return out

    def score(self, net, dev=torch.device('cpu'), temperature: float = 1.0):
        return score_sets(self.logits(net, dev, temperature))


def sample_logits(net, samples, spec: dict, inputs: list[dict], dev=torch.device('cpu'), temperature: float = 1.0,
                  tta: bool = False):
    """Logits over whole image samples, one array per sample, yielded in order (Bijie chips: optical
    only, padded to a multiple of 32; a terrain input, where the net has one, is zero as when no DEM
    is given)."""
    from .infer import forward_tiles
    for s in samples:
        h, w = s.mask.shape
        x = _pad(s.rgb.astype(np.float32), np.nan)[None]
        tensors = [torch.from_numpy(_optical(x)).to(dev)]
        if spec['dual']:
            k = len(inputs[1]['bands'])
            tensors.append(torch.zeros((1, k) + x.shape[-2:], device=dev))
        elif len(inputs[0]['bands']) > 3:
            extra = torch.zeros((1, len(inputs[0]['bands']) - 3) + x.shape[-2:], device=dev)
            tensors = [torch.cat([tensors[0], extra], 1)]
        with torch.no_grad():  # left before the yield: a generator suspended inside it would keep grad off for the caller
            lg = forward_tiles(net, tensors, temperature, tta, logits=True)[0].cpu().numpy()[:h, :w]
        yield lg


def _optical(x):
    from .train import optical_input
    return optical_input(x)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60, 60)))


def score_sets(sets, temperature: float = 1.0, shift: float = 0.0):
    """Per-set pooled F1 over THRESHOLDS, the common threshold maximising their mean, and the score
    (probabilities sigmoid((logit + shift) / temperature))."""
    curves = {}
    for name, ls, ms in sets:
        pos, neg = M.pooled_histograms([sigmoid((l + shift) / temperature) for l in ls], ms)
        curves[name] = M.sweep(pos, neg, THRESHOLDS)
    mean_f1 = np.mean([[r['f1'] for r in c] for c in curves.values()], axis=0)
    i = int(np.argmax(mean_f1))
    res = {name: {'f1': c[i]['f1'], 'precision': c[i]['precision'], 'recall': c[i]['recall'],
                  'best_f1': max(r['f1'] for r in c)} for name, c in curves.items()}
    res['threshold'] = float(THRESHOLDS[i])
    res['score'] = float(mean_f1[i])
    return res
