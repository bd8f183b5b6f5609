"""Held-out evaluation of a trained run, written to <run>/metrics.json (read by export for the card)
and training/reports/<id>.md with PNG plots.

    /usr/bin/python3 -m scarp_train.evaluate --run runs/digate --id scarp-digate-rgbdem

- Threshold: the one that maximised pooled F1 on the validation sets during training (never test data).
- Bijie test (416 images, RGB): PyTorch on each whole image; pooled pixel metrics, and beside them the
  papers' per-image mean F1/IoU and image-level AUROC/AUPRC (score = max probability), comparison only.
- Jinsha site B south (rows from round(0.6 H), 255 = unmapped excluded): full-scene-style tiled
  inference with overlap and smooth blending (infer.py), terrain derived over the whole site as the
  card specifies; pooled metrics on the test rows; per-256-px-tile means for comparison.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np
import torch

from . import config as C
from . import data as D
from . import metrics as M
from .export import load_net, training_command
from .train import forward, pad16, to_tensors

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPORTS = os.path.join(REPO, 'training', 'reports')


def row(dataset, split, inputs, r, thr, method, pixels=None, notes=None):
    out = {'dataset': dataset, 'split': split, 'inputs': inputs, 'precision': round(r['precision'], 4),
           'recall': round(r['recall'], 4), 'f1': round(r['f1'], 4), 'iou': round(r['iou'], 4),
           'threshold': round(thr, 4), 'method': method}
    if pixels is not None:
        out['pixels'] = int(pixels)
    if notes:
        out['notes'] = notes
    return out


@torch.no_grad()
def bijie_test(net, cfg, thr):
    spec = cfg['spec']
    k = len(cfg['terrain_bands']) if cfg.get('terrain_bands') else 0
    probs, masks, scores, labels = [], [], [], []
    for s in D.bijie('test'):
        h, w = s.mask.shape
        rgb = pad16(s.rgb, 0)[None].astype(np.float32)
        terr = np.zeros((1, k) + rgb.shape[-2:], np.float32) if k else None
        x, t, _ = to_tensors(rgb, terr, np.zeros((1,) + rgb.shape[-2:], np.uint8), torch.device('cpu'))
        p = torch.sigmoid(forward(net, spec, x, t)['main'])[0, 0].numpy()[:h, :w]
        probs.append(p)
        masks.append(s.mask)
        scores.append(float(p.max()))
        labels.append(int(s.mask.max() > 0))
    pooled = M.pooled(probs, masks, thr)
    per_img = M.per_image_mean(probs, masks, thr)
    return pooled, per_img, M.auc_roc(np.array(scores), np.array(labels)), M.auc_pr(np.array(scores), np.array(labels)), (probs, masks)


def jinsha_south(net, cfg, thr, with_dem=True, tile=256, overlap=64):
    """Site B south through full-scene tiled inference (infer.predict_scene: the card's preprocessing,
    tiles with overlap, smooth blending), pooled over the test rows with 255 excluded."""
    from .export import make_card
    from .infer import predict_scene
    rgb, dsm, mask, gt = D.jinsha_raw('B')
    inputs = make_card('x', cfg, 1, None, tile, overlap)['inputs']
    r0 = D.b_test_row(mask.shape[0])
    t0 = time.time()
    prob = predict_scene(net, inputs, rgb, dsm if with_dem else None, (abs(gt[1]), abs(gt[5])), tile, overlap,
                         rows=(r0, mask.shape[0]))
    secs = time.time() - t0
    p, m = prob[r0:], mask[r0:].copy()
    pooled = M.pooled([p], [m], thr)
    tiles_p, tiles_m = [], []
    for r in range(0, p.shape[0], 256):
        for c in range(0, p.shape[1], 256):
            tm = m[r:r + 256, c:c + 256]
            if (tm == 1).sum() > 0:
                tiles_p.append(p[r:r + 256, c:c + 256]); tiles_m.append(tm)
    per_tile = M.per_image_mean(tiles_p, tiles_m, thr)
    return pooled, per_tile, {}, secs, (p, m)


def overlay_png(p, m, thr, path, rgb=None):
    from PIL import Image
    h, w = m.shape
    img = np.zeros((h, w, 3), np.uint8)
    if rgb is not None:
        img[:] = (rgb.transpose(1, 2, 0) * 0.6).astype(np.uint8)
    pred = p >= thr
    ref = m == 1
    img[pred & ref] = (40, 200, 60)
    img[pred & ~ref & (m != 255)] = (230, 60, 40)
    img[~pred & ref] = (250, 200, 0)
    img[m == 255] = (img[m == 255] * 0.3).astype(np.uint8)
    Image.fromarray(img).save(path)


def curves_png(log, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    ep = [r['epoch'] for r in log]
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
    ax[0].plot(ep, [r['loss'] for r in log], 'o-')
    ax[0].set_title('training loss'); ax[0].set_xlabel('epoch')
    for key in ('bijie', 'jinshaA', 'uav'):
        vals = [r['val'].get(key, {}).get('best_f1') for r in log]
        if any(v is not None for v in vals):
            ax[1].plot(ep, vals, 'o-', label=key)
    if 'terrain_dropped' in log[0]['val']:
        ax[1].plot(ep, [r['val']['terrain_dropped']['jinshaA']['best_f1'] for r in log], 's--', label='jinshaA, terrain dropped')
    ax[1].set_title('validation pooled F1 (best threshold)'); ax[1].set_xlabel('epoch'); ax[1].legend(); ax[1].set_ylim(0, 1)
    fig.tight_layout(); fig.savefig(path, dpi=90); plt.close(fig)


def fmt_table(rows):
    lines = ['| dataset | split | inputs | method | precision | recall | F1 | IoU | threshold |', '|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        lines.append(f"| {r['dataset']} | {r['split']} | {r['inputs']} | {r['method']} | {r['precision']:.3f} | {r['recall']:.3f} | "
                     f"{r['f1']:.3f} | {r['iou']:.3f} | {r['threshold']:.2f} |")
    return '\n'.join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--run', required=True)
    ap.add_argument('--id', required=True)
    ap.add_argument('--onnx', default=None, help='unused (kept for older commands)')
    ap.add_argument('--skip-bijie', action='store_true', help='Jinsha site B south only (comparison runs)')
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    net, cfg, ck = load_net(a.run, 'best')
    dual = cfg['spec']['arch'] == 'digate'
    thr = float(ck['val']['all']['best_thr'])
    rows, extra = [], {}
    os.makedirs(REPORTS, exist_ok=True)

    auroc = auprc = float('nan')
    if not a.skip_bijie:
        b_pool, b_img, auroc, auprc, (bp, bm) = bijie_test(net, cfg, thr)
        b_inputs = 'rgb (terrain dropped: Bijie has no DEM)' if dual else 'rgb'
        rows.append(row('Bijie', 'test (416 images)', b_inputs, b_pool, thr, 'pooled-pixel', b_pool['pixels']))
        rows.append(row('Bijie', 'test (416 images)', b_inputs, b_img, thr, 'per-image-mean',
                        notes=f'papers\' style, comparison only; image-level AUROC {auroc:.3f}, AUPRC {auprc:.3f} (score = max probability)'))
        extra['bijie'] = {'auroc': auroc, 'auprc': auprc}

    j_pool, j_tile, info, secs, (jp, jm) = jinsha_south(net, cfg, thr, with_dem=True)
    j_inputs = 'rgb+dem' if dual else 'rgb'
    rows.append(row('Jinsha site B', 'south 40 % (test)', j_inputs, j_pool, thr, 'pooled-pixel', j_pool['pixels'],
                    notes='full-scene tiled inference (256 px tiles, 64 px overlap, smooth blending, terrain per card)'))
    rows.append(row('Jinsha site B', 'south 40 % (test)', j_inputs, j_tile, thr, 'per-image-mean',
                    notes='mean over 256-px tiles containing landslides; comparison only'))
    extra['jinsha_detect_seconds'] = secs
    if dual:
        d_pool, d_tile, _, _, _ = jinsha_south(net, cfg, thr, with_dem=False)
        rows.append(row('Jinsha site B', 'south 40 % (test)', 'rgb (no DEM given)', d_pool, thr, 'pooled-pixel', d_pool['pixels'],
                        notes='same model, terrain stream fed its fill value'))
    log = json.load(open(os.path.join(a.run, 'log.json')))
    metrics = {'threshold': thr, 'rows': rows, 'extra': extra, 'epochs_trained': len(log),
               'training_notes': f"Trained from scratch on CPU for {len(log)} epochs of {cfg['steps']} batches of {cfg['batch']} crops "
                                 f"({cfg['crop']} px, GSD drawn from {C.GSD_RANGE[0]}-{C.GSD_RANGE[2]} m); best epoch by validation "
                                 f"{ck['epoch']}; threshold {thr:.2f} chosen on validation only."}
    json.dump(metrics, open(os.path.join(a.run, 'metrics.json'), 'w'), indent=1)

    curves = f'{a.id}-curves.png'
    curves_png(log, os.path.join(REPORTS, curves))
    from osgeo import gdal
    H = gdal.Open(os.path.join(D.data_dir(), 'jinsha-uav', 'siteB_mask.tif')).RasterYSize
    rgb = gdal.Open(os.path.join(D.data_dir(), 'jinsha-uav', 'siteB_rgb.tif')).ReadAsArray()[:, D.b_test_row(H):]
    ov = f'{a.id}-jinsha-south.png'
    overlay_png(jp, jm, thr, os.path.join(REPORTS, ov), rgb)
    md = [f'# {a.id}', '', f"Architecture: {cfg['spec']['arch']}, {ck['config']['params']:,} parameters, width {cfg['width']}. "
          f"Best epoch {ck['epoch']} of {len(log)}. Threshold {thr:.2f} (validation).", '',
          '## Held-out metrics', '', 'Pooled pixel metrics are the honest figure: every test pixel counted once, unmapped (255) excluded. '
          'Per-image means are shown only to compare with the papers.', '', fmt_table(rows), '',
          (f"Bijie image-level (landslide present or not, score = max probability): AUROC {auroc:.3f}, AUPRC {auprc:.3f}." if not a.skip_bijie else 'Bijie not evaluated for this comparison run.'), '',
          f"Jinsha site B south tiled inference (PyTorch, CPU) took {secs:.0f} s.", '',
          '## Training curves', '', f'![curves]({curves})', '',
          '## Jinsha site B south: prediction vs reference', '',
          'Green: detected landslide; red: false positive; yellow: missed; dark: unmapped.', '', f'![overlay]({ov})', '',
          '## Command', '', '```', 'cd training', training_command(cfg, a.id), '```', '']
    open(os.path.join(REPORTS, f'{a.id}.md'), 'w').write('\n'.join(md))
    print(json.dumps(rows, indent=1))


if __name__ == '__main__':
    main()
