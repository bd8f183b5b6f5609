"""Training smoke test: a few optimisation steps of each architecture on a handful of real shared
samples, ONNX export with a model card, ONNX check, and a parity fixture (a generated input and the
PyTorch probabilities for it) that the TypeScript test feeds to onnxruntime-node.

    /usr/bin/python3 training/smoke.py [--model NAME] OUT_DIR

NAME: an architecture (repeatable; default: all of RUNS), each run on its usual recipe: U-Net,
GeoNeXt and multi-CNN + GAN on the satellite RGB recipe; DiGATe, U-Net++ (DEM stacked) and FCA-DeepLab
(RGB/DEM fusion) on the UAV RGB + DEM recipe. Writes OUT_DIR/<id>.onnx, <id>.json and
<id>.parity.json for ids smoke-<NAME>. --threads N sets torch's threads (default 2).
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
from scarp_train import tile_select as TS  # noqa: E402
from scarp_train import train as T  # noqa: E402
from scarp_train.models import ExportWrapper  # noqa: E402

RUNS = {'unet': 'sat', 'digate': 'uav', 'unetpp-att': 'uav', 'fca-deeplab': 'uav', 'geonext': 'sat', 'mcnn-gan': 'sat'}


def parity_fixture(run_dir: str, path: str, which: str = 'last') -> None:
    net, cfg, _ = E.load_net(run_dir, which)
    inputs_spec = E.C.card_inputs(cfg['spec'], cfg.get('terrain_bands'))
    wrapper = ExportWrapper(net).eval()
    rng = np.random.default_rng(42)
    inputs = {i['name']: rng.normal(size=(2, len(i['bands']), 64, 96)).astype(np.float32) for i in inputs_spec}
    with torch.no_grad():
        prob = wrapper(*[torch.from_numpy(a) for a in inputs.values()])[0].numpy()
    json.dump({'inputs': {n: {'dims': list(a.shape), 'data': a.ravel().tolist()} for n, a in inputs.items()},
               'output': {'name': 'probability', 'dims': list(prob.shape), 'data': prob.ravel().tolist()}}, open(path, 'w'))


def rebuild_and_finetune(run_dir: str, onnx_path: str, out_dir: str, threads: int) -> None:
    """The shipped-model path of `rebuild.py`: weights rebuilt from the exported ONNX give the trained net's
    logits, and `train --init-from --freeze-bn` runs from them."""
    from scarp_train import rebuild as R
    net, cfg, _ = E.load_net(run_dir, 'last')
    ck = os.path.join(out_dir, 'rebuilt-geonext', 'best.pt')
    R.main(['--onnx', onnx_path, '--recipe', cfg['recipe'], '--arch', cfg['arch'], '--width', str(cfg['width']), '--out', ck])
    again = T.build_net(cfg).eval()
    again.load_state_dict(torch.load(ck, map_location='cpu')['model'])
    x = torch.from_numpy(np.random.default_rng(7).normal(size=(1, 3, 64, 96)).astype(np.float32))
    with torch.no_grad():
        d = float((net(x)['main'] - again(x)['main']).abs().max())
    if d > 1e-4:
        raise SystemExit(f'smoke geonext: the rebuilt weights give logits {d:.2e} away from the trained net\'s')
    T.main(['--recipe', cfg['recipe'], '--arch', cfg['arch'], '--out', os.path.join(out_dir, 'run-geonext-ft'), '--epochs', '1',
            '--steps', '2', '--batch', '2', '--crop', '160', '--limit', '4', '--threads', str(threads), '--seed', '2',
            '--val-every', '0', '--init-from', ck, '--freeze-bn'])


def ensemble_check(run_a: str, run_b: str, out_dir: str) -> None:
    """`ensemble.py`: two runs with different calibrations become one net whose logit is the mean of their
    calibrated logits, exported with its parity fixture (`smoke-ensemble`, checked by the app's tests)."""
    from scarp_train import ensemble as EN
    cal = {run_a: (1.25, -0.3), run_b: (0.8, 0.1)}
    for run, (t, s) in cal.items():
        json.dump({'temperature': t, 'bias_shift': s}, open(os.path.join(run, 'metrics.json'), 'w'))
    ens_dir = os.path.join(out_dir, 'run-ensemble')
    EN.main(['--member', run_a, '--member', run_b, '--out', ens_dir])
    x = torch.from_numpy(np.random.default_rng(3).normal(size=(1, 3, 64, 96)).astype(np.float32))
    with torch.no_grad():
        z = [(E.load_net(r)[0](x)['main'] + s) / t for r, (t, s) in cal.items()]
        d = float((E.load_net(ens_dir)[0](x)['main'] - sum(z) / len(z)).abs().max())
    if d > 1e-4:
        raise SystemExit(f'smoke ensemble: its logits are {d:.2e} away from the mean of the calibrated members')
    path = E.export(ens_dir, 'smoke-ensemble', out_dir, None, tile=256, overlap=32)
    onnx.checker.check_model(onnx.load(path))
    parity_fixture(ens_dir, os.path.join(out_dir, 'smoke-ensemble.parity.json'), 'best')


def pack_check(out_dir: str, threads: int) -> None:
    """The satellite GPU pack (`pack.py --sat`): Bijie samples decode exactly as from the shared files, Jinsha's
    held-out rows never travel, validation is refused with a clear error, and a run trained from the pack
    names it in its command chain, which a run fine-tuned from it starts with."""
    from scarp_train import data as D, pack as PK
    path = PK.build_sat(os.path.join(out_dir, 'pack-sat.npz'), limit=4)
    for a, b in zip(D.bijie('train', 4), PK.load_bijie(path, 'train')):
        if a.name != b.name or not (np.array_equal(a.rgb, b.rgb) and np.array_equal(a.mask, b.mask)):
            raise SystemExit(f'smoke pack: Bijie sample {a.name} differs from the shared files')
    _, _, mask, _ = PK.load_jinsha(path, 'B')
    if not (mask[D.b_test_row(mask.shape[0]) - D.BUFFER:] == D.IGNORE).all():
        raise SystemExit("smoke pack: site B's test rows travelled")
    try:
        PK.load_bijie(path, 'val')
        raise SystemExit('smoke pack: the pack served a validation split it does not hold')
    except SystemExit as e:
        if 'holds no Bijie val split' not in str(e):
            raise
    run_dir = os.path.join(out_dir, 'run-pack')
    os.environ['SCARP_PACK'] = path
    try:
        T.main(['--recipe', 'sat', '--arch', 'geonext', '--out', run_dir, '--epochs', '1', '--steps', '2', '--batch', '2',
                '--crop', '128', '--limit', '4', '--threads', str(threads), '--seed', '1', '--val-every', '0'])
    finally:
        del os.environ['SCARP_PACK']
    cmd = T.train_command(json.load(open(os.path.join(run_dir, 'config.json'))))
    if not cmd.startswith('/usr/bin/python3 -m scarp_train.pack --sat && SCARP_PACK=.gpu/pack-sat.npz '):
        raise SystemExit(f'smoke pack: the command chain does not build and name the pack: {cmd}')
    # a run fine-tuned on this machine from the pack-trained one: its chain first rebuilds its source
    ft_dir = os.path.join(out_dir, 'run-pack-ft')
    T.main(['--recipe', 'sat', '--arch', 'geonext', '--out', ft_dir, '--epochs', '1', '--steps', '1', '--batch', '2',
            '--crop', '128', '--limit', '4', '--threads', str(threads), '--seed', '2', '--val-every', '0',
            '--init-from', os.path.join(run_dir, 'best.pt')])
    ft_cmd = T.train_command(json.load(open(os.path.join(ft_dir, 'config.json'))))
    if not (ft_cmd.startswith(cmd + ' && ') and ft_cmd.endswith(f'--init-from {run_dir}/best.pt')):
        raise SystemExit(f'smoke pack: a fine-tuned run\'s chain does not start with its source\'s: {ft_cmd}')


def main(out_dir: str, models: list[str], threads: int = 2) -> int:
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.time()
    for arch in models:
        model_id = f'smoke-{arch}'
        run_dir = os.path.join(out_dir, 'run-' + arch)
        # the satellite recipe also mines hard negatives (Bijie false positives) before its epoch
        hard = ['--hard-negatives', '0.5', '--remine-every', '1'] if RUNS[arch] == 'sat' else []
        T.main(['--recipe', RUNS[arch], '--arch', arch, '--out', run_dir, '--epochs', '1', '--steps', '3', '--batch', '2',
                '--crop', '128', '--limit', '4', '--threads', str(threads), '--seed', '1'] + hard)
        if hard and 'hard_negatives' not in json.load(open(os.path.join(run_dir, 'log.json')))[0]:
            raise SystemExit(f'smoke {arch}: no hard negatives were mined')
        if hard:  # the inference-tile choice, on two Bijie chips and a corner of site B's validation rows
            choice = TS.select(run_dir, candidates=((256, 64), (512, 128)), limit=2, which='last')
            if choice['choice'] not in [{'size': r['size'], 'overlap': r['overlap']} for r in choice['candidates']]:
                raise SystemExit(f'smoke {arch}: tile choice {choice} is not a candidate')
        path = E.export(run_dir, model_id, out_dir, None, tile=256, overlap=32, which='last')
        onnx.checker.check_model(onnx.load(path))
        parity_fixture(run_dir, os.path.join(out_dir, model_id + '.parity.json'))
        if arch == 'geonext':
            rebuild_and_finetune(run_dir, path, out_dir, threads)
            ensemble_check(run_dir, os.path.join(out_dir, 'run-geonext-ft'), out_dir)
            pack_check(out_dir, threads)
        print(f'smoke {arch}: ok ({time.time() - t0:.1f} s)', flush=True)
    return 0


if __name__ == '__main__':
    import argparse
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument('--model', choices=list(RUNS), action='append')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('out_dir')
    a = ap.parse_args()
    sys.exit(main(a.out_dir, a.model or list(RUNS), a.threads))
