/** Colour ramps for single-band layers, defined in resources/ramps/*.json and baked into 256-entry lookup tables. */
import probability from '../../../resources/ramps/probability.json';
import slope from '../../../resources/ramps/slope.json';
import mask from '../../../resources/ramps/mask.json';
import confidence from '../../../resources/ramps/confidence.json';
import change from '../../../resources/ramps/change.json';

export interface RampDefinition {
  name: string;
  description?: string;
  domain: [number, number];
  stops: Array<[number, [number, number, number, number]]>;
}

export interface Ramp {
  name: string;
  domain: [number, number];
  /** 256 RGBA entries, evenly spaced over the domain. */
  lut: Uint8Array;
}

export function bakeRamp(def: RampDefinition): Ramp {
  const lut = new Uint8Array(256 * 4);
  const [d0, d1] = def.domain;
  const stops = [...def.stops].sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < 256; i++) {
    const v = d0 + ((d1 - d0) * i) / 255;
    let k = 0;
    while (k < stops.length - 2 && v > stops[k + 1]![0]) k++;
    const [v0, c0] = stops[k]!;
    const [v1, c1] = stops[Math.min(k + 1, stops.length - 1)]!;
    const t = v1 === v0 ? 0 : Math.min(1, Math.max(0, (v - v0) / (v1 - v0)));
    for (let c = 0; c < 4; c++) lut[i * 4 + c] = Math.round(c0[c]! + (c1[c]! - c0[c]!) * t);
  }
  return { name: def.name, domain: [d0, d1], lut };
}

export const RAMPS = {
  probability: bakeRamp(probability as RampDefinition),
  slope: bakeRamp(slope as RampDefinition),
  mask: bakeRamp(mask as RampDefinition),
  confidence: bakeRamp(confidence as RampDefinition),
  change: bakeRamp(change as RampDefinition),
} as const;

/** The ramp definitions as written (stops with RGBA), for styles other programs read (export/raster-style.ts). */
export const RAMP_DEFINITIONS: Record<keyof typeof RAMPS, RampDefinition> = {
  probability: probability as RampDefinition,
  slope: slope as RampDefinition,
  mask: mask as RampDefinition,
  confidence: confidence as RampDefinition,
  change: change as RampDefinition,
};

/** The ramp's CSS gradient, for legends in the UI. */
export function rampCss(def: RampDefinition): string {
  const [d0, d1] = def.domain;
  return `linear-gradient(to right, ${def.stops
    .map(([v, c]) => `rgba(${c[0]},${c[1]},${c[2]},${Math.max(0.15, c[3] / 255).toFixed(2)}) ${(((v - d0) / (d1 - d0)) * 100).toFixed(1)}%`)
    .join(', ')})`;
}
