/**
 * `node read-probe.js READER DIR KIND…`: puts each hostile KIND in READER's place (a folder of its
 * own under DIR each), reads it as kubelab does, and prints one JSON line per kind: what the read
 * gave, or its error, or that it did not end in time. Run in a process of its own, so that a read
 * that blocks for ever fails the test instead of hanging it: the parent kills this process.
 */
import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError, SpecError } from '../../src/errors.js';
import { makeHostile, type HostileKind } from './hostile-files.js';
import { INPUT_READERS } from './input-readers.js';

export interface ProbeResult {
  kind: HostileKind;
  dir: string;
  file: string;
  ms: number;
  outcome:
    | { value: unknown }
    | { error: { kubelab: boolean; name: string; message: string; files: string[]; hint: string | undefined; exitCode: number | undefined } }
    | { timedOut: true };
}

const PER_KIND_MS = 5_000;

const [readerName = '', base = '', ...kinds] = process.argv.slice(2);
const reader = INPUT_READERS.find((r) => r.name === readerName);
if (!reader) throw new Error(`no reader named ${readerName}`);

for (const kind of kinds as HostileKind[]) {
  const dir = path.join(base, kind);
  await fs.mkdirp(dir);
  await reader.prepare?.(dir);
  const file = reader.file(dir);
  const undo = await makeHostile(kind, file, { maxBytes: reader.maxBytes, ...(reader.wrongShape === undefined ? {} : { wrongShape: reader.wrongShape }) });
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    reader.read(dir).then(
      (value): ProbeResult['outcome'] => ({ value: value ?? null }),
      (error: unknown): ProbeResult['outcome'] => ({
        error: {
          kubelab: error instanceof KubelabError,
          name: error instanceof Error ? error.name : typeof error,
          message: error instanceof Error ? error.message : String(error),
          files: error instanceof SpecError ? error.problems.map((p) => p.file) : [],
          hint: error instanceof KubelabError ? error.hint : undefined,
          exitCode: error instanceof KubelabError ? error.exitCode : undefined,
        },
      }),
    ),
    new Promise<ProbeResult['outcome']>((resolve) => (timer = setTimeout(() => resolve({ timedOut: true }), PER_KIND_MS))),
  ]);
  clearTimeout(timer);
  await undo();
  const result: ProbeResult = { kind, dir, file, ms: Date.now() - started, outcome };
  process.stdout.write(JSON.stringify(result) + '\n');
}
// A read that never ended still holds a thread of Node's pool: leave without waiting for it.
process.exit(0);
