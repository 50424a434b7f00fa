/**
 * `npm test` (every test) and `npm run test:unit` (`--unit`: all but the end-to-end ones): node's
 * test runner on the compiled tests, two files at a time, with the spec reporter and, at the end,
 * each file's duration (test/support/durations-reporter.ts), so that growth shows in every run.
 *
 * Files start in the order listed, each as soon as a slot is free: the longest first. The shared
 * cluster (e2e/kit-cluster) holds one slot for its whole run; on a machine without the kit, it
 * builds the kit first (CPU-bound, about 20 minutes) while the other slot runs everything else.
 * The VMs under software emulation come next, so that they are done before the cluster's
 * scenarios measure Kubernetes' timing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIRST = ['e2e/kit-cluster.test.js', 'e2e/libvirt-tcg.test.js'];

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
const all = testFiles(here).filter((f) => !(unitOnly && path.relative(here, f).startsWith(`e2e${path.sep}`)));
const rank = (file: string): number => {
  const i = FIRST.indexOf(path.relative(here, file));
  return i === -1 ? FIRST.length : i;
};
const ordered = [...all].sort((a, b) => rank(a) - rank(b));

const result = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=./${path.relative(process.cwd(), path.join(here, 'support', 'durations-reporter.js'))}`,
    '--test-reporter-destination=stdout',
    ...ordered.map((f) => path.relative(process.cwd(), f)),
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
