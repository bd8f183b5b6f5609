/**
 * The app's gazetteer, loaded once on the first place search: the file ships with the renderer as an
 * asset (1.5 MB; fetched from the app itself, never from the network).
 */
import gazetteerUrl from '../../../resources/gazetteer/cities15000.tsv?url';
import { parseGazetteer, type Gazetteer } from './gazetteer';

let loading: Promise<Gazetteer> | null = null;

export function loadGazetteer(): Promise<Gazetteer> {
  loading ??= fetch(gazetteerUrl)
    .then((r) => {
      if (!r.ok) throw new Error(`the gazetteer ${gazetteerUrl} did not load (HTTP ${r.status})`);
      return r.text();
    })
    .then(parseGazetteer)
    .catch((e: unknown) => {
      loading = null;
      throw e;
    });
  return loading;
}
