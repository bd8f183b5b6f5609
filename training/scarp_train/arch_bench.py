"""Cost of each architecture as built for a recipe, with random weights: parameters (models.n_params),
ONNX size (opset 17, the export wrapper: probability + features), CPU inference time per 256 x 256
tile (batch 1, PyTorch eval, median over repeats after warm-up, with the thread count given), and the
largest |ONNX Runtime - PyTorch| probability difference if onnxruntime (Python) is installed.

    /usr/bin/python3 -m scarp_train.arch_bench [--arch NAME ...] [--threads 1] [--repeats 10]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

import torch

from . import config as C
from .export import EXPORT_KW, OPSET
from .models import ExportWrapper, n_params
from .train import ARCHS, build_net, spec_of

DEFAULT = {'unet': 'sat', 'digate': 'uav', 'unetpp-att': 'uav', 'fca-deeplab': 'uav', 'geonext': 'sat', 'mcnn-gan': 'sat'}


def bench(arch: str, recipe: str, repeats: int, tile: int = 256, variant: str | None = None) -> dict:
    spec = spec_of(recipe, arch)
    tb = C.TERRAIN_BANDS if spec['terrain'] else None
    cfg = dict(spec=spec, terrain_bands=tb, width=16, variant=variant)
    torch.manual_seed(0)
    net = build_net(cfg).eval()
    inputs = C.card_inputs(spec, tb)
    xs = tuple(torch.randn(1, len(i['bands']), tile, tile) for i in inputs)
    wrapper = ExportWrapper(net).eval()
    with torch.no_grad():
        for _ in range(2):
            wrapper(*xs)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            wrapper(*xs)
            times.append(time.perf_counter() - t0)
    names = [i['name'] for i in inputs]
    axes = {n: {0: 'batch', 2: 'height', 3: 'width'} for n in names + ['probability', 'features']}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'm.onnx')
        torch.onnx.export(wrapper, xs, path, input_names=names, output_names=['probability', 'features'], dynamic_axes=axes,
                          opset_version=OPSET, do_constant_folding=True, **EXPORT_KW)
        size = os.path.getsize(path)
        ort_diff = None
        try:
            import onnxruntime as ort
            s = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
            x2 = tuple(torch.randn(2, len(i['bands']), 64, 96) for i in inputs)
            with torch.no_grad():
                ref = wrapper(*x2)[0].numpy()
            got = s.run(['probability'], {n: a.numpy() for n, a in zip(names, x2)})[0]
            ort_diff = float(abs(got - ref).max())
        except ImportError:
            pass
    return {'arch': arch, 'recipe': recipe, 'variant': variant, 'inputs': {i['name']: len(i['bands']) for i in inputs},
            'params': n_params(net), 'onnx_mb': round(size / 1e6, 2), 'ms_per_tile': round(1000 * statistics.median(times), 1),
            'ms_min': round(1000 * min(times), 1), 'threads': torch.get_num_threads(), 'ort_max_diff': ort_diff}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--arch', action='append', choices=list(ARCHS))
    ap.add_argument('--recipe', default=None, help='default: the arch\'s smoke recipe')
    ap.add_argument('--variant', default=None)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--repeats', type=int, default=10)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    for arch in a.arch or list(DEFAULT):
        print(json.dumps(bench(arch, a.recipe or DEFAULT[arch], a.repeats, variant=a.variant)), flush=True)


if __name__ == '__main__':
    main()
