/**
 * OGC WKT 1 → ESRI WKT (what ArcGIS writes in .prj files), as GDAL's morphToESRI does for the common
 * cases: no AUTHORITY/AXIS/TOWGS84 nodes, GCS_/D_ prefixes, ESRI spellings of projections,
 * parameters and units. Checked with GDAL (osr identifies the .prj as the same CRS) in the tests.
 */
type WktNode = { key: string; args: Array<string | number | WktNode> };

function parse(text: string): WktNode {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const node = (): WktNode => {
    ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!m) throw new Error(`WKT: keyword expected at ${i}`);
    i += m[0].length;
    ws();
    const open = text[i];
    if (open !== '[' && open !== '(') throw new Error(`WKT: '[' expected at ${i}`);
    i++;
    const args: WktNode['args'] = [];
    for (;;) {
      ws();
      const c = text[i];
      if (c === ']' || c === ')') {
        i++;
        break;
      }
      if (c === ',') {
        i++;
        continue;
      }
      if (c === '"') {
        let j = i + 1;
        let s = '';
        while (j < text.length) {
          if (text[j] === '"' && text[j + 1] === '"') {
            s += '"';
            j += 2;
          } else if (text[j] === '"') break;
          else s += text[j++];
        }
        args.push(s);
        i = j + 1;
      } else if (/[-+0-9.]/.test(c ?? '')) {
        const n = /^[-+0-9.eE]+/.exec(text.slice(i))![0];
        args.push(Number(n));
        i += n.length;
      } else if (/[A-Za-z]/.test(c ?? '')) {
        const save = i;
        const kw = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
        const after = text.slice(i + kw.length).trimStart()[0];
        if (after === '[' || after === '(') args.push(node());
        else {
          i = save + kw.length;
          args.push(kw); // bare enum (e.g. NORTH)
        }
      } else throw new Error(`WKT: unexpected '${c}' at ${i}`);
    }
    return { key: m[0].toUpperCase(), args };
  };
  return node();
}

const DROP = new Set(['AUTHORITY', 'AXIS', 'TOWGS84', 'EXTENSION']);

const PROJECTIONS: Record<string, string> = {
  lambert_conformal_conic_2sp: 'Lambert_Conformal_Conic',
  lambert_conformal_conic_1sp: 'Lambert_Conformal_Conic',
  mercator_1sp: 'Mercator',
  mercator_2sp: 'Mercator',
  albers_conic_equal_area: 'Albers',
  oblique_stereographic: 'Double_Stereographic',
  polar_stereographic: 'Stereographic',
  equirectangular: 'Equidistant_Cylindrical',
  popular_visualisation_pseudo_mercator: 'Mercator_Auxiliary_Sphere',
};

const title = (s: string): string => s.split('_').map((w) => (/^\d/.test(w) ? w : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())).join('_');

function esriName(s: string): string {
  return s
    .replace(/WGS 84|WGS84/g, 'WGS_1984')
    .replace(/\s*\/\s*/g, '_')
    .replace(/[\s\-()]+/g, '_')
    .replace(/_zone_/gi, '_Zone_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
}

function morph(n: WktNode, parentKey: string | null): WktNode {
  const args: WktNode['args'] = [];
  for (const a of n.args) {
    if (typeof a === 'object') {
      if (DROP.has(a.key)) continue;
      args.push(morph(a, n.key));
    } else args.push(a);
  }
  const name = typeof args[0] === 'string' ? args[0] : null;
  if (name !== null) {
    switch (n.key) {
      case 'GEOGCS':
        args[0] = name.startsWith('GCS_') ? name : `GCS_${esriName(name)}`;
        break;
      case 'DATUM':
        args[0] = name.startsWith('D_') ? name : `D_${esriName(name)}`;
        break;
      case 'SPHEROID':
      case 'PROJCS':
        args[0] = esriName(name);
        break;
      case 'PROJECTION':
        args[0] = PROJECTIONS[name.toLowerCase()] ?? title(name);
        break;
      case 'PARAMETER':
        args[0] = title(name);
        break;
      case 'UNIT':
        args[0] = /^(metre|meter)$/i.test(name) ? 'Meter' : /^degree$/i.test(name) ? 'Degree' : /^(US survey foot|Foot_US)$/i.test(name) ? 'Foot_US' : /^(foot|international foot)$/i.test(name) ? 'Foot' : esriName(name);
        break;
      case 'PRIMEM':
        break;
    }
  }
  void parentKey;
  return { key: n.key, args };
}

function fmtNum(v: number): string {
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

function serialise(n: WktNode): string {
  return `${n.key}[${n.args.map((a) => (typeof a === 'object' ? serialise(a) : typeof a === 'number' ? fmtNum(a) : `"${a}"`)).join(',')}]`;
}

/** ESRI-flavoured WKT for a .prj file from OGC WKT 1. Returns the input unchanged if it cannot be parsed. */
export function toEsriWkt(ogcWkt: string): string {
  try {
    return serialise(morph(parse(ogcWkt.trim()), null));
  } catch {
    return ogcWkt;
  }
}
