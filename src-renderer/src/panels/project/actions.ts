/** Project actions shared by the project panel and the application menu. */
import { useUiStore } from '../../stores/ui';
import { useProjectStore } from '../../stores/project';
import { useDetectStore } from '../../stores/detect';
import { t } from '../../i18n';

const RASTER = [{ name: 'GeoTIFF', extensions: ['tif', 'tiff'] }];

async function guarded(f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (e) {
    useUiStore().notifyError(e);
  }
}

export const chooseProjectToCreate = (): Promise<void> =>
  guarded(async () => {
    const p = await useUiStore().chooseFile({ title: t('project.chooseNew'), mode: 'save', filters: [{ name: t('project.projectFilter'), extensions: ['gpkg'] }], defaultPath: 'landslides.gpkg' });
    if (p) {
      await useProjectStore().create(p);
      useUiStore().notify('success', t('project.created', { path: p }));
    }
  });

export const chooseProjectToOpen = (): Promise<void> =>
  guarded(async () => {
    const p = await useUiStore().chooseFile({ title: t('project.chooseOpen'), mode: 'open', filters: [{ name: t('project.projectFilter'), extensions: ['gpkg'] }] });
    if (p) await useProjectStore().open(p);
  });

export const chooseImagery = (): Promise<void> =>
  guarded(async () => {
    const p = await useUiStore().chooseFile({ title: t('project.chooseImagery'), mode: 'open', filters: RASTER });
    if (p) {
      await useProjectStore().setImagery(p);
      await useDetectStore().loadModels();
    }
  });

export const chooseDem = (): Promise<void> =>
  guarded(async () => {
    const p = await useUiStore().chooseFile({ title: t('project.chooseDem'), mode: 'open', filters: RASTER });
    if (p) await useProjectStore().setDem(p);
  });
