import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { readJsonFile } from '../input/json.js';
import { array, number, object, optional, string } from '../input/shape.js';
import { LAB_FILES } from '../lab/files.js';
import type { ProviderType, Role } from '../spec/types.js';

/** A node as it was when the snapshot was taken: what a restore must find again. */
export interface SnapshotNode {
  name: string;
  ip: string;
  roles: Role[];
  /** Vagrant's id of the machine (container id, VM UUID): a recreated machine is another machine. */
  machineId: string;
}

/** out/.kubelab/snapshots/NAME/snapshot.json: written last, so a folder without it is no snapshot. */
export interface SnapshotRecord {
  version: 1;
  name: string;
  createdAt: string;
  lab: string;
  provider: ProviderType;
  kubernetesVersion: string;
  nodes: SnapshotNode[];
  /** etcd's member ids (hex) at the cut; a restore must bring back exactly these. */
  etcdMembers: string[];
  /** Host files saved with the machines, relative to the output folder. */
  hostFiles: string[];
  /** `rke etcd snapshot-save`'s archive, taken just before the cut: the fallback after a destroy. */
  etcdArchive: string | undefined;
  /** What the machines' saved state takes on the host; undefined when the provider cannot tell. */
  machineBytes: number | undefined;
  hostBytes: number;
  /** How long each step of the save took. */
  seconds: { stop: number; copy: number; start: number; healthy: number };
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,39}$/;

/** A snapshot's name ends up in folder, volume and VM snapshot names: lowercase letters, digits, . _ - */
export function checkSnapshotName(name: string): string {
  if (!NAME.test(name)) {
    throw new KubelabError(`"${name}" cannot name a snapshot`, {
      hint: 'use up to 40 lowercase letters, digits, dots, dashes and underscores, starting with a letter or digit (e.g. base, before-upgrade)',
      exitCode: EXIT.badInput,
    });
  }
  return name;
}

export const snapshotsDir = (outDir: string): string => path.join(outDir, LAB_FILES.snapshotsDir);
export const snapshotDir = (outDir: string, name: string): string => path.join(snapshotsDir(outDir), name);
/** Where a save assembles the host's part; renamed to the snapshot's folder once the machines are saved. */
export const partialDir = (outDir: string, name: string): string => path.join(snapshotsDir(outDir), `${name}.partial`);
const RECORD = 'snapshot.json';
/** Present while a restore runs: machines may hold a mix of states until it is done again. */
export const restoringMarker = (outDir: string): string => path.join(snapshotsDir(outDir), 'restoring.json');

/** What listing and restoring rely on in a record (a page of JSON); `version` is checked on its own, below. */
const RECORD_FILE = {
  maxBytes: 1024 * 1024,
  shape: object({
    name: string,
    createdAt: string,
    provider: string,
    kubernetesVersion: string,
    nodes: array(object({ name: string, ip: string, roles: array(string), machineId: string })),
    etcdMembers: array(string),
    hostFiles: array(string),
    etcdArchive: optional(string),
    machineBytes: optional(number),
    hostBytes: number,
  }),
  hint: 'kubelab wrote it at the end of a snapshot save: if it was changed by hand, put it back; otherwise remove the snapshot folder by hand',
};

export async function readRecord(outDir: string, name: string): Promise<SnapshotRecord | undefined> {
  const file = path.join(snapshotDir(outDir, name), RECORD);
  const record = (await readJsonFile(file, RECORD_FILE)) as SnapshotRecord | undefined;
  if (record === undefined) return undefined;
  if (record.version !== 1) throw new KubelabError(`${file} has an unknown format (version ${String(record.version)})`);
  return record;
}

export async function writeRecord(dir: string, record: SnapshotRecord): Promise<void> {
  await fs.writeFile(path.join(dir, RECORD), JSON.stringify(record, null, 2) + '\n');
}

/** Every snapshot of the lab, oldest first; `partial` lists saves that never finished. */
export async function listRecords(outDir: string): Promise<{ records: SnapshotRecord[]; partial: string[] }> {
  const entries = await fs.readdir(snapshotsDir(outDir)).catch(() => [] as string[]);
  const records: SnapshotRecord[] = [];
  const partial: string[] = [];
  for (const entry of entries.sort()) {
    if (entry.endsWith('.partial')) partial.push(entry.slice(0, -'.partial'.length));
    else if (!entry.endsWith('.json')) {
      const record = await readRecord(outDir, entry);
      if (record) records.push(record);
    }
  }
  records.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return { records, partial };
}

/** The snapshot NAME, or an error that lists the ones there are. */
export async function requireRecord(outDir: string, name: string): Promise<SnapshotRecord> {
  const record = await readRecord(outDir, checkSnapshotName(name));
  if (record) return record;
  const { records } = await listRecords(outDir);
  throw new KubelabError(`the lab has no snapshot named ${name}`, {
    hint: records.length === 0 ? 'take one with `kubelab snapshot save NAME`' : `its snapshots: ${records.map((r) => r.name).join(', ')}`,
    exitCode: EXIT.badInput,
  });
}

const RESTORING_FILE = {
  maxBytes: 64 * 1024,
  shape: object({ name: string }),
  hint: 'a snapshot restore did not finish: restore a snapshot again (`kubelab snapshot list` names them) after removing the file, or `kubelab destroy`',
};

/** The snapshot a restore was putting back when it stopped half-way; undefined when none did. */
export async function unfinishedRestore(outDir: string): Promise<string | undefined> {
  const marker = await readJsonFile(restoringMarker(outDir), RESTORING_FILE);
  return marker?.name;
}

/** Refuses to start the machines of a lab whose restore did not finish: their states may be from two moments. */
export async function refuseUnfinishedRestore(outDir: string): Promise<void> {
  const name = await unfinishedRestore(outDir);
  if (name === undefined) return;
  throw new KubelabError(`the restore of snapshot ${name} did not finish: the machines may hold states from different moments`, {
    hint: `\`kubelab snapshot restore ${name}\` finishes it; \`kubelab destroy\` removes the lab`,
  });
}
