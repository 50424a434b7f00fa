import assert from 'node:assert/strict';
import { pause } from '../../src/exec/processes.js';

export { pause };

/** Polls `check` every `everyMs` until it holds; fails the test, naming `what`, after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await pause(everyMs);
  }
}
