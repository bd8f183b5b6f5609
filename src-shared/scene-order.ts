/**
 * Which of a project's scenes of one role is taken (the change run's images, the app's pre-event
 * layer): the latest by acquisition date, scenes without a date after those with one, then the
 * latest added. One rule for the core and the renderer.
 */
export interface DatedScene {
  /** Acquisition date YYYY-MM-DD, or null. */
  date: string | null;
  /** When the scene was added (ISO time). */
  addedAt: string;
}

/** Sort comparator: latest first. */
export function latestSceneFirst(a: DatedScene, b: DatedScene): number {
  if (a.date !== b.date) {
    if (a.date === null) return 1;
    if (b.date === null) return -1;
    return a.date < b.date ? 1 : -1;
  }
  return a.addedAt < b.addedAt ? 1 : a.addedAt > b.addedAt ? -1 : 0;
}
