/**
 * Field evidence part of ScarpService (issue 17): photos and notes on the open project's landslides.
 * Adding and removing go through the one write path (Project.apply with an EditPlan's `evidence`),
 * one undoable edit each. Requests arrive validated.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { z } from 'zod';
import type {
  AddEvidenceRequest,
  EvidenceEditResult,
  EvidenceInfo,
  EvidencePhoto,
  EvidencePhotoRequest,
  ExportEvidencePhotoRequest,
  ListEvidenceRequest,
  RemoveEvidenceRequest,
} from '../../../src-shared/api';
import { ScarpError } from '../../../src-shared/errors';
import { readExif } from '../field/exif';
import { photoExtensions, readPhoto } from '../field/photo';
import type { EvidenceKind, EvidenceRecord, EvidenceState, PlannedEvidence, Project } from '../store/project';
import { commitOutputs, discardOutputs, planOutput } from '../util/atomic-output';
import type { ProjectService } from './project-service';

type AddParsed = z.output<typeof AddEvidenceRequest>;

export function evidenceInfo(e: { kind: EvidenceKind } & EvidenceState): EvidenceInfo {
  const r = e.record;
  return {
    uuid: r.uuid,
    kind: e.kind,
    landslideUuid: r.landslide_uuid,
    note: r.note,
    time: r.observed_at,
    timeSource: r.time_source,
    lon: r.lon,
    lat: r.lat,
    positionSource: r.position_source,
    author: r.author,
    addedAt: r.added_at,
    fileName: r.file_name,
    contentType: r.content_type,
    width: r.width,
    height: r.height,
    bytes: r.bytes,
  };
}

/** The plan's evidence for an add request (the photo read and checked here, before any write). */
export function plannedEvidence(req: AddParsed): PlannedEvidence {
  const photo = req.photo !== undefined ? readPhoto(req.photo) : null;
  // What the request gives wins; else what the camera recorded (source 'exif').
  const exif = photo?.contentType === 'image/jpeg' ? readExif(photo.data) : {};
  const where =
    req.lon !== undefined && req.lat !== undefined
      ? { lon: req.lon, lat: req.lat, position_source: 'given' }
      : exif.lon !== undefined && exif.lat !== undefined
        ? { lon: exif.lon, lat: exif.lat, position_source: 'exif' }
        : { lon: null, lat: null, position_source: null };
  const when = req.time !== undefined ? { observed_at: req.time, time_source: 'given' } : exif.time !== undefined ? { observed_at: exif.time, time_source: 'exif' } : { observed_at: null, time_source: null };
  const record: PlannedEvidence['record'] = {
    uuid: randomUUID(),
    landslide_uuid: req.uuid,
    note: req.note ?? null,
    ...when,
    ...where,
    file_name: photo?.fileName ?? null,
    content_type: photo?.contentType ?? null,
    width: photo?.width ?? null,
    height: photo?.height ?? null,
    bytes: photo?.data.length ?? null,
  };
  return photo ? { kind: 'photo', record, data: photo.data } : { kind: 'note', record };
}

function noEvidence(uuid: string): ScarpError {
  return new ScarpError({ code: 'INVALID_ARGUMENT', message: `No photo or note with uuid ${uuid} in this project.`, hint: 'List the landslide\'s evidence to see its uuids.', options: ['evidence'] });
}

export class EvidenceService {
  constructor(private readonly projects: ProjectService) {}

  private get project(): Project {
    return this.projects.current();
  }

  private landslide(p: Project, uuid: string): EvidenceInfo[] {
    return p.evidence.list({ landslideUuids: [uuid] }).map(evidenceInfo);
  }

  add(req: AddParsed): EvidenceEditResult {
    const p = this.project;
    const planned = plannedEvidence(req);
    const what = planned.kind === 'photo' ? `photo ${planned.record.file_name}` : 'field note';
    const r = p.apply({ label: `Attach a ${what}`, kind: 'evidence', reason: 'field evidence', evidence: { add: [planned] } });
    const added = p.evidence.get(planned.record.uuid)!;
    return { edit: r.edit ? { ...r.edit } : null, evidence: evidenceInfo(added), landslide: this.landslide(p, req.uuid), ...p.journal.stacks() };
  }

  list(req: z.output<typeof ListEvidenceRequest>): EvidenceInfo[] {
    return this.project.evidence.list(req.uuid ? { landslideUuids: [req.uuid] } : {}).map(evidenceInfo);
  }

  remove(req: z.output<typeof RemoveEvidenceRequest>): EvidenceEditResult {
    const p = this.project;
    const old = p.evidence.get(req.evidence);
    if (!old) throw noEvidence(req.evidence);
    const what = old.kind === 'photo' ? `photo ${old.record.file_name ?? ''}`.trim() : 'field note';
    const r = p.apply({ label: `Remove a ${what}`, kind: 'evidence', reason: 'field evidence', evidence: { remove: [req.evidence] } });
    return { edit: r.edit ? { ...r.edit } : null, evidence: evidenceInfo(old), landslide: this.landslide(p, old.record.landslide_uuid), ...p.journal.stacks() };
  }

  private photo(uuid: string): { record: EvidenceRecord; data: Buffer } {
    const e = this.project.evidence.get(uuid, true);
    if (!e) throw noEvidence(uuid);
    if (e.kind !== 'photo' || !e.data) throw new ScarpError({ code: 'INVALID_ARGUMENT', message: `${uuid} is a field note, not a photo.`, options: ['evidence'] });
    return { record: e.record, data: e.data };
  }

  photoBytes(req: z.output<typeof EvidencePhotoRequest>): EvidencePhoto {
    const { record, data } = this.photo(req.evidence);
    return { uuid: record.uuid, contentType: record.content_type ?? 'application/octet-stream', base64: data.toString('base64') };
  }

  exportPhoto(req: z.output<typeof ExportEvidencePhotoRequest>): { out: string; bytes: number } {
    const { record, data } = this.photo(req.evidence);
    const target = planOutput(req.out, photoExtensions(record.content_type ?? ''), req.overwrite === true, 'photo');
    try {
      writeFileSync(target.tempPath, data);
      commitOutputs([target]);
    } catch (e) {
      discardOutputs([target]);
      if (e instanceof ScarpError) throw e;
      throw new ScarpError({ code: 'FILE_UNWRITABLE', message: `The photo could not be written to ${target.finalPath} (${(e as Error).message}).`, file: target.finalPath });
    }
    return { out: target.finalPath, bytes: data.length };
  }
}
