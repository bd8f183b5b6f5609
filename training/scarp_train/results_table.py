"""Markdown table of the held-out rows of every evaluated run (runs/*/metrics.json).

    /usr/bin/python3 -m scarp_train.results_table runs/rgb-unet:scarp-unet-rgb runs/digate:scarp-digate-rgbdem ...
"""
import json
import sys


def main(args):
    lines = ['| model | dataset / split | inputs | method | P | R | F1 | IoU | thr |', '|---|---|---|---|---|---|---|---|---|']
    for spec in args:
        run, name = spec.split(':')
        m = json.load(open(f'{run}/metrics.json'))
        for r in m['rows']:
            lines.append(f"| {name} | {r['dataset']} {r['split']} | {r['inputs']} | {r['method']} | {r['precision']:.3f} | "
                         f"{r['recall']:.3f} | {r['f1']:.3f} | {r['iou']:.3f} | {r['threshold']:.2f} |")
    print('\n'.join(lines))


if __name__ == '__main__':
    main(sys.argv[1:])
