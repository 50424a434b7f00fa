import assert from 'node:assert/strict';
import fs from 'fs-extra';
import { watch } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { judgeHost, type LimitJudgement } from '../../src/host-check/index.js';
import { generous } from '../../src/host-check/limit.js';
import { countInotify, countInotifyOf, readingsFrom, type RawHost } from '../../src/host-check/readings.js';
import type { NodeModel } from '../../src/model.js';
import { packageRoot } from '../../src/paths.js';
import { compileText } from '../support/spec.js';
import { tempDir } from '../support/tmp.js';

/** A host as recorded by readRawHost: this machine with no lab up, and with CI's five-node lab up. */
const recorded = async (name: string): Promise<RawHost> =>
  fs.readJson(path.join(packageRoot, 'test', 'fixtures', 'host-check', `${name}.json`)) as Promise<RawHost>;

const dockerLab = async (workers: number, controlplanes = 1): Promise<NodeModel[]> => {
  const { model } = await compileText(
    `name: size\nprovider: {type: docker}\nnetwork: {cidr: 192.168.77.0/24}\ncni: {plugin: flannel}\nnodes:\n  - {name: cp, count: ${controlplanes}, roles: [etcd, controlplane]}\n  - {name: worker, count: ${workers}, roles: [worker]}\n`,
  );
  return model.nodes;
};

const limit = (judgements: LimitJudgement[], name: string): LimitJudgement => {
  const found = judgements.find((j) => j.name === name);
  assert.ok(found, `no judgement of ${name}: ${judgements.map((j) => j.name).join(', ')}`);
  return found;
};

describe('the host check: limits → nodes the host has room for', () => {
  test('the recorded idle host: 128 inotify instances hold 5 docker nodes, not 8; the remedy is a sysctl with room to spare', async () => {
    const readings = readingsFrom(await recorded('idle'));
    assert.equal(readings.tasks, 242);
    assert.equal(readings.rootKeys, 3);
    assert.equal(readings.arpEntries, 7);
    assert.equal(readings.memAvailableMiB, 22_263);
    const five = judgeHost(readings, { sharesHostKernel: true, kubernetes: true, toStart: await dockerLab(4) });
    assert.equal(limit(five, 'inotify-instances').verdict, 'ok');
    assert.equal(limit(five, 'inotify-instances').room, 7);
    const eight = limit(judgeHost(readings, { sharesHostKernel: true, kubernetes: true, toStart: await dockerLab(7) }), 'inotify-instances');
    assert.equal(eight.verdict, 'short');
    assert.equal(eight.needed, 8 * 17);
    assert.deepEqual(eight.remedy, { sysctl: 'fs.inotify.max_user_instances', value: 512 });
    // kernel.pid_max is 32768 here, below threads-max: the lower one is the limit.
    assert.match(limit(five, 'tasks').what, /kernel\.pid_max/);
  });

  test("the recorded host with CI's five-node lab up: 72 of root's 128 inotify instances in use, room for 3 more nodes, the 4th refused", async () => {
    const readings = readingsFrom(await recorded('five-node-lab'));
    assert.deepEqual(readings.inotify, { instances: 72, watches: 898 });
    assert.equal(readings.rootKeys, 125);
    const judge = async (workers: number): Promise<LimitJudgement> =>
      limit(judgeHost(readings, { sharesHostKernel: true, kubernetes: true, toStart: (await dockerLab(workers)).slice(1) }), 'inotify-instances');
    assert.equal((await judge(2)).verdict, 'ok');
    assert.equal((await judge(3)).verdict, 'close');
    const fourth = await judge(4);
    assert.equal(fourth.verdict, 'short');
    assert.equal(fourth.room, 3);
    assert.deepEqual(fourth.remedy, { sysctl: 'fs.inotify.max_user_instances', value: 512 });
  });

  test('a machine without a kubelet counts for less: the lab endpoint, or any with --machines-only', async () => {
    const readings = readingsFrom(await recorded('idle'));
    const ha = await dockerLab(2, 3);
    assert.ok(
      ha.some((n) => n.roles.join() === 'loadbalancer'),
      'kubelab adds the endpoint for 3 controlplane nodes',
    );
    assert.equal(limit(judgeHost(readings, { sharesHostKernel: true, kubernetes: true, toStart: ha }), 'inotify-instances').needed, 5 * 17 + 7);
    // apply --machines-only: no machine runs a kubelet.
    assert.equal(limit(judgeHost(readings, { sharesHostKernel: true, kubernetes: false, toStart: ha }), 'inotify-instances').needed, 6 * 7);
  });

  test('VMs: only memory and disk, and a VM takes the memory the spec gives it', async () => {
    const readings = readingsFrom(await recorded('idle'));
    const nodes = (await dockerLab(2)).map((n) => ({ ...n, memoryMiB: 8192 }));
    const judgements = judgeHost(readings, { sharesHostKernel: false, kubernetes: true, toStart: nodes });
    assert.deepEqual(
      judgements.map((j) => j.name),
      ['memory', 'disk'],
    );
    const memory = limit(judgements, 'memory');
    assert.equal(memory.needed, 3 * 8192);
    assert.equal(memory.verdict, 'short');
    assert.ok(memory.remedy && 'advice' in memory.remedy);
  });

  test('close: what the lab leaves is under a fifth of the headroom it found', async () => {
    const raw = await recorded('idle');
    const tight = readingsFrom({ ...raw, inotify: { instances: 40, watches: 0 } });
    // 88 free: 4 nodes take 68 and leave 20, more than a fifth of 88 (17.6); 5 take 85 and leave 3; 6 (102) do not fit.
    assert.equal(limit(judgeHost(tight, { sharesHostKernel: true, kubernetes: true, toStart: await dockerLab(3) }), 'inotify-instances').verdict, 'ok');
    assert.equal(limit(judgeHost(tight, { sharesHostKernel: true, kubernetes: true, toStart: await dockerLab(4) }), 'inotify-instances').verdict, 'close');
    assert.equal(limit(judgeHost(tight, { sharesHostKernel: true, kubernetes: true, toStart: await dockerLab(5) }), 'inotify-instances').verdict, 'short');
  });

  test('what cannot be read is left out or counted as unknown, never guessed', async () => {
    const raw = await recorded('idle');
    const bare = readingsFrom({
      ...raw,
      sysctl: {},
      loadavg: 'garbage',
      keyUsers: ' 1000:     2 2/2 2/200 28/20000\n',
      arpCache: 'entries\nzz',
      meminfo: undefined,
      inotify: undefined,
      disk: undefined,
    });
    assert.deepEqual([bare.tasks, bare.rootKeys, bare.arpEntries, bare.memAvailableMiB], [undefined, undefined, undefined, undefined]);
    assert.deepEqual(judgeHost(bare, { sharesHostKernel: true, kubernetes: true, toStart: await dockerLab(1) }), []);
    const uncounted = readingsFrom({ ...raw, inotify: undefined });
    assert.equal(limit(judgeHost(uncounted, { sharesHostKernel: true, kubernetes: true, toStart: await dockerLab(1) }), 'inotify-instances').used, undefined);
    assert.equal(readingsFrom({ ...raw, sysctl: { 'kernel.pid_max': '-5\n' } }).sysctl['kernel.pid_max'], '-5\n');
    assert.equal(
      judgeHost(readingsFrom({ ...raw, sysctl: { 'kernel.pid_max': '-5\n' } }), { sharesHostKernel: true, kubernetes: true, toStart: [] }).find(
        (j) => j.name === 'tasks',
      ),
      undefined,
    );
  });

  test('a proposed value is a power of two with twice the need to spare, and never below the recommended one', () => {
    assert.equal(generous(89, 51, 512), 512);
    assert.equal(generous(300, 400, 512), 2048);
  });

  test(
    "root's inotify instances are counted in /proc: this process's watch of a folder is one more",
    { skip: process.getuid?.() !== 0 && 'needs root' },
    async () => {
      // Root's total moves with every other process (the e2e labs' kubelets run beside this test); this process's does not.
      const own = [String(process.pid)];
      const before = await countInotifyOf(own);
      assert.ok(before);
      const watcher = watch(await tempDir('inotify'));
      try {
        const during = await countInotifyOf(own);
        assert.ok(during && during.instances >= 1 && during.watches === before.watches + 1, JSON.stringify({ before, during }));
        const rootDuring = await countInotify(0);
        assert.ok(rootDuring && rootDuring.instances >= during.instances && rootDuring.watches >= during.watches, JSON.stringify({ rootDuring, during }));
      } finally {
        watcher.close();
      }
    },
  );
});
