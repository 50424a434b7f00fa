/**
 * The generated files as the real tools read them: the Vagrantfile with `ruby -c` and
 * `vagrant validate`, the scripts with `shellcheck` (no exclusions), cluster.yml against the
 * structure of RKE's cluster.yml. Each check also has a negative control: a broken copy must fail
 * it, so that none of these can pass by checking nothing.
 */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { contains, mustParseCidr, parseIp } from '../../src/net.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { generateCase, goldenCases, type GeneratedCase } from '../support/golden.js';
import { tempDir } from '../support/tmp.js';
import { editFile, listFiles } from '../support/tree.js';
import { requireTool, run } from '../support/tools.js';
import { vagrantValidate } from '../support/vagrant.js';
import { isKubernetesNode } from '../../src/vocabulary.js';

const generated = new Map<string, GeneratedCase>();
let vagrantEnv: Record<string, string>;

before(async () => {
  const root = await tempDir('validity');
  for (const c of goldenCases) generated.set(c.name, await generateCase(c, path.join(root, c.name)));
  // A Vagrant home of its own: no boxes, plugins or state of the user's leak in, none leak out.
  vagrantEnv = { VAGRANT_HOME: path.join(root, '.vagrant.d'), VAGRANT_CHECKPOINT_DISABLE: '1', VAGRANT_NO_COLOR: '1' };
});

function get(name: string): GeneratedCase {
  const g = generated.get(name);
  assert.ok(g, `${name} was generated`);
  return g;
}

async function scripts(outDir: string): Promise<string[]> {
  const files = (await listFiles(outDir)).filter((f) => f.endsWith('.sh'));
  assert.ok(files.length >= 4, `scripts in ${outDir}: ${files.join(', ')}`);
  return files;
}

/** A copy of a case's output folder to break on purpose. */
async function brokenCopy(name: string, file: string, edit: (text: string) => string): Promise<string> {
  const dir = path.join(await tempDir('broken'), 'out');
  await fs.copy(get(name).outDir, dir);
  await editFile(path.join(dir, file), edit);
  return dir;
}

describe('Vagrantfile: ruby -c', () => {
  for (const c of goldenCases) {
    test(c.name, async (t) => {
      if (!requireTool(t, 'ruby', 'check the Vagrantfile’s Ruby syntax')) return;
      const { code, stdout, stderr } = await run('ruby', ['-c', 'Vagrantfile'], { cwd: get(c.name).outDir });
      assert.equal(code, 0, stderr);
      assert.equal(stdout.trim(), 'Syntax OK');
    });
  }

  test('negative control: a syntax error fails', async (t) => {
    if (!requireTool(t, 'ruby', 'check the Vagrantfile’s Ruby syntax')) return;
    const dir = await brokenCopy('example', 'Vagrantfile', (v) => v.replace('].freeze', ']].freeze'));
    const { code, stderr } = await run('ruby', ['-c', 'Vagrantfile'], { cwd: dir });
    assert.notEqual(code, 0);
    assert.match(stderr, /syntax error/);
  });
});

// Each run is a Ruby start-up of about a second, mostly waiting: several at once keep the suite fast.
describe('Vagrantfile: vagrant validate', { concurrency: 4 }, () => {
  for (const c of goldenCases) {
    test(c.name, async (t) => {
      if (!requireTool(t, 'vagrant', 'validate the Vagrantfile')) return;
      const { outDir, model } = get(c.name);
      const { result, checksProviderBlock, reason } = await vagrantValidate(outDir, model.provider.type, vagrantEnv);
      t.diagnostic(reason);
      assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
      assert.match(result.stdout, /Vagrantfile validated successfully\./);
      if (!checksProviderBlock) {
        // --ignore-provider names each machine it loaded: all of them, none missing.
        const loaded = [...result.stdout.matchAll(/==> ([a-z0-9-]+): Ignoring provider config for validation/g)].map((m) => m[1]);
        assert.deepEqual(loaded.sort(), model.nodes.map((n) => n.name).sort());
      }
    });
  }

  test('negative control: a provisioner whose script is missing fails', async (t) => {
    if (!requireTool(t, 'vagrant', 'validate the Vagrantfile')) return;
    const dir = await brokenCopy('example', 'Vagrantfile', (v) => v.replace('"provision/cni.sh"', '"provision/no-such-script.sh"'));
    const { result } = await vagrantValidate(dir, 'virtualbox', vagrantEnv);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /no-such-script\.sh/);
  });

  test('negative control: a bad provider setting fails where the provider block is validated', async (t) => {
    if (!requireTool(t, 'vagrant', 'validate the Vagrantfile')) return;
    for (const [name, provider, setting] of [
      ['provider-docker', 'docker', 'd.has_ssh = true'],
      ['provider-libvirt', 'libvirt', 'lv.cpus = n[:cpus]'],
    ] as const) {
      const dir = await brokenCopy(name, 'Vagrantfile', (v) =>
        v.replace(setting, `${setting}\n        ${setting.slice(0, setting.indexOf('.'))}.no_such_setting = 1`),
      );
      const { result, checksProviderBlock } = await vagrantValidate(dir, provider, vagrantEnv);
      if (!checksProviderBlock) continue;
      assert.notEqual(result.code, 0, `${provider}: ${result.stdout}`);
      assert.match(result.stderr, /The following settings shouldn't exist: no_such_setting/);
      return;
    }
    t.skip('neither the docker nor the libvirt provider is usable here, so no provider block can be validated');
  });
});

describe('provision scripts: shellcheck, no exclusions', () => {
  for (const c of goldenCases) {
    test(c.name, async (t) => {
      if (!requireTool(t, 'shellcheck', 'check the provisioning scripts')) return;
      const { outDir } = get(c.name);
      // --norc: no .shellcheckrc anywhere above can disable a check.
      const { code, stdout, stderr } = await run('shellcheck', ['--norc', ...(await scripts(outDir))], { cwd: outDir });
      assert.equal(code, 0, stdout + stderr);
      assert.equal(stdout + stderr, '');
    });
  }

  test('negative control: an unquoted expansion fails', async (t) => {
    if (!requireTool(t, 'shellcheck', 'check the provisioning scripts')) return;
    const dir = await brokenCopy('example', 'provision/cni.sh', (s) => s.replace('cp "$plugin" /opt/cni/bin/', 'cp $plugin /opt/cni/bin/'));
    const { code, stdout } = await run('shellcheck', ['--norc', 'provision/cni.sh'], { cwd: dir });
    assert.notEqual(code, 0);
    assert.match(stdout, /SC2086/);
  });
});

describe('cluster.yml: the structure of RKE’s cluster.yml', () => {
  const ROLES = new Set(['etcd', 'controlplane', 'worker']);

  for (const c of goldenCases) {
    test(c.name, async () => {
      const { outDir, model } = get(c.name);
      const doc = parse(await fs.readFile(path.join(outDir, 'cluster.yml'), 'utf8')) as Record<string, unknown>;
      const network = mustParseCidr(model.network.cidr);
      const nat = mustParseCidr(PROVIDERS[model.provider.type].natCidr);

      const kubernetesNodes = model.nodes.filter((n) => isKubernetesNode(n.roles));
      assert.ok(Array.isArray(doc.nodes) && doc.nodes.length === kubernetesNodes.length, 'one entry per Kubernetes node');
      const nodes = doc.nodes as Record<string, unknown>[];
      for (const n of nodes) {
        assert.equal(typeof n.address, 'string');
        assert.equal(n.internal_address, n.address, 'internal_address is the private address too');
        assert.notEqual(n.address, '10.0.2.15', "never VirtualBox's NAT address");
        const ip = parseIp(String(n.address));
        assert.ok(ip !== undefined && contains(network, ip), `${String(n.address)} is in ${model.network.cidr}`);
        assert.ok(!contains(nat, ip), `${String(n.address)} is not in the NAT range`);
        assert.equal(typeof n.hostname_override, 'string');
        assert.equal(n.user, model.ssh.user);
        assert.ok(Array.isArray(n.role) && n.role.length > 0 && n.role.every((r: unknown) => ROLES.has(String(r))), `roles of ${String(n.hostname_override)}`);
      }
      for (const role of ROLES)
        assert.ok(
          nodes.some((n) => (n.role as string[]).includes(role)),
          `some node is ${role}`,
        );

      // The same machines, by the same names and addresses, as the Vagrantfile and /etc/hosts.
      const vagrantfile = await fs.readFile(path.join(outDir, 'Vagrantfile'), 'utf8');
      const inVagrantfile = [...vagrantfile.matchAll(/\{ name: "([^"]+)", machine: "[^"]+", ip: "([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`);
      const system = await fs.readFile(path.join(outDir, 'provision', 'system.sh'), 'utf8');
      const inHosts = [...system.matchAll(/printf '%s\\t%s\\n' (\S+) (\S+)/g)].map((m) => `${m[2]} ${m[1]}`);
      const inClusterYml = nodes.map((n) => `${String(n.hostname_override)} ${String(n.address)}`);
      // The API endpoint's machine is the lab's, never RKE's: in the Vagrantfile and /etc/hosts only.
      const endpoint = model.apiEndpoint ? [`${model.apiEndpoint.node} ${model.apiEndpoint.address}`] : [];
      assert.deepEqual([...inClusterYml, ...endpoint], inVagrantfile);
      assert.deepEqual([...inClusterYml, ...endpoint], inHosts);
      const sans = (doc.authentication as { sans?: unknown }).sans;
      assert.deepEqual(sans, model.apiEndpoint ? [model.apiEndpoint.address] : undefined, 'the certificates name the endpoint');
      assert.equal(new Set(inClusterYml.map((l) => l.split(' ')[1])).size, nodes.length, 'addresses are unique');

      const services = doc.services as Record<string, unknown>;
      for (const s of ['etcd', 'kube-api', 'kube-controller', 'kubelet']) assert.ok(services[s] && typeof services[s] === 'object', `services.${s}`);
      const net = doc.network as { plugin: string; options: Record<string, string> };
      assert.equal(net.plugin, model.cni.plugin);
      if (net.plugin === 'canal') assert.equal(net.options.canal_iface, model.network.interface);
      if (net.plugin === 'flannel') assert.equal(net.options.flannel_iface, model.network.interface);
      assert.deepEqual(doc.authorization, { mode: 'rbac' });
      assert.equal(doc.cluster_name, model.name);
      assert.equal(doc.kubernetes_version, model.kubernetesVersion);
    });
  }
});
