"""Recipes: the exact band specs written into the cards, the data each specialist trains on, and the
GSD it trains at. Architectures are chosen separately (`--arch`), so every architecture runs the
same recipe (same data, crops, loss, schedule)."""
from __future__ import annotations

# Optical normalisation: per-channel z-score with the mean of the per-dataset means/stds of
# Bijie, Jinsha A and Jinsha B training pixels (measured, rounded; see README).
OPTICAL_MEAN = (115.0, 120.0, 105.0)
OPTICAL_STD = (50.0, 45.0, 42.0)


# 10 m multispectral (recipe `s2`): red, green, blue, NIR surface reflectance (the app feeds value x scale
# + offset, valueDomain 'reflectance'), z-scored with the means/stds of the Sentinel-2 mosaic's training
# rows (measured, rounded; data.s2_raw), clipped so cloud and glint stay in range.
S2_SOURCES = ('red', 'green', 'blue', 'nir')
S2_MEAN = (0.030, 0.034, 0.025, 0.112)
S2_STD = (0.037, 0.038, 0.029, 0.122)


def optical_bands(spec: dict | None = None):
    """The optical band specs of a recipe: 8-bit RGB, or 10 m R, G, B, NIR reflectance (`optical='s2'`)."""
    if spec is not None and spec.get('optical') == 's2':
        return [{'source': s, 'normalization': {'kind': 'zscore', 'mean': m, 'std': sd}, 'clip': [-6.0, 6.0], 'fill': 0.0}
                for s, m, sd in zip(S2_SOURCES, S2_MEAN, S2_STD)]
    return [{'source': s, 'normalization': {'kind': 'zscore', 'mean': m, 'std': sd}, 'fill': 0.0}
            for s, m, sd in zip(('red', 'green', 'blue'), OPTICAL_MEAN, OPTICAL_STD)]


# Terrain stream: slope derived after averaging the 0.5 m DSM to 2 m (z-scored degrees) and relative
# elevation over a fixed 100 m window (scene-level, so training crops and app tiles agree; the window
# was chosen by terrain_probe.py, see README).
RELIEF_WINDOW_M = 100.0
TERRAIN_BANDS = [
    {'source': 'slope', 'derivedAtM': 2.0, 'normalization': {'kind': 'zscore', 'mean': 35.0, 'std': 12.0},
     'clip': [-4.0, 4.0], 'fill': 0.0},
    {'source': 'dem', 'normalization': {'kind': 'window-center', 'windowM': RELIEF_WINDOW_M, 'scale': 10.0},
     'clip': [-5.0, 5.0], 'fill': 0.0},
]

# Specialists. `gsd`: native, the range trained and run as is (native +-25 %), and the wider range
# the app resamples into it. `sources`: sampling weights. `val`: the specialist's own validation.
RECIPES = {
    'uav': dict(
        domain='UAV/aerial RGB (+ DEM), 0.3-1 m',
        gsd=dict(nativeM=0.5, minM=0.4, maxM=0.625, resampleMinM=0.25, resampleMaxM=1.0),
        sources={'jA': 0.5, 'jB': 0.5},
        terrain=True, terrain_drop=0.25, degrade=0.0, centred=0.0,
        val=('jinshaA', 'jinshaB'), family='uav',
    ),
    # Site A only: the base model of the learning-from-corrections measurement on site B, which it has
    # never seen (issue 14). Never a default for the app.
    'uav-a': dict(
        domain='UAV/aerial RGB (+ DEM), 0.3-1 m; trained on Jinsha site A only',
        gsd=dict(nativeM=0.5, minM=0.4, maxM=0.625, resampleMinM=0.25, resampleMaxM=1.0),
        sources={'jA': 1.0},
        terrain=True, terrain_drop=0.25, degrade=0.0, centred=0.0,
        val=('jinshaA',), family='uav', pick_by_default=False,
    ),
    'sat': dict(
        domain='satellite RGB, 0.5-3 m',
        gsd=dict(nativeM=0.8, minM=0.6, maxM=1.0, resampleMinM=0.5, resampleMaxM=3.2),
        sources={'bijie': 0.8, 'jA': 0.1, 'jB': 0.1},
        terrain=False, terrain_drop=1.0, degrade=0.35, centred=0.6,
        val=('bijie',), family='sat',
    ),
    # Bijie only: a satellite model that has never seen Jinsha, the base of the learning-from-corrections
    # measurement on site B's RGB (issue 14's second scene: corrections carry what it has not seen).
    # Never a default for the app.
    'sat-bijie': dict(
        domain='satellite RGB, 0.5-3 m; trained on Bijie only',
        gsd=dict(nativeM=0.8, minM=0.6, maxM=1.0, resampleMinM=0.5, resampleMaxM=3.2),
        sources={'bijie': 1.0},
        terrain=False, terrain_drop=1.0, degrade=0.35, centred=0.6,
        val=('bijie',), family='sat', pick_by_default=False,
    ),
    # 10 m multispectral from the Sentinel-2 tiles (sparse labels: every crop is centred on a labelled
    # pixel, landslide or not; unlabelled pixels are ignored like unmapped ones). Photometric jitter in
    # reflectance units (`photometric_unit`: a value of 0.5 plays the role 255 plays for 8-bit RGB).
    's2': dict(
        domain='10 m multispectral satellite (red, green, blue, NIR reflectance: Sentinel-2 L2A-like), 5-20 m',
        gsd=dict(nativeM=10.0, minM=8.0, maxM=12.5, resampleMinM=5.0, resampleMaxM=20.0),
        sources={'s2': 1.0},
        terrain=False, terrain_drop=1.0, degrade=0.0, centred=1.0,
        val=('s2',), family='s2', optical='s2', photometric_unit=0.5,
    ),
}


def card_inputs(spec: dict, terrain_bands: list[dict] | None) -> list[dict]:
    """The card's `inputs` for a recipe/architecture: dual-stream nets take (optical, terrain), single
    -input nets take the optical bands (stacked with terrain on a terrain recipe)."""
    optical = {'name': 'optical' if spec['dual'] else 'image', 'bands': optical_bands(spec),
               'valueDomain': 'reflectance' if spec.get('optical') == 's2' else 'uint8', 'optional': False}
    if not spec['dual'] and terrain_bands:
        optical['bands'] = optical['bands'] + terrain_bands
        optical['valueDomain'] = 'any'
    inputs = [optical]
    if spec['dual']:
        inputs.append({'name': 'terrain', 'bands': terrain_bands, 'valueDomain': 'any', 'optional': True})
    return inputs
