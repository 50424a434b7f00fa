import fs from 'fs-extra';
import path from 'node:path';
import { readJsonFile } from '../input/json.js';
import { array, boolean, integer, literal, object, optional, pid, string } from '../input/shape.js';
import { LAB_FILES } from './files.js';
import { withLock } from './lock-file.js';
import type { FaultState } from '../fault/types.js';

export const emptyState = (): FaultState => ({ version: 1, nextId: 1, lab: undefined, faults: [] });

export function statePath(outDir: string): string {
  return path.join(outDir, LAB_FILES.faultState);
}

const NODE_REF = object({
  name: string,
  machineName: string,
  ip: string,
  roles: array(string),
  ssh: optional(object({ host: string, port: integer, user: string, key: string })),
});
const LAB_ACCESS = object({ name: string, provider: string, sshUser: string, sshKey: string, interface: string, nodes: array(NODE_REF) });

/**
 * What the fault commands rely on in faults.json; a fault's params are its family's to read. A
 * lab's few faults take a few kilobytes.
 */
const STATE_FILE = {
  maxBytes: 4 * 1024 * 1024,
  shape: object({
    version: literal(1),
    nextId: integer,
    lab: optional(LAB_ACCESS),
    faults: array(
      object({
        id: string,
        kind: string,
        params: object({ kind: string }),
        lab: LAB_ACCESS,
        targets: array(string),
        pairs: optional(array(array(string))),
        injectedAt: string,
        expiresAt: optional(string),
        timerPid: optional(pid),
        pending: optional(boolean),
      }),
    ),
  }),
  hint: 'it records the active faults; fix or remove it by hand (lab.journal.jsonl tells what was injected)',
};

export async function readState(outDir: string): Promise<FaultState> {
  const state = (await readJsonFile(statePath(outDir), STATE_FILE)) as FaultState | undefined;
  return state ? { version: 1, nextId: state.nextId, lab: state.lab, faults: state.faults } : emptyState();
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
