/** Summaries of vector files computed by GDAL/OGR (the reference), through /usr/bin/python3. */
import { spawnSync } from 'node:child_process';

const SCRIPT = `
import sys, json
from osgeo import ogr, gdal
gdal.UseExceptions()
ds = ogr.Open(sys.argv[1])
lyr = ds.GetLayerByName(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else ds.GetLayer(0)
field = sys.argv[3] if len(sys.argv) > 3 else ''
n = 0; holes = 0; area = 0.0; invalid = 0; areas = []; vertices = 0
for f in lyr:
    if field and f.GetField(field) == 0:
        continue
    g = f.GetGeometryRef()
    n += 1
    gs = [g] if g.GetGeometryType() in (ogr.wkbPolygon, ogr.wkbPolygon25D) else [g.GetGeometryRef(i) for i in range(g.GetGeometryCount())]
    for p in gs:
        holes += p.GetGeometryCount() - 1
        for i in range(p.GetGeometryCount()):
            vertices += p.GetGeometryRef(i).GetPointCount()
    a = g.GetArea(); area += a; areas.append([f.GetFID(), a])
    if not g.IsValid(): invalid += 1
print(json.dumps({"count": n, "holes": holes, "area": area, "invalid": invalid, "areas": areas, "vertices": vertices}))
`;

export interface OgrSummary {
  count: number;
  holes: number;
  area: number;
  invalid: number;
  areas: Array<[number, number]>;
  vertices: number;
}

/** Feature count, interior rings, total area, invalid geometries (GEOS IsValid) of a layer. */
export function ogrSummary(path: string, layer = '', skipZeroField = ''): OgrSummary {
  const r = spawnSync('/usr/bin/python3', ['-c', SCRIPT, path, layer, skipZeroField], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`ogr summary failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as OgrSummary;
}

const LAYER_SCRIPT = `
import sys, json
from osgeo import ogr, gdal
gdal.UseExceptions()
ds = ogr.Open(sys.argv[1])
sql = sys.argv[3]
lyr = ds.ExecuteSQL(sql, dialect='SQLITE') if sql else ds.GetLayerByName(sys.argv[2])
if sys.argv[4]:
    b = [float(v) for v in sys.argv[4].split(',')]
    lyr.SetSpatialFilterRect(*b)
defn = lyr.GetLayerDefn()
srs = lyr.GetSpatialRef()
out = {"name": lyr.GetName(), "geomType": ogr.GeometryTypeToName(lyr.GetGeomType()),
       "epsg": int(srs.GetAuthorityCode(None)) if srs is not None and srs.GetAuthorityCode(None) else None,
       "fields": [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())],
       "fieldTypes": [defn.GetFieldDefn(i).GetTypeName() for i in range(defn.GetFieldCount())],
       "featureCount": lyr.GetFeatureCount(), "features": []}
for f in lyr:
    g = f.GetGeometryRef()
    out["features"].append({"fid": f.GetFID(), "properties": json.loads(f.ExportToJson())["properties"],
                            "area": g.GetArea() if g else None, "valid": bool(g.IsValid()) if g else None})
print(json.dumps(out))
`;

export interface OgrLayerInfo {
  name: string;
  geomType: string;
  epsg: number | null;
  fields: string[];
  fieldTypes: string[];
  featureCount: number;
  features: Array<{ fid: number; properties: Record<string, unknown>; area: number | null; valid: boolean | null }>;
}

/** A layer as OGR reads it (GDAL 3.6's ogrinfo has no -json): fields, features, GEOS area/validity. */
export function ogrLayer(path: string, layer: string, opts: { sql?: string; rect?: [number, number, number, number] } = {}): OgrLayerInfo {
  const r = spawnSync('/usr/bin/python3', ['-c', LAYER_SCRIPT, path, layer, opts.sql ?? '', opts.rect ? opts.rect.join(',') : ''], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`ogr layer read failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as OgrLayerInfo;
}
