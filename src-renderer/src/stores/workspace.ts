/**
 * The work context kept between sessions (issue 16, item 2), in the renderer's local storage: the
 * recent projects, the project open last (re-opened after a reload or restart) and, per project, what
 * its session showed — imagery, DEM, probability raster, the threshold previewed, the last run's
 * summary, the layers' visibility and opacity, and the map view. The project file stays the record
 * of the data; this is only where the operator left off. (Browser mode: local storage belongs to the
 * origin, so it survives a reload, and a restart on the same port.)
 */
import type { DetectResult } from '@shared/api';
import { fileName } from '../paths';

export interface LayerState {
  visible: boolean;
  opacity: number;
}

export interface MapViewState {
  center: [number, number];
  zoom: number;
}

export interface ProjectWorkspace {
  imagery?: string;
  dem?: string;
  probability?: string;
  /** The change strength of the last change or single-date run (the change layer). */
  change?: string;
  /** The run `change` was exported from (a newer change run in the project, e.g. from the CLI, replaces it). */
  changeRun?: string;
  /** The threshold of the mask preview (and of the next run). */
  threshold?: number;
  /** The last detection's summary, as the Detect panel showed it. */
  lastRun?: DetectResult;
  /** By layer key. */
  layers?: Record<string, LayerState>;
  view?: MapViewState;
}

export interface RecentProject {
  path: string;
  name: string;
  /** ISO time it was last opened. */
  openedAt: string;
}

const RECENT_KEY = 'scarp:recent-projects';
const LAST_KEY = 'scarp:last-project';
const RECENT_MAX = 10;
const projectKey = (path: string): string => `scarp:project:${path}`;

function read<T>(key: string, fallback: T): T {
  try {
    const v = localStorage.getItem(key);
    return v === null ? fallback : (JSON.parse(v) as T);
  } catch {
    return fallback;
  }
}

function write(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the session still works, it is only not remembered.
  }
}

export function readWorkspace(path: string): ProjectWorkspace {
  return read<ProjectWorkspace>(projectKey(path), {});
}

/** Merge `patch` into the project's remembered work context (undefined fields are removed). */
export function patchWorkspace(path: string, patch: Partial<ProjectWorkspace>): void {
  write(projectKey(path), { ...readWorkspace(path), ...patch });
}

export function recentProjects(): RecentProject[] {
  const v = read<unknown>(RECENT_KEY, []);
  return Array.isArray(v) ? (v as RecentProject[]).filter((r) => typeof r?.path === 'string') : [];
}

/** Put a project at the top of the recent list and remember it as the one to re-open. */
export function rememberOpened(path: string): RecentProject[] {
  const name = fileName(path).replace(/\.gpkg$/i, '');
  const list = [{ path, name, openedAt: new Date().toISOString() }, ...recentProjects().filter((r) => r.path !== path)].slice(0, RECENT_MAX);
  write(RECENT_KEY, list);
  write(LAST_KEY, path);
  return list;
}

export function forgetRecent(path: string): RecentProject[] {
  const list = recentProjects().filter((r) => r.path !== path);
  write(RECENT_KEY, list);
  if (lastProject() === path) clearLastProject();
  return list;
}

/** The project open when the app was left (null after an explicit Close). */
export function lastProject(): string | null {
  return read<string | null>(LAST_KEY, null);
}

export function clearLastProject(): void {
  try {
    localStorage.removeItem(LAST_KEY);
  } catch {
    // nothing remembered
  }
}
