/** Application-menu commands (Electron) mapped to the same actions as the panels' buttons. */
import { onBeforeUnmount, onMounted } from 'vue';
import type { MenuCommand } from '@shared/shell';
import { shell } from './api/client';
import { t } from './i18n';
import { useUiStore } from './stores/ui';
import { useProjectStore } from './stores/project';
import { useInventoryStore } from './stores/inventory';
import { useFieldStore } from './stores/field';
import { chooseProjectToCreate, chooseProjectToOpen, chooseImagery, chooseDem } from './panels/project/actions';

export function useMenuCommands(): void {
  let off: (() => void) | null = null;
  onMounted(() => {
    if (!shell) return;
    const ui = useUiStore();
    off = shell.onMenuCommand((cmd: MenuCommand, arg?: string) => {
      const run = async (): Promise<void> => {
        const project = useProjectStore();
        const inv = useInventoryStore();
        switch (cmd) {
          case 'project:new':
            return chooseProjectToCreate();
          case 'project:open':
            return arg ? project.open(arg) : chooseProjectToOpen();
          case 'scene:add-imagery':
            return chooseImagery();
          case 'scene:add-dem':
            return chooseDem();
          case 'export':
          case 'import':
            ui.panel = 'export';
            return;
          case 'field:package':
            if (project.path) useFieldStore().packageOpen = true;
            return;
          case 'field:merge':
            if (project.path) useFieldStore().mergeOpen = true;
            return;
          case 'edit:undo':
            return inv.undo();
          case 'edit:redo':
            return inv.redo();
          case 'view:layers':
            ui.panel = 'layers';
            return;
          case 'help:models':
            ui.panel = 'detect';
            return;
          case 'help:about':
            ui.notify('info', t('app.about'));
        }
      };
      run().catch((e) => ui.notifyError(e));
    });
  });
  onBeforeUnmount(() => off?.());
}
