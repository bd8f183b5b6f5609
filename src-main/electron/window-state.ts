/** Window position/size/maximised state and recent projects, remembered in the user-data folder. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ShellState {
  bounds: { x?: number; y?: number; width: number; height: number };
  maximized: boolean;
  recent: string[];
}

const DEFAULT: ShellState = { bounds: { width: 1440, height: 900 }, maximized: false, recent: [] };

export function loadState(file: string): ShellState {
  try {
    if (existsSync(file)) return { ...DEFAULT, ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<ShellState>) };
  } catch {
    /* a damaged state file is replaced */
  }
  return { ...DEFAULT };
}

export function saveState(file: string, state: ShellState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(state, null, 2));
}

export function addRecent(state: ShellState, path: string, max = 10): void {
  state.recent = [path, ...state.recent.filter((p) => p !== path)].slice(0, max);
}
