import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { checkJson } from '../input/json.js';
import { ifExists, readBoundedText } from '../input/read.js';
import { array, nullable, object, string } from '../input/shape.js';
import { LAB_FILES } from './files.js';
import type { RecoveryName } from '../fault/families/index.js';
import type { FaultKind, FaultParams, FaultRecord } from '../fault/types.js';

/**
 * One line of the lab's journal, out/lab.journal.jsonl. `inject` and `undo` are a person's commands, `expire` an
 * undo at the end of --for, `clear` an undo by `fault clear` or `destroy`, `recover` a resume or
 * start of a machine that had no recorded fault; `snapshot-save` and `snapshot-restore` mark where
 * the lab's timeline was cut and where it jumped back.
 */
export interface JournalEntry {
  ts: string;
  action: 'inject' | 'undo' | 'expire' | 'clear' | 'recover' | 'snapshot-save' | 'snapshot-restore';
  id: string | null;
  kind: FaultKind | RecoveryName | 'sweep' | 'snapshot';
  targets: string[];
  params: Omit<FaultParams, 'kind'> | { snapshot: string } | Record<string, never>;
  result: 'ok' | 'error';
  message?: string;
}

export function journalPath(outDir: string): string {
  return path.join(outDir, LAB_FILES.journal);
}

/** A journal an older kubelab kept under its old name is carried on under the new one. */
async function adoptOlderJournal(outDir: string): Promise<void> {
  const older = path.join(outDir, LAB_FILES.olderJournal);
  if ((await fs.pathExists(older)) && !(await fs.pathExists(journalPath(outDir)))) await fs.rename(older, journalPath(outDir));
}

/** Appends one line; the journal is never rewritten, so a timeline survives crashes and destroy. */
export async function appendJournal(outDir: string, entry: Omit<JournalEntry, 'ts'> & { ts?: string }): Promise<void> {
  const { ts, ...rest } = entry;
  const line = JSON.stringify({ ts: ts ?? new Date().toISOString(), ...rest }) + '\n';
  await fs.mkdirp(outDir);
  await adoptOlderJournal(outDir);
  await fs.appendFile(journalPath(outDir), line);
}

export function entryFor(fault: FaultRecord, action: JournalEntry['action'], result: JournalEntry['result'], message?: string): Omit<JournalEntry, 'ts'> {
  const { kind: _kind, ...params } = fault.params;
  return { action, id: fault.id, kind: fault.kind, targets: fault.targets, params, result, ...(message === undefined ? {} : { message }) };
}

/** Years of faults and snapshots, at a few hundred bytes a line. */
const MAX_JOURNAL_BYTES = 64 * 1024 * 1024;
const ENTRY = object({ ts: string, action: string, id: nullable(string), kind: string, targets: array(string), result: string });
const DAMAGED = 'kubelab only appends to it: move it aside (kubelab starts a new one), and mend the line by hand if its history matters';

export async function readJournal(outDir: string): Promise<JournalEntry[]> {
  await adoptOlderJournal(outDir);
  const file = journalPath(outDir);
  const text = (await ifExists(readBoundedText(file, MAX_JOURNAL_BYTES, DAMAGED))) ?? '';
  return text.split('\n').flatMap((line, index) => {
    if (line.trim() === '') return [];
    const checked = checkJson(line, ENTRY);
    if ('problem' in checked) throw new KubelabError(`${file}:${index + 1} cannot be read: ${checked.problem}`, { hint: DAMAGED });
    return [checked.value as JournalEntry];
  });
}
