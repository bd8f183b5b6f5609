"""The single Python implementation of Scarp's network-input preprocessing.

Everything here must be reproducible by the TypeScript app from the model card alone, so the
rules are spelled out exactly:

Terrain derivatives (``slope``, ``aspect``, ``hillshade``) use Horn's method exactly as
``gdaldem`` computes them (degrees; hillshade azimuth 315, altitude 45, z factor 1, scale 1, no
``-compute_edges``): a pixel whose 3x3 window touches nodata or leaves the raster is nodata.

``derivedAtM``: when the DEM is finer than ``derivedAtM`` the DEM is first averaged in blocks of
``k = round(derivedAtM / dem_gsd)`` pixels (mean over the valid pixels of each k x k block, a block
with no valid pixel is nodata; the last partial block row/column averages the pixels it has), the
derivative is computed on that coarse grid (pixel size = k * dem_gsd), then resampled back onto the
imagery grid bilinearly with pixel-centre alignment: fine pixel i maps to coarse coordinate
``(i + 0.5) / k - 0.5``, clamped to ``[0, n_coarse - 1]``; any NaN among the (non-zero-weight)
neighbours makes the result NaN. With k <= 1 the derivative is computed on the DEM grid as is.

Normalisations (per band): ``affine`` v*scale+offset; ``zscore`` (v-mean)/std; ``tile-minmax``
(v-min)/(max-min) over the tile's valid pixels (0 when max == min); ``tile-center`` (v - mean over
the tile's valid pixels) / scale. Then ``clip`` if given, then NaN (nodata) -> ``fill``.
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np

DEM_NODATA = -9999.0


def dem_to_nan(dem: np.ndarray, nodata: float | None = DEM_NODATA) -> np.ndarray:
    d = np.asarray(dem, dtype=np.float64).copy()
    if nodata is not None:
        d[d == nodata] = np.nan
    d[~np.isfinite(d)] = np.nan
    return d


def _window(z: np.ndarray):
    """The nine neighbours of every interior pixel (a..i as in gdaldem: a b c / d e f / g h i)."""
    a = z[:-2, :-2]; b = z[:-2, 1:-1]; c = z[:-2, 2:]
    d = z[1:-1, :-2]; e = z[1:-1, 1:-1]; f = z[1:-1, 2:]
    g = z[2:, :-2]; h = z[2:, 1:-1]; i = z[2:, 2:]
    return a, b, c, d, e, f, g, h, i


def horn_gradients(z: np.ndarray, xres: float, yres: float):
    """dz/dx, dz/dy of Horn (gdaldem's convention), NaN on edges and next to nodata."""
    H, W = z.shape
    dx = np.full((H, W), np.nan)
    dy = np.full((H, W), np.nan)
    if H < 3 or W < 3:
        return dx, dy
    a, b, c, d, e, f, g, h, i = _window(z)
    dx[1:-1, 1:-1] = ((c + 2 * f + i) - (a + 2 * d + g)) / (8.0 * xres)
    dy[1:-1, 1:-1] = ((g + 2 * h + i) - (a + 2 * b + c)) / (8.0 * yres)
    # any NaN neighbour already propagated through the sums
    return dx, dy


def slope_deg(z: np.ndarray, xres: float, yres: float) -> np.ndarray:
    dx, dy = horn_gradients(z, xres, yres)
    return np.degrees(np.arctan(np.sqrt(dx * dx + dy * dy)))


def aspect_deg(z: np.ndarray, xres: float = 1.0, yres: float = 1.0) -> np.ndarray:
    """gdaldem aspect (Horn): degrees clockwise from north in [0, 360). gdaldem ignores the pixel size
    here (unscaled differences); flat pixels (dx == dy == 0) are nodata (NaN)."""
    H, W = z.shape
    out = np.full((H, W), np.nan)
    if H < 3 or W < 3:
        return out
    a, b, c, d, e, f, g, h, i = _window(z)
    dx = (c + 2 * f + i) - (a + 2 * d + g)
    dy = (g + 2 * h + i) - (a + 2 * b + c)
    with np.errstate(invalid='ignore'):
        asp = np.degrees(np.arctan2(dy, -dx))
        asp = np.where(asp > 90.0, 450.0 - asp, 90.0 - asp)
        asp = np.where(asp == 360.0, 0.0, asp)
        asp = np.where((dx == 0) & (dy == 0), np.nan, asp)
    out[1:-1, 1:-1] = asp
    return out


def hillshade(z: np.ndarray, xres: float, yres: float, azimuth: float = 315.0, altitude: float = 45.0,
              zfactor: float = 1.0) -> np.ndarray:
    """gdaldem hillshade (default Horn algorithm) as float in [1, 255] (gdaldem rounds to Byte and
    uses an approximate inverse square root: its output differs from this by at most 1)."""
    H, W = z.shape
    out = np.full((H, W), np.nan)
    if H < 3 or W < 3:
        return out
    a, b, c, d, e, f, g, h, i = _window(z)
    x = ((a + 2 * d + g) - (c + 2 * f + i)) / (8.0 * xres) * zfactor
    y = ((a + 2 * b + c) - (g + 2 * h + i)) / (8.0 * yres) * zfactor
    alt = math.radians(altitude)
    az = math.radians(azimuth)
    cang = (math.sin(alt) - (y * math.cos(az) * math.cos(alt) - x * math.sin(az) * math.cos(alt))) / np.sqrt(
        1 + x * x + y * y)
    with np.errstate(invalid='ignore'):
        hs = np.where(cang <= 0, 1.0, 1.0 + 254.0 * cang)
    out[1:-1, 1:-1] = np.where(np.isnan(cang), np.nan, hs)
    return out


def block_mean(z: np.ndarray, k: int) -> np.ndarray:
    """Mean over the valid pixels of each k x k block (partial blocks at the end included)."""
    if k <= 1:
        return z.copy()
    H, W = z.shape
    Hc, Wc = -(-H // k), -(-W // k)
    pad = np.full((Hc * k, Wc * k), np.nan)
    pad[:H, :W] = z
    blocks = pad.reshape(Hc, k, Wc, k)
    valid = np.isfinite(blocks)
    s = np.where(valid, blocks, 0.0).sum(axis=(1, 3))
    n = valid.sum(axis=(1, 3))
    with np.errstate(invalid='ignore', divide='ignore'):
        out = s / n
    out[n == 0] = np.nan
    return out


def bilinear_up(zc: np.ndarray, k: int, H: int, W: int) -> np.ndarray:
    """Coarse grid (k-times coarser, pixel-centre aligned) back onto an H x W fine grid."""
    if k <= 1:
        return zc[:H, :W].copy()
    Hc, Wc = zc.shape

    def coords(n, nc):
        x = (np.arange(n) + 0.5) / k - 0.5
        x = np.clip(x, 0, nc - 1)
        x0 = np.floor(x).astype(np.int64)
        x1 = np.minimum(x0 + 1, nc - 1)
        w = x - x0
        return x0, x1, w

    r0, r1, wr = coords(H, Hc)
    c0, c1, wc = coords(W, Wc)
    out = np.zeros((H, W))
    nanmask = np.zeros((H, W), dtype=bool)
    for rr, wrr in ((r0, 1 - wr), (r1, wr)):
        for cc, wcc in ((c0, 1 - wc), (c1, wc)):
            w = wrr[:, None] * wcc[None, :]
            v = zc[rr][:, cc]
            bad = np.isnan(v) & (w > 0)
            nanmask |= bad
            out += np.where(np.isnan(v), 0.0, v) * w
    out[nanmask] = np.nan
    return out


def terrain_band(dem: np.ndarray, source: str, gsd: tuple[float, float], derived_at_m: float | None = None,
                 nodata: float | None = DEM_NODATA) -> np.ndarray:
    """One terrain source on the DEM's grid (which is the imagery grid in Scarp after co-registration).

    ``gsd`` = (xres, yres) in metres, both positive.
    """
    z = dem_to_nan(dem, nodata)
    H, W = z.shape
    xres, yres = abs(gsd[0]), abs(gsd[1])
    k = 1
    if derived_at_m is not None:
        k = max(1, int(round(derived_at_m / ((xres + yres) / 2))))
    zc = block_mean(z, k)
    xr, yr = xres * k, yres * k
    if source == 'dem':
        d = zc
    elif source == 'slope':
        d = slope_deg(zc, xr, yr)
    elif source == 'aspect':
        d = aspect_deg(zc, xr, yr)
    elif source == 'hillshade':
        d = hillshade(zc, xr, yr)
    else:
        raise ValueError(f'not a terrain source: {source}')
    if source == 'dem' and k <= 1:
        return z
    return bilinear_up(d, k, H, W)


def normalize(values: np.ndarray, norm: dict, clip: Sequence[float] | None = None, fill: float = 0.0) -> np.ndarray:
    """Apply one band's normalisation (a card `normalization` dict) to a tile (NaN = nodata)."""
    v = np.asarray(values, dtype=np.float64)
    kind = norm['kind']
    valid = np.isfinite(v)
    if kind == 'affine':
        out = v * norm['scale'] + norm['offset']
    elif kind == 'zscore':
        out = (v - norm['mean']) / norm['std']
    elif kind == 'tile-minmax':
        if valid.any():
            lo, hi = v[valid].min(), v[valid].max()
            out = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
        else:
            out = v
    elif kind == 'tile-center':
        mean = v[valid].mean() if valid.any() else 0.0
        out = (v - mean) / norm['scale']
    elif kind in SCENE_LEVEL:
        out = v  # applied to the whole plane by scene_normalize before tiling
    else:
        raise ValueError(kind)
    if clip is not None:
        out = np.clip(out, clip[0], clip[1])
    out = np.where(np.isfinite(out), out, fill)
    return out


OPTICAL = {'red': 0, 'green': 1, 'blue': 2, 'nir': 3}

SCENE_LEVEL = ('window-center',)


def window_k(window_m: float, gsd: tuple[float, float]) -> int:
    g = (abs(gsd[0]) + abs(gsd[1])) / 2
    return 2 * int(math.floor(window_m / (2 * g))) + 1


def window_center(plane: np.ndarray, window_m: float, gsd: tuple[float, float]) -> np.ndarray:
    """v minus the mean of the valid values in the k x k window centred on each pixel (clipped at
    the edges), NaN where v is NaN. Summed-area tables in float64 (the app computes the same)."""
    v = np.asarray(plane, dtype=np.float64)
    valid = np.isfinite(v)
    k = window_k(window_m, gsd)
    r = k // 2
    H, W = v.shape
    S = np.zeros((H + 1, W + 1)); N = np.zeros((H + 1, W + 1))
    S[1:, 1:] = np.where(valid, v, 0.0).cumsum(0).cumsum(1)
    N[1:, 1:] = valid.astype(np.float64).cumsum(0).cumsum(1)
    y0 = np.clip(np.arange(H) - r, 0, H); y1 = np.clip(np.arange(H) + r + 1, 0, H)
    x0 = np.clip(np.arange(W) - r, 0, W); x1 = np.clip(np.arange(W) + r + 1, 0, W)

    def box(T):
        return T[y1][:, x1] - T[y0][:, x1] - T[y1][:, x0] + T[y0][:, x0]
    n = box(N)
    with np.errstate(invalid='ignore', divide='ignore'):
        mean = box(S) / n
    return np.where(valid, v - mean, np.nan)


def scene_normalize(plane: np.ndarray, norm: dict, gsd: tuple[float, float]) -> np.ndarray:
    """The scene-level part of a band's normalisation (before tiling); identity for per-tile kinds."""
    if norm['kind'] == 'window-center':
        return window_center(plane, norm['windowM'], gsd) / norm['scale']
    return plane


def optical_tensor(rgb: np.ndarray, bands: Sequence[dict], nodata: float | None = 0.0,
                   nodata_mask: np.ndarray | None = None) -> np.ndarray:
    """(…,3,H,W) 0..255 values -> normalised float32, nodata -> the band's fill, as the app does: a
    band value is nodata when NaN or equal to the image's nodata value (per band, like GDAL's
    GDAL_NODATA). `nodata_mask` (same shape as rgb, True = nodata) replaces the value test, for
    training crops whose values were jittered after reading."""
    x = np.asarray(rgb, dtype=np.float64)
    bad = np.isnan(x)
    if nodata_mask is not None:
        bad |= nodata_mask
    elif nodata is not None:
        bad |= x == nodata
    out = np.empty(x.shape, np.float32)
    for j, b in enumerate(bands):
        plane = np.where(bad[..., j, :, :], np.nan, x[..., j, :, :])
        out[..., j, :, :] = normalize(plane, b['normalization'], b.get('clip'), b.get('fill', 0.0))
    return out


def source_planes(rgb: np.ndarray | None, dem: np.ndarray | None, bands: Iterable[dict],
                  gsd: tuple[float, float], rgb_nodata: float | None = None) -> list[np.ndarray]:
    """Raw (un-normalised) planes for each band spec. rgb: the optical planes (3,H,W) uint8 RGB, or
    R, G, B, NIR reflectance; dem: (H,W) on the same grid."""
    planes = []
    for b in bands:
        src = b['source']
        if src in OPTICAL:
            if rgb is None:
                raise ValueError('optical band without imagery')
            p = rgb[OPTICAL[src]].astype(np.float64)
            if rgb_nodata is not None:
                p[p == rgb_nodata] = np.nan
            planes.append(p)
        else:
            if dem is None:
                planes.append(None)
            else:
                planes.append(scene_normalize(terrain_band(dem, src, gsd, b.get('derivedAtM')), b['normalization'], gsd))
    return planes


def prepare_input(rgb: np.ndarray | None, dem: np.ndarray | None, model_input: dict, gsd: tuple[float, float],
                  window: tuple[int, int, int, int] | None = None, rgb_nodata: float | None = None) -> np.ndarray:
    """Network input (C,h,w float32) for one card input over one tile window (row0, col0, h, w).

    Terrain is derived over the whole given DEM (as the app derives it over the scene), then the tile
    is cut out and normalised (tile-* normalisations use the tile's own valid pixels). A missing DEM
    gives each terrain band its ``fill`` value.
    """
    bands = model_input['bands']
    planes = source_planes(rgb, dem, bands, gsd, rgb_nodata)
    ref = rgb if rgb is not None else dem
    H, W = ref.shape[-2:]
    r0, c0, h, w = window if window is not None else (0, 0, H, W)
    out = np.zeros((len(bands), h, w), dtype=np.float32)
    for j, (b, p) in enumerate(zip(bands, planes)):
        fill = b.get('fill', 0.0)
        if p is None:
            out[j] = fill
            continue
        t = p[r0:r0 + h, c0:c0 + w]
        out[j] = normalize(t, b['normalization'], b.get('clip'), fill)
    return out
