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
