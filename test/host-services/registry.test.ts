/**
 * The real programs behind the lab registry, on the host's loopback: Debian's docker-registry
 * started and stopped as kubelab does it, and `docker save` archives pushed to it with skopeo.
 */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureService, readRunning, stopServices } from '../../src/host-services/daemon.js';
import type { ServicePlan } from '../../src/host-services/plans.js';
import { registryConfig } from '../../src/host-services/services/distribution.js';
import { pushArchives } from '../../src/host-services/push.js';
import { stillRunning } from '../../src/exec/processes.js';
import { savePreloadImage } from '../support/docker-lab.js';
import { tempDir } from '../support/tmp.js';
import { inCI, onPath } from '../support/tools.js';

const PORT = 5291;
const missing = ['docker-registry', 'skopeo', 'docker', 'gcc'].filter((t) => !onPath(t));
if (missing.length > 0 && inCI) throw new Error(`CI must run the registry tests; missing: ${missing.join(', ')}`);
const skip = missing.length > 0 ? `needs ${missing.join(', ')}` : false;

function plan(dir: string, name: ServicePlan['name'], port: number, extra = ''): ServicePlan {
  const file = path.join(dir, 'out', '.kubelab', 'host-services', `${name}.yml`);
  return {
    name,
    title: `the test's ${name}`,
    program: 'docker-registry',
    args: ['serve', file],
    env: {},
    config: { file, content: registryConfig(`127.0.0.1:${port}`, path.join(dir, 'store'), undefined) + extra },
    folders: [],
    address: '127.0.0.1',
    port,
    storage: path.join(dir, 'store'),
    logFile: path.join(dir, 'out', '.kubelab', 'logs', `${name}.log`),
    healthPath: '/v2/',
  };
}

describe('the lab registry on the host, for real', { skip }, () => {
  let dir = '';
  let outDir = '';
  before(async () => {
    dir = await tempDir('registry');
    outDir = path.join(dir, 'out');
  });
  after(async () => {
    if (outDir !== '') await stopServices(outDir);
  });

  test('started once, left alone while its configuration stays, restarted when it changes, stopped for good', async () => {
    assert.equal(await ensureService(plan(dir, 'registry', PORT), outDir), 'started');
    const [first] = await readRunning(outDir);
    assert.ok(first && stillRunning(first));
    assert.equal((await fetch(`http://127.0.0.1:${PORT}/v2/`)).status, 200);
    assert.equal(await ensureService(plan(dir, 'registry', PORT), outDir), 'running');
    assert.equal((await readRunning(outDir))[0]!.pid, first.pid);

    assert.equal(await ensureService(plan(dir, 'registry', PORT, '# changed\n'), outDir), 'restarted');
    const [second] = await readRunning(outDir);
    assert.notEqual(second!.pid, first.pid);
    assert.equal(stillRunning(first), false);

    // Another service on a taken port is refused before it starts, and the error says who to look for.
    await assert.rejects(ensureService(plan(dir, 'pull-through', PORT), outDir), (error: Error & { hint?: string }) => {
      assert.equal(error.message, "the test's pull-through cannot listen on 127.0.0.1:5291: another program answers there");
      assert.match(error.hint ?? '', /`ss -ltnp` names it/);
      return true;
    });
    assert.deepEqual(
      (await readRunning(outDir)).map((s) => s.name),
      ['registry'],
    );

    assert.deepEqual(await stopServices(outDir), ["the test's registry"]);
    assert.equal(stillRunning(second!), false);
    assert.deepEqual(await readRunning(outDir), []);
  });

  test('archives are pushed once; what the registry has is skipped, and a non-Docker-Hub name is left out with why', async () => {
    await ensureService(plan(dir, 'registry', PORT), outDir);
    const images = path.join(dir, 'images');
    await savePreloadImage(path.join(dir, 'a'), images, 'kubelab-test/a:1', 'a.tar.gz');
    await savePreloadImage(path.join(dir, 'b'), images, 'quay.io/elsewhere/b:1', 'b.tar');
    const env = { ...process.env, KUBELAB_CACHE_DIR: path.join(dir, 'cache') };
    const archives = [path.join(images, 'a.tar.gz'), path.join(images, 'b.tar')];
    const lines: string[] = [];
    const signal = new AbortController().signal;

    const first = await pushArchives(archives, `127.0.0.1:${PORT}`, { log: (l) => lines.push(l), signal, env });
    assert.deepEqual(first.pushed, ['kubelab-test/a:1']);
    assert.deepEqual(first.present, []);
    assert.deepEqual(
      first.skipped.map((s) => s.ref),
      ['quay.io/elsewhere/b:1'],
    );
    assert.deepEqual(lines, ['pushing kubelab-test/a:1 (a.tar.gz)']);
    const catalog = (await (await fetch(`http://127.0.0.1:${PORT}/v2/_catalog`)).json()) as { repositories: string[] };
    assert.deepEqual(catalog.repositories, ['kubelab-test/a']);
    // Nothing of the unpacked archive is left behind in the cache.
    assert.deepEqual(
      (await fs.readdir(path.join(dir, 'cache', 'registry'))).filter((n) => n.startsWith('unpack-')),
      [],
    );

    const second = await pushArchives(archives, `127.0.0.1:${PORT}`, { log: (l) => lines.push(l), signal, env });
    assert.deepEqual(second.pushed, []);
    assert.deepEqual(second.present, ['kubelab-test/a:1']);
    assert.equal(lines.length, 1, 'nothing pushed the second time');
  });

  test('an archive that is no docker save archive is refused, naming the file', async () => {
    const bad = path.join(dir, 'bad.tar.gz');
    await fs.writeFile(bad, 'not a tarball');
    await assert.rejects(
      pushArchives([bad], `127.0.0.1:${PORT}`, {
        log: () => {},
        signal: new AbortController().signal,
        env: { ...process.env, KUBELAB_CACHE_DIR: path.join(dir, 'cache') },
      }),
      /bad\.tar\.gz is not a `docker save` archive: tar could not read its manifest\.json/,
    );
  });
});
