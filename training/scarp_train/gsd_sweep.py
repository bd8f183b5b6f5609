"""Validation of the GSD range a card states: the Jinsha site A validation block (never trained on)
resampled to coarser GSDs (RGB: antialiased bilinear; DSM: resampled with it, terrain derived as the
card says; reference: a pixel is landslide when > 50 % of its mapped area is), predicted by full
tiled inference, pooled F1 at the validation threshold. Appends a table to reports/<id>.md and writes
runs/<run>/gsd.json.

    /usr/bin/python3 -m scarp_train.gsd_sweep --run runs/rgb-unet --id scarp-unet-rgb
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch

from . import data as D
from . import metrics as M
from .evaluate import REPORTS
from .export import load_net, make_card
from .infer import predict_scene


def resample(arr: np.ndarray, f: float, mode: str) -> np.ndarray:
    import torch.nn.functional as F
    t = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))[None]
    h, w = arr.shape[-2:]
    size = (max(16, int(round(h / f))), max(16, int(round(w / f))))
    return F.interpolate(t, size=size, mode=mode, align_corners=False, antialias=(mode == 'bilinear' and f > 1))[0].numpy()


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--run', required=True)
    ap.add_argument('--id', required=True)
    ap.add_argument('--gsds', default='0.5,1,2,3')
    ap.add_argument('--no-dem', action='store_true')
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    net, cfg, ck = load_net(a.run, 'best')
    thr = float(ck['val']['all']['best_thr'])
    inputs = make_card('x', cfg, 1, None, 256, 64)['inputs']
    rgb, dsm, mask, gt = D.jinsha_raw('A')
    r0, r1 = D.jinsha_rows('A', 'val', mask.shape[0])
    rgb, dsm, mask = rgb[:, r0:r1], dsm[r0:r1], mask[r0:r1]
    gsd0 = (abs(gt[1]) + abs(gt[5])) / 2
    uses_dem = any(b['source'] in ('dem', 'slope', 'aspect', 'hillshade') for i in inputs for b in i['bands'])
    rows = []
    for g in [float(x) for x in a.gsds.split(',')]:
        f = g / gsd0
        if f <= 1.01:
            r, d, m = rgb.astype(np.float32), dsm, mask
        else:
            r = resample(rgb.astype(np.float32), f, 'bilinear')
            valid = (mask != 255).astype(np.float32)
            v = resample(valid[None], f, 'bilinear')[0]
            p = resample((mask == 1).astype(np.float32)[None], f, 'bilinear')[0]
            m = np.where(v < 0.5, 255, p > 0.5 * np.maximum(v, 1e-6)).astype(np.uint8)
            dn = np.where(dsm == -9999, np.nan, dsm).astype(np.float32)
            d = resample(dn[None], f, 'bilinear')[0]
            d = np.where(np.isfinite(d), d, -9999).astype(np.float32)
        gg = gsd0 * rgb.shape[-1] / r.shape[-1]
        res = {}
        for with_dem in ([True, False] if uses_dem and not a.no_dem else [False]):
            prob = predict_scene(net, inputs, r, d if with_dem else None, (gg, gg), 256, 64)
            pr = M.pooled([prob], [m], thr)
            res['rgb+dem' if with_dem else 'rgb'] = {k: round(v, 4) for k, v in pr.items()}
        rows.append({'gsd_m': round(gg, 3), **res})
        print(json.dumps(rows[-1]), flush=True)
    json.dump({'threshold': thr, 'rows': rows}, open(os.path.join(a.run, 'gsd.json'), 'w'), indent=1)
    md = ['', '## GSD range (validation: Jinsha site A validation block resampled)', '',
          f'Pooled F1 at the validation threshold {thr:.2f}; the card\'s gsd range is what this table supports.', '',
          '| GSD (m) | inputs | precision | recall | F1 | IoU |', '|---|---|---|---|---|---|']
    for r in rows:
        for k, v in r.items():
            if k == 'gsd_m':
                continue
            md.append(f"| {r['gsd_m']:.2f} | {k} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['iou']:.3f} |")
    rep = os.path.join(REPORTS, f'{a.id}.md')
    if os.path.exists(rep):
        with open(rep, 'a') as fh:
            fh.write('\n'.join(md) + '\n')


if __name__ == '__main__':
    main()
