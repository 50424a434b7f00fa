import assert from 'node:assert/strict';
import { execa } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { test } from 'node:test';
import { cliPath, repoRoot } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';

const SPEC = `
name: prereq
provider:
  type: docker
nodes:
  - name: one
    roles: [etcd, controlplane, worker]
`;

test('apply names every missing prerequisite, and how to get it, before anything starts', async () => {
  const dir = await tempDir('prereq');
  await fs.writeFile(path.join(dir, 'kubelab.yaml'), SPEC);
  // An empty PATH: no vagrant, no docker, no ssh-keygen, no rke.
  const emptyBin = path.join(dir, 'bin');
  await fs.mkdirp(emptyBin);
  const result = await execa(process.execPath, [cliPath, 'apply'], { cwd: dir, reject: false, all: true, env: { PATH: emptyBin }, extendEnv: false });
  assert.equal(result.exitCode, 4, result.all);
  assert.match(result.all ?? '', /missing prerequisites:/);
  assert.match(result.all ?? '', /vagrant: install Vagrant/);
  assert.match(result.all ?? '', /ssh-keygen: install the OpenSSH client/);
  assert.match(result.all ?? '', /docker \(a running Docker daemon\): install Docker/);
  // Nothing was started: no machine state, no key, no logs.
  assert.ok(!(await fs.pathExists(path.join(dir, 'out', '.vagrant'))));
  assert.ok(!(await fs.pathExists(path.join(dir, 'out', '.kubelab'))));
});

test('apply refuses a missing ssh.privateKey before anything starts', async () => {
  const dir = await tempDir('prereq');
  await fs.writeFile(path.join(dir, 'kubelab.yaml'), `${SPEC}ssh:\n  privateKey: keys/missing\n`);
  const result = await execa(process.execPath, [cliPath, 'apply'], { cwd: dir, reject: false, all: true });
  assert.equal(result.exitCode, 1, result.all);
  assert.match(result.all ?? '', new RegExp(`ssh\\.privateKey: ${path.join(dir, 'keys', 'missing').replace(/[/.]/g, '\\$&')} does not exist`));
  assert.match(result.all ?? '', /public key sits beside it as KEY\.pub/);
  assert.ok(!(await fs.pathExists(path.join(dir, 'out', '.vagrant'))));
});

test('without VirtualBox, the bundled example (made for it) is refused with the way to the same kind of lab on Docker', async () => {
  const dir = await tempDir('prereq');
  await fs.copy(path.join(repoRoot, 'kubelab.yaml'), path.join(dir, 'kubelab.yaml'));
  const emptyBin = path.join(dir, 'bin');
  await fs.mkdirp(emptyBin);
  const result = await execa(process.execPath, [cliPath, 'apply'], { cwd: dir, reject: false, all: true, env: { PATH: emptyBin }, extendEnv: false });
  assert.equal(result.exitCode, 4, result.all);
  assert.match(
    result.all ?? '',
    /VirtualBox \(VBoxManage\): install VirtualBox 7 .*; or, without VirtualBox, the same kind of lab on Docker: examples\/docker\/kubelab\.yaml \(README: "A first cluster on Docker"\)/,
  );
  assert.ok(await fs.pathExists(path.join(repoRoot, 'examples', 'docker', 'kubelab.yaml')));
});
