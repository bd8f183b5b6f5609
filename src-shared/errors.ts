/** Error codes the core raises for user mistakes; every door shows `message` and `hint` as they are. */
export type ScarpErrorCode =
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'FILE_UNWRITABLE'
  | 'OUTPUT_EXISTS'
  | 'UNSUPPORTED_FORMAT'
  | 'CORRUPT_FILE'
  | 'NO_GEOREFERENCING'
  | 'UNKNOWN_CRS'
  | 'NO_OVERLAP'
  | 'INCOMPATIBLE_BANDS'
  | 'ALL_NODATA'
  | 'RESOLUTION_OUT_OF_RANGE'
  | 'INVALID_MODEL'
  | 'INVALID_ARGUMENT'
  | 'CANCELLED'
  | 'INTERNAL'
  // Project store (issue 4)
  | 'NOT_A_PROJECT'
  | 'PROJECT_TOO_NEW'
  | 'PROJECT_LOCKED'
  | 'PROJECT_NOT_OPEN'
  | 'DISK_FULL'
  | 'SCENE_MOVED'
  | 'SCENE_MISMATCH'
  // Learning from corrections (issue 14)
  | 'NOT_ENOUGH_LABELS';

export interface ScarpErrorInfo {
  code: ScarpErrorCode;
  message: string;
  /** What the user can do about it. */
  hint?: string;
  /** The file the error is about, when there is one. */
  file?: string;
}

export class ScarpError extends Error implements ScarpErrorInfo {
  readonly code: ScarpErrorCode;
  readonly hint?: string;
  readonly file?: string;

  constructor(info: ScarpErrorInfo, options?: { cause?: unknown }) {
    super(info.message, options);
    this.name = 'ScarpError';
    this.code = info.code;
    this.hint = info.hint;
    this.file = info.file;
  }

  toJSON(): ScarpErrorInfo {
    return { code: this.code, message: this.message, hint: this.hint, file: this.file };
  }
}

export function isScarpError(e: unknown): e is ScarpError {
  return e instanceof ScarpError;
}
