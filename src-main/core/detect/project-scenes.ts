/**
 * The images of a change run taken from a project's scenes by role: the pre-event scene and the
 * latest post-event scene (by acquisition date, else by when it was added), when the request names
 * neither image. One named image is kept and only the other is taken from the project.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SceneRole } from '../../../src-shared/vocabulary';
import { ScarpError } from '../../../src-shared/errors';
import { latestSceneFirst } from '../../../src-shared/scene-order';
import type { Project } from '../store/project';
import { withProject } from '../store/project/with-project';
import type { SceneRecord } from '../store/project/scenes';

export interface ChangeScenes {
  pre: string;
  post: string;
  /** Sentences for the run's warnings: which scene was taken for which role. */
  notes: string[];
}

/** Latest first (src-shared/scene-order.ts, the app's rule too). */
function latestFirst(a: SceneRecord, b: SceneRecord): number {
  return latestSceneFirst({ date: a.acquired, addedAt: a.addedAt }, { date: b.acquired, addedAt: b.addedAt });
}

function describe(s: SceneRecord): string {
  return `${s.name}${s.acquired ? ` (${s.acquired})` : ''}`;
}

/** The scene of a role the run takes, or an error saying what to add. */
function pick(p: Project, scenes: SceneRecord[], role: SceneRole, notes: string[]): string {
  const all = scenes.filter((s) => s.role === role).sort(latestFirst);
  const s = all[0];
  if (!s) {
    const roles = scenes.map((x) => `${x.name}: ${x.role ?? 'no role'}`).join('; ');
    throw new ScarpError({
      code: 'INVALID_ARGUMENT',
      message: `Project ${p.path} has no ${role} scene${scenes.length ? ` (its scenes: ${roles})` : ' (it has no scenes)'}, so change detection has no ${role} image.`,
      file: p.path,
      hint: `Add the ${role} image to the project with its role and date, or name the image for this run.`,
      options: [role === 'pre-event' ? 'pre' : 'post', 'project'],
      params: { role, scenes: scenes.length },
    });
  }
  const state = p.scenes.state(s);
  if (state !== 'ok') throw p.scenes.movedError(s, state);
  notes.push(
    `${role === 'pre-event' ? 'Pre' : 'Post'}-event image from the project: scene ${describe(s)}${all.length > 1 ? `, the latest of its ${all.length} ${role} scenes (${all.slice(1).map(describe).join(', ')} not used)` : ''}.`,
  );
  return s.path;
}

/**
 * The pre- and post-event images of a change request: as named, or (either or both missing) the
 * project's scenes by role. `open`: the project the app holds open.
 */
export async function resolveChangeScenes(req: { pre?: string; post?: string; project?: string }, open?: Project): Promise<ChangeScenes> {
  if (req.pre && req.post) return { pre: req.pre, post: req.post, notes: [] };
  const path = open?.path ?? req.project;
  if (!path) {
    throw new ScarpError({
      code: 'INVALID_ARGUMENT',
      message: `Change detection needs a pre-event and a post-event image: ${req.pre ? 'the post-event image' : req.post ? 'the pre-event image' : 'neither'} was given, and no project to take ${req.pre || req.post ? 'it' : 'them'} from.`,
      hint: 'Name both images, or a project whose scenes have the roles pre-event and post-event.',
      options: ['pre', 'post', 'project'],
    });
  }
  if (!open && !existsSync(resolve(path))) {
    throw new ScarpError({
      code: 'FILE_NOT_FOUND',
      message: `Project ${resolve(path)} does not exist, so its pre- and post-event scenes cannot be taken.`,
      file: resolve(path),
      hint: 'Check the project path, or name both images.',
    });
  }
  return withProject(path, open, async (p) => {
    const scenes = p.scenes.list();
    const notes: string[] = [];
    const pre = req.pre ?? pick(p, scenes, 'pre-event', notes);
    const post = req.post ?? pick(p, scenes, 'post-event', notes);
    if (resolve(pre) === resolve(post)) {
      throw new ScarpError({
        code: 'INVALID_ARGUMENT',
        message: `The pre-event and the post-event image are the same file (${resolve(pre)}).`,
        file: resolve(pre),
        hint: 'Give the project a pre-event and a post-event scene of different dates.',
        options: ['pre', 'post'],
      });
    }
    return { pre, post, notes };
  });
}
