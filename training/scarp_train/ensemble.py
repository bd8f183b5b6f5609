"""Several trained runs of one recipe as one network: the mean of their calibrated logits.

    /usr/bin/python3 -m scarp_train.ensemble --member runs/sat-shipped=../models/scarp-sat-rgb.json \
        --member runs/sat-geonext-s2 --out runs/sat-ens

Each member's Platt calibration (its metrics.json: temperature T_i, head-bias shift s_i) is folded into
one 1x1 head over the members' concatenated `features`:
    logit = 1/n * sum_i (w_i . f_i + b_i + s_i) / T_i = [w_1/(n T_1), ..., w_n/(n T_n)] . [f_1; ...; f_n] + b
so the ensemble is an ordinary net for evaluate / tile_select / export (one ONNX with `probability` and
`features`; the card's head still reproduces the graph, and learning from corrections refits it over
the concatenated features). `evaluate` then fits a calibration of its own on top, on validation.
Members must share the recipe's inputs and GSD; the written run holds best.pt and config.json.
"""
from __future__ import annotations

import argparse
import json
import os

import torch
from torch import nn

from . import config as C


class Ensemble(nn.Module):
    def __init__(self, members: list[nn.Module], channels: int):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.head = nn.Conv2d(channels, 1, 1)

    def forward(self, *xs):
        feats = torch.cat([m(*xs)['features'] for m in self.members], 1)
        return {'main': self.head(feats), 'features': feats}


def build_ensemble(cfg: dict) -> Ensemble:
    from .train import build_net
    nets = [build_net(m['config']) for m in cfg['members']]
    return Ensemble(nets, sum(n.head.in_channels for n in nets))


def member_command(run: str, cfg: dict, ck: dict, card: dict | None) -> str:
    """How the member was made: a run rebuilt from a shipped ONNX (rebuild.py) has no training history of
    its own, so its card's command chain, the rebuild and its evaluation (for its calibration); else its
    `train` command line and evaluation."""
    py = '/usr/bin/python3 -m scarp_train.'
    if ck.get('rebuilt_from'):
        if not card:
            raise SystemExit(f'{run} was rebuilt from {ck["rebuilt_from"]["onnx"]}: name its card (--member {run}=CARD.json)')
        c = card
        return (c['training']['command'] + f" && {py}rebuild --onnx ../models/{ck['rebuilt_from']['onnx']} --recipe {cfg['recipe']} "
                f"--arch {cfg['arch']} --width {cfg['width']} --out {run}/best.pt && {py}evaluate --run {run} --id {c['id']}")
    from .train import train_command
    return train_command(cfg) + f" && {py}evaluate --run {run} --id {os.path.basename(run.rstrip('/'))} --no-flips"


def combine(members: list[tuple[str, str | None]], out: str) -> dict:
    from .export import load_net
    nets, entries = [], []
    for run, card_path in members:
        net, cfg, ck = load_net(run)
        card = json.load(open(card_path, encoding='utf-8')) if card_path else None
        mp = os.path.join(run, 'metrics.json')
        if not os.path.exists(mp):
            raise SystemExit(f'{run}: no metrics.json; evaluate the member first (its calibration is folded into the ensemble)')
        m = json.load(open(mp))
        nets.append(net)
        epochs = cfg.get('epochs') or (card['training']['epochs'] if card else None)
        entries.append({'run': run, 'card': card_path, 'config': cfg, 'epochs': epochs, 'temperature': float(m['temperature']),
                        'bias_shift': float(m.get('bias_shift', 0.0)), 'command': member_command(run, cfg, ck, card)})
    first = entries[0]['config']
    for e in entries[1:]:
        c = e['config']
        if C.card_inputs(c['spec'], c.get('terrain_bands')) != C.card_inputs(first['spec'], first.get('terrain_bands')):
            raise SystemExit(f"{e['run']}: its inputs differ from {entries[0]['run']}'s; members must share the recipe's inputs")
        if c['spec']['gsd'] != first['spec']['gsd']:
            raise SystemExit(f"{e['run']}: its GSD ranges differ from {entries[0]['run']}'s")
    n = len(nets)
    ens = Ensemble(nets, sum(net.head.in_channels for net in nets))
    with torch.no_grad():
        ws, b = [], 0.0
        for net, e in zip(nets, entries):
            ws.append(net.head.weight / (n * e['temperature']))
            b += float((net.head.bias[0] + e['bias_shift']) / (n * e['temperature']))
        ens.head.weight.copy_(torch.cat(ws, 1))
        ens.head.bias.fill_(b)
    cfg = {k: v for k, v in first.items() if k not in ('members', 'params')}  # params: counted on the ensemble
    cfg.update(out=out, members=entries, seed=None, init_from=None, epochs=max((e['epochs'] or 0) for e in entries),
               chain=' && '.join(e['command'] for e in entries) + ' && ' + ensemble_command(entries, out))
    os.makedirs(out, exist_ok=True)
    torch.save({'model': ens.state_dict(), 'epoch': None, 'val': None, 'config': cfg}, os.path.join(out, 'best.pt'))
    with open(os.path.join(out, 'config.json'), 'w') as f:
        json.dump({k: v for k, v in cfg.items() if k != 'members'} | {'members': [e['run'] for e in entries]}, f, indent=1)
    return cfg


def ensemble_command(entries: list[dict], out: str) -> str:
    return '/usr/bin/python3 -m scarp_train.ensemble ' + ' '.join(f"--member {e['run']}" + (f"={e['card']}" if e['card'] else '') for e in entries) + f' --out {out}'


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--member', action='append', required=True,
                    help='RUN or RUN=CARD.json (the card whose training command made a rebuilt run)')
    ap.add_argument('--out', required=True)
    a = ap.parse_args(argv)
    if len(a.member) < 2:
        raise SystemExit('an ensemble needs at least two members')
    members = [(m.split('=', 1)[0], m.split('=', 1)[1] if '=' in m else None) for m in a.member]
    cfg = combine(members, a.out)
    print(f"{a.out}: ensemble of {len(members)} ({', '.join(e['run'] for e in cfg['members'])})")


if __name__ == '__main__':
    main()
