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
from .models import ExportWrapper, head_of, n_params

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
    's2': dict(name='Sentinel-2 landslide tiles, Chittagong hill tracts (100 tiles of 256 px, R, G, B, NIR, ~10 m; '
                    'sparse labels; mosaicked, rows 1536+ held out)',
               citation='Public repository of labelled Sentinel-2 tiles (see shared/data/DATA.md).',
               licence='MIT (per the repository README).'),
}

DESCRIPTIONS = {
    'unet': ('Scarp U-Net', 'unet',
             'Compact U-Net trained from scratch on real landslide data.'),
    'digate': ('Scarp DiGATe-UNet', 'digate-unet',
               'Dual-stream DiGATe-UNet: optical and terrain encoders, gated RGB/terrain fusion, cross-attention and '
               'sub-pixel up-sampling. Terrain = slope derived at 2 m + relative elevation over a 100 m window. Runs '
               'without a DEM (trained with the terrain stream randomly dropped), at lower accuracy.'),
    # the four papers' architectures (training/README.md, "The four papers' architectures")
    'unetpp-att': ('Scarp U-Net++ (contextual attention)', 'unetpp-contextual-attention',
                   'U-Net++ with nested dense skips and contextual (channel + spatial) attention in the encoder '
                   '(after Hegde et al.); RGB and DEM channels stacked into one input on a terrain recipe.'),
    'fca-deeplab': ('Scarp FCA-DeepLab', 'fca-deeplab',
                    'DeepLabv3+ with RGB/DEM two-branch fusion (CBAM) before a ConvNeXt backbone at output stride 16, '
                    'ASPP, small-object attention on low-level features and a regularised decoder. Runs without a DEM '
                    '(trained with the terrain input randomly dropped), at lower accuracy.'),
    'geonext': ('Scarp GeoNeXt', 'geonext',
                'ConvNeXt V2 encoder (GRN blocks, trained from scratch) with a PSA + ASPP decoder; RGB only.'),
    'mcnn-gan': ('Scarp multi-CNN + GAN', 'multi-cnn-gan',
                 'VGG-, DenseNet-, ResNet- and Inception-style encoders fused with SE attention and a U-Net-style '
                 'generator decoder, trained with a WGAN-GP mask critic (training only); RGB only.'),
}
RECIPE_TEXT = {
    'uav': 'Specialist for UAV and aerial RGB imagery (0.3-1 m; run as is at 0.4-0.625 m), with an optional DEM/DSM.',
    'uav-a': ('UAV/aerial RGB (+ DEM) model trained on Jinsha site A only: the base of the learning-from-corrections '
              'measurement on site B. Not picked by default.'),
    'sat': 'Specialist for satellite RGB imagery (0.5-3 m; run as is at 0.6-1.0 m, coarser scenes resampled to 1.0 m; '
           'trained with coarse-imagery degradation so resampled scenes look familiar).',
    'sat-bijie': ('Satellite RGB model trained on Bijie only (never Jinsha): the base of the learning-from-corrections '
                  'measurement on Jinsha site B RGB. Not picked by default.'),
    's2': ('Specialist for 10 m multispectral satellite imagery (Sentinel-2 L2A-like red, green, blue and NIR surface '
           'reflectance; run as is at 8-12.5 m, 5-20 m resampled). Trained on sparse labels from one region: '
           'its probabilities are calibrated on labelled pixels, where landslides are far more common than in a scene.'),
}
HARDWARE = 'cpu (2 cores, PyTorch 1.13)'


def load_net(run_dir: str, which: str = 'best'):
    from .train import build_net
    ck = torch.load(os.path.join(run_dir, f'{which}.pt'), map_location='cpu')
    cfg = ck['config']
    net = build_net(cfg)
    net.load_state_dict(ck['ema'] if which == 'last' and 'ema' in ck else ck['model'])
    net.eval()
    return net, cfg, ck


def training_command(cfg: dict, model_id: str, version: str | None = None) -> str:
    """The exact commands (run in training/) that reproduce a shipped model."""
    from .train import train_command
    version_arg = f' --version {version}' if version else ''
    run = cfg['out']
    swept = cfg['spec'].get('family') != 's2' and os.path.exists(os.path.join(run, 'gsd.json'))
    sweep = f" && /usr/bin/python3 -m scarp_train.gsd_sweep --run {run} --id {model_id}" if swept else ''
    mp = os.path.join(run, 'metrics.json')
    no_flips = ' --no-flips' if os.path.exists(mp) and json.load(open(mp)).get('flips_measured') is False else ''
    tile_json = os.path.join(run, 'tile.json')
    select = ''
    if os.path.exists(tile_json):
        src = json.load(open(tile_json)).get('copied_from')
        select = f" && cp {src}/tile.json {run}/" if src else f" && /usr/bin/python3 -m scarp_train.tile_select --run {run}"
    return (train_command(cfg) + select + f" && /usr/bin/python3 -m scarp_train.evaluate --run {run} --id {model_id}{no_flips}"
            + sweep + f" && /usr/bin/python3 -m scarp_train.export --run {run} --id {model_id} --out ../models{version_arg}")


def make_card(model_id: str, cfg: dict, params: int, metrics: dict | None, tile: int, overlap: int,
              head: dict | None = None, version: str | None = None) -> dict:
    spec = cfg['spec']
    spec.setdefault('family', C.RECIPES[spec['recipe']]['family'])  # runs made before recipes had families
    tb = cfg.get('terrain_bands')
    arch = spec['arch']
    name, arch_name, desc = DESCRIPTIONS[arch]
    inputs = C.card_inputs(spec, tb)
    used = [k for k, w in spec['sources'].items() if w > 0]
    ds = []
    if 'bijie' in used:
        ds.append(DATASETS['bijie'])
    if 'jA' in used or 'jB' in used:
        ds.append(DATASETS['jinsha'])
    if 'uav' in used:
        ds.append(DATASETS['uav'])
    if 's2' in used:
        ds.append(DATASETS['s2'])
    m = metrics or {}
    threshold = float(m.get('threshold', 0.5))
    inputs_text = 'R, G, B, NIR' if spec.get('optical') == 's2' else 'RGB + DEM' if spec['terrain'] else 'RGB'
    card = {
        'schemaVersion': 1,
        'id': model_id,
        'name': f"{name} ({spec['recipe'].upper()}, {inputs_text})",
        'version': version or m.get('version', '2.0.0'),
        'description': f"{RECIPE_TEXT[spec['recipe']]} {desc}",
        'architecture': arch_name,
        'task': 'binary-segmentation',
        'inputs': inputs,
        'output': {'name': 'probability', 'activation': 'sigmoid', 'channel': 0, 'classNames': ['landslide']},
        'threshold': round(threshold, 4),
        **({'seedThreshold': round(float(m['seed_threshold']), 4)} if m.get('seed_threshold') else {}),
        'gsd': dict(spec['gsd']),
        'tile': {'size': tile, 'overlap': overlap, 'multipleOf': 32},
        'tta': m.get('tta', 'none'),
        'domain': spec['domain'],
        'training': {
            'datasets': ds,
            'command': training_command(cfg, model_id, version),
            'epochs': m.get('epochs_trained', cfg['epochs']),
            'device': m.get('device', HARDWARE),
            'notes': m.get('training_notes', f"Trained from scratch, crops of {cfg['crop']} px at "
                                             f"{spec['gsd']['minM']}-{spec['gsd']['maxM']} m."),
        },
        'metrics': m.get('rows', []),
        'parameters': params,
        'licence': 'Research and emergency-response evaluation only: trained on data published without a licence.',
        'authors': 'Scarp',
        'created': dt.date.today().isoformat(),
    }
    if head:
        card['head'] = head
    if not C.RECIPES[spec['recipe']].get('pick_by_default', True):
        card['pickByDefault'] = False  # research variant: run only when named
    if 'temperature' in m:
        card['calibration'] = {'method': 'platt' if 'bias_shift' in m else 'temperature', 'temperature': round(float(m['temperature']), 6)}
        if 'bias_shift' in m:
            card['calibration']['biasShift'] = round(float(m['bias_shift']), 6)
        if 'ece' in m:
            card['calibration']['ece'] = round(float(m['ece']), 4)
            card['calibration']['eceSplit'] = m.get('ece_split', '')
    return card


def deepness_metadata(card: dict, seg_thresh: float | None = None) -> dict:
    bands = card['inputs'][0]['bands']
    mean = [b['normalization']['mean'] for b in bands]
    std = [b['normalization']['std'] for b in bands]
    return {
        'model_type': json.dumps('Segmentor'),
        'class_names': json.dumps({'0': 'landslide'}),
        'resolution': json.dumps(card['gsd']['nativeM'] * 100),
        'tiles_size': json.dumps(card['tile']['size']),
        'tiles_overlap': json.dumps(round(100 * card['tile']['overlap'] / card['tile']['size'])),
        # Deepness has no seed rule: it gets the best single threshold on validation
        'seg_thresh': json.dumps(card['threshold'] if seg_thresh is None else round(float(seg_thresh), 4)),
        'seg_small_segment': json.dumps(9),
        'standardization_mean': json.dumps([m / 255 for m in mean]),
        'standardization_std': json.dumps([s / 255 for s in std]),
    }


def set_metadata(model, card: dict, single_threshold: float | None = None) -> None:
    """The ONNX metadata: the card under `scarp_card` and, for a 3-band model, Deepness's keys."""
    meta = {'scarp_card': json.dumps(card, ensure_ascii=False)}
    if len(card['inputs']) == 1 and len(card['inputs'][0]['bands']) == 3:
        meta.update(deepness_metadata(card, single_threshold))
    del model.metadata_props[:]
    for key, value in meta.items():
        p = model.metadata_props.add()
        p.key, p.value = key, value


def write_graph(wrapper: ExportWrapper, inputs: list[dict], path: str) -> None:
    """The ONNX graph of a wrapped net (no card yet): the one export call, shared by `export` and `rebuild.py`,
    whose check relies on both writing the same graph."""
    names = [i['name'] for i in inputs]
    g = torch.Generator().manual_seed(1)
    args = tuple(torch.randn(2, len(i['bands']), 96, 128, generator=g) for i in inputs)
    axes = {n: {0: 'batch', 2: 'height', 3: 'width'} for n in names + ['probability', 'features']}
    torch.onnx.export(wrapper, args, path, input_names=names, output_names=['probability', 'features'], dynamic_axes=axes,
                      opset_version=OPSET, do_constant_folding=True, **EXPORT_KW)


def export(run_dir: str, model_id: str, out_dir: str, metrics_path: str | None, tile: int, overlap: int, which: str = 'best',
           write_parity: bool = False, version: str | None = None) -> str:
    net, cfg, ck = load_net(run_dir, which)
    dual = cfg['spec']['dual']
    metrics = json.load(open(metrics_path)) if metrics_path and os.path.exists(metrics_path) else None
    temperature = float((metrics or {}).get('temperature', 1.0))
    h = head_of(net)
    with torch.no_grad():
        h.bias += float((metrics or {}).get('bias_shift', 0.0))  # Platt calibration's shift lives in the head's bias
    head = {'output': 'features', 'weights': [round(float(v), 8) for v in h.weight.detach().reshape(-1)],
            'bias': round(float(h.bias.detach()[0]), 8)}
    # the ONNX graph uses exactly the rounded head the card publishes
    with torch.no_grad():
        h.weight.copy_(torch.tensor(head['weights']).reshape(h.weight.shape)); h.bias.fill_(head['bias'])
    card = make_card(model_id, cfg, n_params(net), metrics, tile, overlap, head, version)
    wrapper = ExportWrapper(net, temperature).eval()
    inputs = C.card_inputs(cfg['spec'], cfg.get('terrain_bands'))
    names = [i['name'] for i in inputs]
    os.makedirs(out_dir, exist_ok=True)
    onnx_path = os.path.join(out_dir, f'{model_id}.onnx')
    tmp = onnx_path + '.tmp'
    write_graph(wrapper, inputs, tmp)
    model = onnx.load(tmp)
    set_metadata(model, card, (metrics or {}).get('single_threshold'))
    onnx.checker.check_model(model)
    onnx.save(model, tmp)
    os.replace(tmp, onnx_path)
    with open(os.path.join(out_dir, f'{model_id}.json'), 'w', encoding='utf-8') as f:
        json.dump(card, f, indent=2, ensure_ascii=False)
        f.write('\n')
    if write_parity:
        shipped_parity(wrapper, names, [(len(i['bands']),) for i in inputs], os.path.join(out_dir, 'parity', f'{model_id}.json'))
    size = os.path.getsize(onnx_path)
    digest = hashlib.sha256(open(onnx_path, 'rb').read()).hexdigest()
    print(f'{onnx_path}: {size / 1e6:.2f} MB, sha256 {digest[:16]}…, {n_params(net)} parameters, opset {OPSET}, T {temperature:.4f}')
    return onnx_path


def parity_input(n: int, c: int, h: int, w: int, phase: float = 0.0) -> np.ndarray:
    """Deterministic input the TypeScript test regenerates: 1.5*sin(0.37 i + 0.91 j + 1.3 ch + 2.1 n + phase),
    computed in float64, stored as float32."""
    N, Cc, I, J = np.meshgrid(np.arange(n), np.arange(c), np.arange(h), np.arange(w), indexing='ij')
    return (1.5 * np.sin(0.37 * I + 0.91 * J + 1.3 * Cc + 2.1 * N + phase)).astype(np.float32)


def shipped_parity(wrapper, names, channels, path, n=2, h=32, w=64):
    """models/parity/<id>.json: PyTorch's probabilities for the deterministic input (parity_input; the
    second input, if any, uses phase 0.5 and its last sample is all zeros = no DEM)."""
    arrays = []
    for j, (c,) in enumerate(channels):
        a = parity_input(n, c, h, w, 0.5 * j)
        if j == 1:
            a[-1] = 0.0
        arrays.append(a)
    with torch.no_grad():
        prob = wrapper(*[torch.from_numpy(a) for a in arrays])[0].numpy()
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
    ap.add_argument('--tile', type=int, default=None, help="default: the run's tile.json (tile_select), else 256")
    ap.add_argument('--overlap', type=int, default=None, help="default: the run's tile.json (tile_select), else 64")
    ap.add_argument('--which', default='best', choices=['best', 'last'])
    ap.add_argument('--version', default=None, help="the card's version (default: the metrics' version, else 2.0.0)")
    a = ap.parse_args(argv)
    from .tile_select import read_choice
    choice = read_choice(a.run) or {'size': 256, 'overlap': 64}
    export(a.run, a.id, a.out, a.metrics or os.path.join(a.run, 'metrics.json'), a.tile or choice['size'],
           a.overlap if a.overlap is not None else choice['overlap'], a.which, write_parity=True, version=a.version)


if __name__ == '__main__':
    sys.exit(main())

