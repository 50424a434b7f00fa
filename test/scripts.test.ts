/**
 * The shell scripts kubelab runs on the host: the box builders, their shared library, the daemon
 * starters and CI's entry point, checked with shellcheck (no exclusions, sourced files followed).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../src/paths.js';
import { requireTool, run } from './support/tools.js';

const SCRIPTS = [
  'boxes/lib/debian-rootfs.sh',
  'boxes/docker/build.sh',
  'boxes/docker/kubelab-init',
  'boxes/libvirt/build.sh',
  'scripts/ensure-dockerd.sh',
  'scripts/ensure-libvirtd.sh',
  'scripts/runc-drop-caps',
  '.ci/run',
];

test('the host scripts pass shellcheck', async (t) => {
  if (!requireTool(t, 'shellcheck', 'check the host scripts')) return;
  const { code, stdout, stderr } = await run('shellcheck', ['--norc', '--external-sources', ...SCRIPTS.map((s) => path.join(packageRoot, s))], {
    cwd: packageRoot,
  });
  assert.equal(code, 0, `${stdout}${stderr}`);
});
