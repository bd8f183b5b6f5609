/**
 * How the UI writes numbers, dates and attribute values (one implementation for the table, the
 * attribute form and the identify popup): readable precision (Confidence 0.998, not
 * 0.9983940563713535), thousands separators, units, and "—" for no value; all in the UI language's
 * locale (i18n: "1,234.5" in English, "1.234,5" in Spanish, Devanagari digits in Nepali).
 */
import { languageTag, t } from './i18n';
import type { RasterInfo } from '../../src-shared/geo';
import { validityParts } from '../../src-shared/validity';

export const NO_VALUE = '—';

/** A number with at most `digits` decimals (trailing zeros dropped), grouped by the locale. */
export function fmtNumber(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NO_VALUE;
  return v.toLocaleString(languageTag(), { maximumFractionDigits: digits });
}

/** A file size (decimal units, as file managers show them). */
export function fmtBytes(b: number): string {
  return b > 1e9 ? `${fmtNumber(b / 1e9, 1)} GB` : b > 1e6 ? `${fmtNumber(b / 1e6, 1)} MB` : `${fmtNumber(Math.ceil(b / 1e3), 0)} kB`;
}

/** A short number for chart labels ("2.5K", "1万"). */
export function fmtCompact(v: number): string {
  return new Intl.NumberFormat(languageTag(), { notation: 'compact' }).format(v);
}

/** A value with its unit (m², m, °), rounded to `digits` decimals. */
export function fmtUnit(v: number | null | undefined, unit: string, digits = 0): string {
  const s = fmtNumber(v, digits);
  return s === NO_VALUE ? s : unit === '°' ? `${s}°` : `${s} ${unit}`;
}

/** A stored ISO date-time as a short local date and time. */
export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return NO_VALUE;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(languageTag(), { dateStyle: 'medium', timeStyle: 'short' });
}

/** A time of day with seconds (the message log). */
export function fmtTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(languageTag(), { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A status or type as a word ("field_verified" → "field verified"); review statuses in the UI language. */
export function fmtWord(v: string | null | undefined): string {
  if (!v) return NO_VALUE;
  const key = `status.${v}`;
  const s = t(key);
  return s !== key ? s : v.replace(/_/g, ' ');
}

/** Where a raster has no data, in words ("No data: value 0; pixels 0 in every band"), as the reader applies it. */
export function fmtValidity(info: Pick<RasterInfo, 'nodata' | 'nodataFrom' | 'maskBand' | 'alphaBand' | 'blackIsNodata'>): string {
  const parts = validityParts(info).map((p) =>
    p.kind === 'value'
      ? t(p.from === 'aux.xml' ? 'project.validity.valueAux' : 'project.validity.value', { value: fmtNumber(p.value, 6) })
      : p.kind === 'mask'
        ? t(p.where === 'sidecar' ? 'project.validity.maskSidecar' : 'project.validity.mask')
        : p.kind === 'alpha'
          ? t('project.validity.alpha', { band: fmtNumber(p.band, 0) })
          : t('project.validity.black'),
  );
  return `${t('project.validity.label')}: ${parts.length ? parts.join('; ') : t('project.validity.none')}`;
}

/** "elevations in feet, read in metres" for a DEM whose file declares another unit than the metre; null otherwise. */
export function fmtElevationUnit(info: Pick<RasterInfo, 'elevationUnit'>): string | null {
  const u = info.elevationUnit;
  if (!u) return null;
  const key = u.name === 'foot' ? 'foot' : u.name === 'US survey foot' ? 'usFoot' : u.name === 'kilometre' ? 'kilometre' : null;
  return t('project.elevationUnit', { unit: key ? t(`project.unitNames.${key}`) : u.name });
}
