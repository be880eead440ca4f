// Removes this run's warm profiles (launchWarm in browser.ts names them by the runner's pid).
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';

export default async function teardown(): Promise<void> {
  await rm(resolve(tmpdir(), `earshot-e2e-${process.pid}`), { recursive: true, force: true });
}
