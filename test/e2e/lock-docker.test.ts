/**
 * The lab lock end to end, with real Vagrant and the docker provider: kubelab killed mid
 * `vagrant up` (SIGKILL), the next apply told that the previous run still works, --wait and
 * --stop-previous, and SIGHUP (a closed terminal) handled as Ctrl-C.
 */
import assert from 'node:assert/strict';
import { execa, type ResultPromise } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { childRunning, LAB_BUSY_EXIT_CODE, labLockPath, type LabLockRecord } from '../../src/lab/lock.js';
import { destroyAndAssertClean, dockerLabUnavailable, ensureBox, kubelab, REGISTRY_WITHOUT_UPSTREAM } from '../support/docker-lab.js';
import { cliPath } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';

const BOX = 'kubelab/debian-bookworm:latest';
// A network the test creates for itself (through Vagrant); nothing else is ever addressed.
const SPEC = `
name: kllock
provider:
  type: docker
network:
  cidr: 192.168.235.0/24
defaults:
  cpus: 1
  memory: 2G
nodes:
  - name: cp
    roles: [etcd, controlplane, worker]
images:
  system: rancher
${REGISTRY_WITHOUT_UPSTREAM}`;

const unavailable = await dockerLabUnavailable();
if (unavailable && process.env.CI) throw new Error(`the end-to-end test cannot run in CI: ${unavailable}`);

/** `kubelab apply --machines-only`, resolved once its output matches `until` (the run goes on). */
async function applyUntil(dir: string, until: RegExp): Promise<{ run: ResultPromise<{ reject: false; all: true }>; seen: () => string }> {
  const run = execa(process.execPath, [cliPath, 'apply', '--machines-only'], { cwd: dir, reject: false, all: true, env: { TERM: 'dumb' } });
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    run.all.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (until.test(seen)) resolve();
    });
    void run.then(() => reject(new Error(`apply ended before ${until}:\n${seen}`)));
  });
  return { run, seen: () => seen };
}

async function lockRecord(outDir: string): Promise<LabLockRecord> {
  return (await fs.readJson(labLockPath(outDir))) as LabLockRecord;
}

describe('a runner that survives its own death (docker provider)', { skip: unavailable, timeout: 20 * 60_000 }, () => {
  let dir = '';
  let outDir = '';

  before(async () => {
    await ensureBox(BOX);
    dir = await tempDir('lock-e2e');
    outDir = path.join(dir, 'out');
    await fs.writeFile(path.join(dir, 'kubelab.yaml'), SPEC);
  });

  after(async () => {
    if (outDir && (await fs.pathExists(path.join(outDir, '.vagrant')))) await kubelab(dir, ['destroy', '--stop-previous', '--stop-grace', '5']);
  });

  test('kubelab SIGKILLed mid vagrant up: the next apply says the previous run still works; --wait waits for it, then converges', async () => {
    const { run } = await applyUntil(dir, /\[cp\] provisioning: system/);
    const { children } = await lockRecord(outDir);
    assert.equal(children.length, 1);
    const vagrant = children[0]!;
    assert.equal(vagrant.what, 'vagrant up for node cp');
    run.kill('SIGKILL');
    await run;

    const refused = await kubelab(dir, ['apply', '--machines-only']);
    assert.equal(refused.exitCode, LAB_BUSY_EXIT_CODE, refused.all);
    assert.match(
      refused.all ?? '',
      new RegExp(
        `a previous \`kubelab apply\` \\(pid ${run.pid}, started at [0-9:]+, \\d+s ago\\) is still running: kubelab itself is gone \\(killed\\?\\), but what it started is not:\\n  its vagrant up for node cp \\(pid ${vagrant.pid}, started at [0-9:]+, \\d+s ago\\): vagrant up cp --provision --provider=docker`,
      ),
    );
    assert.match(refused.all ?? '', /hint: wait for it with `kubelab apply --wait`, or stop it with `kubelab apply --stop-previous`/);
    assert.doesNotMatch(refused.all ?? '', /another process is already executing an action/);
    assert.ok(childRunning(vagrant), 'the refusal left the previous vagrant up alone');

    const waited = await kubelab(dir, ['apply', '--machines-only', '--wait']);
    assert.equal(waited.exitCode, 0, waited.all);
    const said = waited.all ?? '';
    assert.match(
      said,
      new RegExp(
        `waiting for the previous \`kubelab apply\` \\(pid ${run.pid}, .*\\) to finish \\(kubelab itself is gone; waiting for\\n  its vagrant up for node cp \\(pid ${vagrant.pid},`,
      ),
    );
    assert.ok(said.indexOf('waiting for the previous') < said.indexOf('[cp] starting'), 'the new vagrant up started after the wait');
    assert.match(said, /\[cp\] ready \(192\.168\.235\.10\)/);
    assert.ok(!childRunning(vagrant));
    // The orphan finished its work: its output went on into the log after kubelab was gone.
    const log = await fs.readFile(path.join(outDir, '.kubelab/logs/vagrant-up-cp.log'), 'utf8');
    assert.match(log.split('$ vagrant up cp')[1] ?? '', /kubelab\[cp\] rke-access: ready for vagrant/);
  });

  test('--stop-previous stops the orphaned vagrant up as Ctrl-C would, then converges', async () => {
    const { run } = await applyUntil(dir, /\[cp\] provisioning: system/);
    const vagrant = (await lockRecord(outDir)).children[0]!;
    run.kill('SIGKILL');
    await run;
    assert.ok(childRunning(vagrant));

    const stopped = await kubelab(dir, ['apply', '--machines-only', '--stop-previous']);
    assert.equal(stopped.exitCode, 0, stopped.all);
    assert.match(
      stopped.all ?? '',
      // The machine exists since the first test: apply brings it up, then provisions it apart.
      new RegExp(`stopping the previous run's vagrant provision for node cp \\(process group ${vagrant.pid}\\): SIGINT, as Ctrl-C would`),
    );
    assert.match(stopped.all ?? '', /the previous `kubelab apply` .* has stopped; going on/);
    assert.match(stopped.all ?? '', /\[cp\] ready \(192\.168\.235\.10\)/);
    assert.ok(!childRunning(vagrant));
    const log = await fs.readFile(path.join(outDir, '.kubelab/logs/vagrant-provision-cp.log'), 'utf8');
    assert.match(log, /Vagrant exited after cleanup due to external interrupt/);
  });

  test('while an apply runs, another is refused at once; SIGHUP ends the apply as Ctrl-C does and releases the lab', async () => {
    const { run } = await applyUntil(dir, /\[cp\] provisioning: system/);
    const vagrant = (await lockRecord(outDir)).children[0]!;

    const refused = await kubelab(dir, ['destroy']);
    assert.equal(refused.exitCode, LAB_BUSY_EXIT_CODE, refused.all);
    assert.match(
      refused.all ?? '',
      new RegExp(
        `the lab in ${outDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is being changed by \`kubelab apply\` \\(pid ${run.pid}, started at [0-9:]+, \\d+s ago\\), which is still running`,
      ),
    );

    run.kill('SIGHUP');
    const result = await run;
    assert.equal(result.exitCode, 130, result.all);
    assert.match(result.all, /SIGHUP received, interrupting as Ctrl-C would/);
    assert.match(result.all, /interrupted while starting the machines/);
    assert.ok(!childRunning(vagrant), 'its vagrant up stopped');
    assert.match(
      await fs.readFile(path.join(outDir, '.kubelab/logs/vagrant-provision-cp.log'), 'utf8'),
      /Vagrant exited after cleanup due to external interrupt\.\n# exit/,
    );
    assert.ok(!(await fs.pathExists(labLockPath(outDir))), 'the lab lock is released');
  });

  test('destroy leaves no container, network or volume behind', async () => {
    await destroyAndAssertClean(dir, 'kllock', 1, '192.168.235.');
    assert.ok(!(await fs.pathExists(path.join(outDir, '.kubelab'))), 'the state folder and its lock are gone');
  });
});
