#!/usr/bin/env bash
# Rebuilds resources/basemap/ne_50m_countries.geojson, the offline world basemap drawn under the
# imagery when no other basemap is set (docs/map-tools.md). Source: Natural Earth 1:50m Admin 0
# countries, version 4.1.0 (public domain, naturalearthdata.com), as redistributed in TopoJSON by
# the npm package world-atlas 2.0.2 (ISC). Needs npm and GDAL (ogr2ogr reads TopoJSON).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent world-atlas@2.0.2 >/dev/null && tar xzf world-atlas-2.0.2.tgz)
out=resources/basemap/ne_50m_countries.geojson
rm -f "$out"
# Country polygons with their names only, coordinates to 0.001° (~100 m; the 1:50m data is coarser).
ogr2ogr -f GeoJSON -select name -nlt MULTIPOLYGON "$tmp/countries.geojson" "$tmp/package/countries-50m.json" countries
# Rings across the antimeridian made continuous, then split there (else each is an edge across the map).
node scripts/unwrap-antimeridian.mjs "$tmp/countries.geojson" "$tmp/continuous.geojson"
ogr2ogr -f GeoJSON -lco COORDINATE_PRECISION=3 -lco RFC7946=YES -wrapdateline -nlt MULTIPOLYGON "$out" "$tmp/continuous.geojson"
ogrinfo -so -al "$out" | grep -E 'Feature Count|Extent'
