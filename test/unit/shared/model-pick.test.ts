import { describe, expect, it } from 'vitest';
import { gsdFit, pickModel, pickableFromSummary, routeScene, type PickableModel } from '../../../src-shared/model-pick';

const uav: PickableModel = {
  id: 'scarp-uav-rgbdem',
  gsd: { nativeM: 0.5, minM: 0.375, maxM: 0.625, resampleMinM: 0.25, resampleMaxM: 1.5 },
  inputs: [
    { sources: ['red', 'green', 'blue'], optional: false },
    { sources: ['slope', 'dem'], optional: true },
  ],
  domain: 'UAV/aerial 0.3-1 m RGB + DEM',
};
const sat: PickableModel = {
  id: 'scarp-sat-rgb',
  gsd: { nativeM: 0.8, minM: 0.6, maxM: 1.0, resampleMinM: 0.4, resampleMaxM: 3 },
  inputs: [{ sources: ['red', 'green', 'blue'], optional: false }],
};
const demOnly: PickableModel = {
  id: 'a-needs-dem',
  gsd: { nativeM: 0.5, minM: 0.4, maxM: 0.6 },
  inputs: [
    { sources: ['red', 'green', 'blue'], optional: false },
    { sources: ['slope'], optional: false },
  ],
};
const nir: PickableModel = { id: 'a-nir', gsd: { nativeM: 0.5, minM: 0.4, maxM: 0.6 }, inputs: [{ sources: ['red', 'green', 'blue', 'nir'], optional: false }] };
const all = [uav, sat, demOnly, nir];
const pick = (scene: Parameters<typeof pickModel>[2]) => pickModel(all, (m) => m, scene);

describe('gsdFit', () => {
  it('classifies run-as-is, resample (nearer bound) and out', () => {
    expect(gsdFit(0.5, uav.gsd)).toMatchObject({ kind: 'native', targetGsd: 0.5 });
    expect(gsdFit(1, uav.gsd)).toMatchObject({ kind: 'resample', targetGsd: 0.625 });
    expect(gsdFit(0.3, uav.gsd)).toMatchObject({ kind: 'resample', targetGsd: 0.375 });
    expect(gsdFit(2, uav.gsd).kind).toBe('out');
    // An older card: resample to native, at most 4x up-sampling.
    expect(gsdFit(1.9, demOnly.gsd)).toMatchObject({ kind: 'resample', targetGsd: 0.5 });
    expect(gsdFit(2.5, demOnly.gsd)).toMatchObject({ kind: 'out', upsampling: 5 });
  });
});

describe('pickModel', () => {
  it('prefers the run-as-is range, then terrain with a DEM, then nearer native GSD, then id', () => {
    const a = pick({ gsdM: 0.5, hasDem: true })!;
    // uav and a-needs-dem both run 0.5 m as is and use terrain; both native 0.5: id decides.
    expect(a.model.id).toBe('a-needs-dem');
    const b = pickModel([uav, sat], (m) => m, { gsdM: 0.5, hasDem: true })!;
    expect(b.model.id).toBe('scarp-uav-rgbdem');
    expect(b.reason).toBe('scarp-uav-rgbdem: the scene is 0.50 m, inside its 0.375–0.625 m range, and a DEM was given; its terrain input is used.');
    // Without a DEM: a-needs-dem cannot run; uav (terrain optional) runs as is at 0.5 m, sat would resample.
    const c = pick({ gsdM: 0.5, hasDem: false })!;
    expect(c.model.id).toBe('scarp-uav-rgbdem');
    expect(c.reason).toContain('no DEM was given; its terrain input is optional');
    // 0.8 m satellite: sat runs as is; uav only by resampling, even with a DEM.
    const d = pick({ gsdM: 0.8, hasDem: true })!;
    expect(d.model.id).toBe('scarp-sat-rgb');
    expect(d.reason).toContain('a DEM was given, but it uses no terrain');
    // 1.2 m: both resample (uav into 0.625, sat into 1.0); sat is nearer its native GSD.
    const e = pickModel([uav, sat], (m) => m, { gsdM: 1.2, hasDem: true })!;
    expect(e.model.id).toBe('scarp-uav-rgbdem'); // with a DEM, terrain first within the same tier
    const f = pickModel([uav, sat], (m) => m, { gsdM: 1.2, hasDem: false })!;
    expect(f.model.id).toBe('scarp-sat-rgb');
    expect(f.reason).toBe('scarp-sat-rgb: the scene is 1.20 m, outside its 0.6–1 m range but inside 0.4–3 m, so it is resampled to 1 m, and no DEM was given and it needs none.');
    // 3 m: only sat accepts it.
    expect(pick({ gsdM: 3, hasDem: true })?.model.id).toBe('scarp-sat-rgb');
    // 10 m: nothing.
    expect(pick({ gsdM: 10, hasDem: true })).toBeNull();
  });
  it('needs the bands: NIR models only with four bands', () => {
    expect(pickModel([nir], (m) => m, { gsdM: 0.5, hasDem: false })).toBeNull();
    expect(pickModel([nir], (m) => m, { gsdM: 0.5, hasDem: false, opticalBands: ['red', 'green', 'blue', 'nir'] })?.model.id).toBe('a-nir');
  });
  it('falls back to DEM use and id when the scene GSD is unknown', () => {
    const p = pick({ hasDem: false })!;
    expect(p.model.id).toBe('scarp-sat-rgb');
    expect(p.fit).toBeNull();
    expect(p.reason).toContain('the scene resolution is unknown');
    expect(pick({ gsdM: null, hasDem: true })?.model.id).toBe('a-needs-dem');
  });
});

describe('routeScene (a scene no model accepts)', () => {
  const route = (gsdM: number, hasPreEvent: boolean) => routeScene([uav, sat], (m) => m, { gsdM, hasDem: false, hasPreEvent });
  it('a scene a model accepts goes to that model, pre-event image or not', () => {
    const r = route(0.8, true);
    expect(r.kind).toBe('model');
    expect(r.kind === 'model' && r.pick.model.id).toBe('scarp-sat-rgb');
  });
  it('a 10 m scene with a pre-event image goes to change detection, saying which and why in one sentence', () => {
    const r = route(10, true);
    expect(r.kind).toBe('change');
    expect(r.reason).toBe('No model accepts 10 m imagery (the models take 0.25–3 m): Scarp maps it by change detection between the pre- and post-event images (rdNDVI with near-infrared, else visible-band change).');
  });
  it('without one it goes to the single-date method (NDVI with NIR, GLI without), saying it is weak', () => {
    const r = route(10, false);
    expect(r.kind).toBe('single-date');
    expect(r.reason).toBe(
      'No model accepts 10 m imagery (the models take 0.25–3 m) and there is no pre-event image: Scarp maps it with the single-date method, bare ground from the visible-band GLI (no near-infrared band), which is weak (a pre-event image of the same area does better).',
    );
    const nir = routeScene([uav, sat], (m) => m, { gsdM: 10, hasDem: true, hasPreEvent: false, opticalBands: ['red', 'green', 'blue', 'nir'] });
    expect(nir.reason).toMatch(/bare ground from NDVI on slopes, which is weak/);
  });
  it('a scene finer than every range is averaged down to a model\'s native resolution, and the reason says so', () => {
    const r = route(0.05, true);
    expect(r.kind).toBe('model');
    if (r.kind !== 'model') return;
    expect(r.pick.fit).toMatchObject({ kind: 'resample', targetGsd: r.pick.model.gsd.nativeM });
    expect(r.reason).toMatch(/the scene is 0\.05 m, finer than its .* range, so it is averaged down to .*, its native resolution/);
  });
  it('a finer scene no model takes is refused, not mapped by the single-date method (roads and roofs read as bare ground there)', () => {
    const r = route(4, false);
    expect(r.kind).toBe('none');
    expect(r.reason).toBe(
      'No model accepts 4 m imagery (the models take 0.25–3 m). The single-date method is for 5 m and coarser satellite imagery (at 4 m roads, roofs and shadows read as bare ground): add a model for this resolution to the models folder, or give a pre-event image for change detection.',
    );
    expect(route(4, true).kind).toBe('change');
  });
  it('refused only when nothing fits: bands for neither index nor change detection', () => {
    const r = routeScene([uav, sat], (m) => m, { gsdM: 10, hasDem: false, hasPreEvent: false, opticalBands: ['nir'] });
    expect(r.kind).toBe('none');
    expect(r.reason).toMatch(/^No model can run on 10 m imagery with the bands given; it has neither red and near-infrared nor red, green and blue bands/);
  });
  it('the summary form of a model (listModels) is read the same way', () => {
    const s = pickableFromSummary({ id: 'x', gsd: sat.gsd, inputs: [['red', 'green', 'blue'], ['slope']], inputOptional: [false, true], pickByDefault: true });
    expect(s.inputs).toEqual([{ sources: ['red', 'green', 'blue'], optional: false }, { sources: ['slope'], optional: true }]);
  });
});
