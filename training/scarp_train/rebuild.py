"""Rebuild a training checkpoint from a shipped ONNX model whose training run is gone (runs live on one
machine; the repository keeps only the exported model), so that it can be fine-tuned (`train --init-from`).

    /usr/bin/python3 -m scarp_train.rebuild --onnx ../models/scarp-sat-rgb.onnx --recipe sat --arch geonext \
        --width 16 --out runs/sat-shipped/best.pt

How: a probe network of the same architecture, with distinct random weights and every BatchNorm set to
the identity, is exported exactly as `export.py` exports, and each parameter is found among the probe
graph's tensors by value (a BN the exporter folded into its conv leaves the conv's weight scaled by
1/sqrt(1 + eps) and the BN's bias as the conv's bias). The same tensors are then read from the shipped
graph, which has the same structure and names. A folded BN comes back as the identity (weight 1, mean 0,
variance 1 - eps) with the folded conv, so it is exact in eval mode only: fine-tune with `--freeze-bn`.
The Platt shift that export adds to the head's bias is taken off again (the card's `biasShift`).

The result is checked, not assumed: the rebuilt net, shift put back, is exported again and every
floating-point tensor of the two graphs must agree within 1e-6 (the temperature buffer aside), or the
rebuild stops with the names that differ.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from . import config as C
from .export import write_graph
from .models import ExportWrapper
from .train import build_net, spec_of

BN_EPS = 1e-5


def run_config(recipe: str, arch: str, width: int, variant: str | None) -> dict:
    spec = spec_of(recipe, arch)
    tb = C.TERRAIN_BANDS if spec['terrain'] else None
    return dict(recipe=recipe, arch=arch, width=width, variant=variant, spec=spec, terrain_bands=tb,
                optical_bands=C.optical_bands(spec), gsd=spec['gsd'])


def export_graph(net: torch.nn.Module, cfg: dict) -> onnx.GraphProto:
    """The graph `export.py` writes for this net (temperature 1), read back."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'probe.onnx')
        write_graph(ExportWrapper(net, 1.0).eval(), C.card_inputs(cfg['spec'], cfg.get('terrain_bands')), path)
        return onnx.load(path).graph


def graph_tensors(g: onnx.GraphProto) -> dict[str, np.ndarray]:
    """Initializers and Constant-node values by name."""
    t = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for n in g.node:
        if n.op_type == 'Constant':
            for a in n.attribute:
                if a.name == 'value':
                    t[n.output[0]] = numpy_helper.to_array(a.t)
    return t


def batch_norms(net: torch.nn.Module) -> set[str]:
    return {k for k, m in net.named_modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)}


def locate(cfg: dict) -> tuple[dict[str, str], set[str]]:
    """For each parameter, the name of the graph tensor that holds it (a conv with a folded identity BN holds
    its weight times 1/sqrt(1 + eps): matched within a relative 2e-5)."""
    torch.manual_seed(123)
    probe = build_net(cfg).eval()
    bns = batch_norms(probe)
    sd = probe.state_dict()
    with torch.no_grad():
        for k, v in sd.items():
            if not v.is_floating_point():
                continue
            mod, leaf = k.rsplit('.', 1)
            if mod in bns and leaf != 'bias':
                v.fill_({'weight': 1.0, 'running_mean': 0.0, 'running_var': 1.0}[leaf])
            else:
                v.copy_(torch.randn_like(v))
    probe.load_state_dict(sd)
    tensors = {n: t for n, t in graph_tensors(export_graph(probe, cfg)).items() if t.dtype == np.float32 and t.size > 0}
    where: dict[str, str] = {}
    missing = []
    for k, v in sd.items():
        mod, leaf = k.rsplit('.', 1)
        if not v.is_floating_point() or (mod in bns and leaf != 'bias'):
            continue
        x = v.numpy().ravel()
        hit = next((n for n, t in tensors.items() if t.size == x.size and np.allclose(t.ravel(), x, rtol=2e-5, atol=1e-7)), None)
        if hit is None:
            missing.append(k)
        else:
            where[k] = hit
    if missing:
        raise SystemExit(f'rebuild: {len(missing)} parameters not found in the exported graph ({", ".join(missing[:5])}...): '
                         'this architecture cannot be rebuilt from its ONNX')
    return where, bns


def rebuild(onnx_path: str, card: dict, cfg: dict) -> dict[str, torch.Tensor]:
    where, bns = locate(cfg)
    shipped = graph_tensors(onnx.load(onnx_path).graph)
    new = build_net(cfg).state_dict()
    with torch.no_grad():
        for k, name in where.items():
            if name not in shipped or shipped[name].size != new[k].numel():
                raise SystemExit(f'rebuild: {onnx_path} has no tensor {name} of {new[k].numel()} values for {k}: '
                                 'was it exported by this training code with these --recipe/--arch/--width?')
            # taken as it is: the folded BN comes back with variance 1 - eps, whose fold factor is 1
            new[k].copy_(torch.from_numpy(shipped[name].ravel().copy()).reshape(new[k].shape))
        for b in bns:
            if f'net.{b}.running_var' in shipped:  # a BN the exporter kept (no conv before it): its own tensors
                for leaf in ('weight', 'bias', 'running_mean', 'running_var'):
                    new[f'{b}.{leaf}'].copy_(torch.from_numpy(shipped[f'net.{b}.{leaf}'].copy()))
            else:
                new[f'{b}.weight'].fill_(1.0); new[f'{b}.running_mean'].zero_(); new[f'{b}.running_var'].fill_(1.0 - BN_EPS)
    check(new, cfg, shipped, card)
    new['head.bias'] -= float(card.get('calibration', {}).get('biasShift', 0.0))
    return new


def check(state: dict[str, torch.Tensor], cfg: dict, shipped: dict[str, np.ndarray], card: dict) -> None:
    """The rebuilt weights, exported again, give the shipped graph's tensors (the head still shifted here)."""
    net = build_net(cfg).eval()
    net.load_state_dict(state)
    again = graph_tensors(export_graph(net, cfg))
    bad = [n for n, t in shipped.items() if n != 'inv_t' and t.dtype == np.float32 and t.size > 0
           and (n not in again or again[n].shape != t.shape or not np.allclose(again[n], t, rtol=0, atol=1e-6))]
    if bad:
        raise SystemExit(f'rebuild: the rebuilt weights do not export to the shipped graph ({len(bad)} tensors differ: '
                         f'{", ".join(bad[:5])})')


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--onnx', required=True, help='a model exported by this training code (its card beside it, <id>.json)')
    ap.add_argument('--recipe', required=True)
    ap.add_argument('--arch', required=True)
    ap.add_argument('--width', type=int, default=16)
    ap.add_argument('--variant', default=None)
    ap.add_argument('--out', required=True, help='checkpoint to write (a run\'s best.pt: train --init-from reads it)')
    a = ap.parse_args(argv)
    card_path = os.path.splitext(a.onnx)[0] + '.json'
    if not os.path.exists(card_path):
        sys.exit(f'rebuild: {card_path} is missing: the model card beside {a.onnx} holds the calibration to take off')
    card = json.load(open(card_path))
    cfg = run_config(a.recipe, a.arch, a.width, a.variant)
    state = rebuild(a.onnx, card, cfg)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    cfg.update(out=os.path.dirname(a.out), seed=0, epochs=0, steps=0, batch=0, crop=0, threads=1)
    torch.save({'model': state, 'epoch': 0, 'val': None, 'config': cfg,
                'rebuilt_from': {'onnx': os.path.basename(a.onnx), 'id': card.get('id'),
                                 'sha256': hashlib.sha256(open(a.onnx, 'rb').read()).hexdigest()}},
               a.out)
    print(f'{a.out}: rebuilt from {a.onnx} ({len(state)} tensors; exports back to the same graph)')


if __name__ == '__main__':
    main()
