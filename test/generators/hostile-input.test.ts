/**
 * Every spec value is untrusted. Each field is fed quotes, $(…), backticks, `;`, newlines, #{…} and
 * non-ASCII, twice over:
 * - through the whole compiler: the spec is rejected with a located error, or (for the few fields
 *   that may hold such characters, such as paths) the output is inert;
 * - straight into the model, as if validation had been loosened: the renderer refuses the value,
 *   or every generated file is inert as its real reader sees it (Ruby for the Vagrantfile, bash and
 *   shellcheck for the scripts, the yaml package for cluster.yml, apt-config for apt's file).
 */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { parse, stringify } from 'yaml';
import { renderAll, type Artifact } from '../../generators/index.js';
import { SpecError, UnsafeValueError } from '../../src/errors.js';
import type { LabModel } from '../../src/model.js';
import { shellQuote } from '../../src/quote.js';
import { compileText, rejectedText } from '../support/spec.js';
import { repoRoot } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';
import { requireTool, run } from '../support/tools.js';

const STRINGS_RB = path.join(repoRoot, 'test', 'support', 'vagrantfile-strings.rb');

/** MARK becomes a file path per test: if it exists afterwards, something ran. */
const PAYLOADS = [
  `it's`,
  'say "hi"',
  '$(touch MARK)',
  '`touch MARK`',
  'a;touch MARK',
  'a\ntouch MARK',
  '#{File.write("MARK","")}',
  'back\\slash',
  '%h%%',
  'ünï ✓ 日本',
  'sep\u2028next\u0085',
];

/**
 * A spec that reaches every template: docker provider, proxy, mirror, labels, taints, CNI options,
 * and the lab registry off, so that the images folder is shared and images.sh generated.
 */
function baseSpec(): Record<string, unknown> {
  return {
    name: 'lab',
    rke: { version: 'v1.8.5' },
    provider: { type: 'docker' },
    nodes: [
      {
        name: 'a',
        roles: ['etcd', 'controlplane', 'worker'],
        ip: '192.168.56.10',
        memory: '2G',
        labels: { zone: 'a' },
        taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }],
      },
    ],
    network: { cidr: '192.168.56.0/24', interface: 'eth1' },
    cni: { options: { flannel_backend_type: 'vxlan' } },
    ssh: { user: 'vagrant' },
    proxy: { http: 'http://proxy:3128', https: 'http://proxy:3128', noProxy: ['.example'] },
    registryMirror: { url: 'http://192.168.56.1:5001' },
    registry: { enabled: false },
    images: { dir: '.images' },
  };
}

type Setter = (spec: Record<string, unknown>, value: string) => string;
const at =
  (...keys: (string | number)[]): Setter =>
  (spec, value) => {
    let target = spec as Record<string | number, unknown>;
    for (const key of keys.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
    target[keys[keys.length - 1]!] = value;
    return keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
  };
const keyOf =
  (...keys: string[]): Setter =>
  (spec, value) => {
    const node = (spec.nodes as Record<string, unknown>[])[0]!;
    const parent = keys[0] === 'labels' ? node : (spec.cni as Record<string, unknown>);
    parent[keys[0]!] = { [value]: 'x' };
    return keys[0] === 'labels' ? `nodes[0].labels.${value}` : `cni.options.${value}`;
  };

/** Every string field of the spec, and how to put a value there. */
const FIELDS: Record<string, Setter> = {
  name: at('name'),
  kubernetesVersion: at('kubernetesVersion'),
  'rke.version': at('rke', 'version'),
  'provider.type': at('provider', 'type'),
  'provider.docker.image': (spec, v) => ((spec.provider = { type: 'docker', docker: { image: v } }), 'provider.docker.image'),
  'provider.libvirt.storagePool': (spec, v) => ((spec.provider = { type: 'libvirt', libvirt: { storagePool: v } }), 'provider.libvirt.storagePool'),
  box: (spec, v) => ((spec.provider = { type: 'virtualbox' }), (spec.box = v), 'box'),
  'network.cidr': at('network', 'cidr'),
  'network.interface': at('network', 'interface'),
  'nodes[].name': at('nodes', 0, 'name'),
  'nodes[].ip': at('nodes', 0, 'ip'),
  'nodes[].memory': at('nodes', 0, 'memory'),
  'nodes[].labels value': at('nodes', 0, 'labels', 'zone'),
  'nodes[].labels key': keyOf('labels'),
  'nodes[].taints[].key': at('nodes', 0, 'taints', 0, 'key'),
  'nodes[].taints[].value': at('nodes', 0, 'taints', 0, 'value'),
  'cni.options key': keyOf('options'),
  'ssh.user': at('ssh', 'user'),
  'proxy.http': (spec, v) => at('proxy', 'http')(spec, `http://proxy:3128/${v}`),
  'proxy.https': (spec, v) => at('proxy', 'https')(spec, `http://proxy:3128/${v}`),
  'proxy.noProxy[]': at('proxy', 'noProxy', 0),
  'registryMirror.url': (spec, v) => at('registryMirror', 'url')(spec, `http://mirror:5001/${v}`),
  'cni.options value': at('cni', 'options', 'flannel_backend_type'),
  'ssh.privateKey': at('ssh', 'privateKey'),
  'images.dir': at('images', 'dir'),
};
/**
 * Fields that may hold some of the payloads: one-line text (control characters refused), and URLs,
 * which may hold `%`. What they accept must compile to inert output.
 */
const FREE_TEXT = new Set(['cni.options value', 'ssh.privateKey', 'images.dir', 'proxy.http', 'proxy.https', 'registryMirror.url']);

describe('hostile input: through validation', () => {
  test('the known apt injection in proxy.http is rejected, located, with what to write instead', async () => {
    const spec = baseSpec();
    at('proxy', 'http')(spec, 'http://proxy:3128/";APT::Update::Pre-Invoke{"touch${IFS}/tmp/x;#";};//');
    const { problems } = await rejectedText(stringify(spec));
    assert.equal(problems.length, 1);
    const [p] = problems;
    assert.equal(p?.path, 'proxy.http');
    assert.ok(p?.line !== undefined && p.column !== undefined);
    assert.match(p?.message ?? '', /expected an http:\/\/ or https:\/\/ URL/);
    assert.match(p?.hint ?? '', /percent-encode/);
  });

  for (const [field, set] of Object.entries(FIELDS)) {
    test(`${field}: every payload is rejected at its place${FREE_TEXT.has(field) ? ', or compiles to inert output' : ''}`, async (t) => {
      const dir = await tempDir('hostile');
      for (const raw of PAYLOADS) {
        const payload = raw.replace(/MARK/g, path.join(dir, 'ran'));
        const spec = baseSpec();
        const where = set(spec, payload);
        let compiled: LabModel | undefined;
        try {
          compiled = (await compileText(stringify(spec))).model;
        } catch (err) {
          if (!(err instanceof SpecError)) throw err;
          const mine = err.problems.filter((p) => p.path === where);
          assert.ok(mine.length > 0, `${JSON.stringify(payload)} in ${field}: rejected, but not at ${where}:\n${err.message}`);
          for (const p of mine) assert.ok(p.line !== undefined, `located: ${p.message}`);
          continue;
        }
        assert.ok(FREE_TEXT.has(field), `${JSON.stringify(payload)} in ${field} was accepted`);
        await assertInert(t, compiled, dir);
      }
      assert.equal(await fs.pathExists(path.join(dir, 'ran')), false, 'a payload ran');
    });
  }
});

describe("hostile input: the spec's file name", () => {
  test('reaches each generated-by header as one comment line, in every file', async (t) => {
    const name = `evil\nrm -rf x;$(touch ran)\`touch ran\`#{File.write("ran","")}'"é\u2028.yaml`;
    const { model, specFile } = await compileText(stringify(baseSpec()), name);
    const dir = path.dirname(specFile);
    const artifacts = await renderAll(model);
    for (const a of artifacts) {
      const header = a.content.split('\n').find((l) => l.includes('Generated by kubelab from'));
      assert.ok(header?.endsWith('Do not edit: change the spec and run `kubelab generate`.'), `${a.path}: ${header}`);
      assert.ok(header?.includes('evil\\u{a}rm -rf x;$(touch ran)'), header);
    }
    await assertInert(t, model, dir, artifacts);
    assert.equal(await fs.pathExists(path.join(dir, 'ran')), false);
  });
});

/** Puts `value` into every string of the model that reaches a generated file (the proxy and the host's address apart). */
function poison(model: LabModel, value: string): LabModel {
  const m = structuredClone(model);
  m.name = `lab${value}`;
  m.network.interface = `eth${value}`;
  m.provider.docker.image = `img${value}`;
  m.provider.box = `box${value}`;
  m.provider.libvirt.storagePool = `pool${value}`;
  m.ssh.user = `user${value}`;
  m.ssh.privateKeyPath = `key${value}`;
  m.ssh.publicKeyPath = `key${value}.pub`;
  m.images.hostDir = `images${value}`;
  m.cni.options = { [`opt${value}`]: `val${value}` };
  m.registryMirror = { url: `http://mirror/${value}`, host: `mirror${value}`, insecure: true };
  for (const node of m.nodes) {
    node.name = `node${value}`;
    node.machineName = `machine${value}`;
    node.ip = `10.0.0.1${value}`;
    node.ssh = { host: `host${value}`, port: 22, user: `user${value}`, privateKeyPath: `nodekey${value}` };
    node.labels = { [`label${value}`]: `value${value}` };
    node.taints = [{ key: `taint${value}`, value: `tv${value}`, effect: 'NoSchedule' }];
  }
  return m;
}

describe('hostile input: straight into the model (validation bypassed)', () => {
  for (const provider of ['docker', 'libvirt'] as const) {
    test(`${provider}: every file stays inert, and each value reads back as it was`, async (t) => {
      const { model } = await compileText(
        stringify({ ...baseSpec(), provider: { type: provider }, proxy: undefined, images: { system: 'rancher' }, cni: { plugin: 'canal' } }),
      );
      const dir = await tempDir('poison');
      for (const raw of PAYLOADS) {
        const value = raw.replace(/MARK/g, path.join(dir, 'ran'));
        const poisoned = poison(model, value);
        const artifacts = await renderAll(poisoned);
        const out = await assertInert(t, poisoned, dir, artifacts);
        // cluster.yml: the values come back exactly where they belong.
        const doc = parse(await fs.readFile(path.join(out, 'cluster.yml'), 'utf8')) as Record<string, any>;
        assert.equal(doc.cluster_name, poisoned.name);
        assert.equal(doc.ssh_key_path, poisoned.ssh.privateKeyPath);
        assert.equal(doc.nodes[0].hostname_override, poisoned.nodes[0]!.name);
        const [node] = poisoned.nodes;
        assert.deepEqual(
          [doc.nodes[0].address, doc.nodes[0].internal_address, doc.nodes[0].user, doc.nodes[0].port, doc.nodes[0].ssh_key_path],
          [node!.ssh.host, node!.ip, node!.ssh.user, '22', node!.ssh.privateKeyPath],
        );
        assert.deepEqual(doc.nodes[0].labels, poisoned.nodes[0]!.labels);
        assert.deepEqual(doc.nodes[0].taints, poisoned.nodes[0]!.taints);
        assert.deepEqual(doc.network.options, poisoned.cni.options);
        // daemon.json, as docker.sh writes it.
        const docker = await fs.readFile(path.join(out, 'provision', 'docker.sh'), 'utf8');
        const daemon = JSON.parse(/<< 'DAEMON'\n([\s\S]*?)\nDAEMON\n/.exec(docker)?.[1] ?? '') as Record<string, unknown>;
        assert.deepEqual(daemon['registry-mirrors'], [poisoned.registryMirror!.url]);
        assert.deepEqual(daemon['insecure-registries'], [poisoned.registryMirror!.host]);
      }
      assert.equal(await fs.pathExists(path.join(dir, 'ran')), false, 'a payload ran');
    });
  }

  test("the host's address: refused where the format cannot hold it, otherwise read back exactly by Docker, apt and YAML", async (t) => {
    const dir = await tempDir('host-address');
    let refused = 0;
    // docker: the kit's comment in cluster.yml names the lab registry; libvirt: apt goes through the package cache.
    for (const provider of ['docker', 'libvirt'] as const) {
      const { model } = await compileText(
        stringify({
          ...baseSpec(),
          provider: { type: provider },
          registry: undefined,
          packageCache: { enabled: true },
          images: { system: 'kit' },
          cni: { plugin: 'flannel' },
        }),
      );
      assert.equal(model.images.delivery, 'registry');
      const clean = parse((await renderAll(model)).find((a) => a.path === 'cluster.yml')!.content) as unknown;
      for (const raw of PAYLOADS) {
        const poisoned = structuredClone(model);
        poisoned.hostServices.address = `192.168.56.1${raw.replace(/MARK/g, path.join(dir, 'ran'))}`;
        let artifacts: Artifact[];
        try {
          artifacts = await renderAll(poisoned);
        } catch (err) {
          assert.ok(err instanceof UnsafeValueError, String(err));
          refused++;
          continue;
        }
        const out = await assertInert(t, poisoned, dir, artifacts);
        const address = poisoned.hostServices.address;
        const docker = await fs.readFile(path.join(out, 'provision', 'docker.sh'), 'utf8');
        const daemon = JSON.parse(/<< 'DAEMON'\n([\s\S]*?)\nDAEMON\n/.exec(docker)?.[1] ?? '') as Record<string, unknown>;
        assert.deepEqual(daemon['registry-mirrors'], [`http://${address}:5001`, `http://${address}:5002`, poisoned.registryMirror!.url]);
        assert.deepEqual(daemon['insecure-registries'], [`${address}:5001`, `${address}:5002`]);
        // The address is in a comment of cluster.yml only: the document is the same as without it.
        assert.deepEqual(parse(await fs.readFile(path.join(out, 'cluster.yml'), 'utf8')), clean);
        const system = await fs.readFile(path.join(out, 'provision', 'system.sh'), 'utf8');
        const apt = /<< 'APT'\n([\s\S]*?)\nAPT\n/.exec(system)?.[1];
        assert.ok(apt !== undefined);
        if (requireTool(t, 'apt-config', 'read the apt proxy file back')) {
          const file = path.join(dir, 'apt.conf');
          await fs.writeFile(file, apt + '\n');
          // apt-config quotes for sh: sh reads the value back.
          const read = await run('sh', ['-c', `eval "$(apt-config -c ${shellQuote(file)} shell P Acquire::http::Proxy)"; printf '%s' "$P"`]);
          assert.equal(read.code, 0, read.stderr);
          assert.equal(read.stdout, `http://${address}:3143`);
        }
      }
    }
    assert.ok(refused > 0, 'quotes cannot go into apt configuration');
    assert.equal(await fs.pathExists(path.join(dir, 'ran')), false, 'a payload ran');
  });

  test('proxy values: refused where the format cannot hold them, otherwise read back exactly by apt and sh', async (t) => {
    const { model } = await compileText(stringify(baseSpec()));
    const dir = await tempDir('proxy');
    let refused = 0;
    for (const raw of [...PAYLOADS, '";APT::Update::Pre-Invoke{"touch${IFS}MARK;#";};//', 'user:p%40ss@host/a;b&c']) {
      const value = `http://proxy:3128/${raw.replace(/MARK/g, path.join(dir, 'ran'))}`;
      const poisoned = structuredClone(model);
      poisoned.proxy = { http: value, https: value, noProxy: [`.x${raw}`, 'localhost'] };
      let artifacts: Artifact[];
      try {
        artifacts = await renderAll(poisoned);
      } catch (err) {
        assert.ok(err instanceof UnsafeValueError, String(err));
        refused++;
        continue;
      }
      const out = await assertInert(t, poisoned, dir, artifacts);
      const system = await fs.readFile(path.join(out, 'provision', 'system.sh'), 'utf8');
      const apt = /<< 'APT'\n([\s\S]*?)\nAPT\n/.exec(system)?.[1];
      const env = /<< 'ENVIRONMENT'\n([\s\S]*?)\nENVIRONMENT\n/.exec(system)?.[1];
      assert.ok(apt !== undefined && env !== undefined);
      if (requireTool(t, 'apt-config', 'read the apt proxy file back')) {
        const file = path.join(dir, 'apt.conf');
        await fs.writeFile(file, apt + '\n');
        const shell = await run('apt-config', ['-c', file, 'shell', 'P', 'Acquire::http::Proxy', 'S', 'Acquire::https::Proxy'], { stripFinalNewline: false });
        assert.equal(shell.stdout, `P='${value}'\nS='${value}'\n`);
      }
      const envFile = path.join(dir, 'environment');
      await fs.writeFile(envFile, env + '\n');
      const read = await run('sh', ['-c', `. ${shellQuote(envFile)}; printf '%s|%s' "$http_proxy" "$NO_PROXY"`]);
      assert.equal(read.stdout, `${value}|${poisoned.proxy.noProxy.join(',')}`);
    }
    assert.ok(refused > 0, 'the apt injection and the quotes are refused');
    assert.equal(await fs.pathExists(path.join(dir, 'ran')), false, 'a payload ran');
  });
});

const checkedScripts = new Set<string>();

/**
 * Writes the artifacts and checks them with their real readers: Ruby loads the Vagrantfile (every
 * string it passes on must be one the model holds), bash and shellcheck read the scripts, and the
 * values the scripts assign are read back by bash itself.
 */
async function assertInert(t: TestContext, model: LabModel, dir: string, given?: Artifact[]): Promise<string> {
  const artifacts = given ?? (await renderAll(model));
  const out = await fs.mkdtemp(path.join(dir, 'out-'));
  for (const a of artifacts) await fs.outputFile(path.join(out, a.path), a.content);
  for (const a of artifacts) {
    const firstLines = a.content.split('\n').slice(0, 4).join('\n');
    assert.match(firstLines, /^# Generated by kubelab from /m, `${a.path} has its header`);
  }
  if (requireTool(t, 'ruby', 'load the Vagrantfile')) {
    const loaded = await run('ruby', [STRINGS_RB, path.join(out, 'Vagrantfile')], { cwd: dir });
    assert.equal(loaded.code, 0, loaded.stderr);
    const strings = new Set(JSON.parse(loaded.stdout) as string[]);
    const node = model.nodes[0]!;
    for (const expected of [node.name, node.machineName, node.ip])
      assert.ok(strings.has(expected), `Vagrantfile passes ${JSON.stringify(expected)} on as it is`);
    if (model.provider.type === 'docker') assert.ok(strings.has(model.provider.docker.image));
    if (model.provider.type === 'libvirt') assert.ok(strings.has(model.provider.libvirt.storagePool));
    if (model.images.delivery === 'tarballs') assert.ok(strings.has(path.resolve(out, model.images.hostDir)), 'images folder');
    else assert.ok(!strings.has(path.resolve(out, model.images.hostDir)), 'images folder not shared');
    assert.ok(strings.has(path.resolve(out, model.ssh.publicKeyPath)), 'public key path');
  }
  // Scripts a payload did not change were checked already: each distinct script is checked once.
  const fresh = artifacts.filter((a) => a.kind === 'shell' && !checkedScripts.has(a.content));
  const scripts = fresh.map((a) => path.join(out, a.path));
  for (const a of fresh) checkedScripts.add(a.content);
  for (const script of scripts) {
    const syntax = await run('bash', ['-n', script]);
    assert.equal(syntax.code, 0, `${script}: ${syntax.stderr}`);
  }
  if (scripts.length > 0 && requireTool(t, 'shellcheck', 'check the scripts')) {
    const checked = await run('shellcheck', ['--severity=warning', ...scripts]);
    assert.equal(checked.code, 0, checked.stdout);
  }
  // The lines that place values in the scripts, run by bash alone: each must print what the model holds.
  const system = await fs.readFile(path.join(out, 'provision', 'system.sh'), 'utf8');
  const assignments = system.slice(0, system.indexOf('\nlog() {'));
  const hosts = system.slice(system.indexOf('echo "# BEGIN kubelab"\n') + 23, system.indexOf('echo "# END kubelab"'));
  const program = `${assignments}\n${hosts}\nprintf '%s' "$iface"`;
  const printed = await run('bash', ['-c', program, 'system.sh', 'name', 'ip'], { cwd: dir, stripFinalNewline: false });
  assert.equal(printed.stdout, `${model.nodes.map((n) => `${n.ip}\t${n.name}\n`).join('')}${model.network.interface}`);
  return out;
}
