/**
 * EditPlan: the one way to change the landslides of a project. Every tool (brush, polygon tools,
 * add / update / delete, import, review decisions, a detection run replacing its predictions, and
 * later learning from corrections and merges) describes what it wants as a plan; `Project.apply`
 * (apply-plan.ts) measures the new geometries, stamps mapper and time, writes the mask tiles back
 * and commits the lot as ONE undoable journal edit.
 *
 * Geometry is in the project CRS. A plan names features by fid; it never holds SQL.
 */
import type { EditKind, LandslideStatus } from '../../../../src-shared/vocabulary';
import type { Window } from '../../../../src-shared/geo';
import type { FlatMultiPolygon } from '../../vector/geometry';
import type { LandslideRecord } from '../landslides-schema';
import type { EditEntry } from './journal';
import type { EvidenceKind, EvidenceRecord } from './evidence';

/** Attributes a plan may set (area and perimeter are measured by apply; fid and geometry are not attributes). */
export type PlanAttrs = Partial<LandslideRecord>;

export interface PlannedAdd {
  geometry: FlatMultiPolygon;
  /** Missing attributes take their defaults (fresh uuid, type 'unknown', status 'predicted', now). */
  properties: PlanAttrs;
  /** The fid to insert it under (edits another program made keep theirs); default a new one. */
  fid?: number;
}

export interface PlannedUpdate {
  fid: number;
  /** The feature's whole new geometry; measured again. */
  geometry?: FlatMultiPolygon;
  changes?: PlanAttrs;
}

export interface PlannedStatusChange {
  fids: number[];
  status: LandslideStatus;
}

/** Tiles of a scene's mask to store from now on (the brush stores what it painted on). */
export interface MaskMaterialise {
  scene: string;
  /** Pixel window on the scene grid; every tile it touches is stored. */
  window: Window;
}

/** A photo or note to attach (evidence.ts); id, added_at and author are stamped by apply unless given. */
export interface PlannedEvidence {
  kind: EvidenceKind;
  record: Omit<EvidenceRecord, 'id' | 'added_at' | 'author'> & Partial<Pick<EvidenceRecord, 'added_at' | 'author'>>;
  /** A photo's bytes. */
  data?: Buffer;
}

export interface EditPlan {
  /** What the history shows. */
  label: string;
  kind: EditKind;
  /** Why the change was made (e.g. 'review', 'brush', 'import', 'detection'): kept with the edit label. */
  reason?: string;
  /**
   * Who made it: stamped as `mapper` on added features (unless a feature brings its own) and on
   * features whose geometry changes. Default: the project's author. null: no mapper (detections).
   */
  mapper?: string | null;
  adds?: PlannedAdd[];
  updates?: PlannedUpdate[];
  deletes?: number[];
  statusChanges?: PlannedStatusChange[];
  materialise?: MaskMaterialise[];
  /** Field evidence added and removed (by evidence uuid). */
  evidence?: {
    add?: PlannedEvidence[];
    remove?: string[];
    /** Accept evidence whose landslide is not in the project (a merge keeps a colleague's photo of a landslide deleted here). */
    orphans?: boolean;
  };
  /** Also refresh the layer extent in gpkg_contents (bulk changes: detections, imports). */
  updateExtent?: boolean;
  /**
   * Record this plan's ops in edit `amend` (by id) instead of a new edit, when that is still the
   * newest edit done: the attributes measured from the raster data after an edit changed a geometry
   * belong to that edit, so one undo takes both back. Recorded as an edit of its own otherwise.
   */
  amend?: number;
}

/** What an applied plan changed, for the caller and for the map (which updates only these). */
export interface ApplyResult {
  edit: EditEntry | null;
  /** fids of the added features, in the order of `plan.adds`. */
  added: number[];
  /** fids of updated features (geometry or attributes changed). */
  updated: number[];
  /** fids removed. */
  removed: number[];
  /** fids whose geometry is new (added, or updated with a geometry): what needs measuring from the rasters. */
  reshaped: number[];
  /** Evidence uuids added and removed (absent when the plan had no evidence). */
  evidence?: { added: string[]; removed: string[] };
}

/** What an undo or redo changed: fids present afterwards whose state changed, and fids gone. */
export interface ReplayResult {
  edit: EditEntry | null;
  changed: number[];
  removed: number[];
}
