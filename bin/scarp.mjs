#!/usr/bin/env node
// Entry point of the `scarp` command: runs the CLI built to JavaScript (out/node/cli.js, made by
// scripts/build-node.mjs with esbuild), building it first when it is missing or older than the sources.
import { ensureNodeBuild } from '../scripts/build-node.mjs';

const out = await ensureNodeBuild({ quiet: true });
const { main } = await import(new URL(`file://${out}/cli.js`).href);
process.exitCode = await main(process.argv.slice(2));
