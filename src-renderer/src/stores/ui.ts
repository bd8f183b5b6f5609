/**
 * UI state shared by panels: the active panel, notifications (toasts that fade, and the message log
 * that keeps every one of them with its time for the session), and the in-app file chooser.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ChooseFileOptions } from '@shared/shell';
import { describeError, errorDetail, shell } from '../api/client';

export type PanelId = 'project' | 'layers' | 'detect' | 'inventory' | 'review' | 'stats' | 'export';

export interface Notice {
  id: number;
  kind: 'info' | 'success' | 'warning' | 'error';
  text: string;
  /** The English original of a translated error (shown in the message log). */
  detail?: string;
  /** When it was raised (ms since the epoch). */
  at: number;
}

/** The message log keeps this many of the latest messages. */
const LOG_MAX = 500;

export const useUiStore = defineStore('ui', () => {
  const panel = ref<PanelId>('project');
  const notices = ref<Notice[]>([]);
  /** Every message of the session, oldest first (the toasts vanish, these stay). */
  const log = ref<Notice[]>([]);
  /** Errors and warnings raised since the log was last opened. */
  const unseen = ref(0);
  const logOpen = ref(false);
  let nextNotice = 1;
  /** The in-app file chooser request (browser mode), answered by FileBrowser.vue. */
  const chooser = ref<(ChooseFileOptions & { resolve: (p: string | null) => void }) | null>(null);

  function notify(kind: Notice['kind'], text: string, detail?: string | null): void {
    const n: Notice = { id: nextNotice++, kind, text, at: Date.now(), ...(detail ? { detail } : {}) };
    notices.value.push(n);
    log.value = [...log.value.slice(-(LOG_MAX - 1)), n];
    if (!logOpen.value && (kind === 'error' || kind === 'warning')) unseen.value++;
    setTimeout(() => dismiss(n.id), kind === 'error' ? 12000 : 5000);
  }
  /** An error thrown by the api, in the user's words (translated by its code), with `prefix` before it. */
  function notifyError(e: unknown, kind: Notice['kind'] = 'error', prefix?: (text: string) => string): void {
    const text = describeError(e);
    notify(kind, prefix ? prefix(text) : text, errorDetail(e));
  }
  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  function showLog(open: boolean): void {
    logOpen.value = open;
    if (open) unseen.value = 0;
  }
  function clearLog(): void {
    log.value = [];
    unseen.value = 0;
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

  return { panel, notices, log, unseen, logOpen, showLog, clearLog, notify, notifyError, dismiss, chooser, chooseFile, answerChooser };
});
