import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { pointKubeconfigAtEndpoint } from '../../src/cluster/kubeconfig.js';
import { KubelabError } from '../../src/errors.js';
import { LAB_FILES } from '../../src/lab/files.js';
import { compileText } from '../support/spec.js';
import { tempDir } from '../support/tmp.js';

/** The shape RKE writes (pki.GetKubeConfigX509WithData): its first controlplane node's address. */
const RKE_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- cluster:
    api-version: v1
    certificate-authority-data: "Q0EK"
    server: "https://192.168.56.10:6443"
  name: "kubelab"
contexts:
- context:
    cluster: "kubelab"
    user: "kube-admin-kubelab"
  name: "kubelab"
current-context: "kubelab"
users:
- name: "kube-admin-kubelab"
  user:
    client-certificate-data: "Q0VSVAo="
    client-key-data: "S0VZCg=="
`;

const HA = 'nodes:\n  - name: cp\n    count: 3\n    roles: [etcd, controlplane]\n  - name: worker\n    roles: [worker]\n';

async function labWithKubeconfig(text: string): Promise<{ outDir: string; file: string }> {
  const outDir = await tempDir('kubeconfig');
  const file = path.join(outDir, LAB_FILES.kubeconfig);
  await fs.writeFile(file, text, { mode: 0o600 });
  return { outDir, file };
}

test('with an endpoint, the kubeconfig RKE wrote names the endpoint, and nothing else in it changes', async () => {
  const { model } = await compileText(HA);
  const { outDir, file } = await labWithKubeconfig(RKE_KUBECONFIG);
  assert.equal(await pointKubeconfigAtEndpoint(outDir, model), 'changed');
  const after = await fs.readFile(file, 'utf8');
  assert.equal(after, RKE_KUBECONFIG.replace('https://192.168.56.10:6443', 'https://192.168.56.9:6443'));
  assert.deepEqual((parse(after) as { users: unknown }).users, (parse(RKE_KUBECONFIG) as { users: unknown }).users);
  assert.equal((await fs.stat(file)).mode & 0o777, 0o600, 'it holds the admin key: only its owner reads it');
  assert.equal(await pointKubeconfigAtEndpoint(outDir, model), 'unchanged');
  assert.deepEqual(await fs.readdir(outDir), [LAB_FILES.kubeconfig], 'no temporary file is left');
});

test('without an endpoint the kubeconfig is left as RKE wrote it', async () => {
  const { model } = await compileText('nodes:\n  - name: a\n    roles: [etcd, controlplane, worker]\n');
  const { outDir, file } = await labWithKubeconfig(RKE_KUBECONFIG);
  assert.equal(await pointKubeconfigAtEndpoint(outDir, model), 'no endpoint');
  assert.equal(await fs.readFile(file, 'utf8'), RKE_KUBECONFIG);
});

test('a file that is no kubeconfig is refused, with what to do, and left as it is', async () => {
  const { model } = await compileText(HA);
  for (const text of ['clusters: 3\n', 'kind: Config\n', 'clusters: []\n']) {
    const { outDir, file } = await labWithKubeconfig(text);
    await assert.rejects(pointKubeconfigAtEndpoint(outDir, model), (error: unknown) => {
      assert.ok(error instanceof KubelabError);
      assert.match(error.message, /is not the kubeconfig RKE writes/);
      assert.match(error.hint ?? '', /kubelab apply/);
      return true;
    });
    assert.equal(await fs.readFile(file, 'utf8'), text);
  }
});
