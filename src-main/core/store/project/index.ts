/** The project store: a Scarp project is one GeoPackage (issue 4). */
export { checkDemFile, Project, type EventMetadata, type ExternalEditsTaken, type ProjectSummary, type SceneWithState } from './project';
export { ProjectDb, FULL_CHECK_MAX_BYTES, type OpenReport, type OpenProjectOptions, type CreateProjectOptions } from './project-db';
export { SCHEMA_VERSION, RASTER_TILE_SIZE, MIGRATIONS } from './schema';
export { type EditEntry, type FeatureAttrs, type JournalOp } from './journal';
export { EVIDENCE_TABLES, type EvidenceKind, type EvidenceRecord, type EvidenceState, type EvidenceStore } from './evidence';
export type { PlannedEvidence } from './edit-plan';
export type { EditPlan, ApplyResult, ReplayResult, PlannedAdd, PlannedUpdate, PlannedStatusChange, MaskMaterialise, PlanAttrs } from './edit-plan';
export { MASK_STATUSES, tileAligned } from './mask';
export { type StoredFeature, type FeatureQuery } from './features';
export { type RunRecord, type RunStatus, type RunGrid, type RunPlanInfo, type PredictionTileWriter } from './runs';
export { type SceneRecord, type SceneMeta, type BandStats, type FileState, describeSceneFile } from './scenes';
export { fileFingerprint } from './fingerprint';
export { ProjectLock, lockPathOf } from './lock';
export { quantise, dequantise, NODATA_U8, PROB_SCALE } from './raster-tiles';
export { heldElsewhere, isOpenAt, takeSnapshot, withProject, withProjectToRead, type ProjectSnapshot } from './with-project';
export { PeerProject, SyncStore, SYNC_STATES_KEPT_PER_PEER, type FeatureRow, type SnapshotRow, type SyncState } from './sync';
