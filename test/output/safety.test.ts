/**
 * The output folder against links, hostile manifests, interrupted runs and a spec in the wrong
 * place; the spec's limits; the short forms a new user types first.
 */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { checkGenerated, generate } from '../../src/commands/generate.js';
import { SpecError, UnsafeOutputError } from '../../src/errors.js';
import { MANIFEST_FILE } from '../../src/output/manifest.js';
import { MAX_NODES, MAX_SPEC_BYTES } from '../../src/spec/limits.js';
import { brief, compileText, ONE_NODE, rejectedText } from '../support/spec.js';
import { repoRoot } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';
import { listFiles } from '../support/tree.js';

const SPEC = `name: lab\n${ONE_NODE}`;

async function lab(text = SPEC): Promise<{ dir: string; spec: string; out: string }> {
  const dir = await tempDir('safety');
  const spec = path.join(dir, 'kubelab.yaml');
  await fs.writeFile(spec, text);
  return { dir, spec, out: path.join(dir, 'out') };
}

const unsafe = (pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof UnsafeOutputError, String(err));
  assert.match(err.message, pattern);
  assert.ok(err.hint);
  return true;
};

describe('output folder: symbolic links', () => {
  test('a linked provision/ folder is refused, naming the link; nothing is written where it leads', async () => {
    const { dir, spec, out } = await lab();
    const elsewhere = path.join(dir, 'elsewhere');
    await fs.mkdirp(elsewhere);
    await fs.mkdirp(out);
    await fs.symlink(elsewhere, path.join(out, 'provision'));
    await assert.rejects(generate({ spec, out, force: true }), unsafe(/out\/provision: it is a symbolic link/));
    assert.deepEqual(await fs.readdir(elsewhere), []);
  });

  test('a link in place of a generated file is refused even with --force; its target is untouched', async () => {
    const { dir, spec, out } = await lab();
    await generate({ spec, out });
    const victim = path.join(dir, 'victim.txt');
    await fs.writeFile(victim, 'mine');
    await fs.remove(path.join(out, 'Vagrantfile'));
    await fs.symlink(victim, path.join(out, 'Vagrantfile'));
    await assert.rejects(generate({ spec, out }), unsafe(/out\/Vagrantfile: it is a symbolic link/));
    await assert.rejects(generate({ spec, out, force: true }), unsafe(/out\/Vagrantfile: it is a symbolic link/));
    assert.equal(await fs.readFile(victim, 'utf8'), 'mine');
  });

  test('manifest entries outside the folder, or behind a link, never get a file deleted', async () => {
    const { dir, spec, out } = await lab();
    await generate({ spec, out });
    const outside = path.join(dir, 'outside');
    await fs.outputFile(path.join(outside, 'victim.txt'), 'mine');
    await fs.symlink(outside, path.join(out, 'linked'));
    const manifestFile = path.join(out, MANIFEST_FILE);
    const manifest = await fs.readJson(manifestFile);
    const sha = (await import('../../src/output/manifest.js')).sha256('mine');
    for (const p of ['../outside/victim.txt', path.join(outside, 'victim.txt'), 'linked/victim.txt', 'linked/../../outside/victim.txt']) {
      manifest.files.push({ path: p, sha256: sha, executable: false });
    }
    await fs.writeJson(manifestFile, manifest);
    // The plain-path rule drops the first, second and fourth; the link stops the third.
    await assert.rejects(generate({ spec, out, force: true }), unsafe(/out\/linked: it is a symbolic link/));
    assert.equal(await fs.readFile(path.join(outside, 'victim.txt'), 'utf8'), 'mine');
    await fs.remove(path.join(out, 'linked'));
    await generate({ spec, out, force: true });
    assert.equal(await fs.readFile(path.join(outside, 'victim.txt'), 'utf8'), 'mine');
  });
});

describe('output folder: temporary files', () => {
  test('leftovers of an interrupted run are removed; a link with a staging name is neither followed nor removed', async () => {
    const { dir, spec, out } = await lab();
    await generate({ spec, out });
    await fs.writeFile(path.join(out, '.Vagrantfile.kubelab-4242.tmp'), 'half');
    await fs.writeFile(path.join(out, 'provision', '.system.sh.kubelab-0a1b2c3d4e5f6071.tmp'), 'half');
    const victim = path.join(dir, 'victim.txt');
    await fs.writeFile(victim, 'mine');
    await fs.symlink(victim, path.join(out, '.cluster.yml.kubelab-99.tmp'));
    await fs.writeFile(spec, SPEC.replace('name: lab', 'name: lab2'));
    await generate({ spec, out });
    assert.deepEqual(
      (await listFiles(out)).filter((f) => f.endsWith('.tmp')),
      ['.cluster.yml.kubelab-99.tmp'],
    );
    assert.equal(await fs.readFile(victim, 'utf8'), 'mine');
    await checkGenerated({ spec, out });
  });
});

describe('output folder: an interrupted generate', () => {
  /** Runs generate with the Nth rename failing, as a kill between two renames would leave it. */
  async function interrupted(spec: string, out: string, failAt: number): Promise<void> {
    const rename = fs.rename;
    let calls = 0;
    (fs as { rename: unknown }).rename = async (from: string, to: string) => {
      if (++calls === failAt) throw Object.assign(new Error('killed'), { code: 'EINTR' });
      return rename(from, to);
    };
    try {
      await assert.rejects(generate({ spec, out }));
    } finally {
      (fs as { rename: unknown }).rename = rename;
    }
  }

  // Renames: the manifest naming both states, the Vagrantfile, cluster.yml, the final manifest.
  for (const failAt of [1, 2, 3, 4]) {
    test(`killed at rename ${failAt}: the next generate, of the same or of a changed spec, calls nothing edited by hand`, async () => {
      const { spec, out } = await lab();
      await generate({ spec, out });
      await fs.writeFile(spec, SPEC.replace('name: lab', 'name: lab2'));
      await interrupted(spec, out, failAt);
      // The user changes the spec once more before trying again.
      await fs.writeFile(spec, SPEC.replace('name: lab', 'name: lab3').replace('roles:', 'cpus: 3\n    roles:'));
      const result = await generate({ spec, out });
      assert.ok(result.result.written.length > 0);
      await checkGenerated({ spec, out });
      assert.deepEqual(
        (await listFiles(out)).filter((f) => f.endsWith('.tmp')),
        [],
      );
      assert.doesNotMatch(JSON.stringify(await fs.readJson(path.join(out, MANIFEST_FILE))), /previous/);
    });
  }

  test('a file that already holds what the spec generates is not called edited, with or without a manifest', async () => {
    const { spec, out } = await lab();
    await generate({ spec, out });
    await fs.remove(path.join(out, MANIFEST_FILE));
    await generate({ spec, out });
    await checkGenerated({ spec, out });
  });
});

describe('output folder: the spec itself', () => {
  test('--force never overwrites the spec when it sits at a generated path', async () => {
    const { dir, out } = await lab();
    const spec = path.join(out, 'cluster.yml');
    await fs.outputFile(spec, SPEC);
    await assert.rejects(generate({ spec, out, force: true }), unsafe(/it is the spec itself/));
    assert.equal(await fs.readFile(spec, 'utf8'), SPEC);
    // A hard link is the same file under another name.
    const linked = path.join(dir, 'linked.yaml');
    await fs.link(spec, linked);
    await fs.remove(spec);
    await fs.outputFile(path.join(dir, 'o2', '.gitignore'), '');
    await fs.remove(path.join(dir, 'o2', '.gitignore'));
    await fs.link(linked, path.join(dir, 'o2', '.gitignore'));
    await assert.rejects(generate({ spec: linked, out: path.join(dir, 'o2'), force: true }), unsafe(/it is the spec itself/));
    assert.equal(await fs.readFile(linked, 'utf8'), SPEC);
  });
});

describe('spec: the images folder is shared into every machine when the lab registry is off', () => {
  const cases: [string, (dir: string) => string, RegExp][] = [
    ['/', () => '/', /the root of the file system/],
    ['the spec folder, which holds out/', () => '.', /a folder holding the output folder/],
    ['the output folder', () => 'out', /the output folder, which holds/],
    ["the output folder's .kubelab", () => 'out/.kubelab/ssh', /\.kubelab folder/],
    ['the home folder', () => os.homedir(), /your home folder/],
    ['a system folder', () => '/etc', /the system folder \/etc/],
    ['a folder holding a system folder', () => '/var', /a folder holding or inside the system folder \/var\/lib/],
    ['the SSH folder in the home folder', () => path.join(os.homedir(), '.ssh'), /\.ssh, which holds credentials/],
    ['the folder of the own SSH key', () => 'keys', /the folder holding the SSH key/],
  ];
  for (const [what, dir, message] of cases) {
    test(`${what} is refused, with what to write instead`, async () => {
      const text = `ssh:\n  privateKey: keys/id\nimages:\n  dir: ${JSON.stringify(dir(''))}\n${ONE_NODE}registry:\n  enabled: false\n`;
      const { problems } = await rejectedText(text);
      const p = problems.find((x) => x.path === 'images.dir');
      assert.ok(p, brief(problems).join('\n'));
      assert.match(p.message, message);
      assert.equal(p.line, 4);
      assert.match(p.hint ?? '', /images\.dir: \.images/);
    });
  }

  test('a folder of its own, and no shared folder at all, are fine', async () => {
    await compileText(`images:\n  dir: cache/images\n${ONE_NODE}registry:\n  enabled: false\n`);
    await compileText(`provider:\n  syncedFolder: none\nimages:\n  dir: /\n${ONE_NODE}registry:\n  enabled: false\n`);
  });

  test('with the lab registry (the default) the folder is only read on the host, never shared', async () => {
    const { model } = await compileText(`ssh:\n  privateKey: keys/id\nimages:\n  dir: keys\n${ONE_NODE}`);
    assert.equal(model.images.delivery, 'registry');
    await compileText(`images:\n  dir: /\n${ONE_NODE}`);
  });
});

describe('spec: limits', () => {
  test(`a spec over ${MAX_SPEC_BYTES} bytes is refused before it is parsed`, async () => {
    const { dir } = await lab();
    const spec = path.join(dir, 'big.yaml');
    await fs.writeFile(spec, `${ONE_NODE}# ${'x'.repeat(MAX_SPEC_BYTES)}\n`);
    const started = Date.now();
    await assert.rejects(generate({ spec, out: path.join(dir, 'out') }), (err: unknown) => {
      assert.ok(err instanceof SpecError);
      assert.match(err.message, /kubelab reads specs of at most 1048576 bytes \(1 MiB\)/);
      return true;
    });
    assert.ok(Date.now() - started < 2000);
  });

  test(`more than ${MAX_NODES} nodes is refused, located, with what to write instead`, async () => {
    const { problems } = await rejectedText(
      `nodes:\n  - name: a\n    roles: [etcd, controlplane, worker]\n  - name: w\n    count: 50\n    roles: [worker]\n  - name: v\n    count: 50\n    roles: [worker]\n`,
    );
    assert.deepEqual(brief(problems), [`error 2:3 nodes: the spec asks for 101 nodes; a lab has at most ${MAX_NODES}`]);
    assert.match(problems[0]?.hint ?? '', /count/);
  });

  test('a mapping with 40,000 keys is checked for duplicates in linear time', async () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `      k${i}: v\n`).join('');
    const text = `nodes:\n  - name: a\n    roles: [etcd, controlplane, worker]\n    labels:\n${keys}      k7: again\n`;
    assert.ok(Buffer.byteLength(text) < MAX_SPEC_BYTES);
    const started = Date.now();
    const { problems } = await rejectedText(text);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    assert.deepEqual(brief(problems), [`error ${40_005}:7 (file): YAML syntax: Map keys must be unique`]);
    assert.match(problems[0]?.hint ?? '', /`k7` appears twice/);
  });

  test('the README states the limits', async () => {
    const readme = await fs.readFile(path.join(repoRoot, 'README.md'), 'utf8');
    assert.match(readme, /larger than 1 MiB/);
    assert.match(readme, new RegExp(`more than ${MAX_NODES} nodes`));
  });
});

describe('spec: short forms and errors that say what to write', () => {
  test('`provider: docker` means `provider: {type: docker}`', async () => {
    const short = await compileText(`provider: docker\n${ONE_NODE}`);
    const long = await compileText(`provider:\n  type: docker\n${ONE_NODE}`);
    assert.deepEqual(short.model.provider, long.model.provider);
  });

  test('a misspelt short form names the allowed values and the closest', async () => {
    const { problems } = await rejectedText(`provider: dockr\n${ONE_NODE}`);
    assert.deepEqual(brief(problems), ['error 1:11 provider.type: expected one of "virtualbox", "libvirt", "docker", got "dockr"']);
    assert.equal(problems[0]?.hint, 'did you mean "docker"?');
  });

  test('type mistakes come with the value as it should be written', async () => {
    const { problems } = await rejectedText(
      'nodes:\n  - name: a\n    roles: worker\n    cpus: "2"\nprovider:\n  virtualbox:\n    gui: "yes"\nnetwork: 192.168.56.0/24\n',
    );
    assert.deepEqual(
      problems.map((p) => `${p.path}: ${p.hint}`),
      [
        'nodes[0].roles: write a list: [worker], or one `- item` per line',
        'nodes[0].cpus: write the number without quotes: 2',
        'provider.virtualbox.gui: write true or false, without quotes',
        'network: write a mapping, with any of these keys indented under it: cidr, interface',
      ],
    );
  });
});
