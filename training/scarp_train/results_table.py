"""Markdown tables of evaluated runs (runs/*/metrics.json).

    /usr/bin/python3 -m scarp_train.results_table runs/rgb-unet:scarp-unet-rgb runs/digate:scarp-digate-rgbdem ...
        every held-out row of each run
    /usr/bin/python3 -m scarp_train.results_table --compare runs/compare-sat-*-s0 ...
        one row per run (the architecture comparison): validation score, then F1 of each held-out set,
        pooled and per-image, in the order the first run lists them
"""
import json
import os
import re
import sys


def rows_table(args):
    lines = ['| model | dataset / split | inputs | method | P | R | F1 | IoU | thr |', '|---|---|---|---|---|---|---|---|---|']
    for spec in args:
        run, name = spec.split(':')
        m = json.load(open(f'{run}/metrics.json'))
        for r in m['rows']:
            lines.append(f"| {name} | {r['dataset']} {r['split']} | {r['inputs']} | {r['method']} | {r['precision']:.3f} | "
                         f"{r['recall']:.3f} | {r['f1']:.3f} | {r['iou']:.3f} | {r['threshold']:.2f} |")
    return lines


def parameters(run):
    """The count train.py printed first in <run>.log ('recipe/arch: N parameters on ...')."""
    try:
        m = re.search(r': (\d+) parameters', open(f'{run}.log').read())
        return int(m.group(1)) if m else None
    except OSError:
        return None


def compare_table(runs):
    evaluated = [(r, json.load(open(f'{r}/metrics.json'))) for r in runs if os.path.exists(f'{r}/metrics.json')]
    if not evaluated:
        return ['(no evaluated run)']
    cols = []
    for _, m in evaluated:
        for r in m['rows']:
            key = (r['dataset'], r['split'], r['inputs'], r['method'])
            if key not in cols:
                cols.append(key)
    head = ['run', 'parameters', 'validation', 'thr'] + [f"{d} ({i}, {'pooled' if meth == 'pooled-pixel' else 'per image'})" for d, _, i, meth in cols]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for run, m in evaluated:
        by = {(r['dataset'], r['split'], r['inputs'], r['method']): r['f1'] for r in m['rows']}
        val = m.get('extra', {}).get('validation', {}).get('plain', {}).get('score')
        n = parameters(run)
        cells = [os.path.basename(run), f'{n:,}' if n else '?', f'{val:.3f}' if val is not None else '?', f"{m['threshold']:.2f}"]
        cells += [f'{by[c]:.3f}' if c in by else '' for c in cols]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return lines


def main(args):
    print('\n'.join(compare_table(args[1:]) if args[:1] == ['--compare'] else rows_table(args)))


if __name__ == '__main__':
    main(sys.argv[1:])
