/**
 * Printing the map (issue 16): the paper layouts (ISO 216 in points and pixels), the coordinate
 * grid's intervals, labels and frame crossings, and the PDF writer checked with poppler (pdfinfo's
 * page size, pdftotext's words, pdftoppm's rendering read by GDAL).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paperLayout, screenLayout } from '../../../src-renderer/src/map/print-layout';
import { graticule, gridLabel, gridStep, stepLabel } from '../../../src-renderer/src/map/graticule';
import { pagePdf } from '../../../src-renderer/src/map/print-pdf';
import { repoRoot } from '../../../src-main/core/paths';
import { gdalinfoJson, hasGdal } from '../../helpers/gdal';

const hasPoppler = spawnSync('pdfinfo', ['-v']).status === 0;
if (!hasPoppler && process.env.CI === 'true') throw new Error('CI=true but poppler-utils (pdfinfo, pdftotext, pdftoppm) is not installed.');

describe('paper layouts', () => {
  it('A4 landscape at 150 dpi and A3 portrait at 300 dpi', () => {
    const a4 = paperLayout('A4', 'landscape', 150);
    expect([a4.pixelWidth, a4.pixelHeight]).toEqual([1754, 1240]);
    expect(a4.widthPt).toBeCloseTo(841.89, 2);
    expect(a4.heightPt).toBeCloseTo(595.28, 2);
    // The map frame sits inside the 10 mm margins, under the title band and above the sources line.
    const m = (10 / 25.4) * 96;
    expect(a4.map.x).toBeCloseTo(m, 6);
    expect(a4.map.x + a4.map.w).toBeCloseTo(a4.width - m, 6);
    expect(a4.map.y).toBeGreaterThan(a4.headerTop + 52);
    expect(a4.map.y + a4.map.h).toBeCloseTo(a4.footerTop, 9);
    const a3 = paperLayout('A3', 'portrait', 300);
    expect([a3.pixelWidth, a3.pixelHeight]).toEqual([3508, 4961]);
    expect(a3.widthPt).toBeCloseTo(841.89, 2);
    expect(a3.heightPt).toBeCloseTo(1190.55, 2);
  });

  it('the screen image keeps the map whole and adds the bands', () => {
    const s = screenLayout(1600, 1000, 2);
    expect([s.pixelWidth, s.pixelHeight]).toEqual([3200, 2188]);
    expect(s.map).toEqual({ x: 0, y: 64, w: 1600, h: 1000 });
  });
});

describe('coordinate grid', () => {
  it('picks round intervals giving 3 to 7 lines', () => {
    expect(gridStep(360)).toBe(30);
    expect(gridStep(2)).toBe(0.5);
    expect(gridStep(0.05) * 3600).toBeCloseTo(60, 9);
    expect(gridStep(0.004) * 3600).toBeCloseTo(2, 9);
    for (const span of [150, 7, 0.9, 0.2, 0.03, 0.006]) {
      const n = span / gridStep(span);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThan(8);
    }
  });

  it('labels in degrees, minutes and seconds as fine as the interval', () => {
    expect(gridLabel(103.5, 0.5, 'lng')).toBe('103°30′E');
    expect(gridLabel(-70.75, 0.25, 'lng')).toBe('70°45′W');
    expect(gridLabel(-33, 1, 'lat')).toBe('33°S');
    expect(gridLabel(31 + 28 / 60 + 15 / 3600, 15 / 3600, 'lat')).toBe('31°28′15″N');
    expect(gridLabel(0, 1, 'lat')).toBe('0°');
    expect(gridLabel(190, 10, 'lng')).toBe('170°W');
    expect(gridLabel(180, 10, 'lng')).toBe('180°');
    expect([stepLabel(2), stepLabel(15 / 60), stepLabel(5 / 3600)]).toEqual(['2°', '15′', '5″']);
  });

  it('draws meridians and parallels through the projection and labels them where they leave the frame', () => {
    // Plate carrée 100 px per degree over 103.2–104.1 E, 31.1–31.9 N, frame offset by (50, 80).
    const frame = { x: 50, y: 80, w: 90, h: 80 };
    const b = { west: 103.2, south: 31.1, east: 104.1, north: 31.9 };
    const project = (lng: number, lat: number): [number, number] => [frame.x + (lng - b.west) * 100, frame.y + (b.north - lat) * 100];
    const g = graticule(b, project, frame);
    expect(g.step).toBeCloseTo(15 / 60, 12);
    const meridians = g.lines.filter((l) => l.axis === 'lng').map((l) => l.value);
    expect(meridians.map((v) => Math.round(v * 60))).toEqual([103.25, 103.5, 103.75, 104].map((v) => v * 60));
    const parallels = g.lines.filter((l) => l.axis === 'lat').map((l) => Math.round(l.value * 60));
    expect(parallels).toEqual([31.25, 31.5, 31.75].map((v) => v * 60));
    const top = g.labels.filter((l) => l.edge === 'top');
    expect(top.map((l) => l.text)).toEqual(['103°15′E', '103°30′E', '103°45′E', '104°00′E']);
    expect(top[1]!.x).toBeCloseTo(frame.x + 30, 6);
    expect(top[1]!.y).toBeCloseTo(frame.y, 6);
    expect(g.labels.filter((l) => l.edge === 'bottom').length).toBe(4);
    const left = g.labels.filter((l) => l.edge === 'left');
    expect(left.map((l) => l.text).sort()).toEqual(['31°15′N', '31°30′N', '31°45′N']);
    expect(left.find((l) => l.text === '31°30′N')!.y).toBeCloseTo(frame.y + 40, 6);
  });
});

describe.skipIf(!hasPoppler || !hasGdal)('the PDF page', () => {
  it('is A4 in points, carries the words as text and renders with pdftoppm', async () => {
    const dir = resolve(repoRoot, 'test/.tmp/unit-print');
    mkdirSync(dir, { recursive: true });
    const jpg = join(dir, 'page.jpg');
    execFileSync('/usr/bin/python3', ['-c', `from PIL import Image; Image.new('RGB', (351, 248), (30, 120, 60)).save('${jpg}', quality=90)`]);
    const { readFileSync } = await import('node:fs');
    const a4 = paperLayout('A4', 'landscape', 150);
    const { bytes, skipped } = await pagePdf({
      image: new Uint8Array(readFileSync(jpg)),
      imageType: 'jpeg',
      widthPt: a4.widthPt,
      heightPt: a4.heightPt,
      widthPx: a4.width,
      texts: [
        { text: 'Sindhupalchok landslides', x: 38, y: 68, size: 22 },
        { text: 'Legend', x: 60, y: 600, size: 13 },
        { text: '滑坡编目图', x: 38, y: 90, size: 13 },
      ],
      title: 'Sindhupalchok landslides',
      subject: 'test',
      date: new Date('2026-08-01T00:00:00Z'),
    });
    expect(skipped).toBe(1);
    const pdf = join(dir, 'page.pdf');
    writeFileSync(pdf, bytes);
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    expect(info).toMatch(/Page size:\s+841\.89 x 595\.2\d* pts \(A4\)/);
    expect(info).toMatch(/Title:\s+Sindhupalchok landslides/);
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(text).toContain('Sindhupalchok landslides');
    expect(text).toContain('Legend');
    // The title's words lie where they were drawn: in the top tenth of the page.
    const bbox = execFileSync('pdftotext', ['-bbox', pdf, '-'], { encoding: 'utf8' });
    const yMin = Number(/yMin="([\d.]+)"[^>]*>Sindhupalchok</.exec(bbox)![1]);
    expect(yMin).toBeLessThan(a4.heightPt * 0.1);
    execFileSync('pdftoppm', ['-r', '50', '-png', '-singlefile', pdf, join(dir, 'page')]);
    const png = gdalinfoJson(join(dir, 'page.png')) as { size: [number, number] };
    expect(png.size).toEqual([585, 414]);
  });
});
