"""Training smoke test: a few optimisation steps of each architecture on a handful of real shared
samples, ONNX export with a model card, ONNX check, and a parity fixture (a generated input and the
PyTorch probabilities for it) that the TypeScript test feeds to onnxruntime-node.

    /usr/bin/python3 training/smoke.py OUT_DIR

Writes OUT_DIR/<id>.onnx, <id>.json and <id>.parity.json for ids smoke-unet-rgb, smoke-digate.
"""
from __future__ import annotations

import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402

from scarp_train import export as E  # noqa: E402
from scarp_train import train as T  # noqa: E402
from scarp_train.models import ProbabilityWrapper  # noqa: E402

RUNS = [('rgb-unet', 'smoke-unet-rgb'), ('digate', 'smoke-digate')]


def parity_fixture(run_dir: str, path: str) -> None:
    net, cfg, _ = E.load_net(run_dir, 'last')
    dual = cfg['spec']['arch'] == 'digate'
    k = len(cfg['terrain_bands']) if cfg.get('terrain_bands') else 0
    wrapper = ProbabilityWrapper(net, dual).eval()
    rng = np.random.default_rng(42)
    inputs = {}
    if dual:
        inputs['optical'] = rng.normal(size=(2, 3, 64, 96)).astype(np.float32)
        inputs['terrain'] = rng.normal(size=(2, k, 64, 96)).astype(np.float32)
        args = (torch.from_numpy(inputs['optical']), torch.from_numpy(inputs['terrain']))
    else:
        inputs['image'] = rng.normal(size=(2, 3, 64, 96)).astype(np.float32)
        args = (torch.from_numpy(inputs['image']),)
    with torch.no_grad():
        prob = wrapper(*args).numpy()
    json.dump({'inputs': {n: {'dims': list(a.shape), 'data': a.ravel().tolist()} for n, a in inputs.items()},
               'output': {'name': 'probability', 'dims': list(prob.shape), 'data': prob.ravel().tolist()}}, open(path, 'w'))


def main(out_dir: str) -> int:
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.time()
    for model, model_id in RUNS:
        run_dir = os.path.join(out_dir, 'run-' + model)
        T.main(['--model', model, '--out', run_dir, '--epochs', '1', '--steps', '3', '--batch', '2', '--crop', '128',
                '--limit', '4', '--threads', '2', '--seed', '1'])
        path = E.export(run_dir, model_id, out_dir, None, tile=256, overlap=32, which='last')
        onnx.checker.check_model(onnx.load(path))
        parity_fixture(run_dir, os.path.join(out_dir, model_id + '.parity.json'))
        print(f'smoke {model}: ok ({time.time() - t0:.1f} s)', flush=True)
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
