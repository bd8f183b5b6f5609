/**
 * The ScarpApi methods as data, for the doors that forward calls (HTTP/WebSocket server, Electron
 * IPC, preload, browser client). TypeScript checks this table against the ScarpApi interface:
 * adding a method to ScarpApi without listing it here is a type error.
 *
 * - 'call': `method(request?) → Promise<result>`
 * - 'stream': `method(request, onProgress?, signal?) → Promise<result>`: progress events and
 *   cancellation travel over the WebSocket / IPC.
 */
import type { ScarpApi } from './api';

export type ApiMethodKind = 'call' | 'stream';

export const API_METHODS = {
  listModels: 'call',
  rasterInfo: 'call',
  detect: 'stream',
  detectChange: 'stream',
  detectBareGround: 'stream',
  evaluate: 'call',
  openTileLayer: 'call',
  readVectorLayer: 'call',
  exportInventory: 'stream',
  importInventory: 'call',
  mergeProjects: 'call',
  mergeShards: 'call',
  batchDetect: 'stream',
  packageProject: 'call',
  // projects (issue 4)
  createProject: 'call',
  openProject: 'call',
  closeProject: 'call',
  projectInfo: 'call',
  updateProject: 'call',
  listScenes: 'call',
  addScene: 'call',
  removeScene: 'call',
  relinkScene: 'call',
  setSceneDem: 'call',
  findMovedImagery: 'call',
  listRuns: 'call',
  resumeDetection: 'stream',
  listFeatures: 'call',
  mapFeatures: 'call',
  addFeature: 'call',
  updateFeatures: 'call',
  deleteFeatures: 'call',
  undo: 'call',
  redo: 'call',
  takeExternalEdits: 'call',
  history: 'call',
  // correcting (issue 7)
  brushStroke: 'call',
  editPolygons: 'call',
  reviewQueue: 'call',
  // field evidence (issue 17)
  addEvidence: 'call',
  listEvidence: 'call',
  removeEvidence: 'call',
  evidencePhoto: 'call',
  exportEvidencePhoto: 'call',
  // learning from corrections (issue 14)
  adaptModel: 'stream',
} as const satisfies Record<keyof ScarpApi, ApiMethodKind>;

export type ApiMethodName = keyof typeof API_METHODS;

export const API_METHOD_NAMES = Object.keys(API_METHODS) as ApiMethodName[];

export function isApiMethod(name: unknown): name is ApiMethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(API_METHODS, name);
}
