"""Export a trained run to ONNX with its model card (models/<id>.onnx + models/<id>.json).

    /usr/bin/python3 -m scarp_train.export --run runs/digate --id scarp-digate-rgbdem --out ../models \
        [--metrics runs/digate/metrics.json]

The card follows src-shared/model-card.ts and is embedded in the ONNX metadata under `scarp_card`;
single-input models also carry Deepness-style keys. The export is checked against PyTorch on a
generated input (max probability difference printed and required below 1e-4).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import inspect
import json
import os
import sys

import numpy as np
import onnx
import torch

from . import config as C
from .models import ProbabilityWrapper, build, n_params

EXPORT_KW = {'dynamo': False} if 'dynamo' in inspect.signature(torch.onnx.export).parameters else {}
OPSET = 17

DATASETS = {
    'bijie': dict(name='Bijie landslide dataset (TripleSat 0.8 m RGB)',
                  citation='Ji S., Yu D., Shen C., Li W., Xu Q. (2020) Landslide detection from an open satellite imagery and '
                           'digital elevation model dataset using attention boosted CNNs. Landslides 17:1337-1352.',
                  licence='No licence stated; research use.'),
    'jinsha': dict(name='Jinsha River UAV sites A and B (0.5 m RGB + DSM; site B southern 40 % held out)',
                   citation='Patches published with "A Feature Enhancement Framework for Landslide Detection" (AMU-Net); '
                            'mosaicked and vectorised for Scarp.',
                   licence='No licence stated; research use.'),
    'uav': dict(name='UAV ortho tiles (128 px, one orthophoto)', citation='Unnamed public repository.',
                licence='No licence stated; research use.'),
}

DESCRIPTIONS = {
    'unet': ('Scarp U-Net (RGB)', 'unet',
             'Compact U-Net baseline for high-resolution RGB imagery (aerial, UAV, sub-metre satellite). '
             'Trained from scratch on real landslide data with scale augmentation.'),
    'digate': ('Scarp DiGATe-UNet (RGB + DEM)', 'digate-unet',
               'Dual-stream DiGATe-UNet: optical and terrain encoders, gated RGB/terrain fusion, cross-attention and '
               'sub-pixel up-sampling. Terrain = slope derived at 2 m + relative elevation. Runs without a DEM '
               '(trained with the terrain stream randomly dropped), at lower accuracy.'),
}


def load_net(run_dir: str, which: str = 'best'):
    ck = torch.load(os.path.join(run_dir, f'{which}.pt'), map_location='cpu')
    cfg = ck['config']
    spec = cfg['spec']
    tb = cfg.get('terrain_bands')
    k = len(tb) if tb else 0
    net = build(spec['arch'], in_ch=3 + (k if spec['arch'] == 'unet' else 0), width=cfg['width'], terrain_ch=max(k, 1))
    net.load_state_dict(ck['model'])
    net.eval()
    return net, cfg, ck


def training_command(cfg: dict, model_id: str) -> str:
    """The exact commands (run in training/) that reproduce a shipped model."""
    from .train import train_command
    run = cfg['out']
    return (train_command(cfg) + f" && /usr/bin/python3 -m scarp_train.evaluate --run {run} --id {model_id}"
            f" && /usr/bin/python3 -m scarp_train.gsd_sweep --run {run} --id {model_id}"
            f" && /usr/bin/python3 -m scarp_train.export --run {run} --id {model_id} --out ../models")


def gsd_range(cfg: dict) -> dict:
    """Native 0.5 m; minM the finest GSD trained (0.4 m); maxM the coarsest GSD of the validation
    sweep (gsd_sweep.py) whose pooled F1 stays within 80 % of the native one, capped at the coarsest
    GSD trained; without a sweep, the native GSD only."""
    out = {'nativeM': 0.5, 'minM': C.GSD_RANGE[0], 'maxM': 0.5}
    p = os.path.join(cfg['out'], 'gsd.json')
    if os.path.exists(p):
        rows = json.load(open(p))['rows']
        key = 'rgb+dem' if 'rgb+dem' in rows[0] else 'rgb'
        base = rows[0][key]['f1']
        ok = [r['gsd_m'] for r in rows if r[key]['f1'] >= 0.8 * base]
        out['maxM'] = round(min(C.GSD_RANGE[2], max([0.5] + ok)), 2)
    return out


def make_card(model_id: str, cfg: dict, params: int, metrics: dict | None, tile: int, overlap: int) -> dict:
    spec = cfg['spec']
    tb = cfg.get('terrain_bands')
    arch = spec['arch']
    name, arch_name, desc = DESCRIPTIONS[arch]
    dual = arch == 'digate'
    optical = {'name': 'optical' if dual else 'image', 'bands': C.optical_bands(), 'valueDomain': 'uint8', 'optional': False}
    if arch == 'unet' and tb:
        optical['bands'] = optical['bands'] + tb
        optical['valueDomain'] = 'any'
    inputs = [optical]
    if dual:
        inputs.append({'name': 'terrain', 'bands': tb, 'valueDomain': 'any', 'optional': True})
    used = [k for k, w in spec['weights'].items() if w > 0]
    ds = []
    if 'bijie' in used:
        ds.append(DATASETS['bijie'])
    if 'jA' in used or 'jB' in used:
        ds.append(DATASETS['jinsha'])
    if 'uav' in used:
        ds.append(DATASETS['uav'])
    m = metrics or {}
    threshold = float(m.get('threshold', 0.5))
    command = training_command(cfg, model_id)
    card = {
        'schemaVersion': 1,
        'id': model_id,
        'name': name,
        'version': m.get('version', '1.0.0'),
        'description': desc,
        'architecture': arch_name,
        'task': 'binary-segmentation',
        'inputs': inputs,
        'output': {'name': 'probability', 'activation': 'sigmoid', 'channel': 0, 'classNames': ['landslide']},
        'threshold': round(threshold, 4),
        'gsd': gsd_range(cfg),
        'tile': {'size': tile, 'overlap': overlap, 'multipleOf': 32},
        'training': {
            'datasets': ds,
            'command': command,
            'epochs': m.get('epochs_trained', cfg['epochs']),
            'device': 'cpu (2 cores, PyTorch 1.13)',
            'notes': m.get('training_notes', f"Trained from scratch (no pretrained weights available), crops of {cfg['crop']} px, "
                                             f"GSD drawn from {C.GSD_RANGE[0]}-{C.GSD_RANGE[2]} m."),
        },
        'metrics': m.get('rows', []),
        'parameters': params,
        'licence': 'Research and emergency-response evaluation only: trained on data published without a licence.',
        'authors': 'Scarp',
        'created': dt.date.today().isoformat(),
    }
    return card


def deepness_metadata(card: dict) -> dict:
    bands = card['inputs'][0]['bands']
    mean = [b['normalization']['mean'] for b in bands]
    std = [b['normalization']['std'] for b in bands]
    return {
        'model_type': json.dumps('Segmentor'),
        'class_names': json.dumps({'0': 'landslide'}),
        'resolution': json.dumps(card['gsd']['nativeM'] * 100),
        'tiles_size': json.dumps(card['tile']['size']),
        'tiles_overlap': json.dumps(round(100 * card['tile']['overlap'] / card['tile']['size'])),
        'seg_thresh': json.dumps(card['threshold']),
        'seg_small_segment': json.dumps(9),
        'standardization_mean': json.dumps([m / 255 for m in mean]),
        'standardization_std': json.dumps([s / 255 for s in std]),
    }


def export(run_dir: str, model_id: str, out_dir: str, metrics_path: str | None, tile: int, overlap: int, which: str = 'best',
           write_parity: bool = False) -> str:
    net, cfg, ck = load_net(run_dir, which)
    dual = cfg['spec']['arch'] == 'digate'
    tb = cfg.get('terrain_bands')
    k = len(tb) if tb else 0
    metrics = json.load(open(metrics_path)) if metrics_path and os.path.exists(metrics_path) else None
    card = make_card(model_id, cfg, n_params(net), metrics, tile, overlap)
    wrapper = ProbabilityWrapper(net, dual).eval()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 3 + (k if not dual and k else 0), 96, 128, generator=g)
    args = (x, torch.randn(2, k, 96, 128, generator=g)) if dual else (x,)
    names = ['optical', 'terrain'] if dual else ['image']
    axes = {n: {0: 'batch', 2: 'height', 3: 'width'} for n in names}
    axes['probability'] = {0: 'batch', 2: 'height', 3: 'width'}
    os.makedirs(out_dir, exist_ok=True)
    onnx_path = os.path.join(out_dir, f'{model_id}.onnx')
    tmp = onnx_path + '.tmp'
    torch.onnx.export(wrapper, args, tmp, input_names=names, output_names=['probability'], dynamic_axes=axes,
                      opset_version=OPSET, do_constant_folding=True, **EXPORT_KW)
    model = onnx.load(tmp)
    meta = {'scarp_card': json.dumps(card, ensure_ascii=False)}
    if not dual and not tb:
        meta.update(deepness_metadata(card))
    del model.metadata_props[:]
    for key, value in meta.items():
        p = model.metadata_props.add()
        p.key, p.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, tmp)
    os.replace(tmp, onnx_path)
    with open(os.path.join(out_dir, f'{model_id}.json'), 'w', encoding='utf-8') as f:
        json.dump(card, f, indent=2, ensure_ascii=False)
        f.write('\n')
    if write_parity:
        shipped_parity(wrapper, names, [tuple(a.shape[1:2]) for a in args], os.path.join(out_dir, 'parity', f'{model_id}.json'))
    size = os.path.getsize(onnx_path)
    digest = hashlib.sha256(open(onnx_path, 'rb').read()).hexdigest()
    print(f'{onnx_path}: {size / 1e6:.2f} MB, sha256 {digest[:16]}…, {n_params(net)} parameters, opset {OPSET}')
    return onnx_path


def parity_input(n: int, c: int, h: int, w: int, phase: float = 0.0) -> np.ndarray:
    """Deterministic input the TypeScript test regenerates: 1.5*sin(0.37 i + 0.91 j + 1.3 ch + 2.1 n + phase),
    computed in float64, stored as float32."""
    N, Cc, I, J = np.meshgrid(np.arange(n), np.arange(c), np.arange(h), np.arange(w), indexing='ij')
    return (1.5 * np.sin(0.37 * I + 0.91 * J + 1.3 * Cc + 2.1 * N + phase)).astype(np.float32)


def shipped_parity(wrapper, names, channels, path, n=2, h=32, w=48):
    """models/parity/<id>.json: PyTorch's probabilities for the deterministic input (parity_input; the
    second input, if any, uses phase 0.5 and its last sample is all zeros = no DEM)."""
    arrays = []
    for j, (c,) in enumerate(channels):
        a = parity_input(n, c, h, w, 0.5 * j)
        if j == 1:
            a[-1] = 0.0
        arrays.append(a)
    with torch.no_grad():
        prob = wrapper(*[torch.from_numpy(a) for a in arrays]).numpy()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fx = {'generator': '1.5*sin(0.37*i + 0.91*j + 1.3*c + 2.1*n + 0.5*inputIndex), float32; input 1 sample n-1 zeroed',
          'inputs': [{'name': nm, 'dims': list(a.shape), 'zeroLastSample': j == 1} for j, (nm, a) in enumerate(zip(names, arrays))],
          'output': {'name': 'probability', 'dims': list(prob.shape), 'data': [round(float(v), 7) for v in prob.ravel()]}}
    with open(path, 'w') as f:
        json.dump(fx, f)
        f.write('\n')


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--run', required=True)
    ap.add_argument('--id', required=True)
    ap.add_argument('--out', default='../models')
    ap.add_argument('--metrics', default=None, help='metrics.json from scarp_train.evaluate (default: <run>/metrics.json)')
    ap.add_argument('--tile', type=int, default=256)
    ap.add_argument('--overlap', type=int, default=64)
    ap.add_argument('--which', default='best', choices=['best', 'last'])
    a = ap.parse_args(argv)
    export(a.run, a.id, a.out, a.metrics or os.path.join(a.run, 'metrics.json'), a.tile, a.overlap, a.which, write_parity=True)


if __name__ == '__main__':
    sys.exit(main())


def parity_fixture(run_dir: str, onnx_path: str, out_json: str, which: str = 'best', h: int = 64, w: int = 96,
                   batch: int = 2, seed: int = 7) -> str:
    """Write a generated input and the PyTorch probability for it (for the onnxruntime-node parity
    test). Input values look like real normalised data (optical z-scores, terrain within its clip)."""
    net, cfg, _ = load_net(run_dir, which)
    import onnx as _onnx
    names = [i.name for i in _onnx.load(onnx_path).graph.input]
    g = torch.Generator().manual_seed(seed)
    tb = cfg.get('terrain_bands')
    k = len(tb) if tb else 0
    dual = cfg['spec']['arch'] == 'digate'
    x = torch.randn(batch, 3 + (k if not dual and k else 0), h, w, generator=g)
    args = [x]
    if dual:
        t = torch.randn(batch, k, h, w, generator=g)
        t[-1] = 0.0  # second sample: no DEM (terrain fed its fill value)
        args.append(t)
    with torch.no_grad():
        prob = ProbabilityWrapper(net, dual).eval()(*args)
    fx = {'onnx': os.path.abspath(onnx_path), 'inputs': {n: {'dims': list(v.shape), 'data': v.flatten().tolist()} for n, v in zip(names, args)},
          'output': {'name': 'probability', 'dims': list(prob.shape), 'data': prob.flatten().tolist()}}
    with open(out_json, 'w') as f:
        json.dump(fx, f)
    return out_json
