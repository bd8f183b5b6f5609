"""Choose a model's inference tile (size and overlap, the card's `tile`) on its validation data, run
exactly as the app runs it: every validation image or scene tiled at the app's GSD, tiles blended
with the app's ramp. The score is score_sets' (the mean over validation sets of pooled F1 at their
common best threshold).

Why a choice at all: the GeoNeXt and FCA-DeepLab decoders pool over the whole tile (PSA, ASPP image
pooling, CBAM, GRN), so what a pixel gets depends on how much ground its tile holds; 256 px tiles
lost 0.03-0.15 F1 against larger ones on held-out scenes (training/README.md, "Inference tile").

A satellite model's own validation is Bijie chips (at most 512 px: any tile of 512 px or more sees
them whole), so its tile is chosen on the chips *and* site B's validation rows [1370, 1562), a scene
it never trained on (its Jinsha crops come from rows 0-1306), run at the app's GSD.

    /usr/bin/python3 -m scarp_train.tile_select --run runs/sat-geonext-s0
writes <run>/tile.json ({"choice": {"size", "overlap"}, "candidates": [...]}), which evaluate.py and
export.py read.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import torch

from . import config as C
from . import data as D
from .export import load_net
from .infer import app_gsd, predict_at_gsd
from .validate import score_sets

CANDIDATES = ((256, 64), (384, 96), (512, 64), (512, 128), (768, 192))


def validation_names(spec: dict) -> list[str]:
    names = list(spec['val'])
    if spec['family'] == 'sat' and 'jinshaB' not in names:
        names.append('jinshaB')
    return names


def tiled_validation(net, spec: dict, inputs: list[dict], tile: int, overlap: int, limit: int | None = None,
                     names: list[str] | None = None, tta: bool = False):
    """[(name, logits, masks)] over `names` (default validation_names(spec)), tiled as the app tiles at
    (tile, overlap)."""
    gsd = spec['gsd']
    out = []
    for name in names or validation_names(spec):
        if name == 'bijie':
            samples = D.bijie('val', limit)
            ls = [predict_at_gsd(net, inputs, s.rgb, None, (0.8, 0.8), app_gsd(gsd, 0.8), tile=tile, overlap=overlap,
                                 tta=tta, logits=True) for s in samples]
            out.append((name, ls, [s.mask for s in samples]))
        elif name in ('jinshaA', 'jinshaB'):
            site = name[-1]
            rgb, dsm, mask, gt = D.jinsha_raw(site)
            r0, r1 = D.jinsha_rows(site, 'val', mask.shape[0])
            if limit:  # smoke tests: a corner of the validation rows
                r1 = min(r1, r0 + 128)
                rgb, dsm, mask = rgb[:, :r1, :512], dsm[:r1, :512], mask[:r1, :512]
            scene = (abs(gt[1]) + abs(gt[5])) / 2
            lg = predict_at_gsd(net, inputs, rgb, dsm if spec['terrain'] else None, (abs(gt[1]), abs(gt[5])),
                                app_gsd(gsd, scene), rows=(r0, r1), rgb_nodata=0.0, tile=tile, overlap=overlap, tta=tta, logits=True)
            out.append((name, [lg[r0:r1]], [mask[r0:r1]]))
        else:
            raise ValueError(f'tile selection has no scene for validation set {name!r}')
    return out


def select(run: str, candidates=CANDIDATES, limit: int | None = None, which: str = 'best') -> dict:
    net, cfg, _ = load_net(run, which)
    spec = cfg['spec']
    spec.setdefault('family', C.RECIPES[spec['recipe']]['family'])
    inputs = C.card_inputs(spec, cfg.get('terrain_bands'))
    rows = []
    for tile, overlap in candidates:
        t0 = time.time()
        res = score_sets(tiled_validation(net, spec, inputs, tile, overlap, limit))
        rows.append({'size': tile, 'overlap': overlap, 'score': res['score'], 'threshold': res['threshold'],
                     'sets': {k: v['f1'] for k, v in res.items() if isinstance(v, dict)}, 'seconds': round(time.time() - t0, 1)})
        print(json.dumps(rows[-1]), flush=True)
    # ties (within 0.005) go to the cheaper tiling: fewer pixels run per scene pixel
    best = max(r['score'] for r in rows)
    cheap = min((r for r in rows if r['score'] >= best - 0.005), key=lambda r: (cost(r['size'], r['overlap']), -r['score']))
    return {'choice': {'size': cheap['size'], 'overlap': cheap['overlap']}, 'validation': validation_names(spec),
            'candidates': rows}


def cost(tile: int, overlap: int) -> float:
    """Pixels run per scene pixel on a large scene."""
    return (tile / (tile - overlap)) ** 2


def read_choice(run: str) -> dict | None:
    p = os.path.join(run, 'tile.json')
    return json.load(open(p))['choice'] if os.path.exists(p) else None


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--run', required=True)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--limit', type=int, default=None, help='smoke tests only')
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    res = select(a.run, limit=a.limit)
    with open(os.path.join(a.run, 'tile.json'), 'w') as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res['choice']))


if __name__ == '__main__':
    main()
