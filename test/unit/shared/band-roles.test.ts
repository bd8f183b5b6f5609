import { describe, expect, it } from 'vitest';
import { bandRolesOf, guessBandRoles } from '../../../src-shared/bands';

describe('band roles from descriptions and known sensor layouts', () => {
  it('Sentinel-2 band numbers in any spelling (B4, B04, "B8, central wavelength 842 nm"), blue first', () => {
    expect(guessBandRoles(4, ['B2', 'B3', 'B4', 'B8']).roles).toEqual(['blue', 'green', 'red', 'nir']);
    expect(guessBandRoles(4, ['B02', 'B03', 'B04', 'B08']).roles).toEqual(['blue', 'green', 'red', 'nir']);
    expect(guessBandRoles(2, ['B4, central wavelength 665 nm', 'B8, central wavelength 842 nm']).roles).toEqual(['red', 'nir']);
    // The 10-band stack by its descriptions: red edge once (B5), B8A narrow NIR not taken over B8.
    const s2 = guessBandRoles(10, ['B2', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B8A', 'B11', 'B12']);
    expect(s2.roles).toEqual(['blue', 'green', 'red', 'rededge', 'other', 'other', 'nir', 'other', 'swir1', 'swir2']);
    expect(s2.from).toBe('descriptions');
    expect(s2.note).toMatch(/Sentinel-2 band numbers/);
  });

  it('Landsat 8/9 band numbers (B5 is NIR) are told apart from Sentinel-2 by the set', () => {
    expect(guessBandRoles(7, ['SR_B1', 'SR_B2', 'SR_B3', 'SR_B4', 'SR_B5', 'SR_B6', 'SR_B7']).roles).toEqual(['other', 'blue', 'green', 'red', 'nir', 'swir1', 'swir2']);
    const l = guessBandRoles(4, ['B4', 'B3', 'B2', 'B5']);
    expect(l.roles).toEqual(['red', 'green', 'blue', 'nir']);
    expect(l.note).toMatch(/Landsat 8\/9 band numbers/);
  });

  it('named bands (PlanetScope, GDAL colour names), case and spacing ignored; unknown names are other', () => {
    expect(guessBandRoles(4, ['Blue', 'Green', 'Red', 'NIR']).roles).toEqual(['blue', 'green', 'red', 'nir']);
    expect(guessBandRoles(8, ['coastal_blue', 'blue', 'green_i', 'green', 'yellow', 'red', 'rededge', 'nir']).roles).toEqual(['other', 'blue', 'other', 'green', 'other', 'red', 'rededge', 'nir']);
    expect(guessBandRoles(3, ['elevation', 'red', 'Near-Infrared']).roles).toEqual(['other', 'red', 'nir']);
  });

  it('without descriptions: known stacks by band count (said in a note), else Scarp default red, green, blue[, nir]', () => {
    expect(guessBandRoles(3).roles).toEqual(['red', 'green', 'blue']);
    expect(guessBandRoles(4).roles).toEqual(['red', 'green', 'blue', 'nir']);
    expect(guessBandRoles(4).from).toBe('band count');
    // Four bands without descriptions are ambiguous (PlanetScope 4-band is blue first): the run says which order it took.
    expect(guessBandRoles(4).note).toMatch(/taken as red, green, blue, near-infrared\. A PlanetScope 4-band file .*--bands blue,green,red,nir/);
    expect(guessBandRoles(3).note).toBeUndefined();
    expect(guessBandRoles(5).roles).toEqual(['red', 'green', 'blue', 'nir', 'other']);
    const ps = guessBandRoles(8);
    expect(ps.from).toBe('sensor layout');
    expect(ps.roles).toEqual(['other', 'blue', 'other', 'green', 'other', 'red', 'rededge', 'nir']);
    expect(ps.note).toMatch(/^The image has 8 bands and no band descriptions: taken as the PlanetScope 8-band/);
    expect(guessBandRoles(10).roles[6]).toBe('nir');
    expect(guessBandRoles(7).roles[4]).toBe('nir');
    // Descriptions that name nothing, or of the wrong count, fall back to the band count.
    expect(guessBandRoles(4, ['', '', '', '']).from).toBe('band count');
    expect(guessBandRoles(4, ['band 1', 'band 2', 'band 3', 'band 4']).from).toBe('band count');
  });

  it('an alpha band is never imagery: the other bands are guessed without it, and a note says so', () => {
    const rgba = guessBandRoles(4, undefined, 3);
    expect(rgba.roles).toEqual(['red', 'green', 'blue', 'other']);
    expect(rgba.note).toBe('Band 4 is an alpha band: where it is 0 the image has no data.');
    expect(guessBandRoles(5, undefined, 4).roles).toEqual(['red', 'green', 'blue', 'nir', 'other']);
    expect(guessBandRoles(5, ['B2', 'B3', 'B4', 'B8', ''], 4).roles).toEqual(['blue', 'green', 'red', 'nir', 'other']);
    expect(bandRolesOf({ bandCount: 4, alphaBand: 3 })).toEqual(['red', 'green', 'blue', 'other']);
    // A request names every band, the alpha one included.
    expect(bandRolesOf({ bandCount: 4, alphaBand: 3 }, ['blue', 'green', 'red', 'other'])).toEqual(['blue', 'green', 'red', 'other']);
  });

  it('the request overrides', () => {
    expect(bandRolesOf({ bandCount: 4, bandDescriptions: ['B2', 'B3', 'B4', 'B8'] }, ['red', 'green', 'blue', 'nir'])).toEqual(['red', 'green', 'blue', 'nir']);
    expect(bandRolesOf({ bandCount: 4, bandDescriptions: ['B2', 'B3', 'B4', 'B8'] })).toEqual(['blue', 'green', 'red', 'nir']);
  });
});
