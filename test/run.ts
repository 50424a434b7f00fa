/**
 * `npm test` (every test) and `npm run test:unit` (`--unit`: all but the end-to-end ones): node's
 * test runner on the compiled tests, two files at a time, with the spec reporter and, at the end,
 * each file's duration (test/support/durations-reporter.ts), so that growth shows in every run.
 *
 * Files start in the order listed here, each as soon as a slot is free (`node --test` itself would
 * sort them by name): the longest first. The shared cluster (e2e/kit-cluster) holds one slot for
 * its whole run, and the VMs under software emulation (e2e/libvirt-tcg) come next. On a machine
 * without the kit, the cluster first builds it (CPU-bound: about 20 minutes alone, 33 beside the
 * VMs), and everything after the build waits for it: there the VMs come last, after the short
 * files, and wait for the build to end before they start (see that test's `before`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';
import durations from './support/durations-reporter.js';
import { kitBuilt } from './support/kit-build.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLUSTER = 'e2e/kit-cluster.test.js';
const EMULATED_VMS = 'e2e/libvirt-tcg.test.js';
const warm = kitBuilt();
const FIRST = warm ? [CLUSTER, EMULATED_VMS] : [CLUSTER];
const LAST = warm ? [] : [EMULATED_VMS];

function testFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return testFiles(full);
      return entry.name.endsWith('.test.js') ? [full] : [];
    })
    .sort();
}

const unitOnly = process.argv.includes('--unit');
const relative = (file: string): string => path.relative(here, file).split(path.sep).join('/');
const all = testFiles(here).filter((f) => !(unitOnly && relative(f).startsWith('e2e/')));
const rank = (file: string): number => {
  const name = relative(file);
  if (LAST.includes(name)) return FIRST.length + 1 + LAST.indexOf(name);
  const i = FIRST.indexOf(name);
  return i === -1 ? FIRST.length : i;
};
const files = [...all].sort((a, b) => rank(a) - rank(b));

const events = run({ files, concurrency: 2 });
events.on('test:fail', () => {
  process.exitCode = 1;
});
// Both reporters read every event: the spec reporter as they come, the durations at the end.
const toSpec = new PassThrough({ objectMode: true });
const toDurations = new PassThrough({ objectMode: true });
events.pipe(toSpec);
events.pipe(toDurations);
toSpec.compose(new spec()).pipe(process.stdout);
toDurations.compose(durations).pipe(process.stdout);
