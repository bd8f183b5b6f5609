"""What a scene of another GSD gets from a model, run as the app runs it: the specialist's
validation data (never tested on) resampled to coarser GSDs (RGB and DSM antialiased bilinear; the
reference: a pixel is landslide when > 50 % of its mapped area is), then through the app's GSD plan
(as is inside the card's [minM, maxM]; resampled to the nearer bound inside [resampleMinM,
resampleMaxM]; refused outside), full tiled inference, pooled F1 at the card's threshold and
temperature. Writes runs/<run>/gsd.json and appends a table to reports/<id>.md.

    /usr/bin/python3 -m scarp_train.gsd_sweep --run runs/uav-digate-s0 --id scarp-uav-rgbdem
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch

from . import config as C
from . import data as D
from . import hysteresis as HY
from .evaluate import REPORTS
from .export import load_net
from .infer import app_gsd, predict_at_gsd, resample_plane
from .tile_select import read_choice

SWEEP = {'uav': (0.5, 1.0, 2.0, 3.0), 'sat': (0.8, 1.5, 2.0, 3.0)}


def coarsen(rgb, dsm, mask, f):
    """Scene resampled to f times coarser (f >= 1)."""
    if f <= 1.0001:
        return rgb, dsm, mask
    h, w = mask.shape
    size = (max(8, int(round(h / f))), max(8, int(round(w / f))))
    x = np.where(rgb == 0, np.nan, rgb.astype(np.float32)) if dsm is not None else rgb.astype(np.float32)
    r = np.nan_to_num(resample_plane(x, size), nan=0.0).clip(0, 255).astype(np.uint8)
    d = None
    if dsm is not None:
        d = resample_plane(np.where(dsm == -9999, np.nan, dsm), size)
        d = np.where(np.isfinite(d), d, -9999).astype(np.float32)
    valid = resample_plane((mask != 255).astype(np.float32), size)
    pos = resample_plane((mask == 1).astype(np.float32), size)
    m = np.where(~(np.nan_to_num(valid) >= 0.5), 255, np.nan_to_num(pos) > 0.5 * np.nan_to_num(valid)).astype(np.uint8)
    return r, d, m


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--run', required=True)
    ap.add_argument('--id', required=True)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--which', default='best', choices=['best', 'last'])
    ap.add_argument('--reports', default=None, help='report folder (default training/reports)')
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    net, cfg, _ = load_net(a.run, a.which)
    spec = cfg['spec']
    spec.setdefault('family', C.RECIPES[spec['recipe']]['family'])  # runs made before recipes had families
    card_gsd = spec['gsd']
    inputs = C.card_inputs(spec, cfg.get('terrain_bands'))
    mj = json.load(open(os.path.join(a.run, 'metrics.json')))
    thr, T = mj['threshold'], mj['temperature']
    high = mj.get('seed_threshold') or thr  # the card's seed rule (hysteresis.py), as the app keeps regions
    choice = read_choice(a.run) or {'size': 256, 'overlap': 64}  # the card's inference tile (tile_select.py)
    tile = {'tile': choice['size'], 'overlap': choice['overlap']}
    with torch.no_grad():
        net.head.bias += float(mj.get('bias_shift', 0.0))
    rows = []
    for g in SWEEP[spec['family']]:
        res = {'gsd_m': g}
        lo, hi = card_gsd.get('resampleMinM', card_gsd['minM']), card_gsd.get('resampleMaxM', card_gsd['maxM'])
        if not (lo <= g <= hi):
            res['app'] = f'refused (outside {lo}-{hi} m)'
            rows.append(res)
            continue
        res['app'] = f"run at {app_gsd(card_gsd, g):g} m"
        probs, masks = [], []
        if spec['family'] == 'uav':
            rgb, dsm, mask, gt = D.jinsha_raw('A')
            r0 = D.a_val_row(mask.shape[0])
            rgb, dsm, mask = rgb[:, r0:], dsm[r0:], mask[r0:]
            base = (abs(gt[1]) + abs(gt[5])) / 2
            for with_dem in (True, False):
                r, d, m = coarsen(rgb, dsm, mask, g / base)
                p = predict_at_gsd(net, inputs, r, d if with_dem else None, (g, g), app_gsd(card_gsd, g), rgb_nodata=0.0, temperature=T, **tile)
                res['rgb+dem' if with_dem else 'rgb'] = HY.pooled([p], [m], thr, high)
        else:
            for s in D.bijie('val'):
                r, _, m = coarsen(s.rgb, None, s.mask, g / 0.8)
                probs.append(predict_at_gsd(net, inputs, r, None, (g, g), app_gsd(card_gsd, g), temperature=T, **tile)); masks.append(m)
            res['rgb'] = HY.pooled(probs, masks, thr, high)
        print(json.dumps(res), flush=True)
        rows.append(res)
    json.dump({'rows': rows, 'threshold': thr}, open(os.path.join(a.run, 'gsd.json'), 'w'), indent=1)
    data = 'Jinsha site A validation block' if spec['family'] == 'uav' else 'Bijie validation images'
    keys = ['rgb+dem', 'rgb'] if spec['family'] == 'uav' else ['rgb']
    md = ['', '## What scenes of other GSDs get', '',
          f'{data} resampled to each GSD, run through the app\'s GSD plan (card: as is {card_gsd["minM"]}-{card_gsd["maxM"]} m, '
          f'resampled {card_gsd.get("resampleMinM")}-{card_gsd.get("resampleMaxM")} m), pooled F1 at threshold {thr:.2f}' + (f' (regions seeded at {high:.2f})' if high > thr else '') + '.', '',
          '| scene GSD | the app | ' + ' | '.join(f'F1 ({k})' for k in keys) + ' |', '|---|---|' + '---|' * len(keys)]
    for r in rows:
        md.append(f"| {r['gsd_m']:g} m | {r['app']} | " + ' | '.join(f"{r[k]['f1']:.3f}" if k in r else '—' for k in keys) + ' |')
    with open(os.path.join(a.reports or REPORTS, f'{a.id}.md'), 'a') as f:
        f.write('\n'.join(md) + '\n')
    print('\n'.join(md))


if __name__ == '__main__':
    main()
