"""Training entry point. Resumable: a checkpoint is written at the end of every epoch and a rerun
of the same command continues from it.

    /usr/bin/python3 -m scarp_train.train --model rgb-unet --out runs/rgb-unet --epochs 12
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from . import config as C
from . import data as D
from . import losses as L
from . import metrics as M
from .models import build, n_params

MODELS = {
    # name: (arch, terrain?, loss, sources weights)
    'rgb-unet': dict(arch='unet', terrain=False, loss='bce_dice',
                     weights={'bijie': 0.35, 'jA': 0.2, 'jB': 0.2, 'uav': 0.15}),
    'digate': dict(arch='digate', terrain=True, loss='digate',
                   weights={'bijie': 0.3, 'jA': 0.3, 'jB': 0.3, 'uav': 0.1}),
    'stacked-unet': dict(arch='unet', terrain=True, loss='bce_dice',
                         weights={'bijie': 0.3, 'jA': 0.3, 'jB': 0.3, 'uav': 0.1}),
}


def train_command(cfg: dict) -> str:
    """The exact `train` command line for a run config (run in training/)."""
    c = (f"/usr/bin/python3 -m scarp_train.train --model {cfg['model']} --out {cfg['out']} --epochs {cfg['epochs']} "
         f"--steps {cfg['steps']} --batch {cfg['batch']} --crop {cfg['crop']} --width {cfg['width']} --threads {cfg['threads']}")
    if cfg.get('init'):
        c += f" --init {cfg['init']}"
    if cfg.get('lr') and cfg['lr'] != 2e-3:
        c += f" --lr {cfg['lr']:g}"
    if cfg.get('stop_epoch'):
        c += f" --stop-epoch {cfg['stop_epoch']}"
    return cfg.get('command_prefix', '') + c


def device_auto(name: str):
    if name == 'auto':
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    return torch.device(name)


def to_tensors(rgb, terr, mask, dev):
    mean = torch.tensor(C.OPTICAL_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(C.OPTICAL_STD).view(1, 3, 1, 1)
    x = (torch.from_numpy(rgb) - mean) / std
    t = torch.from_numpy(terr) if terr is not None else None
    y = torch.from_numpy(mask.astype(np.int64))[:, None]
    return x.to(dev), (t.to(dev) if t is not None else None), y.to(dev)


def forward(net, spec, x, t):
    if spec['arch'] == 'digate':
        return net(x, t)
    if spec['terrain']:
        return net(torch.cat([x, t], 1))
    return net(x)


def load_sources(spec, limit=None, terrain_bands=None):
    tb = terrain_bands if spec['terrain'] else None
    srcs = {
        'bijie': D.bijie('train', limit),
        'uav': D.uav('train', limit),
        'jA': [D.jinsha('A', 'train', tb)],
        'jB': [D.jinsha('B', 'train', tb)],
    }
    return [(srcs[k], w) for k, w in spec['weights'].items()]


def val_set(spec, terrain_bands, n_bijie=96, n_uav=48, size=256, seed=123, limit=None):
    """Fixed validation crops (validation splits only): Bijie val images padded to a multiple of 16,
    UAV val tiles, Jinsha A validation block tiled at `size`."""
    items = []
    k = len(terrain_bands) if spec['terrain'] else 0
    rng = np.random.default_rng(seed)
    bv = D.bijie('val', limit)
    for s in [bv[i] for i in rng.choice(len(bv), min(n_bijie, len(bv)), replace=False)]:
        pm = pad16(s.mask, 255)
        items.append(('bijie', pad16(s.rgb, 0), None if not k else np.zeros((k,) + pm.shape, np.float32), pm))
    uv = D.uav('val', limit)
    for s in uv[:: max(1, len(uv) // n_uav)][:n_uav]:
        items.append(('uav', s.rgb.astype(np.float32), None if not k else np.zeros((k, 128, 128), np.float32), s.mask))
    js = D.jinsha('A', 'val', terrain_bands if k else None)
    r0, r1 = js.rows
    H, W = js.mask.shape
    for r in range(r0, r1 - size // 2, size):
        for c in range(0, W - size // 2, size):
            m = np.full((size, size), 255, np.uint8)
            mm = js.mask[r:min(r + size, r1), c:c + size]
            m[:mm.shape[0], :mm.shape[1]] = mm
            if (m != 255).mean() < 0.2:
                continue
            rgb = np.zeros((3, size, size), np.float32)
            rgb[:, :mm.shape[0], :mm.shape[1]] = js.rgb[:, r:r + mm.shape[0], c:c + mm.shape[1]]
            terr = None
            if k:
                terr = np.zeros((k, size, size), np.float32)
                terr[:, :mm.shape[0], :mm.shape[1]] = js.terrain[:, r:r + mm.shape[0], c:c + mm.shape[1]]
                from . import preprocess as P
                for j, b in enumerate(terrain_bands):
                    if b['normalization']['kind'].startswith('tile-'):
                        terr[j] = P.normalize(np.where(m == 255, np.nan, terr[j]), b['normalization'], b.get('clip'), b.get('fill', 0))
            items.append(('jinshaA', rgb, terr, m))
            if limit and len(items) > 3 * limit:
                return items
    return items


def pad16(a, value):
    h, w = a.shape[-2:]
    H, W = -(-h // 32) * 32, -(-w // 32) * 32  # five 2x levels
    out = np.full(a.shape[:-2] + (H, W), value, dtype=np.float32 if a.dtype != np.uint8 or value == 0 else np.uint8)
    if a.ndim == 2:
        out = np.full((H, W), value, np.uint8)
    out[..., :h, :w] = a
    return out


@torch.no_grad()
def evaluate(net, spec, items, dev, drop_terrain=False):
    net.eval()
    by = {}
    for name, rgb, terr, m in items:
        x, t, _ = to_tensors(rgb[None].astype(np.float32), None if terr is None else (terr[None] * (0 if drop_terrain else 1)).astype(np.float32), m[None], dev)
        p = torch.sigmoid(forward(net, spec, x, t)['main'])[0, 0].cpu().numpy()
        by.setdefault(name, ([], []))
        by[name][0].append(p); by[name][1].append(m)
    res = {}
    allp, allm = [], []
    for name, (ps, ms) in by.items():
        thr, r = M.best_threshold(ps, ms)
        res[name] = {'f1@0.5': M.pooled(ps, ms, 0.5)['f1'], 'best_thr': thr, 'best_f1': r['f1']}
        allp += ps; allm += ms
    thr, r = M.best_threshold(allp, allm)
    res['all'] = {'best_thr': thr, 'best_f1': r['f1']}
    # selection score: mean of per-dataset best F1 (Bijie and Jinsha A weigh most)
    res['score'] = float(np.mean([res[k]['best_f1'] for k in by]))
    net.train()
    return res


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', required=True, choices=list(MODELS))
    ap.add_argument('--out', required=True)
    ap.add_argument('--epochs', type=int, default=12)
    ap.add_argument('--steps', type=int, default=150, help='batches per epoch')
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--crop', type=int, default=192)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--width', type=int, default=16)
    ap.add_argument('--terrain-drop', type=float, default=0.3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--device', default='auto')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--limit', type=int, default=None, help='samples per source (smoke tests)')
    ap.add_argument('--max-minutes', type=float, default=None, help='stop (resumably) after this long')
    ap.add_argument('--stop-epoch', type=int, default=None, help='stop (resumably) after this epoch')
    ap.add_argument('--init', default=None, help='start from the weights of another run (its best.pt); fresh optimiser and schedule')
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    dev = device_auto(a.device)
    spec = MODELS[a.model]
    tb = C.TERRAIN_BANDS if spec['terrain'] else None
    k = len(tb) if tb else 0
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(a.seed)
    net = build(spec['arch'], in_ch=3 + (k if spec['arch'] == 'unet' else 0), width=a.width, terrain_ch=max(k, 1)).to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-4)
    total = a.epochs * a.steps
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=total, pct_start=0.08)
    init_prefix = ''
    if a.init:
        s0 = torch.load(os.path.join(a.init, 'best.pt'), map_location=dev)
        net.load_state_dict(s0['model'])
        c0 = s0['config']
        init_prefix = train_command(c0) + ' && '
    ck = os.path.join(a.out, 'last.pt')
    state = {'epoch': 0, 'best': -1.0, 'log': []}
    resume_prefix = ''
    if os.path.exists(ck):
        s = torch.load(ck, map_location=dev)
        net.load_state_dict(s['model']); opt.load_state_dict(s['opt'])
        state = s['state']
        old = s['config']
        if (old['epochs'], old['steps']) == (a.epochs, a.steps) and 'resched' not in s:
            sched.load_state_dict(s['sched'])
        else:
            # the plan changed on resume (e.g. less time than planned): anneal from the current
            # learning rate to zero over the remaining steps with a cosine
            remaining = max(1, (a.epochs - state['epoch']) * a.steps)
            lr_now = s['sched']['_last_lr'][0] if 'resched' not in s else s['sched']['base_lrs'][0]
            for g in opt.param_groups:
                g['lr'] = lr_now; g['initial_lr'] = lr_now
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=remaining)
            if 'resched' in s and s['resched'] == (a.epochs, a.steps):
                sched.load_state_dict(s['sched'])
            state.setdefault('resched', []).append({'at_epoch': state['epoch'], 'lr': lr_now, 'epochs': a.epochs, 'steps': a.steps})
            print(f'resumed with a new plan: cosine from lr {lr_now:.2e} over {remaining} steps', flush=True)
        prefix = old.get('command_prefix', '')
        if (old['epochs'], old['steps']) != (a.epochs, a.steps):
            prefix = train_command(dict(old, stop_epoch=state['epoch'])) + ' && '
        resume_prefix = prefix
        print(f'resumed at epoch {state["epoch"]}', flush=True)
    cfg = dict(vars(a), spec=spec, terrain_bands=tb, optical_mean=C.OPTICAL_MEAN, optical_std=C.OPTICAL_STD,
               gsd_range=C.GSD_RANGE, params=n_params(net))
    if resume_prefix or init_prefix:
        cfg['command_prefix'] = init_prefix + resume_prefix
    json.dump(cfg, open(os.path.join(a.out, 'config.json'), 'w'), indent=1)
    print(f'{a.model}: {n_params(net)} parameters on {dev}', flush=True)
    mix = D.Mixture(load_sources(spec, a.limit, tb), a.crop, C.GSD_RANGE, k, tb,
                    a.terrain_drop if spec['terrain'] else 0.0)
    items = val_set(spec, tb, limit=a.limit)
    loss_fn = L.digate_loss if spec['loss'] == 'digate' else (lambda o, y: L.bce_dice(o['main'], y))
    t_start = time.time()
    while state['epoch'] < a.epochs:
        ep = state['epoch']
        rng = np.random.default_rng([a.seed, ep])
        net.train()
        t0 = time.time(); losses = []
        for step in range(a.steps):
            rgb, terr, mask, _ = mix.batch(a.batch, rng)
            x, t, y = to_tensors(rgb, terr, mask, dev)
            out = forward(net, spec, x, t)
            loss = loss_fn(out, y)
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            losses.append(float(loss))
        train_s = time.time() - t0
        v = evaluate(net, spec, items, dev)
        if spec['terrain']:
            v['terrain_dropped'] = evaluate(net, spec, [it for it in items if it[0] == 'jinshaA'], dev, drop_terrain=True)
        state['epoch'] = ep + 1
        rec = {'epoch': ep + 1, 'loss': float(np.mean(losses)), 'train_s': train_s, 'lr': sched.get_last_lr()[0], 'val': v}
        state['log'].append(rec)
        print(json.dumps(rec), flush=True)
        if v['score'] > state['best']:
            state['best'] = v['score']
            torch.save({'model': net.state_dict(), 'epoch': ep + 1, 'val': v, 'config': cfg}, os.path.join(a.out, 'best.pt'))
        saved = {'model': net.state_dict(), 'opt': opt.state_dict(), 'sched': sched.state_dict(), 'state': state, 'config': cfg}
        if isinstance(sched, torch.optim.lr_scheduler.CosineAnnealingLR):
            saved['resched'] = (a.epochs, a.steps)
        torch.save(saved, ck + '.tmp')
        os.replace(ck + '.tmp', ck)
        json.dump(state['log'], open(os.path.join(a.out, 'log.json'), 'w'), indent=1)
        if a.stop_epoch and state['epoch'] >= a.stop_epoch:
            print(f'stopped after epoch {state["epoch"]} (--stop-epoch); rerun to resume', flush=True)
            break
        if a.max_minutes and (time.time() - t_start) / 60 > a.max_minutes:
            print('time budget reached; rerun the same command to resume', flush=True)
            break


if __name__ == '__main__':
    main()
