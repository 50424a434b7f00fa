/** The offline kit's pieces that need no build: sources, content keys, the image plan. */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fillAtomically, hashOf, hashPath } from '../../src/cache.js';
import { KIT_KUBERNETES_VERSIONS, kitSystemImages, kitTarballName } from '../../src/kit/components.js';
import { BINARY_STEPS, imageRecipes } from '../../src/kit/steps.js';
import { MissingSourcesError, THIRD_PARTY_SOURCES, locateSources } from '../../src/kit/sources.js';
import { splitKubectlArgs } from '../../src/cli/kubectl.js';
import { kubelab } from '../support/docker-lab.js';
import { repoRoot } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';

const SHARED_SOURCES = process.env.KUBELAB_KIT_SOURCES ?? path.resolve(repoRoot, '..', 'shared', 'third_party');

describe('kit sources', () => {
  test('a folder without them names every missing repository and tag, with the clone command', async () => {
    const dir = await tempDir('kit-src');
    await assert.rejects(locateSources(dir), (error: unknown) => {
      assert.ok(error instanceof MissingSourcesError);
      assert.equal(error.missing.length, Object.keys(THIRD_PARTY_SOURCES).length);
      assert.match(error.message, /cri-dockerd-v0\.3\.16: github\.com\/Mirantis\/cri-dockerd at v0\.3\.16/);
      assert.match(
        error.hint ?? '',
        new RegExp(`git clone --depth 1 --branch v0\\.3\\.16 https://github\\.com/Mirantis/cri-dockerd ${dir}/cri-dockerd-v0\\.3\\.16`),
      );
      assert.equal(error.exitCode, 4);
      return true;
    });
  });

  test('tarballs and clones are both found; a clone wins nothing over a tarball', async () => {
    const dir = await tempDir('kit-src');
    for (const source of Object.values(THIRD_PARTY_SOURCES)) await fs.mkdirp(path.join(dir, source.name));
    await fs.writeFile(path.join(dir, `${THIRD_PARTY_SOURCES.rkeTools.name}.tar.gz`), 'x');
    const found = await locateSources(dir);
    assert.equal(found.rkeTools.kind, 'tarball');
    assert.equal(found.criDockerd.kind, 'folder');
  });

  test('the shared third-party folder has every source as a tarball', { skip: !fs.existsSync(SHARED_SOURCES) && !process.env.CI }, async () => {
    const found = await locateSources(SHARED_SOURCES);
    assert.ok(Object.values(found).every((s) => s.kind === 'tarball'));
  });

  test('kubelab kit build with sources missing exits 4 before building anything', async () => {
    const dir = await tempDir('kit-cli');
    const result = await kubelab(
      dir,
      ['kit', 'build', '--kubernetes-version', 'v1.32.5-rancher1-1', '--sources', path.join(dir, 'none'), '--images-dir', path.join(dir, 'images')],
      {
        KUBELAB_CACHE_DIR: path.join(dir, 'cache'),
      },
    );
    assert.equal(result.exitCode, 4, result.all);
    assert.match(result.stderr, /the kit needs 7 source trees that the Go module proxy does not serve/);
    assert.match(result.stderr, /hint: clone each into the sources folder/);
    assert.ok(!(await fs.pathExists(path.join(dir, 'images'))), 'nothing was written');
  });

  test('kubelab kit build refuses a Kubernetes version it has no recipe for', async () => {
    const dir = await tempDir('kit-cli');
    const result = await kubelab(dir, ['kit', 'build', '--kubernetes-version', 'v1.30.14-rancher1-1', '--sources', SHARED_SOURCES, '--images-dir', dir]);
    assert.equal(result.exitCode, 1, result.all);
    assert.match(
      result.stderr,
      /the kit has no recipe for Kubernetes v1\.30\.14-rancher1-1\nhint: the kit builds v1\.32\.2-rancher1-1, .*v1\.32\.6-rancher1-1/,
    );
  });
});

describe('kit cache keys', () => {
  test('equal content gives equal keys, and parts cannot be shifted into each other', () => {
    assert.equal(hashOf(['a', 'b']), hashOf(['a', 'b']));
    assert.notEqual(hashOf(['ab', 'c']), hashOf(['a', 'bc']));
  });

  test('a folder key follows names, content and the executable bit, not the time', async () => {
    const dir = await tempDir('kit-hash');
    await fs.outputFile(path.join(dir, 'a', 'x.sh'), 'echo\n');
    const first = await hashPath(dir);
    await fs.utimes(path.join(dir, 'a', 'x.sh'), new Date(0), new Date(0));
    assert.equal(await hashPath(dir), first);
    await fs.chmod(path.join(dir, 'a', 'x.sh'), 0o755);
    const executable = await hashPath(dir);
    assert.notEqual(executable, first);
    await fs.writeFile(path.join(dir, 'a', 'x.sh'), 'echo hi\n');
    assert.notEqual(await hashPath(dir), executable);
  });

  test('a failed fill leaves neither the target nor its temporary', async () => {
    const dir = await tempDir('kit-fill');
    const target = path.join(dir, 'out');
    await assert.rejects(
      fillAtomically(target, async (tmp) => {
        await fs.outputFile(path.join(tmp, 'half'), 'x');
        throw new Error('step failed');
      }),
      /step failed/,
    );
    assert.deepEqual(await fs.readdir(dir), []);
    await fillAtomically(target, (tmp) => fs.outputFile(path.join(tmp, 'whole'), 'x'));
    assert.deepEqual(await fs.readdir(target), ['whole']);
  });
});

describe('kit plan', () => {
  test('every image cluster.yml names is built by a recipe, from outputs a step produces', () => {
    for (const version of KIT_KUBERNETES_VERSIONS) {
      const recipes = imageRecipes(version);
      const built = new Set(recipes.map((r) => r.name));
      for (const [key, image] of Object.entries(kitSystemImages(version))) assert.ok(built.has(image), `${key}: ${image}`);
      for (const recipe of recipes) {
        for (const input of recipe.binaries) {
          const step = BINARY_STEPS.find((s) => s.id === input.step);
          assert.ok(step, `${recipe.name} reads from unknown step ${input.step}`);
          const top = input.file.split('/')[0]!;
          assert.ok(step.outputs.includes(top), `${recipe.name}: ${input.step} does not produce ${input.file}`);
        }
      }
      assert.match(kitTarballName(version), /^kubelab-kit-v1\.32\.[2-6]-rancher1-1\.tar\.gz$/);
    }
    assert.equal(kitSystemImages('v1.32.5-rancher1-1').kubernetes, 'kubelab/hyperkube:v1.32.5');
  });
});

describe('kubelab kubectl', () => {
  test("kubelab's own --spec and --out come first; everything after is kubectl's, -o and -n included", () => {
    assert.deepEqual(splitKubectlArgs(['kubectl', 'get', 'nodes', '-o', 'wide']), { spec: 'kubelab.yaml', out: 'out', args: ['get', 'nodes', '-o', 'wide'] });
    assert.deepEqual(splitKubectlArgs(['kubectl', '--out', 'lab', '--spec=a.yaml', '-n', 'kube-system', 'get', 'pods']), {
      spec: 'a.yaml',
      out: 'lab',
      args: ['-n', 'kube-system', 'get', 'pods'],
    });
    assert.deepEqual(splitKubectlArgs(['kubectl', '--', '--out', 'x']), { spec: 'kubelab.yaml', out: 'out', args: ['--out', 'x'] });
  });

  test('a lab without a kubeconfig is told to run apply', async () => {
    const dir = await tempDir('kubectl');
    await fs.writeFile(path.join(dir, 'kubelab.yaml'), 'name: k\nprovider:\n  type: docker\nnodes:\n  - name: a\n    roles: [etcd, controlplane, worker]\n');
    const result = await kubelab(dir, ['kubectl', 'get', 'nodes']);
    assert.equal(result.exitCode, 1, result.all);
    assert.match(result.stderr, /lab k has no kubeconfig yet \(out\/kube_config_cluster\.yml\)\nhint: run `kubelab apply` to install Kubernetes/);
  });
});
