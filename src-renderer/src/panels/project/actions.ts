/** Project actions shared by the project panel and the application menu. */
import { useUiStore } from '../../stores/ui';
import { useProjectStore } from '../../stores/project';
import { useDetectStore } from '../../stores/detect';
import { describeError } from '../../api/client';

const RASTER = [{ name: 'GeoTIFF', extensions: ['tif', 'tiff'] }];

async function guarded(f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (e) {
    useUiStore().notify('error', describeError(e));
  }
}

export const chooseProjectToCreate = (): Promise<void> =>
  guarded(async () => {
    const p = await useUiStore().chooseFile({ title: 'New project', mode: 'save', filters: [{ name: 'Scarp project (GeoPackage)', extensions: ['gpkg'] }], defaultPath: 'landslides.gpkg' });
    if (p) {
      await useProjectStore().create(p);
      useUiStore().notify('success', `Project created: ${p}`);
    }
  });

export const chooseProjectToOpen = (): Promise<void> =>
  guarded(async () => {
    const p = await useUiStore().chooseFile({ title: 'Open project', mode: 'open', filters: [{ name: 'Scarp project (GeoPackage)', extensions: ['gpkg'] }] });
    if (p) await useProjectStore().open(p);
  });

export const chooseImagery = (): Promise<void> =>
  guarded(async () => {
    const p = await useUiStore().chooseFile({ title: 'Add imagery (GeoTIFF)', mode: 'open', filters: RASTER });
    if (p) {
      await useProjectStore().setImagery(p);
      await useDetectStore().loadModels();
    }
  });

export const chooseDem = (): Promise<void> =>
  guarded(async () => {
    const p = await useUiStore().chooseFile({ title: 'Add DEM (GeoTIFF)', mode: 'open', filters: RASTER });
    if (p) await useProjectStore().setDem(p);
  });
