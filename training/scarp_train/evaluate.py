"""Calibration, threshold and held-out evaluation of a trained run, as the app runs the model.

    /usr/bin/python3 -m scarp_train.evaluate --run runs/uav-digate-s0 --id scarp-uav-rgbdem

1. Temperature T fitted on the specialist's own validation logits (NLL), then the threshold that
   maximises validation F1 (config.RECIPES[...]['val'], validate.score_sets) on the calibrated
   probabilities, swept over 0.02-0.98, with and without test-time flips. Flips become the card's
   default only if they gain >= 0.02 validation F1 (they cost 4x the inference) in what the app keeps:
   with hysteresis (4.) chosen for each arm over every validation set, else at the single threshold.
2. Held-out sets, through full-scene tiled inference at the GSD the app would run them (run as is
   inside the card's [minM, maxM], else resampled to the nearer bound):
   - Jinsha site B south (rows >= 1690, 255 excluded), with and without the DSM when the model
     takes terrain;
   - Bijie test (416 images);
   - the 10 m recipe (`s2`): the Sentinel-2 mosaic's test rows (>= 1536; sparse labels), beside the
     single-date index methods it must beat (NDVI, and GLI for imagery without NIR, thresholds from the
     validation rows) and the trivial "every labelled pixel is landslide" answer.
   Pooled pixel metrics (the honest figure) and, for comparison with papers only, per-image means.
3. Expected calibration error (15 bins over p >= 0.1) and reliability diagrams, on validation and
   held-out pixels; error overlays (TP/FP/FN) of B south and of Bijie test images.
4. Hysteresis (the card's `seedThreshold`, hysteresis.py): the pair (low, high) chosen on validation
   (a satellite model's with site B's validation rows, as tile_select); adopted when it gains >= 0.01,
   then the card's threshold is `low` and the held-out rows are the seeded masks the app keeps, with
   the single threshold's figures beside them.
Writes <run>/metrics.json (read by export for the card) and training/reports/<id>.md + PNGs.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from . import calibrate as K
from . import config as C
from . import data as D
from . import hysteresis as HY
from . import metrics as M
from .export import HARDWARE, load_net, training_command
from .infer import app_gsd, predict_at_gsd
from .tile_select import read_choice, tiled_validation, validation_names
from .validate import THRESHOLDS, ValidationSet, score_sets, sigmoid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPORTS = os.path.join(REPO, 'training', 'reports')
TTA_MIN_GAIN = 0.02


def row(dataset, split, inputs, r, thr, method, pixels=None, notes=None):
    out = {'dataset': dataset, 'split': split, 'inputs': inputs, 'precision': round(r['precision'], 4),
           'recall': round(r['recall'], 4), 'f1': round(r['f1'], 4), 'iou': round(r['iou'], 4),
           'threshold': round(thr, 4), 'method': method}
    if pixels is not None:
        out['pixels'] = int(pixels)
    if notes:
        out['notes'] = notes
    return out


def jinsha_south(net, inputs, gsd_card, with_dem, temperature, tta, limit=None, tile=None, rule=(0.5, 0.5)):
    """(probability, mask, seconds, kept) of the test rows; kept: the mask the app keeps under rule =
    (low, high) (hysteresis.seeded_mask), its regions found over the whole scene as the app finds them."""
    rgb, dsm, mask, gt = D.jinsha_raw('B')
    r0 = D.b_test_row(mask.shape[0])
    if limit:  # smoke tests: a 256 x 512 corner of the test area
        rgb, dsm, mask = rgb[:, :r0 + 256, :512], dsm[:r0 + 256, :512], mask[:r0 + 256, :512]
    scene = (abs(gt[1]) + abs(gt[5])) / 2
    t0 = time.time()
    # the whole scene, tiled from row 0 as the app tiles it (tiling only the test rows moved tile edges:
    # without terrain that changed B south F1 by 0.057)
    prob = predict_at_gsd(net, inputs, rgb, dsm if with_dem else None, (abs(gt[1]), abs(gt[5])), app_gsd(gsd_card, scene), **(tile or {}),
                          rgb_nodata=0.0, temperature=temperature, tta=tta)
    kept = HY.seeded_mask(prob, *rule)[r0:].astype(np.float32)
    return prob[r0:], mask[r0:].copy(), time.time() - t0, kept


def bijie_test(net, inputs, gsd_card, temperature, tta, limit=None, tile=None):
    probs, masks = [], []
    target = app_gsd(gsd_card, 0.8)
    for s in D.bijie('test', limit):
        dem = None
        p = predict_at_gsd(net, inputs, s.rgb, dem, (0.8, 0.8), target, temperature=temperature, tta=tta, **(tile or {}))
        probs.append(p); masks.append(s.mask)
    return probs, masks


def s2_test(net, inputs, temperature, tta, tile=None):
    """Probability over the Sentinel-2 mosaic's test rows, the whole mosaic tiled from row 0 as the app
    tiles it; returns (prob, mask, optical) of the test rows."""
    opt, mask, gt = D.s2_raw()
    r0 = D.s2_test_row(mask.shape[0])
    prob = predict_at_gsd(net, inputs, opt, None, (10.0, 10.0), 10.0, temperature=temperature, tta=tta, **(tile or {}))
    return prob[r0:], mask[r0:].copy(), opt[:, r0:]


def index_planes(opt):
    """The single-date vegetation indices of the app's change/bare-ground methods (change-method.ts):
    NDVI = (NIR - R) / (NIR + R), GLI = (2G - R - B) / (2G + R + B)."""
    r, g, b, n = (opt[i].astype(np.float64) for i in range(4))
    with np.errstate(invalid='ignore', divide='ignore'):
        return {'NDVI': (n - r) / (n + r), 'GLI': (2 * g - r - b) / (2 * g + r + b)}


def labelled_scores(score, mask):
    v = mask != 255
    ok = v & np.isfinite(score)
    return score[ok], mask[ok] == 1


def s2_baselines():
    """Single-date methods on the test rows, each threshold (index < t = landslide) chosen on the
    validation rows: pooled F1 at that threshold and AUROC (threshold-free) over labelled pixels."""
    opt, mask, _ = D.s2_raw()
    H = mask.shape[0]
    v0, v1 = D.s2_rows('val', H); t0, t1 = D.s2_rows('test', H)
    out = {}
    for name, idx in index_planes(opt).items():
        best = (-1.0, 0.0)
        for t in np.round(np.arange(-1.0, 1.0, 0.01), 2):
            pv = np.where(np.isfinite(idx[v0:v1]), (idx[v0:v1] < t).astype(np.float32), 0.0)
            f = M.pooled([pv], [mask[v0:v1]], 0.5)['f1']
            if f > best[0]:
                best = (f, float(t))
        pt = np.where(np.isfinite(idx[t0:t1]), (idx[t0:t1] < best[1]).astype(np.float32), 0.0)
        r = M.pooled([pt], [mask[t0:t1]], 0.5)
        sc, lab = labelled_scores(-idx[t0:t1], mask[t0:t1])
        out[name] = {'threshold': best[1], 'val_f1': best[0], 'test': r, 'test_auroc': M.auc_roc(sc, lab), 'test_auprc': M.auc_pr(sc, lab)}
    ones = np.ones(mask[t0:t1].shape, np.float32)
    out['every labelled pixel'] = {'test': M.pooled([ones], [mask[t0:t1]], 0.5)}
    return out


def per_tile(p, m, size=256):
    tp, tm = [], []
    for r in range(0, p.shape[0], size):
        for c in range(0, p.shape[1], size):
            x = m[r:r + size, c:c + size]
            if (x == 1).sum() > 0:
                tp.append(p[r:r + size, c:c + size]); tm.append(x)
    return tp, tm


def overlay(p, m, thr, rgb=None):
    h, w = m.shape
    img = np.zeros((h, w, 3), np.uint8)
    if rgb is not None:
        img[:] = (rgb.transpose(1, 2, 0)[:h, :w] * 0.6).astype(np.uint8)
    pred = p >= thr
    ref = m == 1
    img[pred & ref] = (40, 200, 60)
    img[pred & ~ref & (m != 255)] = (230, 60, 40)
    img[~pred & ref] = (250, 200, 0)
    img[m == 255] = (img[m == 255] * 0.3).astype(np.uint8)
    return img


def save_png(img, path, max_side=1600):
    from PIL import Image
    im = Image.fromarray(img)
    s = max(im.size) / max_side
    if s > 1:
        im = im.resize((int(im.size[0] / s), int(im.size[1] / s)), Image.NEAREST)
    im.save(path, optimize=True)


def bijie_mosaic(probs, masks, thr, ids, n=24, cell=160):
    """Landslide test images (first n by id order) as a grid of overlays."""
    from PIL import Image
    tests = D.bijie('test')[:len(probs)]
    pick = [i for i, s in enumerate(tests) if s.mask.max() > 0][:n]
    cols = 6
    rows = -(-len(pick) // cols)
    canvas = np.zeros((rows * cell, cols * cell, 3), np.uint8)
    for k, i in enumerate(pick):
        img = overlay(probs[i], masks[i], thr, tests[i].rgb)
        im = np.asarray(Image.fromarray(img).resize((cell, cell), Image.NEAREST))
        r, c = divmod(k, cols)
        canvas[r * cell:(r + 1) * cell, c * cell:(c + 1) * cell] = im
    return canvas


def curves_png(log, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
    ax[0].plot([r['epoch'] for r in log], [r['loss'] for r in log], 'o-')
    ax[0].set_title('training loss (BCE + Dice)'); ax[0].set_xlabel('epoch')
    vals = [r for r in log if 'val' in r]
    for key in sorted({k for r in vals for k, v in r['val'].items() if isinstance(v, dict)}):
        ax[1].plot([r['epoch'] for r in vals], [r['val'][key]['f1'] for r in vals], 'o-', label=key)
    ax[1].set_title('validation pooled F1 (EMA weights, common threshold)'); ax[1].set_xlabel('epoch')
    ax[1].set_ylim(0, 1); ax[1].legend()
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
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--which', default='best', choices=['best', 'last'])
    ap.add_argument('--device-note', default=None, help='hardware that trained the run (default: this CPU)')
    ap.add_argument('--limit', type=int, default=None, help='smoke tests only')
    ap.add_argument('--reports', default=None, help='report folder (default training/reports)')
    ap.add_argument('--no-flips', action='store_true',
                    help='skip test-time flips (validation and held out: 4x the inference); the architecture screen')
    ap.add_argument('--no-bijie-for-uav', action='store_true',
                    help='a UAV-recipe run skips the Bijie test (the app never picks a UAV model there); the architecture screen')
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    net, cfg, ck = load_net(a.run, a.which)
    ck.setdefault('epoch', ck.get('state', {}).get('epoch'))
    spec = cfg['spec']
    spec.setdefault('family', C.RECIPES[spec['recipe']]['family'])  # runs made before recipes had families
    gsd_card = spec['gsd']
    inputs = C.card_inputs(spec, cfg.get('terrain_bands'))
    reports = a.reports or REPORTS
    os.makedirs(reports, exist_ok=True)
    t0 = time.time()

    # 1. calibration and threshold on validation
    chosen = read_choice(a.run)
    choice = chosen or {'size': 256, 'overlap': 64}
    tile = {'tile': choice['size'], 'overlap': choice['overlap']}
    print(f"inference tile {choice['size']} px, overlap {choice['overlap']}", flush=True)

    def val_logits(tta=False):
        """The validation sets' logits, tiled as the app tiles them (the Sentinel-2 rows via ValidationSet)."""
        if spec['family'] == 's2':
            return ValidationSet(spec, cfg.get('terrain_bands'), limit=a.limit, **tile).logits(net, tta=tta)
        return tiled_validation(net, spec, inputs, choice['size'], choice['overlap'], a.limit, names=spec['val'], tta=tta)
    vsets = val_logits()
    try:
        T, shift = K.fit_platt([l for _, ls, _ in vsets for l in ls], [m for _, _, ms in vsets for m in ms])
    except ValueError as e:
        # a model whose validation logits do not rank landslides is still evaluated (and reported as
        # such), uncalibrated; it is never shipped
        print(f'calibration skipped: {e}', flush=True)
        T, shift = 1.0, 0.0
    T_only = K.fit_temperature([l for _, ls, _ in vsets for l in ls], [m for _, _, ms in vsets for m in ms])
    v_plain = score_sets(vsets, T, shift)
    v_raw = score_sets(vsets, 1.0)
    with torch.no_grad():
        net.head.bias += shift  # from here on the net's logits include the calibration shift
    vsets_tta = None if a.no_flips else val_logits(tta=True)
    v_tta = v_plain if a.no_flips else score_sets(vsets_tta, T)

    # 4. hysteresis on validation (the satellite model's with site B's validation rows, as its tile), chosen
    # for each arm (plain, flips) that is measured
    more = [n for n in validation_names(spec) if n not in spec['val']] if spec['family'] != 's2' else []

    def seeded_choice(tta: bool) -> dict:
        # the plain logits were taken before the head carried the calibration shift, the others after
        h_sets = ([(n, [sigmoid(l / T) for l in ls], ms) for n, ls, ms in vsets_tta] if tta
                  else [(n, [sigmoid((l + shift) / T) for l in ls], ms) for n, ls, ms in vsets])
        if more:
            h_sets += [(n, [sigmoid(l / T) for l in ls], ms) for n, ls, ms in
                       tiled_validation(net, spec, inputs, choice['size'], choice['overlap'], a.limit, names=more, tta=tta)]
        return HY.select(h_sets, (v_tta if tta else v_plain)['threshold'])

    def kept_score(h: dict) -> float:
        return h['score'] if h['adopted'] else h['plain_score']
    hyst_arms = {}
    if spec['family'] != 's2':
        hyst_arms[False] = seeded_choice(False)
        if not a.no_flips:
            hyst_arms[True] = seeded_choice(True)
    if True in hyst_arms:
        # flips are judged by what the app keeps (seeded regions over every validation set), not by the
        # single threshold on the primary set: the seed rule changes what they are worth
        tta_gain = kept_score(hyst_arms[True]) - kept_score(hyst_arms[False])
    else:
        tta_gain = v_tta['score'] - v_plain['score']
    kept_validation = {('flips' if t else 'plain'): kept_score(h) for t, h in hyst_arms.items()}
    use_tta = tta_gain >= TTA_MIN_GAIN
    thr = v_tta['threshold'] if use_tta else v_plain['threshold']
    val_masks = [m for _, _, ms in vsets for m in ms]
    val_probs = ([sigmoid(l / T) for _, ls, _ in vsets_tta for l in ls] if use_tta
                 else [sigmoid((l + shift) / T) for _, ls, _ in vsets for l in ls])
    rel_val, ece_val, _ = K.reliability(val_probs, val_masks)
    rel_val_raw, ece_val_raw, _ = K.reliability([sigmoid(l) for _, ls, _ in vsets for l in ls], val_masks)
    rel_val_t, ece_val_t, _ = K.reliability([sigmoid(l / T_only) for _, ls, _ in vsets for l in ls], val_masks)
    print(json.dumps({'temperature': T, 'bias_shift': shift, 'temperature_only': T_only, 'val_plain': v_plain, 'val_uncalibrated': v_raw, 'val_tta': v_tta}), flush=True)

    hyst, seed = hyst_arms.get(use_tta), None
    if hyst:
        seed = (hyst['low'], hyst['high']) if hyst['adopted'] else None
        print(json.dumps({'hysteresis': hyst, 'flips': use_tta,
                          'kept_validation': kept_validation}), flush=True)
    card_thr = seed[0] if seed else thr
    rule = seed or (thr, thr)  # (low, high): what the app keeps; high <= low is the single threshold

    def kept_masks(probs):
        return [HY.seeded_mask(q, *rule).astype(np.float32) for q in probs]
    seed_note = (f"; seeded: regions >= {seed[0]:.2f} holding a pixel >= {seed[1]:.2f} (card seedThreshold, chosen on validation)"
                 if seed else '')

    # 2. held-out sets
    rows, extra, rel_test = [], {}, {}
    if spec['family'] == 's2':
        t1 = time.time()
        p, m, opt = s2_test(net, inputs, T, use_tta, tile)
        pooled = M.pooled([p], [m], thr)
        sc, lab = labelled_scores(p, m)
        auroc, auprc = M.auc_roc(sc, lab), M.auc_pr(sc, lab)
        rows.append(row('Sentinel-2 tiles (Chittagong, 10 m)', 'test rows 1536+ (sparse labels)', 'r,g,b,nir' + (' + flips' if use_tta else ''),
                        pooled, thr, 'pooled-pixel', pooled['pixels'],
                        notes=f'labelled pixels only ({int(lab.sum())} landslide, {int((~lab).sum())} not); pixel AUROC {auroc:.3f}, AUPRC {auprc:.3f}'))
        base = s2_baselines()
        extra.update(s2_test_seconds=time.time() - t1, s2_test_auroc=auroc, s2_test_auprc=auprc, s2_baselines=base)
        rel_test['Sentinel-2 test'] = K.reliability([p], [m])
        rgb8 = np.clip(np.nan_to_num(opt[:3]) / 0.15 * 255, 0, 255).astype(np.uint8)
        save_png(overlay(p, m, thr, rgb8), os.path.join(reports, f'{a.id}-s2-test.png'))
    for tta in ([] if spec['family'] == 's2' else [False] if a.no_flips else [False, True]):
        tag = ' + flips' if tta else ''
        j_in = 'rgb+dem' if spec['terrain'] else 'rgb'
        variants = [(True, j_in)] if spec['terrain'] else [(False, 'rgb')]
        if spec['terrain']:
            variants.append((False, 'rgb (no DEM given)'))
        for with_dem, label in variants:
            if tta and not (spec['family'] == 'uav' and with_dem):
                continue  # flips measured on the specialist's primary held-out set only (4x the inference)
            p, m, secs, kept = jinsha_south(net, inputs, gsd_card, with_dem, T, tta, a.limit, tile, rule)
            single = M.pooled([p], [m], thr)
            pooled = M.pooled([kept], [m], 0.5)
            rows.append(row('Jinsha site B', 'south rows 1690+ (test)', label + tag, pooled, card_thr, 'pooled-pixel', pooled['pixels'],
                            notes=f'full-scene tiled inference at {app_gsd(gsd_card, 0.5):g} m as the app runs it, {secs:.0f} s'
                                  + (f"{seed_note}; single threshold {thr:.2f}: F1 {single['f1']:.3f}" if seed else '')))
            if not tta:
                tp_, tm_ = per_tile(kept, m)
                rows.append(row('Jinsha site B', 'south rows 1690+ (test)', label + tag, M.per_image_mean(tp_, tm_, 0.5),
                                card_thr, 'per-image-mean', notes='mean over 256-px tiles holding landslides; comparison only'))
                if with_dem or not spec['terrain']:
                    rel_test['Jinsha B south'] = K.reliability([p], [m])
                    rgbB = D.jinsha_raw('B')[0][:, D.b_test_row(D.jinsha_raw('B')[2].shape[0]):][:, :m.shape[0], :m.shape[1]]
                    save_png(overlay(kept, m, 0.5, rgbB), os.path.join(reports, f'{a.id}-jinsha-south.png'))
                    extra['jinsha_south_seconds'] = secs
        if (tta or a.no_bijie_for_uav) and spec['family'] != 'sat':
            continue
        bp, bm = bijie_test(net, inputs, gsd_card, T, tta, a.limit, tile)
        bk = kept_masks(bp)
        single = M.pooled(bp, bm, thr)
        pooled = M.pooled(bk, bm, 0.5)
        b_in = 'rgb (no DEM in Bijie)' if spec['terrain'] else 'rgb'
        rows.append(row('Bijie', 'test (416 images)', b_in + tag, pooled, card_thr, 'pooled-pixel', pooled['pixels'],
                        notes=f'run at {app_gsd(gsd_card, 0.8):g} m as the app would'
                              + (f"{seed_note}; single threshold {thr:.2f}: F1 {single['f1']:.3f}" if seed else '')))
        if not tta:
            scores = np.array([float(p.max()) for p in bp]); labels = np.array([int(m.max() > 0) for m in bm])
            rows.append(row('Bijie', 'test (416 images)', b_in, M.per_image_mean(bk, bm, 0.5), card_thr, 'per-image-mean',
                            notes=f'papers\' style, comparison only; image-level AUROC {M.auc_roc(scores, labels):.3f}, '
                                  f'AUPRC {M.auc_pr(scores, labels):.3f}'))
            rel_test['Bijie test'] = K.reliability(bp, bm)
            save_png(bijie_mosaic(bk, bm, 0.5, None), os.path.join(reports, f'{a.id}-bijie.png'))
    ece_split = {'uav': 'Jinsha B south', 's2': 'Sentinel-2 test'}.get(spec['family'], 'Bijie test')
    ece_test = rel_test[ece_split][1]
    K.reliability_png({'validation, uncalibrated': (rel_val_raw, ece_val_raw), 'validation, temperature only': (rel_val_t, ece_val_t),
                       'validation, Platt (shipped)': (rel_val, ece_val),
                       **{f'{k} (held out)': (v[0], v[1]) for k, v in rel_test.items()}},
                      os.path.join(reports, f'{a.id}-reliability.png'), f'{a.id}: reliability, T = {T:.3f}')

    log_path = os.path.join(a.run, 'log.json')
    log = json.load(open(log_path)) if os.path.exists(log_path) else []  # a rebuilt run (rebuild.py) has no training log
    if log:
        curves_png(log, os.path.join(reports, f'{a.id}-curves.png'))
    # per 256 px tile CPU inference time (1 thread, batch 1)
    torch.set_num_threads(1)
    xs = [torch.randn(1, len(i['bands']), 256, 256) for i in inputs]
    with torch.no_grad():
        net(*xs)
        t1 = time.time()
        for _ in range(5):
            net(*xs)
    tile_ms = (time.time() - t1) / 5 * 1000
    if cfg.get('members'):
        provenance = (f"Ensemble: the mean of the calibrated logits of {len(cfg['members'])} runs ("
                      + ', '.join(m['run'] for m in cfg['members']) + "), one head over their concatenated features")
    else:
        provenance = ((f"Fine-tuned from {cfg['init_from']} " if cfg.get('init_from') else "Trained from scratch ")
                      + f"for {len(log)} epochs of {cfg['steps']} batches of {cfg['batch']} crops ({cfg['crop']} px at "
                      f"{gsd_card['minM']}-{gsd_card['maxM']} m), seed {cfg['seed']}; EMA weights of epoch {ck.get('epoch', len(log))}")
    metrics = {
        'threshold': card_thr, 'seed_threshold': seed[1] if seed else None, 'single_threshold': thr, 'hysteresis': hyst,
        'temperature': T, 'bias_shift': shift, 'ece': ece_test, 'ece_split': f'{ece_split} (held out), p >= 0.1, 15 bins',
        'tta': 'flips' if use_tta else 'none', 'tile': choice, 'flips_measured': not a.no_flips, 'rows': rows, 'epochs_trained': len(log) or cfg.get('epochs'),  # an ensemble or a rebuilt run has no log of its own
        'device': a.device_note or HARDWARE,
        'extra': {**extra, 'validation': {'plain': v_plain, 'flips': v_tta, 'uncalibrated': v_raw, 'tta_gain': tta_gain,
                                          'kept': kept_validation,
                                          'ece_calibrated': ece_val, 'ece_uncalibrated': ece_val_raw,
                                          'ece_temperature_only': ece_val_t, 'temperature_only': T_only},
                  'ece_test': {k: v[1] for k, v in rel_test.items()}, 'tile_ms_cpu_1thread': tile_ms,
                  'evaluate_seconds': time.time() - t0},
        'training_notes': provenance + f"; Platt calibration (temperature {T:.3f}, head bias shifted by {shift:+.3f}) and threshold {thr:.2f} from validation only "
                           + (f"(hysteresis from validation: regions >= {seed[0]:.2f} seeded by a pixel >= {seed[1]:.2f}) " if seed else '') + f"({', '.join(spec['val'])}).",
    }
    json.dump(metrics, open(os.path.join(a.run, 'metrics.json'), 'w'), indent=1)

    md = [f'# {a.id}', '',
          f"Recipe `{spec['recipe']}`, architecture `{spec['arch']}`, {cfg.get('params') or sum(p.numel() for p in net.parameters()):,} parameters, " + (f"ensemble of {', '.join(m['run'] for m in cfg['members'])}. " if cfg.get('members') else f"seed {cfg['seed']}. ")
          + (f"Weights rebuilt from {ck['rebuilt_from']['onnx']} (sha256 {ck['rebuilt_from']['sha256'][:8]}…; scarp_train.rebuild). " if ck.get('rebuilt_from')
             else '' if cfg.get('members') else f"EMA weights after epoch {ck.get('epoch')} of {len(log)}. ") + f"Temperature {T:.3f}, threshold {thr:.2f} "
          + (f"(the card's: {seed[0]:.2f}, seeded at {seed[1]:.2f}: hysteresis chosen on validation, {hyst['score']:.3f} against {hyst['plain_score']:.3f} with the single threshold) " if seed else '') + f"(validation: {', '.join(spec['val'])}); test-time flips {'on' if use_tta else 'off'} by default "
          + (f"(validation gain {tta_gain:+.3f} F1 for 4x the inference"
             + (", in what the app keeps over every validation set, each arm's rule chosen on validation)." if True in hyst_arms else ").")
             if not a.no_flips else "(not measured: evaluated with --no-flips)."), '',
          '## Held-out metrics', '',
          'Pooled pixel metrics are the honest figure: every test pixel counted once, unmapped (255) excluded. '
          'Per-image means are shown only to compare with the papers.', '', fmt_table(rows), '',
          f"Validation at the chosen threshold: " + ', '.join(f"{k} F1 {v['f1']:.3f}" for k, v in (v_tta if use_tta else v_plain).items()
                                                               if isinstance(v, dict)) + '.', '',
          f"CPU inference: {tile_ms:.0f} ms per 256 px tile (1 thread, batch 1). Inference tile (the card's): {choice['size']} px, "
          f"overlap {choice['overlap']}" + (" (chosen on validation: scarp_train.tile_select)." if chosen else "."), '',
          '## Training curves', '', f'![curves]({a.id}-curves.png)', '',
          '## Calibration', '',
          f"Platt scaling on the validation logits, stored as the card's temperature ({T:.3f}) and a shift of the head's bias "
          f"({shift:+.3f}). Expected calibration error (15 bins over p >= 0.1): validation {ece_val_raw:.3f} uncalibrated, "
          f"{ece_val_t:.3f} with a temperature alone (T = {T_only:.3f}), {ece_val:.3f} with Platt; held out: " + ', '.join(f"{k} {v[1]:.3f}" for k, v in rel_test.items()) + '.', '',
          f'![reliability]({a.id}-reliability.png)', '',
          '## Error overlays', '',
          'Green: detected landslide; red: false positive; yellow: missed; dark: unmapped.', '',
          *([f'Sentinel-2 test rows (labelled pixels only are coloured): ![S2 test]({a.id}-s2-test.png)', '',
             '## Single-date index methods on the same pixels', '',
             '| method | threshold (validation) | validation F1 | test F1 | test precision | test recall | test AUROC |',
             '|---|---|---|---|---|---|---|',
             *[f"| {k if k.startswith('every') else k + ' < t'} | {v.get('threshold', '-')} | {v.get('val_f1', float('nan')):.3f} | {v['test']['f1']:.3f} | "
               f"{v['test']['precision']:.3f} | {v['test']['recall']:.3f} | {v.get('test_auroc', float('nan')):.3f} |"
               for k, v in extra['s2_baselines'].items()], '']
            if spec['family'] == 's2' else
            [f'Jinsha site B south: ![B south]({a.id}-jinsha-south.png)', '',
             f'Bijie test, the first 24 landslide images: ![Bijie]({a.id}-bijie.png)', '']),
          '## Command', '', '```', 'cd training', training_command(cfg, a.id), '```', '']
    open(os.path.join(reports, f'{a.id}.md'), 'w').write('\n'.join(md))
    print(json.dumps(rows, indent=1))


if __name__ == '__main__':
    main()
