/**
 * `kubelab generate` as a user runs it: the built CLI (dist/src/cli.js) in its own process, in a
 * temp folder holding a spec, with the default --spec kubelab.yaml and --out out.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { checkGenerated, generate } from '../../src/commands/generate.js';
import { kubelab } from '../support/cli.js';
import { fixturesDir } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';
import { editFile as editSpec, isExecutable, listFiles, snapshot } from '../support/tree.js';
import { requireTool, run } from '../support/tools.js';

const EXAMPLE = fs.readFileSync(path.join(fixturesDir, 'cli-lab.yaml'), 'utf8');
const GENERATED = [
  '.gitignore',
  'Vagrantfile',
  'cluster.yml',
  'kubelab.manifest.json',
  'provision/cni.sh',
  'provision/docker.sh',
  'provision/rke-access.sh',
  'provision/system.sh',
  'provision/undo.sh',
];

/**
 * A folder with kubelab.yaml (test/fixtures/cli-lab.yaml unless given), generated into out/ unless asked not to.
 * That first generate is set-up, not under test: it runs in this process, which is much faster.
 */
async function lab(options: { spec?: string; generated?: boolean } = {}): Promise<{ dir: string; out: string; spec: string }> {
  const dir = await tempDir('cli');
  const spec = path.join(dir, 'kubelab.yaml');
  const out = path.join(dir, 'out');
  await fs.writeFile(spec, options.spec ?? EXAMPLE);
  if (options.generated ?? true) await generate({ spec, out });
  return { dir, out, spec };
}

async function succeeds(dir: string, args: string[]) {
  const result = await kubelab(dir, args);
  assert.equal(result.code, 0, `kubelab ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}

async function fails(dir: string, args: string[], code: number) {
  const result = await kubelab(dir, args);
  assert.equal(result.code, code, `kubelab ${args.join(' ')} should exit ${code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** A post-condition, not what is under test: --check's verdict, in this process (the CLI's --check has tests of its own). */
async function upToDate(dir: string): Promise<void> {
  await checkGenerated({ spec: path.join(dir, 'kubelab.yaml'), out: path.join(dir, 'out') });
}

/** The drift lines of a failed --check or a refused generate: "  PATH: REASON". */
function driftLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => /^ {2}\S+: /.test(l))
    .map((l) => l.trim());
}

describe('kubelab generate: a bad spec', { concurrency: true }, () => {
  test('exits 2, prints FILE:LINE:COLUMN for each problem, and creates no output folder', async () => {
    const { dir, out } = await lab({
      spec: EXAMPLE.replace('  - name: cp\n    roles: [controlplane]', '  - name: cp\n    roles: [controlplane]\n    cpus: many'),
      generated: false,
    });
    const { stdout, stderr } = await fails(dir, ['generate'], 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^kubelab: 1 problem in the spec:$/m);
    assert.match(stderr, /^ {2}kubelab\.yaml:18:11: error: nodes\[1\]\.cpus: expected an integer, got "many"$/m);
    assert.equal(await fs.pathExists(out), false);
  });

  test('leaves an existing output folder exactly as it was', async () => {
    const { dir, out, spec } = await lab();
    const before = await snapshot(out);
    await editSpec(spec, (s) => s.replace('cidr: 192.168.56.0/24', 'cidr: 10.0.2.0/24'));
    const { stderr } = await fails(dir, ['generate', '--force'], 2);
    assert.match(stderr, /kubelab\.yaml:8:9: error: network\.cidr: 10\.0\.2\.0\/24 collides with VirtualBox's NAT network/);
    assert.deepEqual(await snapshot(out), before);
  });

  /** Runs generate on a spec it must reject with `errors` errors; returns the problem lines, without hints. */
  async function rejected(spec: string, errors: number): Promise<string[]> {
    const { dir } = await lab({ spec, generated: false });
    const { stderr } = await fails(dir, ['generate'], 2);
    assert.match(stderr, new RegExp(`^kubelab: ${errors} problems? in the spec:$`, 'm'));
    assert.deepEqual(await fs.readdir(dir), ['kubelab.yaml'], 'nothing is written');
    return stderr
      .split('\n')
      .filter((l) => / (error|warning): /.test(l))
      .map((l) => l.trim());
  }

  test('reports three different errors as three problems, in file order', async () => {
    const spec = 'kubernetesVersion: latest\nnodes:\n  - name: a\n    roles: [etcd, controlplane, worker]\n    memory: 2 gigs\n    colour: blue\n';
    assert.deepEqual(await rejected(spec, 3), [
      'kubelab.yaml:1:20: error: kubernetesVersion: expected an RKE Kubernetes version such as v1.32.5-rancher1-1, got "latest"',
      'kubelab.yaml:5:13: error: nodes[0].memory: expected a size such as 2048, "2G", "1536M" or "2Gi", got "2 gigs"',
      'kubelab.yaml:6:5: error: nodes[0].colour: unknown key `colour`',
    ]);
  });

  test('prints the warnings along with the errors, and counts only the errors', async () => {
    const spec = 'cni:\n  plugin: calico\nnetwork:\n  cidr: 10.0.2.0/24\nnodes:\n  - name: a\n    roles: [etcd, controlplane]\n';
    assert.deepEqual(await rejected(spec, 2), [
      "kubelab.yaml:2:11: warning: cni.plugin: calico picks each node's address itself, and may pick the NAT interface, which has the same address on every machine",
      "kubelab.yaml:4:9: error: network.cidr: 10.0.2.0/24 collides with VirtualBox's NAT network 10.0.2.0/24, which every machine has as its first interface",
      'kubelab.yaml:4:9: warning: network.cidr: VirtualBox 7 only allows host-only networks inside 192.168.56.0/21 by default',
      'kubelab.yaml:6:3: error: nodes: no node has the worker role; RKE needs at least one',
    ]);
  });

  test('warnings alone do not fail: they are printed with their place, and the output is written', async () => {
    const { dir, out } = await lab({
      spec: EXAMPLE.replace('plugin: canal', 'plugin: calico').replace('roles: [etcd]', 'roles: [etcd]\n    count: 2'),
      generated: false,
    });
    const { stderr } = await succeeds(dir, ['generate']);
    assert.deepEqual(
      stderr
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.replace(/ {4}hint: .*/, '').trim())
        .filter((l) => l !== ''),
      [
        'kubelab.yaml:13:3: warning: nodes: 2 etcd nodes: an even count tolerates no more failures than 1',
        "kubelab.yaml:25:11: warning: cni.plugin: calico picks each node's address itself, and may pick the NAT interface, which has the same address on every machine",
      ],
    );
    assert.deepEqual(await listFiles(out), GENERATED);
  });

  test('a spec file that does not exist is named, and nothing is written', async () => {
    const dir = await tempDir('cli');
    const { stderr } = await fails(dir, ['generate', '--spec', 'nope.yaml'], 2);
    assert.match(stderr, /nope\.yaml: error: cannot read the spec: ENOENT/);
    assert.match(stderr, /hint: run kubelab where your kubelab\.yaml is, or pass it with --spec FILE/);
    const folder = await fails(dir, ['generate', '--spec', '.'], 2);
    assert.match(folder.stderr, /hint: pass the file in it: --spec kubelab\.yaml/);
    assert.deepEqual(await fs.readdir(dir), []);
  });
});

describe('kubelab generate: output and --check', { concurrency: true }, () => {
  test('--check fails on a missing folder; generate writes every file, then --check passes, and generating again writes nothing', async () => {
    const { dir, out } = await lab({ generated: false });
    const missing = await fails(dir, ['generate', '--check'], 3);
    assert.deepEqual(
      driftLines(missing.stderr),
      GENERATED.filter((f) => !f.endsWith('.json')).map((f) => `${f}: missing: the spec generates it`),
    );
    assert.equal(await fs.pathExists(out), false, '--check writes nothing');
    const first = await succeeds(dir, ['generate']);
    assert.equal(first.stdout.split('\n')[0], 'out: 8 written, 0 unchanged');
    assert.deepEqual(await listFiles(out), GENERATED);
    for (const f of GENERATED) assert.equal(await isExecutable(path.join(out, f)), f.endsWith('.sh'), `${f} mode`);

    const check = await succeeds(dir, ['generate', '--check']);
    assert.equal(check.stdout, 'out is up to date with kubelab.yaml');
    const before = await snapshot(out);
    const again = await succeeds(dir, ['generate']);
    assert.equal(again.stdout, 'out: 0 written, 8 unchanged');
    assert.deepEqual(await snapshot(out), before, 'an up-to-date folder is not rewritten');
  });

  test('--spec and --out place a JSON spec and its output anywhere', async () => {
    const dir = await tempDir('cli');
    await fs.outputJson(path.join(dir, 'specs', 'lab.json'), { name: 'jsonlab', nodes: [{ name: 'solo', roles: ['etcd', 'controlplane', 'worker'] }] });
    await succeeds(dir, ['generate', '--spec', 'specs/lab.json', '--out', 'build/lab']);
    await succeeds(dir, ['generate', '-s', 'specs/lab.json', '-o', 'build/lab', '--check']);
    const vagrantfile = await fs.readFile(path.join(dir, 'build', 'lab', 'Vagrantfile'), 'utf8');
    assert.match(vagrantfile, /Generated by kubelab from \.\.\/\.\.\/specs\/lab\.json\./);
    assert.match(vagrantfile, /machine: "jsonlab-solo"/);
  });

  test('the output folder gets a .gitignore that keeps the runner’s files out of git', async (t) => {
    const { dir, out } = await lab();
    const ignored = (await fs.readFile(path.join(out, '.gitignore'), 'utf8')).split('\n');
    for (const pattern of ['/.vagrant/', '/.kubelab/', '/kube_config_cluster.yml', '/cluster.rkestate']) assert.ok(ignored.includes(pattern), pattern);
    if (!requireTool(t, 'git', 'ask git what the generated .gitignore ignores')) return;
    assert.equal((await run('git', ['init', '-q'], { cwd: dir })).code, 0);
    const paths = [
      'out/.vagrant/machines/cp/id',
      'out/.kubelab/ssh/id_ed25519',
      'out/kube_config_cluster.yml',
      'out/cluster.rkestate',
      'out/Vagrantfile',
      'out/cluster.yml',
      'out/provision/system.sh',
      'kube_config_cluster.yml',
    ];
    const { stdout } = await run('git', ['check-ignore', '--no-index', ...paths], { cwd: dir });
    assert.deepEqual(
      stdout.split('\n').filter((l) => l !== ''),
      paths.slice(0, 4),
      'runner files are ignored; generated files, and files outside out/, are not',
    );
  });
});

describe('kubelab generate: hand edits, stale output, removed files', { concurrency: true }, () => {
  test('a hand edit fails --check naming the file, and generate refuses to touch it until --force', async () => {
    const { dir, out } = await lab();
    const file = path.join(out, 'cluster.yml');
    await fs.appendFile(file, '# my change\n');
    const edited = await fs.readFile(file, 'utf8');

    const check = await fails(dir, ['generate', '--check'], 3);
    assert.deepEqual(driftLines(check.stderr), ['cluster.yml: edited by hand since kubelab wrote it']);

    const before = await snapshot(out);
    const refused = await fails(dir, ['generate'], 3);
    assert.match(refused.stderr, /refusing to overwrite 1 file\(s\)/);
    assert.deepEqual(driftLines(refused.stderr), ['cluster.yml: edited by hand since kubelab wrote it']);
    assert.equal(await fs.readFile(file, 'utf8'), edited);
    assert.deepEqual(await snapshot(out), before, 'a refused generate writes nothing at all');

    const forced = await succeeds(dir, ['generate', '--force']);
    assert.deepEqual(forced.stdout.split('\n'), ['out: 1 written, 7 unchanged', '  wrote cluster.yml']);
    assert.doesNotMatch(await fs.readFile(file, 'utf8'), /my change/);
    await upToDate(dir);
  });

  test('chmod -x on a script is a hand edit too', async () => {
    const { dir, out } = await lab();
    const script = path.join(out, 'provision', 'docker.sh');
    await fs.chmod(script, 0o644);
    const check = await fails(dir, ['generate', '--check'], 3);
    assert.deepEqual(driftLines(check.stderr), ['provision/docker.sh: edited by hand since kubelab wrote it']);
    await fails(dir, ['generate'], 3);
    assert.equal(await isExecutable(script), false);
    await succeeds(dir, ['generate', '--force']);
    assert.equal(await isExecutable(script), true);
  });

  test('a changed spec makes exactly the affected files stale', async () => {
    const { dir, out, spec } = await lab();
    await editSpec(spec, (s) => s.replace('count: 2', 'count: 3'));
    const check = await fails(dir, ['generate', '--check'], 3);
    assert.deepEqual(driftLines(check.stderr), [
      'Vagrantfile: stale: the spec now generates something else',
      'cluster.yml: stale: the spec now generates something else',
      'provision/system.sh: stale: the spec now generates something else',
    ]);
    assert.match(check.stderr, /hint: run `kubelab generate` and commit the result/);
    const { stdout } = await succeeds(dir, ['generate']);
    assert.deepEqual(stdout.split('\n'), ['out: 3 written, 5 unchanged', '  wrote Vagrantfile', '  wrote cluster.yml', '  wrote provision/system.sh']);
    assert.match(await fs.readFile(path.join(out, 'cluster.yml'), 'utf8'), /hostname_override: "worker-3"/);
    await upToDate(dir);
  });

  test('a removed node disappears from every file that named it', async () => {
    const { dir, out, spec } = await lab();
    const named = async (): Promise<string[]> => {
      const found: string[] = [];
      for (const f of await listFiles(out)) if ((await fs.readFile(path.join(out, f), 'utf8')).includes('worker-2')) found.push(f);
      return found;
    };
    assert.deepEqual(await named(), ['Vagrantfile', 'cluster.yml', 'provision/system.sh']);
    await editSpec(spec, (s) => s.replace('count: 2', 'count: 1'));
    const check = await fails(dir, ['generate', '--check'], 3);
    assert.deepEqual(
      driftLines(check.stderr).map((l) => l.split(':')[0]),
      ['Vagrantfile', 'cluster.yml', 'provision/system.sh'],
    );
    await succeeds(dir, ['generate']);
    assert.deepEqual(await named(), []);
  });

  test('a file the spec no longer generates is reported, then removed', async () => {
    // With the lab registry off, the images are shared and loaded by images.sh: syncedFolder none drops both.
    const { dir, out, spec } = await lab({ spec: `${EXAMPLE}registry:\n  enabled: false\n` });
    assert.deepEqual(await listFiles(out), [...GENERATED, 'provision/images.sh'].sort());
    await editSpec(spec, (s) => s.replace('  type: virtualbox\n', '  type: virtualbox\n  syncedFolder: none\n'));
    const check = await fails(dir, ['generate', '--check'], 3);
    assert.deepEqual(driftLines(check.stderr), [
      'Vagrantfile: stale: the spec now generates something else',
      'provision/images.sh: stale: the spec no longer generates it',
    ]);
    const { stdout } = await succeeds(dir, ['generate']);
    assert.deepEqual(stdout.split('\n'), ['out: 1 written, 7 unchanged, 1 removed', '  wrote Vagrantfile', '  removed provision/images.sh']);
    assert.equal(await fs.pathExists(path.join(out, 'provision', 'images.sh')), false);
    const manifest = (await fs.readJson(path.join(out, 'kubelab.manifest.json'))) as { files: { path: string }[] };
    assert.ok(!manifest.files.some((f) => f.path === 'provision/images.sh'));
    await upToDate(dir);
  });

  test('a manifest edited to name a file outside the output folder cannot make kubelab remove it', async () => {
    const { dir, out } = await lab();
    const victim = path.join(dir, 'precious.txt');
    await fs.writeFile(victim, 'keep me\n');
    const manifestFile = path.join(out, 'kubelab.manifest.json');
    const manifest = (await fs.readJson(manifestFile)) as { files: { path: string; sha256: string; executable: boolean }[] };
    const sha256 = createHash('sha256').update('keep me\n').digest('hex');
    manifest.files.push({ path: '../precious.txt', sha256, executable: false }, { path: victim, sha256, executable: false });
    await fs.writeJson(manifestFile, manifest);
    const { stdout } = await succeeds(dir, ['generate']);
    assert.equal(stdout, 'out: 0 written, 8 unchanged');
    assert.equal(await fs.readFile(victim, 'utf8'), 'keep me\n');
    await upToDate(dir);
  });

  test('a file kubelab never wrote is not overwritten without --force', async () => {
    const { dir, out } = await lab({ generated: false });
    await fs.outputFile(path.join(out, 'Vagrantfile'), '# mine\n');
    const refused = await fails(dir, ['generate'], 3);
    assert.deepEqual(driftLines(refused.stderr), ['Vagrantfile: exists, but kubelab did not write it']);
    assert.deepEqual(await fs.readdir(out), ['Vagrantfile']);
    await succeeds(dir, ['generate', '--force']);
    assert.match(await fs.readFile(path.join(out, 'Vagrantfile'), 'utf8'), /Generated by kubelab/);
  });
});

describe('kubelab generate: a write that fails leaves the previous output intact', { concurrency: true }, () => {
  /** Every *.tmp file left anywhere in the folder. */
  const leftovers = async (out: string): Promise<string[]> => (await listFiles(out)).filter((f) => f.endsWith('.tmp'));

  test('a directory where a generated file should go: clean error, nothing changed, no staging file left', async () => {
    const { dir, out, spec } = await lab();
    // The lab's name is in the Vagrantfile and cluster.yml: both are staged before system.sh fails.
    await editSpec(spec, (s) => s.replace('name: kubelab', 'name: renamed'));
    await fs.remove(path.join(out, 'provision', 'system.sh'));
    await fs.mkdirp(path.join(out, 'provision', 'system.sh'));
    const before = await snapshot(out);

    const refused = await fails(dir, ['generate'], 3);
    assert.ok(driftLines(refused.stderr).includes('provision/system.sh: edited by hand since kubelab wrote it'), refused.stderr);
    const check = await fails(dir, ['generate', '--check'], 3);
    assert.ok(driftLines(check.stderr).includes('provision/system.sh: edited by hand since kubelab wrote it'), check.stderr);

    const forced = await fails(dir, ['generate', '--force'], 1);
    assert.match(forced.stderr, /^kubelab: cannot write .*provision\/system\.sh: a directory is in the way; nothing was changed$/m);
    assert.doesNotMatch(forced.stderr, /unexpected error/);
    assert.deepEqual(await snapshot(out), before);
    assert.deepEqual(await leftovers(out), []);
  });

  test('a read-only provision/ folder: the files staged before it are removed, nothing changed', async (t) => {
    const { dir, out, spec } = await lab();
    // One more node changes the Vagrantfile and cluster.yml, staged in out/, and then system.sh.
    await editSpec(spec, (s) => s.replace('count: 2', 'count: 3'));
    // root writes into read-only folders anyway: run the CLI as nobody in a folder nobody owns.
    const asRoot = process.getuid?.() === 0;
    const user = asRoot ? { uid: 65534, gid: 65534 } : {};
    if (asRoot) {
      await fs.chmod(dir, 0o755);
      for (const f of ['', ...(await listFiles(dir))]) await fs.lchown(path.join(dir, f), 65534, 65534);
      for (const d of [out, path.join(out, 'provision')]) await fs.lchown(d, 65534, 65534);
    }
    await fs.chmod(path.join(out, 'provision'), 0o555);
    const probe = await kubelab(dir, ['--version'], user);
    if (probe.code !== 0) {
      // The checkout is not readable by other users (under /root, say); the next test covers the same.
      t.skip(`cannot run the CLI as uid 65534 here: ${probe.stderr.trim().split('\n')[0] ?? ''}`);
      return;
    }
    const before = await snapshot(out);
    const result = await kubelab(dir, ['generate'], user);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /^kubelab: cannot write .*provision\/[a-z-]+\.sh \(EACCES\); nothing was changed$/m);
    assert.deepEqual(await snapshot(out), before);
    assert.deepEqual(await leftovers(out), []);
    await fs.chmod(path.join(out, 'provision'), 0o755);
    const retried = await kubelab(dir, ['generate'], user);
    assert.equal(retried.code, 0, retried.stderr);
    assert.equal((await kubelab(dir, ['generate', '--check'], user)).code, 0);
  });

  test('a staging file that cannot be written (a full disk, simulated in this process)', async () => {
    const { out, spec } = await lab();
    await editSpec(spec, (s) => s.replace('count: 2', 'count: 3'));
    // Staging names are unpredictable: the failure is injected where provision/system.sh is staged,
    // after the Vagrantfile and cluster.yml were, as a full disk would make it. Only in this test's
    // folder: the tests beside it (concurrent) write through the same function.
    const open = fs.promises.open;
    fs.promises.open = (async (...args: Parameters<typeof open>) => {
      const handle = await open(...args);
      const file = String(args[0]);
      if (file.startsWith(out + path.sep) && path.basename(file).startsWith('.system.sh.kubelab-')) {
        handle.writeFile = () => Promise.reject(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
      }
      return handle;
    }) as typeof open;
    const before = await snapshot(out);
    try {
      await assert.rejects(generate({ spec, out }), (err: Error) => {
        assert.match(err.message, /^cannot write .*provision\/system\.sh \(ENOSPC\); nothing was changed$/);
        return true;
      });
    } finally {
      fs.promises.open = open;
    }
    assert.deepEqual(await snapshot(out), before, 'nothing changed, and the half-written staging file is removed');
    assert.deepEqual(await leftovers(out), []);
  });
});

describe('kubelab: usage', { concurrency: true }, () => {
  test('--help lists the commands', async () => {
    const { stdout, code } = await kubelab(await tempDir('cli'), ['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /^kubelab <command> \[options\]$/m);
    assert.match(stdout, /^ {2}kubelab generate +Compile the spec into the output folder/m);
  });

  test('generate --help lists its options', async () => {
    const { stdout, code } = await kubelab(await tempDir('cli'), ['generate', '--help']);
    assert.equal(code, 0);
    for (const option of ['--spec', '--out', '--check', '--force']) assert.match(stdout, new RegExp(`^\\s+(-\\w, )?${option}\\s`, 'm'), option);
  });

  test('an unknown command fails with a message', async () => {
    const { stdout, stderr, code } = await kubelab(await tempDir('cli'), ['frobnicate']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^kubelab: Unknown argument: frobnicate$/m);
    assert.match(stderr, /kubelab --help/);
  });

  test('no command at all fails with a message', async () => {
    const { stderr, code } = await kubelab(await tempDir('cli'), []);
    assert.equal(code, 2);
    assert.match(stderr, /^kubelab: Name a command/m);
  });

  test('services --help lists each service on the host; registry, its former name, still names the group', async () => {
    const { stdout, code } = await kubelab(await tempDir('cli'), ['services', '--help']);
    assert.equal(code, 0);
    for (const service of ['registry', 'pull-through', 'package-cache']) assert.match(stdout, new RegExp(`^ {2}${service} +the `, 'm'), service);
    const prune = await kubelab(await tempDir('cli'), ['registry', 'prune', '--help']);
    assert.equal(prune.code, 0);
    assert.match(prune.stdout, /^kubelab registry prune$/m);
    assert.match(prune.stdout, /\[choices: "registry", "pull-through", "package-cache"\]/);
  });

  test('an unknown option of generate fails with a message and writes nothing', async () => {
    const { dir } = await lab({ generated: false });
    const { stderr, code } = await kubelab(dir, ['generate', '--frobnicate']);
    assert.equal(code, 2);
    assert.match(stderr, /Unknown argument: frobnicate/);
    assert.deepEqual(await fs.readdir(dir), ['kubelab.yaml']);
  });
});

test('`kubelab --help` lists the fault command as the command itself describes it', async () => {
  const [{ faultListing }, { faultCommand }] = await Promise.all([import('../../src/cli/fault-listing.js'), import('../../src/cli/fault.js')]);
  assert.equal(faultListing.describe, faultCommand.describe);
});
