/**
 * End to end with real Vagrant and the docker provider: containers stand in for VMs (no KVM here).
 * Runs when Docker and Vagrant are available; in CI (CI=true) their absence is a failure.
 */
import assert from 'node:assert/strict';
import { execa } from 'execa';
import fs from 'fs-extra';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  destroyAndAssertClean,
  dockerLabUnavailable,
  dockerLines,
  ensureBox,
  kubelab,
  onNode,
  savePreloadImage,
  threeNodeDockerSpec,
} from '../support/docker-lab.js';
import { tempDir } from '../support/tmp.js';
import { provisionArgs, stepsFor, UNDO_SCRIPT } from '../../generators/provision.js';
import { CommandFailedError } from '../../src/exec/run.js';
import { labAccess, type LabAccess, type NodeRef } from '../../src/lab/access.js';
import { checkMachines, MachinesUnfitError } from '../../src/nodes/preflight.js';
import { labNodes } from '../../src/nodes/node.js';
import { NODE_PATHS } from '../../src/node-paths.js';
import { shellQuote } from '../../src/quote.js';
import { compileSpec } from '../../src/spec/index.js';

const BOX = 'kubelab/debian-bookworm:latest';
// A network the test creates for itself (through Vagrant); nothing else is ever addressed.
const CIDR = '192.168.231.0/24';
const NODES = { cp: '192.168.231.10', 'worker-1': '192.168.231.11', 'worker-2': '192.168.231.12' } as const;
// The tarball path: every node loads the images folder itself.
const SPEC = threeNodeDockerSpec('kle2e', CIDR, 'rancher', 'off');

const unavailable = await dockerLabUnavailable();
if (unavailable && process.env.CI) throw new Error(`the end-to-end test cannot run in CI: ${unavailable}`);

describe('apply / status / destroy with the docker provider', { skip: unavailable, timeout: 30 * 60_000 }, () => {
  let dir = '';
  let outDir = '';
  // No rke on this machine: PATH without it makes that true on any machine.
  const noRkeEnv = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

  before(async () => {
    await ensureBox(BOX);
    dir = await tempDir('e2e');
    outDir = path.join(dir, 'out');
    await fs.writeFile(path.join(dir, 'kubelab.yaml'), SPEC);
    await savePreloadImage(dir, path.join(dir, '.images'), 'kubelab-e2e/preload-gz:1', 'preload-gz.tar.gz');
    await savePreloadImage(dir, path.join(dir, '.images'), 'kubelab-e2e/preload-plain:1', 'preload-plain.tar');
  });

  after(async () => {
    if (outDir && (await fs.pathExists(path.join(outDir, '.vagrant')))) await kubelab(dir, ['destroy']);
  });

  test('Ctrl-C during apply stops the children and leaves a state that apply can carry on from', async () => {
    const child = execa('node', [path.join(process.cwd(), 'dist/src/cli.js'), 'apply', '--machines-only'], {
      cwd: dir,
      reject: false,
      all: true,
      env: { TERM: 'dumb' },
    });
    let seen = '';
    child.all?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/provisioning: system/.test(seen) && !child.killed) child.kill('SIGINT');
    });
    const result = await child;
    assert.equal(result.exitCode, 130, result.all);
    assert.match(result.all ?? '', /interrupted/);
    assert.match(result.all ?? '', /kubelab apply` again|kubelab destroy/);
  });

  test('apply without rke brings up and provisions every machine, then stops with the prerequisite message', async () => {
    const result = await kubelab(dir, ['apply', '--jobs', '3'], noRkeEnv);
    assert.equal(result.exitCode, 4, result.all);
    assert.match(result.all ?? '', /the machines are up and provisioned; Kubernetes was not installed/);
    assert.match(result.all ?? '', /missing prerequisite:\n\s+rke: download RKE v[0-9.]+ from https:\/\/github\.com\/rancher\/rke\/releases/);
    for (const node of Object.keys(NODES)) assert.match(result.all ?? '', new RegExp(`\\[${node}\\] ready \\(`));
    assert.ok(await fs.pathExists(path.join(outDir, '.kubelab/logs/vagrant-up-cp.log')), 'a log per machine');
  });

  test('each machine has its static private IP on eth1, and eth0 is the NAT-like bridge', async () => {
    for (const [node, ip] of Object.entries(NODES)) {
      assert.match(await onNode(outDir, node, 'ip -4 -o addr show dev eth1'), new RegExp(` ${ip.replace(/\./g, '\\.')}/24 `));
      assert.doesNotMatch(await onNode(outDir, node, 'ip -4 -o addr show dev eth0'), /192\.168\.231\./);
    }
  });

  test('nodes reach each other over the private network, by name too', async () => {
    for (const [node, ip] of Object.entries(NODES)) {
      for (const other of Object.keys(NODES)) {
        if (other === node) continue;
        await onNode(outDir, node, `ping -c 1 -W 2 ${NODES[other as keyof typeof NODES]} > /dev/null`);
      }
      // The kubelet resolves its own name for its node IP: it must be the private address only.
      assert.equal(await onNode(outDir, node, `getent ahostsv4 ${node} | awk '{print $1}' | sort -u`), ip);
      assert.equal(await onNode(outDir, node, `grep -c '^# BEGIN kubelab$' /etc/hosts`), '1');
    }
  });

  test('Docker runs inside every node, for the ssh user, privileged containers included, with the preloaded images', async () => {
    for (const node of Object.keys(NODES)) {
      assert.match(await onNode(outDir, node, "docker info --format '{{.ServerVersion}}'"), /^[0-9]+\./);
      const images = await onNode(outDir, node, "docker images --format '{{.Repository}}:{{.Tag}}'");
      assert.match(images, /kubelab-e2e\/preload-gz:1/);
      assert.match(images, /kubelab-e2e\/preload-plain:1/);
      assert.equal(await onNode(outDir, node, 'docker run --rm --privileged kubelab-e2e/preload-gz:1 && echo ran'), 'ran');
    }
  });

  test('sysctls, kernel modules, swap and CNI plugins are as the provisioning scripts promise', async () => {
    for (const node of Object.keys(NODES)) {
      assert.equal(await onNode(outDir, node, 'cat /proc/sys/net/ipv4/ip_forward'), '1');
      assert.equal(await onNode(outDir, node, 'cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo absent'), '1');
      assert.match(await onNode(outDir, node, 'cat /etc/sysctl.d/90-kubelab.conf'), /net\.bridge\.bridge-nf-call-iptables = 1/);
      assert.match(await onNode(outDir, node, 'cat /etc/modules-load.d/kubelab.conf'), /br_netfilter\noverlay/);
      // A container shares the host's swap: it is left alone, and the kubelet is told to tolerate it.
      assert.equal(await onNode(outDir, node, 'test -x /opt/cni/bin/loopback && test -x /opt/cni/bin/portmap && echo ok'), 'ok');
    }
    assert.match(await fs.readFile(path.join(outDir, 'cluster.yml'), 'utf8'), /fail_swap_on: false/);
  });

  test("RKE's key logs in as the ssh user over the private network and reaches Docker", async () => {
    const key = path.join(outDir, '.kubelab/ssh/id_ed25519');
    assert.equal((await fs.stat(key)).mode & 0o777, 0o600);
    const result = await execa(
      'ssh',
      [
        '-i',
        key,
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=10',
        `vagrant@${NODES.cp}`,
        "docker version --format '{{.Server.Version}}'",
      ],
      { reject: false },
    );
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /^[0-9]+\./);
  });

  test('a lab on the kit, with the kit not built, is refused before any machine starts', async () => {
    const kitDir = await tempDir('e2e-nokit');
    await fs.writeFile(path.join(kitDir, 'kubelab.yaml'), threeNodeDockerSpec('klnokit', '192.168.234.0/24', 'kit'));
    const result = await kubelab(kitDir, ['apply'], { KUBELAB_CACHE_DIR: path.join(kitDir, 'cache') });
    assert.equal(result.exitCode, 4, result.all);
    assert.match(result.all ?? '', /nothing was started; missing prerequisites:/);
    assert.match(
      result.all ?? '',
      /the kit's images \(\.images\/kubelab-kit-v1\.32\.5-rancher1-1\.tar\.gz\): build the kit once with `kubelab kit build --sources DIR`/,
    );
    assert.match(result.all ?? '', /rke v1\.8\.5 \(the kit's\)/);
    assert.deepEqual(await dockerLines(['ps', '-a', '--filter', 'name=klnokit-', '--format', '{{.Names}}']), []);
    assert.ok(!(await fs.pathExists(path.join(kitDir, 'out', '.vagrant'))), 'vagrant never ran');
  });

  test('status shows every machine running with its IP and roles', async () => {
    const result = await kubelab(dir, ['status', '--json']);
    assert.equal(result.exitCode, 0, result.all);
    const status = JSON.parse(result.stdout) as { nodes: { name: string; state: string; ip: string; roles: string[] }[] };
    assert.deepEqual(
      status.nodes.map((n) => [n.name, n.state, n.ip, n.roles.join(',')]),
      [
        ['cp', 'running', NODES.cp, 'etcd,controlplane'],
        ['worker-1', 'running', NODES['worker-1'], 'worker'],
        ['worker-2', 'running', NODES['worker-2'], 'worker'],
      ],
    );
  });

  test('apply again converges instead of failing', async () => {
    const result = await kubelab(dir, ['apply', '--machines-only']);
    assert.equal(result.exitCode, 0, result.all);
    assert.equal(await onNode(outDir, 'cp', `grep -c '^# BEGIN kubelab$' /etc/hosts`), '1');
  });

  test('the same steps over ssh, as kubelab runs them on machines it did not make: uploaded, run from the file with stdin closed; they converge', async () => {
    const { model } = await compileSpec(path.join(dir, 'kubelab.yaml'), outDir);
    const nodeModel = model.nodes.find((n) => n.name === 'worker-1')!;
    const [node] = labNodes(outDir, labAccess(model)).filter((n) => n.name === 'worker-1');
    const publicKey = (await fs.readFile(path.join(outDir, model.ssh.publicKeyPath), 'utf8')).trim();
    const logFile = path.join(dir, 'over-ssh.log');
    const ran: string[] = [];
    for (const step of stepsFor(model, nodeModel)) {
      await node!.runScriptFile(step.path, provisionArgs(step, nodeModel, publicKey), { logFile });
      ran.push(step.name);
    }
    assert.deepEqual(ran, ['system', 'docker', 'dns', 'capacity', 'cni', 'images', 'rke-access']);
    assert.equal(await onNode(outDir, 'worker-1', `grep -c '^# BEGIN kubelab$' /etc/hosts`), '1');
    assert.equal(await onNode(outDir, 'worker-1', `grep -cxF ${shellQuote(publicKey)} /home/vagrant/.ssh/authorized_keys`), '1');
    assert.equal(await onNode(outDir, 'worker-1', `sudo stat -c '%a %U' ${NODE_PATHS.scripts}/system.sh`), '600 root');
    assert.match(await fs.readFile(logFile, 'utf8'), /# exit 0\n$/);

    // A script that reads stdin finds it closed at once, and a failing one fails with its log named.
    const probe = path.join(outDir, '.test-stdin.sh');
    await fs.writeFile(probe, 'if read -r -t 20 line; then echo "stdin gave: $line"; else echo "stdin closed"; fi\nexit "$1"\n');
    try {
      await node!.runScriptFile('.test-stdin.sh', ['0'], { logFile });
      assert.match(await fs.readFile(logFile, 'utf8'), /stdin closed\n# exit 0\n$/);
      await assert.rejects(node!.runScriptFile('.test-stdin.sh', ['3'], { logFile }), (error: unknown) => {
        assert.ok(error instanceof CommandFailedError && error.exitCode_ === 3 && error.hint?.includes(logFile), String(error));
        return true;
      });
    } finally {
      await fs.remove(probe);
    }
  });

  test('before installing on machines it did not make, kubelab asks every one at once and names each problem', async () => {
    const { model } = await compileSpec(path.join(dir, 'kubelab.yaml'), outDir);
    const access = labAccess(model);
    const fine = await checkMachines(labNodes(outDir, access), access.interface);
    assert.deepEqual(fine.problems, []);
    assert.deepEqual(
      [...fine.facts.values()].map((f) => [f.os.id, f.os.versionId, f.pid1]),
      Object.keys(NODES).map(() => ['debian', '12', 'systemd']),
    );

    // A user that logs in with the lab's key but has no sudo without a password.
    await onNode(
      outDir,
      'worker-2',
      'sudo useradd -m nosudo && sudo install -d -o nosudo -m 700 /home/nosudo/.ssh && sudo install -o nosudo -m 600 /home/vagrant/.ssh/authorized_keys /home/nosudo/.ssh/',
    );
    const [cp, w1, w2] = access.nodes;
    const at = (ref: NodeRef, change: Partial<NonNullable<NodeRef['ssh']>>): NonNullable<NodeRef['ssh']> => ({ ...ref.ssh!, ...change });
    const wrong: LabAccess = {
      ...access,
      nodes: [
        { ...cp!, ip: '192.168.231.99' },
        { ...w1!, ssh: at(w1!, { port: 2 }) },
        { ...w2!, ssh: at(w2!, { user: 'nosudo' }) },
        { ...cp!, name: 'cp-again' },
        { ...cp!, name: 'ghost', ssh: at(cp!, { user: 'nobody' }) },
      ],
    };
    const { problems } = await checkMachines(labNodes(outDir, wrong), access.interface);
    const said = problems.map((p) => `${p.node}: ${p.problem}`);
    const expected = [
      /^cp: 192\.168\.231\.99 is not on eth1, nor on any other interface$/,
      /^cp: is the same machine as cp-again \(one \/etc\/machine-id\)$/,
      /^worker-1: cannot log in as vagrant at 192\.168\.231\.11:2: .*Connection refused/,
      /^worker-2: nosudo cannot use sudo without a password on 192\.168\.231\.12$/,
      /^cp-again: is the same machine as cp \(one \/etc\/machine-id\)$/,
      /^ghost: cannot log in as nobody at 192\.168\.231\.10:22: .*Permission denied/,
    ];
    assert.equal(said.length, expected.length, said.join('\n'));
    expected.forEach((pattern, i) => assert.match(said[i]!, pattern, said.join('\n')));
    assert.match(new MachinesUnfitError(problems).message, /^nothing was installed on any machine; 6 problems with the machines:/);
  });

  test("undo.sh gives a node back as the box made it: files, folders, units, packages, groups as in a fresh container of the box; the lab's key no longer logs in", async () => {
    // What provisioning changes, read the same way on the node and in a container of the box that nothing provisioned.
    const fingerprint = [
      // Vagrant writes its own block into /etc/fstab when it shares a folder: Vagrant's, not kubelab's.
      'for f in /etc/environment /etc/fstab /etc/docker/daemon.json /etc/modules-load.d/kubelab.conf /etc/sysctl.d/90-kubelab.conf /etc/apt/apt.conf.d/90kubelab-proxy /etc/ssh/sshd_config.d/kubelab.conf; do echo "== $f"; sed "/^#VAGRANT-BEGIN/,/^#VAGRANT-END/d" "$f" 2> /dev/null || echo absent; done',
      'echo "== units"; ls /etc/systemd/system /etc/systemd/system/multi-user.target.wants',
      'echo "== folders"; for d in /opt/cni /etc/kubelab /var/lib/kubelab /etc/systemd/system/docker.service.d /run/kubelab; do test -e "$d" && echo "$d"; done; true',
      'echo "== packages"; dpkg-query -W -f \'${Package} ${db:Status-Status}\\n\' | sort',
      'echo "== groups"; id -nG vagrant',
    ].join('\n');
    const box = (await execa('docker', ['run', '--rm', '--entrypoint', 'bash', BOX, '-c', fingerprint])).stdout;
    const { model } = await compileSpec(path.join(dir, 'kubelab.yaml'), outDir);
    const [node] = labNodes(outDir, labAccess(model)).filter((n) => n.name === 'worker-1');
    const before = await onNode(outDir, 'worker-1', `sudo bash -c ${shellQuote(fingerprint)}`);
    assert.notEqual(before, box.trim(), 'provisioning changed the node');
    const logFile = path.join(dir, 'undo.log');
    await node!.runScriptFile(UNDO_SCRIPT, [], { logFile });
    assert.equal(await onNode(outDir, 'worker-1', `sudo bash -c ${shellQuote(fingerprint)}`), box.trim(), await fs.readFile(logFile, 'utf8'));
    assert.equal(await onNode(outDir, 'worker-1', `grep -c '# BEGIN kubelab' /etc/hosts || true`), '0');
    assert.equal(await onNode(outDir, 'worker-1', 'ip route show 10.43.0.0/16'), '', 'the service network route went with its unit');
    assert.equal(await node!.answers(), false, "the lab's key was taken out of authorized_keys");
  });

  test('destroy leaves no container, network or volume behind, and keeps the generated files', async () => {
    await destroyAndAssertClean(dir, 'kle2e', 3, '192.168.231.');
    for (const gone of ['.vagrant', '.kubelab', 'kube_config_cluster.yml', 'cluster.rkestate'])
      assert.ok(!(await fs.pathExists(path.join(outDir, gone))), gone);
    for (const kept of ['Vagrantfile', 'cluster.yml', 'provision/system.sh', 'kubelab.manifest.json'])
      assert.ok(await fs.pathExists(path.join(outDir, kept)), kept);
    const again = await kubelab(dir, ['destroy']);
    assert.equal(again.exitCode, 0, again.all);
  });
});
