/** Vitest global setup: build out/node (the CLI, server and workers the tests run as processes) when it is stale. */
import { ensureNodeBuild } from '../scripts/build-node.mjs';

export default async function setup(): Promise<void> {
  await ensureNodeBuild({ quiet: true });
}
