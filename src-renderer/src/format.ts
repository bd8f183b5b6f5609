/**
 * How the UI writes numbers, dates and attribute values (one implementation for the table, the
 * attribute form and the identify popup): readable precision (Confidence 0.998, not
 * 0.9983940563713535), thousands separators, units, and "—" for no value.
 */
export const NO_VALUE = '—';

/** A number with at most `digits` decimals (trailing zeros dropped), grouped by the locale. */
export function fmtNumber(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NO_VALUE;
  return v.toLocaleString(undefined, { maximumFractionDigits: digits });
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
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A status or type as a word ("field_verified" → "field verified"). */
export function fmtWord(v: string | null | undefined): string {
  return v ? v.replace(/_/g, ' ') : NO_VALUE;
}
