"""Bring a shipped model's card up to date with what evaluation now decides, when its training run is gone
(runs live on one machine; the repository keeps the exported model): rebuild the run from the ONNX,
evaluate it, then write the card from that evaluation.

    /usr/bin/python3 -m scarp_train.rebuild  --onnx ../models/scarp-sat-rgb.onnx --recipe sat --arch geonext --out runs/sat-shipped/best.pt
    echo '{"choice": {"size": 768, "overlap": 192}}' > runs/sat-shipped/tile.json    # the card's tile
    /usr/bin/python3 -m scarp_train.evaluate --run runs/sat-shipped --id scarp-sat-rgb
    /usr/bin/python3 -m scarp_train.recard   --run runs/sat-shipped --onnx ../models/scarp-sat-rgb.onnx

From the run's metrics.json it takes what evaluation decides: the threshold, the seed threshold
(hysteresis.py), the held-out metric rows, the calibration error and the test-time augmentation. It keeps
what training decided (name, inputs, head, training block) and the graph: the calibration is baked into the
graph (the head's bias and the temperature), so a re-fitted calibration that differs from the card's by
more than 1e-4 is refused (export a new model instead). Writes <id>.json and the ONNX's `scarp_card`
metadata; the graph's tensors are unchanged.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import onnx

TOLERANCE = 1e-4


def updated_card(card: dict, m: dict, version: str) -> dict:
    cal = card.get('calibration') or {}
    for key, name in (('temperature', 'temperature'), ('biasShift', 'bias_shift')):
        if abs(float(cal.get(key, 1.0 if key == 'temperature' else 0.0)) - float(m.get(name, 1.0 if key == 'temperature' else 0.0))) > TOLERANCE:
            raise SystemExit(f'recard: the re-fitted calibration {name} {m.get(name)} differs from the card\'s {cal.get(key)}: '
                             'the graph would change; export a new model instead')
    out = {k: v for k, v in card.items() if k != 'seedThreshold'}
    out['version'] = version
    out['threshold'] = round(float(m['threshold']), 4)
    if m.get('seed_threshold'):
        # after threshold, as export writes it
        keys = list(out)
        i = keys.index('threshold') + 1
        out = {**{k: out[k] for k in keys[:i]}, 'seedThreshold': round(float(m['seed_threshold']), 4), **{k: out[k] for k in keys[i:]}}
    out['tta'] = m.get('tta', card.get('tta', 'none'))
    out['metrics'] = m['rows']
    if 'ece' in m and 'calibration' in out:
        out['calibration'] = {**out['calibration'], 'ece': round(float(m['ece']), 4), 'eceSplit': m.get('ece_split', '')}
    h = m.get('hysteresis')
    if h and m.get('seed_threshold'):
        out['training'] = {**out['training'], 'notes': out['training'].get('notes', '') +
                           f" Hysteresis chosen on validation ({', '.join(h['sets'])}): regions >= {h['low']:.2f} seeded by a pixel"
                           f" >= {h['high']:.2f}, validation {h['score']:.3f} against {h['plain_score']:.3f} with the single threshold"
                           f" {h['plain_threshold']:.2f}."}
    return out


def write_metadata(onnx_path: str, card: dict, single_threshold: float | None) -> None:
    from .export import set_metadata
    model = onnx.load(onnx_path)
    set_metadata(model, card, single_threshold)
    onnx.checker.check_model(model)
    tmp = onnx_path + '.partial'
    onnx.save(model, tmp)
    os.replace(tmp, onnx_path)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--run', required=True, help='a run rebuilt from --onnx and evaluated (its metrics.json)')
    ap.add_argument('--onnx', required=True)
    ap.add_argument('--version', default=None, help='the card\'s new version (default: minor version + 1)')
    a = ap.parse_args(argv)
    card_path = os.path.splitext(a.onnx)[0] + '.json'
    card = json.load(open(card_path))
    ck_src = os.path.join(a.run, 'best.pt')
    import torch
    rebuilt = torch.load(ck_src, map_location='cpu').get('rebuilt_from')
    if not rebuilt or rebuilt.get('id') != card['id']:
        sys.exit(f'recard: {a.run} was not rebuilt from {card["id"]} (scarp_train.rebuild)')
    m = json.load(open(os.path.join(a.run, 'metrics.json')))
    major, minor, *_ = (card.get('version', '1.0.0') + '.0.0').split('.')
    new = updated_card(card, m, a.version or f'{major}.{int(minor) + 1}.0')
    tmp = card_path + '.partial'
    with open(tmp, 'w') as f:
        f.write(json.dumps(new, indent=2, ensure_ascii=False) + '\n')
    write_metadata(a.onnx, new, m.get('single_threshold'))
    os.replace(tmp, card_path)
    print(f"{card_path}: version {new['version']}, threshold {new['threshold']}, seed threshold {new.get('seedThreshold')}")


if __name__ == '__main__':
    main()
