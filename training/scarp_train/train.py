"""Training entry point. Resumable: a checkpoint is written at the end of every epoch and a rerun
of the same command continues from it.

    /usr/bin/python3 -m scarp_train.train --recipe uav --arch digate --out runs/uav-digate-s0 --seed 0 \
        --epochs 16 --steps 250 --batch 8 --crop 256 --threads 1

Recipe (the same for every architecture): BCE + Dice (deep supervision for architectures with
auxiliary heads), AdamW with a OneCycle schedule sized to the whole run and run to its end, an EMA
of the weights (what is validated, selected and exported), checkpoint and threshold on the
specialist's own validation (config.RECIPES[...]['val']), threshold swept over 0.02-0.98.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time

import numpy as np
import torch

from . import config as C
from . import data as D
from . import losses as L
from . import preprocess as P
from .models import build, n_params
from . import validate as V
from . import hard_negatives as HN

# Adversarial term of the multi-CNN + GAN (architecture-specs.md section 4): WGAN-GP mask critic,
# lambda_gp 10, generator term weight 0.01 (lambda_3), critic Adam 4e-4 with betas (0.5, 0.999) (the
# paper's TTUR critic rate; the generator keeps the common recipe's optimiser), one critic step per
# generator step.
ADVERSARIAL = dict(weight=0.01, gp=10.0, critic_lr=4e-4, betas=(0.5, 0.999), critic_steps=1)

ARCHS = {
    # dual: takes terrain as a second input (else terrain bands are stacked onto the optical ones on a
    #   terrain recipe); terrain: False = optical only even on a terrain recipe (the card then lists
    #   only the optical input); single_without_terrain: a dual net that becomes single-input (RGB) on
    #   a recipe without terrain; adversarial: train with the WGAN-GP mask critic (never exported).
    'unet': dict(dual=False),
    'digate': dict(dual=True),
    'unetpp-att': dict(dual=False),
    'fca-deeplab': dict(dual=True, single_without_terrain=True),
    'geonext': dict(dual=False, terrain=False),
    'mcnn-gan': dict(dual=False, terrain=False, adversarial=ADVERSARIAL),
}


def spec_of(recipe: str, arch: str) -> dict:
    r = C.RECIPES[recipe]
    a = ARCHS[arch]
    terrain = bool(r['terrain']) and a.get('terrain', True)
    dual = a['dual'] and (terrain or not a.get('single_without_terrain'))
    return dict(r, recipe=recipe, arch=arch, dual=dual, terrain=terrain, recipe_terrain=bool(r['terrain']))


def train_command(cfg: dict) -> str:
    """The exact `train` command line for a run config (run in training/); an ensemble's: its members'
    commands and the ensemble's."""
    if cfg.get('members'):
        return cfg['chain']
    # a run trained from a GPU pack (scarp_train.pack) names it, and the chain starts by building it
    env = f"SCARP_PACK=.gpu/{cfg['pack']} " if cfg.get('pack') else ''
    c = (env + f"/usr/bin/python3 -m scarp_train.train --recipe {cfg['recipe']} --arch {cfg['arch']} --out {cfg['out']} "
         f"--seed {cfg['seed']} --epochs {cfg['epochs']} --steps {cfg['steps']} --batch {cfg['batch']} --crop {cfg['crop']} "
         f"--width {cfg['width']} --threads {cfg['threads']}")
    if cfg.get('lr') and cfg['lr'] != 2e-3:
        c += f" --lr {cfg['lr']:g}"
    if cfg.get('restart_lr'):
        c += f" --restart-lr {cfg['restart_lr']:g}"
    if cfg.get('workers'):
        c += f" --workers {cfg['workers']}"
    if cfg.get('device', 'auto') != 'auto':
        c += f" --device {cfg['device']}"
    if cfg.get('val_every', 1) != 1:
        c += f" --val-every {cfg['val_every']}"
    if cfg.get('limit'):
        c += f" --limit {cfg['limit']}"
    if cfg.get('variant'):
        c += f" --variant {cfg['variant']}"
    if cfg.get('init_from'):
        c += f" --init-from {cfg['init_from']}"
    if cfg.get('freeze_bn'):
        c += " --freeze-bn"
    if cfg.get('hard_negatives'):
        c += f" --hard-negatives {cfg['hard_negatives']:g} --remine-every {cfg['remine_every']}"
    chain = cfg.get('command_prefix', '') + c
    if cfg.get('pack'):
        build = f"/usr/bin/python3 -m scarp_train.pack{' --sat' if cfg['pack'] == 'pack-sat.npz' else ''} && "
        chain = chain if chain.startswith(build) else build + chain
    return chain


def device_auto(name: str):
    if name == 'auto':
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    return torch.device(name)


def optical_input(rgb: np.ndarray, spec: dict | None = None) -> np.ndarray:
    """Network optical input from raw values (0..255 RGB, or the recipe's reflectance bands) with NaN =
    nodata (preprocess.optical_tensor)."""
    return P.optical_tensor(rgb, C.optical_bands(spec), nodata=None)


def to_tensors(rgb, terr, mask, dev, spec=None):
    x = torch.from_numpy(optical_input(rgb, spec))
    t = torch.from_numpy(np.ascontiguousarray(terr, dtype=np.float32)) if terr is not None else None
    y = torch.from_numpy(mask.astype(np.int64))[:, None]
    return x.to(dev), (t.to(dev) if t is not None else None), y.to(dev)


def net_inputs(spec, x, t):
    """The network's positional inputs: (optical, terrain) for dual-stream nets, stacked channels for
    single-input nets on a terrain recipe, optical alone otherwise."""
    if spec['dual']:
        return (x, t)
    if spec['terrain']:
        return (torch.cat([x, t], 1),)
    return (x,)


def build_net(cfg: dict):
    if cfg.get('members'):
        from .ensemble import build_ensemble
        return build_ensemble(cfg)
    spec = cfg['spec']
    k = len(cfg['terrain_bands']) if cfg.get('terrain_bands') else 0
    in_ch = len(C.optical_bands(spec)) + (k if not spec['dual'] else 0)
    return build(spec['arch'], in_ch=in_ch, width=cfg['width'], terrain_ch=max(k, 1) if spec['dual'] else 0,
                 variant=cfg.get('variant'))


def make_critic(cfg: dict):
    """The training-only mask critic of an adversarial architecture (None for the others)."""
    adv = ARCHS[cfg['spec']['arch']].get('adversarial')
    if not adv:
        return None, None
    from .arch_mcnn_gan import MaskCritic
    critic = MaskCritic(cfg['crop'])
    return critic, adv


def set_grad(m, on: bool):
    for p in m.parameters():
        p.requires_grad_(on)


def adversarial_step(critic, copt, adv, logits, y):
    """WGAN-GP on masks: critic update(s) on D(fake) - D(real) + gp * GP, then the generator's term
    -D(fake) (returned, to be weighted into the generator loss). Unmapped pixels (255) are zeroed in
    both masks."""
    from .arch_mcnn_gan import gradient_penalty
    valid = (y != L.IGNORE).float()
    real = (y == 1).float() * valid
    fake = torch.sigmoid(logits) * valid
    set_grad(critic, True)
    for _ in range(adv['critic_steps']):
        fd = fake.detach()
        d_loss = critic(fd).mean() - critic(real).mean() + adv['gp'] * gradient_penalty(critic, real, fd)
        copt.zero_grad()
        d_loss.backward()
        copt.step()
    set_grad(critic, False)
    return -critic(fake).mean(), float(d_loss)


def load_sources(spec, limit=None, terrain_bands=None):
    srcs = {
        'bijie': lambda: D.bijie('train', limit),
        'uav': lambda: D.uav('train', limit),
        'jA': lambda: [D.jinsha('A', 'train', terrain_bands)],
        'jB': lambda: [D.jinsha('B', 'train', terrain_bands)],
        's2': lambda: [D.s2('train')],
    }
    return [(srcs[k](), spec['sources'][k]) for k in source_names(spec)]


def source_names(spec) -> list[str]:
    """The recipe's sources in load_sources' order (the Mixture's source indices)."""
    return [k for k, w in spec['sources'].items() if w > 0]


class BatchStream(torch.utils.data.IterableDataset):
    """`steps` batches of one epoch drawn by DataLoader workers (GPU hosts: the crop pipeline is
    numpy on the CPU). Worker w draws its share with rng (seed, epoch, w): reproducible for a given
    worker count, not identical to the single-process order."""

    def __init__(self, mix, batch, steps, seed, epoch):
        self.mix, self.batch, self.steps, self.seed, self.epoch = mix, batch, steps, seed, epoch

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        w, n = (info.id, info.num_workers) if info else (0, 1)
        rng = np.random.default_rng([self.seed, self.epoch, w])
        for _ in range(w, self.steps, n):
            yield self.mix.batch(self.batch, rng)


def epoch_batches(mix, a, ep):
    if a.workers <= 0:
        rng = np.random.default_rng([a.seed, ep])
        return (mix.batch(a.batch, rng) for _ in range(a.steps))
    dl = torch.utils.data.DataLoader(BatchStream(mix, a.batch, a.steps, a.seed, ep), batch_size=None, num_workers=a.workers)
    return ((r.numpy(), None if t is None else t.numpy(), m.numpy(), h) for r, t, m, h in dl)


class EMA:
    """Exponential moving average of every floating-point entry of the state dict (weights and BN
    statistics), decay warmed up as min(decay, (1 + n) / (10 + n))."""

    def __init__(self, net, decay: float):
        self.decay = decay
        self.n = 0
        self.net = copy.deepcopy(net).eval()
        for p in self.net.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, net):
        self.n += 1
        d = min(self.decay, (1 + self.n) / (10 + self.n))
        src = net.state_dict()
        for k, v in self.net.state_dict().items():
            if v.dtype.is_floating_point:
                v.mul_(d).add_(src[k].detach(), alpha=1 - d)
            else:
                v.copy_(src[k])


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--recipe', required=True, choices=list(C.RECIPES))
    ap.add_argument('--arch', required=True, choices=list(ARCHS))
    ap.add_argument('--out', required=True)
    ap.add_argument('--epochs', type=int, default=16)
    ap.add_argument('--steps', type=int, default=250, help='batches per epoch')
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--crop', type=int, default=256)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--width', type=int, default=16)
    ap.add_argument('--ema', type=float, default=0.998)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--device', default='auto')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--limit', type=int, default=None, help='samples per source (smoke tests)')
    ap.add_argument('--val-every', type=int, default=1, help='validate every N epochs (and after the last); 0: never (best.pt = last EMA)')
    ap.add_argument('--workers', type=int, default=0, help='DataLoader processes drawing crops (GPU hosts); 0 = in-process, seeded by (seed, epoch)')
    ap.add_argument('--max-minutes', type=float, default=None, help='stop (resumably) after this long')
    ap.add_argument('--stop-epoch', type=int, default=None, help='stop (resumably) after this epoch')
    ap.add_argument('--restart-lr', type=float, default=None,
                    help='on resume with a longer plan: a warm restart, a new cosine from this learning rate to zero '
                         'over the added epochs (without it the new plan anneals from the current rate)')
    ap.add_argument('--variant', default=None,
                    help="architecture variant (ablations): unetpp-att contextual|spatial|both|none, geonext "
                         "psa+aspp|psa|aspp|plain, fca-deeplab full|no-soa, mcnn-gan unet|literal")
    ap.add_argument('--hard-negatives', type=float, default=0.0,
                    help='share of Bijie draws centred on a false positive of the current EMA model (hard_negatives.py)')
    ap.add_argument('--init-from', default=None,
                    help="a new run starts from this checkpoint's EMA weights (a run's best.pt), e.g. to fine-tune "
                         "with larger crops; optimiser and schedule start afresh")
    ap.add_argument('--freeze-bn', action='store_true',
                    help='BatchNorm layers keep their statistics (eval mode) while training: for weights rebuilt from an '
                         'ONNX graph, where the exporter folded each BN into its conv (rebuild.py)')
    ap.add_argument('--remine-every', type=int, default=2, help='epochs between two minings of hard negatives')
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    dev = device_auto(a.device)
    spec = spec_of(a.recipe, a.arch)
    tb = C.TERRAIN_BANDS if spec['terrain'] else None
    k = len(tb) if tb else 0
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(a.seed)
    cfg = dict(vars(a), spec=spec, terrain_bands=tb, optical_bands=C.optical_bands(spec), gsd=spec['gsd'])
    if os.environ.get('SCARP_PACK'):
        cfg['pack'] = os.path.basename(os.environ['SCARP_PACK'])
    net = build_net(cfg).to(dev)
    cfg['params'] = n_params(net)
    critic, adv = make_critic(cfg)
    copt = None
    if critic is not None:
        critic = critic.to(dev)
        copt = torch.optim.Adam(critic.parameters(), lr=adv['critic_lr'], betas=adv['betas'])
        cfg['critic_params'] = n_params(critic)
    ema = EMA(net, a.ema)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-4)
    total = a.epochs * a.steps
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=total, pct_start=0.1)
    ck = os.path.join(a.out, 'last.pt')
    state = {'epoch': 0, 'best': -1.0, 'log': []}
    replan = None
    if os.path.exists(ck):
        s = torch.load(ck, map_location=dev)
        old = s['config']
        if (old['batch'], old['crop']) != (a.batch, a.crop):
            raise SystemExit(f'{ck} was made with --batch {old["batch"]} --crop {old["crop"]}: resume with the same values')
        net.load_state_dict(s['model']); opt.load_state_dict(s['opt'])
        ema.net.load_state_dict(s['ema']); ema.n = s['ema_n']
        if critic is not None and 'critic' in s:
            critic.load_state_dict(s['critic']); copt.load_state_dict(s['critic_opt'])
        state = s['state']
        plan = s.get('plan', (old['epochs'], old['steps']))
        if plan == (a.epochs, a.steps) and 'replan' not in s:
            sched.load_state_dict(s['sched'])
        elif 'replan' in s and s['replan']['plan'] == (a.epochs, a.steps):
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=s['replan']['T_max'])
            sched.load_state_dict(s['sched'])
            replan = s['replan']
        else:
            # a new plan on resume (less time than planned): anneal with a cosine from the current
            # learning rate to zero over the remaining steps, so the run still ends annealed
            remaining = max(1, (a.epochs - state['epoch']) * a.steps)
            lr_now = a.restart_lr if a.restart_lr else opt.param_groups[0]['lr']
            for g in opt.param_groups:
                g['initial_lr'] = lr_now
                g['lr'] = lr_now
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=remaining)
            replan = {'plan': (a.epochs, a.steps), 'T_max': remaining, 'at_epoch': state['epoch'], 'lr': lr_now}
            state.setdefault('replans', []).append(replan)
            print(f'resumed with a new plan: cosine from lr {lr_now:.2e} over {remaining} steps'
                  + (' (warm restart)' if a.restart_lr else ''), flush=True)
        if old.get('command_prefix'):
            cfg['command_prefix'] = old['command_prefix']
        if plan != (a.epochs, a.steps):
            cfg['command_prefix'] = train_command(old) + f" --stop-epoch {state['epoch']} && "
        print(f'resumed at epoch {state["epoch"]}', flush=True)
    elif a.init_from:
        src = torch.load(a.init_from, map_location=dev)
        net.load_state_dict(src['model']); ema.net.load_state_dict(src['model'])
        # the card's command chain must rebuild the source run first: its config.json (where a GPU run's pack is
        # recorded), else the checkpoint's; weights rebuilt from an ONNX have no train command (their card is
        # the provenance)
        src_cfg_path = os.path.join(os.path.dirname(a.init_from), 'config.json')
        src_cfg = json.load(open(src_cfg_path)) if os.path.exists(src_cfg_path) else src.get('config')
        if src_cfg and src_cfg.get('epochs') and 'rebuilt_from' not in src:
            cfg['command_prefix'] = train_command(src_cfg) + ' && '
        print(f'starting from the weights of {a.init_from} (epoch {src.get("epoch")})', flush=True)
    json.dump(cfg, open(os.path.join(a.out, 'config.json'), 'w'), indent=1)
    print(f'{a.recipe}/{a.arch}: {n_params(net)} parameters on {dev}', flush=True)
    mix = D.Mixture(load_sources(spec, a.limit, tb), a.crop, (spec['gsd']['minM'], spec['gsd']['maxM']), k,
                    spec['terrain_drop'] if spec['terrain'] else 0.0, spec['centred'], spec['degrade'],
                    spec.get('photometric_unit', 255.0))
    val = V.ValidationSet(spec, tb, limit=a.limit)
    aux = spec['arch'] == 'digate'
    loss_fn = L.deep_supervision_loss if aux else (lambda o, y: L.bce_dice(o['main'], y))
    t_start = time.time()
    first_ep = state['epoch']
    hard_src = [source_names(spec).index('bijie')] if a.hard_negatives and 'bijie' in source_names(spec) else []
    mix.hard_p = a.hard_negatives
    while state['epoch'] < a.epochs:
        ep = state['epoch']
        hard_rec = None
        if hard_src and (ep - first_ep) % a.remine_every == 0:
            t1 = time.time()
            mined = HN.mine(ema.net, mix.sources[hard_src[0]][0], spec, val.inputs, dev, seed=a.seed + ep)
            mix.set_hard(hard_src[0], mined)
            hard_rec = {'samples': len(mined), 'pixels': int(sum(n for _, _, n in mined)), 'seconds': time.time() - t1}
            print(json.dumps({'epoch': ep + 1, 'hard_negatives': hard_rec}), flush=True)
        net.train()
        if a.freeze_bn:
            for m in net.modules():
                if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                    m.eval()
        t0 = time.time(); losses = []; d_losses = []; g_advs = []; skipped = 0
        if critic is not None:
            critic.train()
        for rgb, terr, mask, _ in epoch_batches(mix, a, ep):
            x, t, y = to_tensors(rgb, terr, mask, dev, spec)
            out = net(*net_inputs(spec, x, t))
            loss = loss_fn(out, y)
            if critic is not None:
                g_adv, d_loss = adversarial_step(critic, copt, adv, out['main'], y)
                loss = loss + adv['weight'] * g_adv
                d_losses.append(d_loss); g_advs.append(float(g_adv))
            opt.zero_grad(); loss.backward()
            # A non-finite loss or gradient is skipped, not applied: one such step poisons the weights, the
            # optimiser's moments and the EMA for the rest of the run.
            if not (torch.isfinite(loss) and torch.isfinite(torch.nn.utils.clip_grad_norm_(net.parameters(), float('inf')))):
                skipped += 1
                opt.zero_grad(); sched.step()
                continue
            opt.step(); sched.step()
            ema.update(net)
            losses.append(float(loss))
        train_s = time.time() - t0
        state['epoch'] = ep + 1
        if skipped > a.steps // 10:
            sys.exit(f'{a.out}: {skipped} of {a.steps} steps in epoch {ep + 1} had a non-finite loss or gradient; '
                     f'the run is stopped (its last checkpoint is kept). Lower --lr or check the data.')
        rec = {'epoch': ep + 1, 'loss': float(np.mean(losses)) if losses else float('nan'), 'train_s': train_s, 'lr': sched.get_last_lr()[0]}
        if skipped:
            rec['skipped_steps'] = skipped
        if hard_rec:
            rec['hard_negatives'] = hard_rec
        if critic is not None:
            rec['critic_loss'] = float(np.mean(d_losses)); rec['g_adv'] = float(np.mean(g_advs))
        if a.val_every <= 0:
            torch.save({'model': ema.net.state_dict(), 'epoch': ep + 1, 'val': None, 'config': cfg}, os.path.join(a.out, 'best.pt'))
        elif (ep + 1) % a.val_every == 0 or ep + 1 == a.epochs:
            t1 = time.time()
            v = val.score(ema.net, dev)
            rec['val'] = v
            rec['val_s'] = time.time() - t1
            if v['score'] > state['best']:
                state['best'] = v['score']
                torch.save({'model': ema.net.state_dict(), 'epoch': ep + 1, 'val': v, 'config': cfg}, os.path.join(a.out, 'best.pt'))
        state['log'].append(rec)
        print(json.dumps(rec), flush=True)
        saved = {'model': net.state_dict(), 'opt': opt.state_dict(), 'sched': sched.state_dict(), 'ema': ema.net.state_dict(),
                 'ema_n': ema.n, 'state': state, 'config': cfg, 'plan': (a.epochs, a.steps)}
        if replan:
            saved['replan'] = replan
        if critic is not None:  # training only: load_net/export read 'model'/'ema', never the critic
            saved['critic'] = critic.state_dict(); saved['critic_opt'] = copt.state_dict()
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
