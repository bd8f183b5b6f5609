"""Model configurations: the exact band specs written into the cards and used in training."""
from __future__ import annotations

# Optical normalisation: per-channel z-score with the mean of the per-dataset means/stds of
# Bijie, Jinsha A and Jinsha B training pixels (measured, rounded; see README).
OPTICAL_MEAN = (115.0, 120.0, 105.0)
OPTICAL_STD = (50.0, 45.0, 42.0)


def optical_bands():
    return [{'source': s, 'normalization': {'kind': 'zscore', 'mean': m, 'std': sd}, 'fill': 0.0}
            for s, m, sd in zip(('red', 'green', 'blue'), OPTICAL_MEAN, OPTICAL_STD)]


# Terrain stream (decided by measurement, see README "Terrain formation"): slope derived after
# averaging the 0.5 m DSM to 2 m, degrees z-scored; relative elevation (tile-center).
TERRAIN_BANDS = [
    {'source': 'slope', 'derivedAtM': 2.0, 'normalization': {'kind': 'zscore', 'mean': 35.0, 'std': 12.0},
     'clip': [-4.0, 4.0], 'fill': 0.0},
    {'source': 'dem', 'normalization': {'kind': 'tile-center', 'scale': 20.0}, 'clip': [-5.0, 5.0], 'fill': 0.0},
]

GSD_RANGE = (0.4, 1.0, 3.2)  # training GSD draws (m): 60 % in [0.4, 1.0], 40 % in [1.0, 3.2]
