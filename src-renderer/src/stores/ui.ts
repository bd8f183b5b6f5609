/** UI state shared by panels: the active panel, notifications, and the in-app file chooser. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ChooseFileOptions } from '@shared/shell';
import { shell } from '../api/client';

export type PanelId = 'project' | 'layers' | 'detect' | 'inventory' | 'review' | 'stats' | 'export';

export interface Notice {
  id: number;
  kind: 'info' | 'success' | 'warning' | 'error';
  text: string;
}

export const useUiStore = defineStore('ui', () => {
  const panel = ref<PanelId>('project');
  const notices = ref<Notice[]>([]);
  let nextNotice = 1;
  /** The in-app file chooser request (browser mode), answered by FileBrowser.vue. */
  const chooser = ref<(ChooseFileOptions & { resolve: (p: string | null) => void }) | null>(null);

  function notify(kind: Notice['kind'], text: string): void {
    const n = { id: nextNotice++, kind, text };
    notices.value.push(n);
    setTimeout(() => dismiss(n.id), kind === 'error' ? 12000 : 5000);
  }
  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  /** Choose a file: the native dialog in Electron, the in-app browser (allowed folders only) otherwise. */
  function chooseFile(options: ChooseFileOptions): Promise<string | null> {
    if (shell) return shell.chooseFile(options);
    return new Promise((resolve) => {
      chooser.value?.resolve(null);
      chooser.value = { ...options, resolve };
    });
  }
  function answerChooser(path: string | null): void {
    const c = chooser.value;
    chooser.value = null;
    c?.resolve(path);
  }

  return { panel, notices, notify, dismiss, chooser, chooseFile, answerChooser };
});
