/**
 * Every file kubelab reads, with how kubelab reads it and what it must make of a hostile one: an
 * error that says what to do (`error`), or, for a file kept only to save work or of kubelab's own
 * making, the outcome of a file that is not there (`check`). test/input/readers.test.ts puts each
 * hostile kind in each reader's place, through test/support/read-probe.ts.
 */
import { execa } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { cacheDir, hashOf, hashPath } from '../../src/cache.js';
import { removeSnapshotsForDestroy } from '../../src/snapshot/catalog.js';
import { runDocs } from '../../src/docs/command.js';
import { readRunning } from '../../src/host-services/daemon.js';
import { readArchive } from '../../src/host-services/push.js';
import { loadKubeconfigFile } from '../../src/input/kubeconfig.js';
import { kitCacheLayout } from '../../src/kit/cache.js';
import { readKitManifest } from '../../src/kit/manifest.js';
import { LAB_FILES } from '../../src/lab/files.js';
import { readJournal } from '../../src/lab/journal.js';
import { readLockFile } from '../../src/lab/lock-file.js';
import { readState } from '../../src/lab/state.js';
import { recordedMachineId } from '../../src/nodes/machine.js';
import { fileState, MANIFEST_FILE, readManifest } from '../../src/output/manifest.js';
import { MAX_SCENARIO_BYTES, loadScenario } from '../../src/scenario/load.js';
import { restoreHostFiles } from '../../src/snapshot/host-files.js';
import { readRecord, unfinishedRestore } from '../../src/snapshot/record.js';
import { compileSpec } from '../../src/spec/index.js';
import { MAX_SPEC_BYTES } from '../../src/spec/limits.js';
import { HOSTILE_KINDS, JSON_KINDS, YAML_KINDS, type HostileKind } from './hostile-files.js';

export interface InputReader {
  name: string;
  /** Where the file goes in a lab folder `dir`. */
  file: (dir: string) => string;
  /** The reader's size limit: a "huge" file is one byte more. */
  maxBytes: number;
  kinds: readonly HostileKind[];
  /** JSON of the wrong shape for this reader. */
  wrongShape?: string;
  /** Anything else the reader needs in `dir` first. */
  prepare?: (dir: string) => Promise<void>;
  read: (dir: string) => Promise<unknown>;
  /** What a hostile file of this kind must give, when not the same for every kind. */
  outcome: Outcome | ((kind: HostileKind) => Outcome);
}

/** Without `error`, the file is as if it were absent: `check` says what that gives (the problem, or undefined). */
export type Outcome = { error: true } | { error: false; check: (value: unknown, dir: string) => Promise<string | undefined> | string | undefined };

const ERROR = { error: true } as const;
/** What is no regular file at all, whatever it holds. */
const NOT_A_FILE: readonly HostileKind[] = ['fifo', 'endless-fifo', 'dev-zero', 'dev-urandom', 'folder', 'socket'];
const JSON_READER = [...HOSTILE_KINDS, ...JSON_KINDS] as const;
const YAML_READER = [...HOSTILE_KINDS, ...YAML_KINDS] as const;
const equal = (wanted: unknown) => (value: unknown) =>
  JSON.stringify(value) === JSON.stringify(wanted) ? undefined : `expected ${JSON.stringify(wanted)}, got ${JSON.stringify(value)}`;

/** A `docker save` archive as readArchive needs it: a manifest.json naming one image. */
const CONFIG = 'a'.repeat(64);
async function archive(dir: string): Promise<string> {
  const file = path.join(dir, 'images.tar');
  if (!(await fs.pathExists(file))) {
    await fs.outputFile(path.join(dir, 'archive', 'manifest.json'), JSON.stringify([{ Config: `${CONFIG}.json`, RepoTags: ['busybox:1'] }]));
    await execa('tar', ['-cf', file, '-C', path.join(dir, 'archive'), 'manifest.json']);
  }
  return file;
}
const cacheEnv = (dir: string): NodeJS.ProcessEnv => ({ KUBELAB_CACHE_DIR: path.join(dir, 'cache') });

export const INPUT_READERS: InputReader[] = [
  {
    name: 'the spec',
    file: (dir) => path.join(dir, 'kubelab.yaml'),
    maxBytes: MAX_SPEC_BYTES,
    kinds: YAML_READER,
    read: (dir) => compileSpec(path.join(dir, 'kubelab.yaml'), path.join(dir, 'out')),
    outcome: ERROR,
  },
  {
    name: 'a scenario',
    file: (dir) => path.join(dir, 'scenario.yaml'),
    maxBytes: MAX_SCENARIO_BYTES,
    kinds: YAML_READER,
    read: (dir) => loadScenario(path.join(dir, 'scenario.yaml')),
    outcome: ERROR,
  },
  {
    name: 'the kubeconfig',
    file: (dir) => path.join(dir, LAB_FILES.kubeconfig),
    maxBytes: 1024 * 1024,
    kinds: YAML_READER,
    read: (dir) => loadKubeconfigFile(path.join(dir, LAB_FILES.kubeconfig)),
    outcome: ERROR,
  },
  {
    name: 'the README (kubelab docs --readme)',
    file: (dir) => path.join(dir, 'README.md'),
    maxBytes: 4 * 1024 * 1024,
    kinds: HOSTILE_KINDS,
    read: (dir) => runDocs({ readme: path.join(dir, 'README.md'), check: true }),
    outcome: ERROR,
  },
  {
    name: 'the fault state (faults.json)',
    file: (dir) => path.join(dir, LAB_FILES.faultState),
    maxBytes: 4 * 1024 * 1024,
    kinds: JSON_READER,
    wrongShape: JSON.stringify({ version: 1, nextId: 2, faults: [{ id: 'f1', kind: 'freeze', params: { kind: 'freeze' }, targets: 'cp' }] }),
    read: readState,
    outcome: ERROR,
  },
  {
    // A lock that cannot be made sense of is held by nobody (stale); what is no file at all is refused.
    name: 'the lab lock',
    file: (dir) => path.join(dir, LAB_FILES.labLock),
    maxBytes: 64 * 1024,
    kinds: JSON_READER,
    // pid 1 as a process group is every process of the user.
    wrongShape: JSON.stringify({ pid: process.pid, children: [{ pid: 1 }] }),
    read: (dir) => readLockFile(path.join(dir, LAB_FILES.labLock)),
    outcome: (kind) => (NOT_A_FILE.includes(kind) ? ERROR : { error: false, check: equal({ pid: undefined }) }),
  },
  {
    name: "the lab's journal",
    file: (dir) => path.join(dir, LAB_FILES.journal),
    maxBytes: 64 * 1024 * 1024,
    kinds: JSON_READER,
    wrongShape: `${JSON.stringify({ ts: '2025-01-01T00:00:00Z', action: 'inject', id: 'f1', kind: 'freeze', targets: ['cp'], params: {}, result: 'ok' })}\n{"ts": 1}\n`,
    read: readJournal,
    outcome: ERROR,
  },
  {
    name: 'a snapshot record',
    file: (dir) => path.join(dir, LAB_FILES.snapshotsDir, 'base', 'snapshot.json'),
    maxBytes: 1024 * 1024,
    kinds: JSON_READER,
    wrongShape: JSON.stringify({ version: 1, name: 'base', createdAt: 7, nodes: [] }),
    read: (dir) => readRecord(dir, 'base'),
    outcome: ERROR,
  },
  {
    name: "an unfinished restore's marker (restoring.json)",
    file: (dir) => path.join(dir, LAB_FILES.snapshotsDir, 'restoring.json'),
    maxBytes: 64 * 1024,
    kinds: JSON_READER,
    read: unfinishedRestore,
    outcome: ERROR,
  },
  {
    name: "an unfinished save's pending.json",
    file: (dir) => path.join(dir, LAB_FILES.snapshotsDir, 'base.partial', 'pending.json'),
    maxBytes: 64 * 1024,
    kinds: JSON_READER,
    wrongShape: JSON.stringify({ provider: 'toString' }),
    read: removeSnapshotsForDestroy,
    outcome: ERROR,
  },
  {
    name: "the host services' running.json",
    file: (dir) => path.join(dir, LAB_FILES.hostServicesState),
    maxBytes: 1024 * 1024,
    kinds: JSON_READER,
    wrongShape: JSON.stringify({ services: [{ pid: '1', name: 'registry' }] }),
    read: readRunning,
    outcome: ERROR,
  },
  {
    // A memo only saves reading the archive again: it is read again, and the memo replaced.
    name: "an image archive's memo",
    file: (dir) => {
      const stat = fs.statSync(path.join(dir, 'images.tar'));
      const key = hashOf([path.resolve(path.join(dir, 'images.tar')), String(stat.size), String(stat.mtimeMs)]);
      return path.join(cacheDir(cacheEnv(dir)), 'registry', 'archives', `${key}.json`);
    },
    maxBytes: 4 * 1024 * 1024,
    kinds: JSON_READER,
    prepare: async (dir) => void (await archive(dir)),
    read: async (dir) => readArchive(await archive(dir), cacheEnv(dir)),
    outcome: {
      error: false,
      check: async (value, dir) => {
        const wanted = [{ index: 0, tags: ['busybox:1'], configDigest: `sha256:${CONFIG}` }];
        const memo = INPUT_READERS.find((r) => r.name === "an image archive's memo")!.file(dir);
        if (!(await fs.lstat(memo)).isFile()) return 'the memo was not replaced by a file';
        return equal(wanted)(value);
      },
    },
  },
  {
    name: "the kit's manifest (a cache: a kit not built)",
    file: (dir) => path.join(kitCacheLayout(path.join(dir, 'cache')).built, 'v1.32.5-rancher1-1.json'),
    maxBytes: 64 * 1024,
    kinds: JSON_READER,
    wrongShape: JSON.stringify({ rke: 7, kubectl: '/bin/sh' }),
    read: (dir) => readKitManifest(path.join(dir, 'cache'), 'v1.32.5-rancher1-1'),
    outcome: { error: false, check: equal(undefined) },
  },
  {
    // Damaged, it is treated as absent (every file then counts as not kubelab's); no file at all is refused.
    name: "the output folder's manifest",
    file: (dir) => path.join(dir, MANIFEST_FILE),
    maxBytes: 1024 * 1024,
    kinds: JSON_READER,
    read: readManifest,
    outcome: (kind) => (NOT_A_FILE.includes(kind) ? ERROR : { error: false, check: equal(undefined) }),
  },
  {
    name: "Vagrant's machine id",
    file: (dir) => path.join(dir, LAB_FILES.vagrantDir, 'machines', 'cp', 'docker', 'id'),
    maxBytes: 4096,
    kinds: [...HOSTILE_KINDS, 'wrong-shape'],
    // An option for docker, not an id: it would point docker at another daemon.
    wrongShape: '-H=tcp://198.51.100.7:2375\n',
    read: (dir) => recordedMachineId(dir, 'docker', 'cp'),
    outcome: ERROR,
  },
  {
    // Hashed to tell kubelab's own files from edited ones: what is not a file of a sane size is not kubelab's.
    name: 'a generated file, hashed',
    file: (dir) => path.join(dir, 'Vagrantfile'),
    maxBytes: 16 * 1024 * 1024,
    kinds: HOSTILE_KINDS,
    read: (dir) => fileState(dir, 'Vagrantfile'),
    outcome: {
      error: false,
      check: (value) => ((value as { sha256?: string } | undefined)?.sha256 === '' ? undefined : `expected no hash, got ${JSON.stringify(value)}`),
    },
  },
  {
    name: 'a kit source, hashed',
    file: (dir) => path.join(dir, 'source'),
    maxBytes: 512 * 1024 * 1024,
    kinds: HOSTILE_KINDS.filter((k) => k !== 'folder'),
    read: (dir) => hashPath(path.join(dir, 'source')),
    outcome: ERROR,
  },
  {
    name: "a snapshot's copy of cluster.yml",
    file: (dir) => path.join(dir, 'snapshot', 'files', 'cluster.yml'),
    maxBytes: 16 * 1024 * 1024,
    kinds: HOSTILE_KINDS,
    read: (dir) => restoreHostFiles(dir, path.join(dir, 'snapshot'), ['cluster.yml']),
    outcome: ERROR,
  },
];
