/** GDAL's XML sidecar and tag text: entity decoding, and the per-band items of the GDAL_METADATA tag. */

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Text with XML's five predefined entities decoded. */
export function decodeXmlEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => XML_ENTITIES[e]!);
}

/**
 * The band items of one role in a GDAL_METADATA document (<Item … sample="i" role="…">value</Item>):
 * value by 0-based band, entities decoded and trimmed; items without a sample are left out.
 */
export function gdalBandItems(xml: unknown, role: string): Map<number, string> {
  const out = new Map<number, string>();
  if (typeof xml !== 'string') return out;
  for (const m of xml.matchAll(/<Item\b([^>]*)>([^<]*)<\/Item>/g)) {
    const attrs = m[1]!;
    if (!new RegExp(`\\brole="${role}"`).test(attrs)) continue;
    const sample = /\bsample="(\d+)"/.exec(attrs);
    if (sample && !out.has(Number(sample[1]))) out.set(Number(sample[1]), decodeXmlEntities(m[2]!).trim());
  }
  return out;
}
