import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'fs-extra';
import path from 'node:path';
import type { RunResult } from '../../../src/exec/run.js';
import type { ScenarioReport } from '../../../src/scenario/types.js';
import { ensureBox, kubelab, savePreloadImage } from '../../support/docker-lab.js';
import { eventually, LabNodes } from '../../support/fault-lab.js';
import { repoRoot } from '../../support/paths.js';
import { tempDir } from '../../support/tmp.js';
import { mustRun } from '../../support/tools.js';

/**
 * The one real cluster the end-to-end tests share: five docker-provider machines from the offline
 * kit, shaped so that every test that needs a cluster can run on it — cp (etcd and the control
 * plane), two more etcd members (etcd-1, etcd-2: a quorum to lose, a leader to kill, three members
 * to snapshot), two workers — with the lab registry, a pull-through cache and the package cache on
 * the host. Bringing a cluster up takes minutes, so the tests take turns on it (each leaves it
 * healthy) instead of each making its own. All traffic stays on the lab's own network and, for the
 * stand-in upstream registry, on the host's loopback.
 */
export const CIDR = '192.168.233.0/24';
export const HOST = '192.168.233.1';
export const NAME = 'klcluster';
export const NODES = {
  cp: '192.168.233.10',
  'etcd-1': '192.168.233.11',
  'etcd-2': '192.168.233.12',
  'worker-1': '192.168.233.13',
  'worker-2': '192.168.233.14',
} as const;
export type NodeName = keyof typeof NODES;
export const NODE_NAMES = Object.keys(NODES) as NodeName[];
export const SOURCES = process.env.KUBELAB_KIT_SOURCES ?? path.resolve(repoRoot, '..', 'shared', 'third_party');
export const BOX = 'kubelab/debian-bookworm:latest';
export const TOOLS_IMAGE = 'kubelab/rke-tools:v0.1.111';
/** The stand-in for Docker Hub, on the host's loopback: the pull-through cache reaches it, the nodes cannot. */
export const UPSTREAM_PORT = 5099;
export const UPSTREAM = `http://127.0.0.1:${UPSTREAM_PORT}`;
/** A tag of this run only, so that the shared cache cannot hold it from an earlier run. */
export const UPSTREAM_IMAGE = `kubelab-e2e/upstream-only:run-${Date.now().toString(36)}`;
/** The kubelet writes these host-wide sysctls when it starts (a container shares the host's kernel). */
const HOST_SYSCTLS = ['vm/overcommit_memory', 'kernel/panic', 'kernel/panic_on_oops'];

export const SPEC = `
name: ${NAME}
provider:
  type: docker
network:
  cidr: ${CIDR}
defaults:
  cpus: 1
  memory: 1536M
nodes:
  - name: cp
    roles: [etcd, controlplane]
    cpus: 2
    memory: 3G
  - name: etcd
    count: 2
    roles: [etcd]
    memory: 1G
  - name: worker
    count: 2
    roles: [worker]
registry:
  pullThrough:
    upstream: ${UPSTREAM}
packageCache:
  enabled: true
`;

/** The shared lab: filled in by `up` (the suite's before hook), read by every section's tests. */
export class KitCluster {
  dir = '';
  outDir = '';
  /** What the first `kubelab apply` printed: the sections about it read it. */
  applied: RunResult | undefined;
  nodes: LabNodes | undefined;
  /** The snapshot volumes the snapshot tests left for destroy to remove. */
  snapshotVolumesLeft: string[] = [];
  private upstream: ChildProcess | undefined;
  private readonly sysctls = new Map<string, string>();

  get spec(): string {
    return path.join(this.dir, 'kubelab.yaml');
  }

  /** `kubelab ARGS` in the lab's folder. */
  kubelab(...args: string[]): Promise<RunResult> {
    return kubelab(this.dir, args);
  }

  /** `kubelab ARGS` that must succeed; returns its trimmed stdout. */
  async must(...args: string[]): Promise<string> {
    const result = await kubelab(this.dir, args);
    assert.equal(result.exitCode, 0, `kubelab ${args.join(' ')}:\n${result.all}`);
    return result.stdout.trim();
  }

  /** Runs a built-in scenario through `kubelab scenario run`, and reads the report it names. */
  async runScenario(name: string): Promise<{ report: ScenarioReport; reportDir: string; all: string; exitCode: number | undefined }> {
    const result = await this.kubelab('scenario', 'run', name);
    const md = /^report: (\S+)$/m.exec(result.stdout)?.[1];
    assert.ok(md, `no report named:\n${result.all}`);
    const reportDir = path.dirname(path.resolve(this.dir, md));
    const report = (await fs.readJson(path.join(reportDir, 'report.json'))) as ScenarioReport;
    return { report, reportDir, all: result.all, exitCode: result.exitCode };
  }

  /** The node objects kubelab itself reaches the nodes with (ssh as root with the lab's key). */
  get labNodes(): LabNodes {
    assert.ok(this.nodes, 'the lab is up');
    return this.nodes;
  }

  async up(): Promise<void> {
    for (const key of HOST_SYSCTLS) this.sysctls.set(key, (await fs.readFile(`/proc/sys/${key}`, 'utf8')).trim());
    await ensureBox(BOX);
    this.dir = await tempDir('kit-cluster');
    this.outDir = path.join(this.dir, 'out');
    await fs.writeFile(this.spec, SPEC);
    const kit = await this.kubelab('kit', 'build', '--sources', SOURCES);
    assert.equal(kit.exitCode, 0, kit.all);
    await this.startUpstream();
    this.nodes = await LabNodes.fromSpec(this.spec, this.outDir);
    assert.deepEqual(this.nodes.ips, NODES, 'the spec puts the nodes at the addresses the tests expect');
    this.applied = await this.kubelab('apply', '--jobs', '3');
    assert.equal(this.applied.exitCode, 0, this.applied.all);
  }

  async down(): Promise<void> {
    this.stopUpstream();
    if (this.outDir && (await fs.pathExists(path.join(this.outDir, '.vagrant')))) await this.kubelab('destroy');
    for (const [key, value] of this.sysctls) await fs.writeFile(`/proc/sys/${key}`, value).catch(() => {});
  }

  /** The upstream: a registry of its own on loopback, holding one image nobody else has. */
  private async startUpstream(): Promise<void> {
    const upstreamDir = path.join(this.dir, 'upstream');
    await fs.outputFile(
      path.join(upstreamDir, 'config.yml'),
      `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${upstreamDir}/data\nhttp:\n  addr: 127.0.0.1:${UPSTREAM_PORT}\n`,
    );
    this.upstream = spawn('docker-registry', ['serve', path.join(upstreamDir, 'config.yml')], { stdio: 'ignore' });
    await eventually('the upstream registry to answer', async () => (await fetch(`${UPSTREAM}/v2/`).catch(() => undefined))?.ok === true, 20_000);
    await savePreloadImage(upstreamDir, upstreamDir, UPSTREAM_IMAGE, 'upstream.tar');
    await mustRun('skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      `docker-archive:${upstreamDir}/upstream.tar`,
      `docker://127.0.0.1:${UPSTREAM_PORT}/${UPSTREAM_IMAGE}`,
    ]);
  }

  stopUpstream(): void {
    this.upstream?.kill();
  }
}
