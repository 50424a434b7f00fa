import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { LAB_FILES } from './files.js';
import { withLock } from './lock-file.js';
import type { FaultState } from '../fault/types.js';

export const emptyState = (): FaultState => ({ version: 1, nextId: 1, lab: undefined, faults: [] });

export function statePath(outDir: string): string {
  return path.join(outDir, LAB_FILES.faultState);
}

export async function readState(outDir: string): Promise<FaultState> {
  const file = statePath(outDir);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw error;
  }
  try {
    const state = JSON.parse(text) as FaultState;
    if (state.version !== 1 || !Array.isArray(state.faults)) throw new Error(`unknown format (version ${String(state.version)})`);
    return { version: 1, nextId: state.nextId, lab: state.lab, faults: state.faults };
  } catch (error) {
    throw new KubelabError(`${file} cannot be read: ${(error as Error).message}`, {
      hint: 'it records the active faults; fix or remove it by hand (lab.journal.jsonl tells what was injected)',
    });
  }
}

/** Writes the whole state to a temporary file and renames it over the old one: never half a file. */
export async function writeState(outDir: string, state: FaultState): Promise<void> {
  const file = statePath(outDir);
  await fs.mkdirp(path.dirname(file));
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await fs.rename(temp, file);
}

/**
 * Reads the state under the lab's fault lock, lets `work` change it, and writes it back when
 * `work` returns (or throws: what was done before the failure is still recorded). `save` writes it
 * at once, for the moments when kubelab must not die without a record (before an injection).
 */
export async function updateState<T>(outDir: string, work: (state: FaultState, save: () => Promise<void>) => Promise<T>): Promise<T> {
  return withLock(
    path.join(outDir, LAB_FILES.faultLock),
    async () => {
      const state = await readState(outDir);
      let written = JSON.stringify(state);
      const save = async (): Promise<void> => {
        const now = JSON.stringify(state);
        if (now === written) return;
        await writeState(outDir, state);
        written = now;
      };
      try {
        return await work(state, save);
      } finally {
        await save();
      }
    },
    { what: `the fault state of ${outDir}` },
  );
}
