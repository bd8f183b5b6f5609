/**
 * Which model suits a scene, shared by the core (detection, CLI, model listing) and the UI (the
 * detect panel's default), so every door picks the same model for the same scene and says why.
 *
 * GSD fit of a scene against a card's `gsd` (`gsdFit`):
 *   - inside [minM, maxM]: run as is;
 *   - with `resampleMinM`/`resampleMaxM`: inside [resampleMinM, resampleMaxM] (a missing bound is
 *     the run-as-is bound) but outside the first range: resampled to the nearer bound of [minM, maxM];
 *     finer than both: area-averaged to nativeM all the same; coarser than both: not accepted;
 *   - without them (older cards): resampled to nativeM, up-sampling at most MAX_UPSAMPLING×.
 *
 * The default model (`pickModel`): candidates must be runnable with the bands given (every
 * non-optional input's sources present; terrain needs a DEM) and accept the scene GSD. Ranked by
 *   (a) run-as-is range before resample range (when the scene GSD is known),
 *   (b) with a DEM, models that use terrain first; without one, every runnable model (its terrain
 *       optional or absent) ranks the same,
 *   (c) nearer native GSD, |log(scene / native)| (when the scene GSD is known),
 *   (d) id.
 */
import type { BandSource, ModelCard } from './model-card';

export type GsdSpec = ModelCard['gsd'];

/** Sources derived from the DEM. */
export const TERRAIN_SOURCES: ReadonlySet<BandSource> = new Set<BandSource>(['dem', 'slope', 'aspect', 'hillshade']);
export function isTerrainSource(source: string): boolean {
  return TERRAIN_SOURCES.has(source as BandSource);
}

/** Older cards (no resample range): never up-sample by more than this. */
export const MAX_UPSAMPLING = 4;
/**
 * Relative tolerance on range bounds. Real pixel sizes miss round numbers in the fourth digit
 * (Jinsha site B: 0.500016 × 0.500260 m; averaged 2 × 2 it is 1.00028 m), and messages print three
 * digits, so a bound is met within 1 %: a 1.00028 m scene is a 1 m scene, never "1 m is outside 1 m".
 */
const EPS = 0.01;

export type GsdFit =
  | { kind: 'native'; sceneGsd: number; targetGsd: number }
  | { kind: 'resample'; sceneGsd: number; targetGsd: number }
  | { kind: 'out'; sceneGsd: number; /** Up-sampling factor that would be needed (older cards), else null. */ upsampling: number | null };

/** Metres, short: 0.5 → "0.5 m", 0.375 → "0.375 m". */
export const fmtM = (m: number): string => `${Number(m.toPrecision(3))} m`;
/** Two decimals, for scene GSDs in sentences: "0.50 m". */
const fmt2 = (m: number): string => `${m.toFixed(2)} m`;
/** "0.38–0.62 m". */
export const fmtRange = (lo: number, hi: number): string => `${Number(lo.toPrecision(3))}–${Number(hi.toPrecision(3))} m`;

function inside(s: number, lo: number, hi: number): boolean {
  return s >= lo * (1 - EPS) && s <= hi * (1 + EPS);
}

/** The range a card resamples into its run-as-is range, or null for an older card without one. */
export function resampleRange(gsd: GsdSpec): [number, number] | null {
  if (gsd.resampleMinM === undefined && gsd.resampleMaxM === undefined) return null;
  return [Math.min(gsd.resampleMinM ?? gsd.minM, gsd.minM), Math.max(gsd.resampleMaxM ?? gsd.maxM, gsd.maxM)];
}

/** How a scene of `sceneGsd` metres per pixel goes through a model with this `gsd` (see the module comment). */
export function gsdFit(sceneGsd: number, gsd: GsdSpec): GsdFit {
  const s = sceneGsd;
  if (inside(s, gsd.minM, gsd.maxM)) return { kind: 'native', sceneGsd: s, targetGsd: s };
  const wide = resampleRange(gsd);
  if (wide) {
    if (inside(s, wide[0], wide[1])) return { kind: 'resample', sceneGsd: s, targetGsd: s < gsd.minM ? gsd.minM : gsd.maxM };
    // Finer still (drone orthophotos of a few centimetres): area-averaged to the run-as-is range all
    // the same. Down-sampling only drops detail finer than the model's own pixels; only up-sampling
    // invents what the sensor never saw, so only the coarse side has a limit.
    // To the native GSD, the pixels the model learned on (site B at 0.5 m made 0.1 m and averaged
    // back: F1 0.801 at 0.5 m as at 0.5 m, 0.755 at the nearer bound 0.4 m).
    if (s < wide[0]) return { kind: 'resample', sceneGsd: s, targetGsd: gsd.nativeM };
    return { kind: 'out', sceneGsd: s, upsampling: null };
  }
  const factor = s / gsd.nativeM;
  if (factor > MAX_UPSAMPLING * (1 + EPS)) return { kind: 'out', sceneGsd: s, upsampling: factor };
  return { kind: 'resample', sceneGsd: s, targetGsd: gsd.nativeM };
}

/** What the picker needs of a model. */
export interface PickableModel {
  id: string;
  gsd: GsdSpec;
  /** Band sources of each input and whether the input is optional. */
  inputs: ReadonlyArray<{ sources: readonly BandSource[]; optional: boolean }>;
  /** What the model is for (the card's `domain`). */
  domain?: string;
  /** False: only run when named (research variants, adapted models). Default true. */
  pickByDefault?: boolean;
}

export interface PickScene {
  /** Scene GSD in metres; null/undefined when unknown (then (a) and (c) are skipped). */
  gsdM?: number | null;
  hasDem: boolean;
  /** Optical bands the imagery has (default red, green, blue). */
  opticalBands?: readonly BandSource[];
}

export interface ModelPick<T> {
  model: T;
  /** One sentence: why this model, for this scene. */
  reason: string;
  /** The GSD fit, or null when the scene GSD is unknown. */
  fit: GsdFit | null;
}

export function pickableFromCard(card: ModelCard): PickableModel {
  return {
    id: card.id,
    gsd: card.gsd,
    inputs: card.inputs.map((i) => ({ sources: i.bands.map((b) => b.source), optional: i.optional })),
    domain: card.domain,
    pickByDefault: card.pickByDefault !== false && !card.adaptation,
  };
}

function terrainUse(p: PickableModel): 'none' | 'optional' | 'required' {
  const withTerrain = p.inputs.filter((i) => i.sources.some(isTerrainSource));
  if (withTerrain.length === 0) return 'none';
  return withTerrain.some((i) => !i.optional) ? 'required' : 'optional';
}

/** Whether the model can run with these bands (every non-optional input's sources present). */
export function runnableWith(p: PickableModel, scene: Pick<PickScene, 'hasDem' | 'opticalBands'>): boolean {
  const optical = new Set<BandSource>(scene.opticalBands ?? ['red', 'green', 'blue']);
  if (optical.has('red') && optical.has('nir')) optical.add('ndvi');
  return p.inputs.every((i) => i.optional || i.sources.every((s) => (isTerrainSource(s) ? scene.hasDem : optical.has(s))));
}

/** The one-sentence reason for a pick. */
export function pickReason(p: PickableModel, fit: GsdFit | null, hasDem: boolean): string {
  const g = p.gsd;
  let scale: string;
  if (!fit) scale = `the scene resolution is unknown (it runs ${fmtRange(g.minM, g.maxM)} as is)`;
  else if (fit.kind === 'native') scale = `the scene is ${fmt2(fit.sceneGsd)}, inside its ${fmtRange(g.minM, g.maxM)} range`;
  else if (fit.kind === 'out') scale = `the scene is ${fmt2(fit.sceneGsd)}, outside its ranges`;
  else {
    const wide = resampleRange(g);
    const finer = wide !== null && fit.sceneGsd < wide[0] * (1 - EPS);
    scale =
      `the scene is ${fmt2(fit.sceneGsd)}, ` +
      (finer
        ? `finer than its ${fmtRange(g.minM, g.maxM)} range, so it is averaged down to ${fmtM(fit.targetGsd)}, its native resolution`
        : `outside its ${fmtRange(g.minM, g.maxM)} range${wide ? ` but inside ${fmtRange(wide[0], wide[1])}` : ''}, so it is resampled to ${fmtM(fit.targetGsd)}`);
  }
  const t = terrainUse(p);
  let dem: string;
  if (hasDem) dem = t === 'none' ? 'a DEM was given, but it uses no terrain (the DEM feeds only the attributes)' : 'a DEM was given; its terrain input is used';
  else dem = t === 'none' ? 'no DEM was given and it needs none' : 'no DEM was given; its terrain input is optional and gets its fill value';
  return `${p.id}: ${scale}, and ${dem}.`;
}

/**
 * The default model for a scene (see the module comment), with the reason; null when no model is
 * runnable with the given bands at the scene's GSD.
 */
export function pickModel<T>(models: readonly T[], describe: (m: T) => PickableModel, scene: PickScene): ModelPick<T> | null {
  const s = scene.gsdM != null && Number.isFinite(scene.gsdM) && scene.gsdM > 0 ? scene.gsdM : null;
  const cands: Array<{ m: T; p: PickableModel; fit: GsdFit | null }> = [];
  for (const m of models) {
    const p = describe(m);
    if (p.pickByDefault === false || !runnableWith(p, scene)) continue;
    const fit = s === null ? null : gsdFit(s, p.gsd);
    if (fit?.kind === 'out') continue;
    cands.push({ m, p, fit });
  }
  const key = (c: (typeof cands)[number]): number[] => [
    c.fit?.kind === 'resample' ? 1 : 0,
    scene.hasDem && terrainUse(c.p) === 'none' ? 1 : 0,
    s === null ? 0 : Math.abs(Math.log(s / c.p.gsd.nativeM)),
  ];
  cands.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    return a.p.id < b.p.id ? -1 : a.p.id > b.p.id ? 1 : 0;
  });
  const best = cands[0];
  return best ? { model: best.m, reason: pickReason(best.p, best.fit, scene.hasDem), fit: best.fit } : null;
}

/** Where a scene goes: a model, change detection (a pre-event image is there), the single-date method, or nowhere. */
export type SceneRoute<T> =
  | { kind: 'model'; pick: ModelPick<T>; reason: string }
  | { kind: 'change'; reason: string }
  | { kind: 'single-date'; reason: string }
  | { kind: 'none'; reason: string };

/** "0.5–3 m" over the accepted ranges of the runnable models (resample ranges included). */
function acceptedRange(ps: readonly PickableModel[]): [number, number] | null {
  if (ps.length === 0) return null;
  const ranges = ps.map((p) => resampleRange(p.gsd) ?? [p.gsd.minM, p.gsd.nativeM * MAX_UPSAMPLING]);
  return [Math.min(...ranges.map((r) => r[0])), Math.max(...ranges.map((r) => r[1]))];
}

/**
 * The finest pixels the single-date method is routed to: it was built and measured on 10 m Sentinel-2
 * (training/README.md "The 10 m model"); on sub-metre to metre imagery a vegetation index marks every
 * road, roof and shadow, so a finer scene no model takes is refused rather than mapped by it.
 */
export const SINGLE_DATE_MIN_GSD_M = 5;

/**
 * The method for a scene, with one sentence saying which and why (the CLI and the app say the same):
 * the model pickModel chooses (a shipped 10 m model takes 10 m scenes); else, when no model accepts
 * the scene, change detection when a pre-event image is there (scarp change: rdNDVI with NIR, else
 * the visible-band method); else the single-date method (scarp bare-ground: NDVI with NIR, else GLI)
 * when the bands allow it and the scene is medium-resolution satellite imagery; else nothing, and the
 * sentence says what would fit.
 */
export function routeScene<T>(models: readonly T[], describe: (m: T) => PickableModel, scene: PickScene & { hasPreEvent: boolean }): SceneRoute<T> {
  const pick = pickModel(models, describe, scene);
  if (pick) return { kind: 'model', pick, reason: pick.reason };
  const runnable = models.map(describe).filter((p) => p.pickByDefault !== false && runnableWith(p, scene));
  const range = acceptedRange(runnable);
  const what = scene.gsdM != null ? `${fmtM(scene.gsdM)} imagery` : 'this imagery';
  const none = range ? `No model accepts ${what} (the models take ${fmtRange(range[0], range[1])})` : `No model can run on ${what} with the bands given`;
  const bands = new Set<BandSource>(scene.opticalBands ?? ['red', 'green', 'blue']);
  const nir = bands.has('red') && bands.has('nir');
  const visible = bands.has('red') && bands.has('green') && bands.has('blue');
  if (scene.hasPreEvent) {
    return { kind: 'change', reason: `${none}: Scarp maps it by change detection between the pre- and post-event images (rdNDVI with near-infrared, else visible-band change).` };
  }
  if (scene.gsdM != null && scene.gsdM < SINGLE_DATE_MIN_GSD_M) {
    return {
      kind: 'none',
      reason: `${none}. The single-date method is for ${fmtM(SINGLE_DATE_MIN_GSD_M)} and coarser satellite imagery (at ${fmtM(scene.gsdM)} roads, roofs and shadows read as bare ground): add a model for this resolution to the models folder, or give a pre-event image for change detection.`,
    };
  }
  if (nir || visible) {
    const index = nir ? 'NDVI' : 'the visible-band GLI (no near-infrared band)';
    return {
      kind: 'single-date',
      reason: `${none} and there is no pre-event image: Scarp maps it with the single-date method, bare ground from ${index}${scene.hasDem ? ' on slopes' : ''}, which is weak (a pre-event image of the same area does better).`,
    };
  }
  return { kind: 'none', reason: `${none}; it has neither red and near-infrared nor red, green and blue bands for the single-date method or change detection.` };
}

/** The picker's view of a model summary (ModelSummary of src-shared/api.ts: what listModels returns). */
export function pickableFromSummary(m: { id: string; gsd: GsdSpec; inputs: readonly (readonly BandSource[])[]; inputOptional: readonly boolean[]; domain?: string; pickByDefault: boolean }): PickableModel {
  return { id: m.id, gsd: m.gsd, inputs: m.inputs.map((sources, i) => ({ sources, optional: m.inputOptional[i] ?? false })), domain: m.domain, pickByDefault: m.pickByDefault };
}
