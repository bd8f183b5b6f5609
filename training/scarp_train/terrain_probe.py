"""Cheap measurement behind the terrain-stream choice: how well each candidate terrain band alone
separates landslide from non-landslide pixels on the training rows of Jinsha sites A and B
(univariate AUROC on 200k sampled pixels per site; |AUROC - 0.5| is what matters).

    /usr/bin/python3 -m scarp_train.terrain_probe
"""
from __future__ import annotations

import json

import numpy as np

from . import data as D
from . import metrics as M
from . import preprocess as P

CANDIDATES = {
    'slope@0.5m (raw DSM)': dict(source='slope'),
    'slope@2m': dict(source='slope', derivedAtM=2.0),
    'slope@4m': dict(source='slope', derivedAtM=4.0),
    'hillshade@2m': dict(source='hillshade', derivedAtM=2.0),
    'relative elevation (256 px tile-center)': dict(source='dem', tile=256),
    'dem tile-minmax (paper)': dict(source='dem', minmax=256),
    'relative elevation, 25 m window (window-center)': dict(source='dem', window=25.0),
    'relative elevation, 50 m window (window-center)': dict(source='dem', window=50.0),
    'relative elevation, 100 m window (window-center)': dict(source='dem', window=100.0),
    'relative elevation, 200 m window (window-center)': dict(source='dem', window=200.0),
}


def seam_ratio(v: np.ndarray, period: int = 128) -> float:
    d = np.abs(np.diff(v, 2, axis=1))
    cols = np.arange(d.shape[1]) + 1
    at = (cols % period == 0) | (cols % period == period - 1)
    a = np.nanmean(d[:, at]); b = np.nanmean(d[:, ~at])
    return float(a / b)


def main():
    rng = np.random.default_rng(0)
    out = {}
    for name, spec in CANDIDATES.items():
        scores, labels, seams = [], [], []
        for site in ('A', 'B'):
            rgb, dsm, mask, gt = D.jinsha_raw(site)
            r0, r1 = D.jinsha_rows(site, 'train', mask.shape[0])
            v = P.terrain_band(dsm, spec['source'], (abs(gt[1]), abs(gt[5])), spec.get('derivedAtM'))
            if 'window' in spec:
                v = P.window_center(v, spec['window'], (abs(gt[1]), abs(gt[5])))
            if 'tile' in spec or 'minmax' in spec:
                t = spec.get('tile') or spec.get('minmax')
                norm = {'kind': 'tile-center', 'scale': 1.0} if 'tile' in spec else {'kind': 'tile-minmax'}
                w = np.full_like(v, np.nan)
                for r in range(0, v.shape[0], t):
                    for c in range(0, v.shape[1], t):
                        blk = v[r:r + t, c:c + t]
                        if np.isfinite(blk).any():
                            w[r:r + t, c:c + t] = np.where(np.isfinite(blk), P.normalize(blk, norm), np.nan)
                v = w
            m = mask[r0:r1]; vv = v[r0:r1]
            ok = (m != 255) & np.isfinite(vv)
            idx = np.flatnonzero(ok.ravel())
            idx = rng.choice(idx, min(200_000, idx.size), replace=False)
            scores.append(vv.ravel()[idx]); labels.append(m.ravel()[idx] == 1)
        auc = M.auc_roc(np.concatenate(scores), np.concatenate(labels))
        out[name] = {'auroc': round(auc, 3), 'separation': round(abs(auc - 0.5), 3)}
        print(name, out[name], flush=True)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
