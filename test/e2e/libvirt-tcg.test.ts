/**
 * The libvirt provider end to end, with real VMs under QEMU's software emulation (TCG): the box
 * built offline by `kubelab box build --provider libvirt`, a 2-node lab brought up with
 * `kubelab apply --machines-only`, looked at from inside, broken with `kubelab fault` and
 * destroyed. Runs where libvirtd answers and vagrant-libvirt is installed; in CI (CI=true) their
 * absence is a failure. Traffic stays on the lab's own networks, made by vagrant-libvirt: the box
 * carries Docker, so provisioning installs nothing, and the lab runs no package cache (the host's
 * shared package store stays free for the cluster test, test/e2e/kit-cluster, which empties it).
 */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ETCD_DISK } from '../../src/etcd-disk.js';
import { kvmVerdict, readKvmFacts } from '../../src/providers/libvirt/kvm.js';
import { run } from '../../src/exec/run.js';
import { unreachable } from '../../src/nodes/ssh.js';
import { kubelab } from '../support/docker-lab.js';
import { eventually, LabNodes, recordedFaults } from '../support/fault-lab.js';
import { cliPath } from '../support/paths.js';
import { afterAnyKitBuild } from '../support/kit-build.js';
import { tempDir } from '../support/tmp.js';

const URI = 'qemu:///system';
// A network of this test's own (made by vagrant-libvirt); nothing outside it is ever addressed.
const CIDR = '192.168.237.0/24';
const IPS = { cp: '192.168.237.10', worker: '192.168.237.11' };
const LAB = 'kltcg';
const spec = (driver: 'qemu' | 'kvm'): string => `name: ${LAB}
provider:
  type: libvirt
  libvirt:
    driver: ${driver}
network:
  cidr: ${CIDR}
defaults:
  cpus: 1
  memory: 1G
nodes:
  - name: cp
    roles: [etcd, controlplane]
  - name: worker
    roles: [worker]
images:
  system: rancher
registry:
  enabled: false
packageCache:
  enabled: false
`;

async function libvirtUnavailable(): Promise<string | undefined> {
  const works = async (file: string, args: string[]) => (await run(file, args).catch(() => undefined))?.ok === true;
  if (!(await works('virsh', ['-c', URI, 'version']))) return `libvirtd does not answer on ${URI} (scripts/ensure-libvirtd.sh starts it)`;
  if (!(await works('qemu-system-x86_64', ['--version']))) return 'qemu-system-x86_64 is not installed';
  const plugins = await run('vagrant', ['plugin', 'list']).catch(() => undefined);
  if (!plugins?.ok || !/vagrant-libvirt/.test(plugins.stdout)) return 'the vagrant-libvirt plugin is not installed';
  return undefined;
}

const virshLines = async (...args: string[]): Promise<string[]> => {
  const result = await run('virsh', ['-c', URI, ...args]);
  assert.ok(result.ok, `virsh ${args.join(' ')}: ${result.all}`);
  return result.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
};

/** The networks libvirt has whose definition mentions this test's subnet. */
async function labNetworks(): Promise<string[]> {
  const found: string[] = [];
  for (const name of await virshLines('net-list', '--all', '--name')) {
    const xml = await run('virsh', ['-c', URI, 'net-dumpxml', name]);
    if (xml.stdout.includes(CIDR.replace('0/24', ''))) found.push(name);
  }
  return found;
}

const count = (text: string, what: RegExp): number => text.match(new RegExp(what.source, 'g'))?.length ?? 0;

const unavailable = await libvirtUnavailable();
if (unavailable && process.env.CI) throw new Error(`the libvirt end-to-end test cannot run in CI: ${unavailable}`);

describe('a 2-node libvirt lab of real VMs under software emulation (TCG)', { skip: unavailable, timeout: 90 * 60_000 }, () => {
  let dir = '';
  let outDir = '';
  let nodes: LabNodes;
  const timings: string[] = [];
  const since = (start: number): string => `${((Date.now() - start) / 1000).toFixed(0)}s`;
  const fault = async (...args: string[]) => kubelab(dir, ['fault', ...args]);
  const domain = (node: string) => `${LAB}-${node}`;
  /** One of the lab's logs (.kubelab/logs/NAME.log), empty when there is none. */
  const readLog = (name: string): Promise<string> => fs.readFile(path.join(outDir, '.kubelab', 'logs', `${name}.log`), 'utf8').catch(() => '');
  const domstate = async (node: string) => (await virshLines('domstate', domain(node)))[0];
  const rtt = async (from: string, to: string): Promise<number> => {
    const summary = await nodes.must(from, `ping -q -n -c 5 -i 0.3 ${nodes.node(to).ip} | tail -n 1`);
    const average = Number(summary.split('/')[4]);
    assert.ok(Number.isFinite(average), summary);
    return average;
  };
  /**
   * The VMs reach each other on the private network, `count` pings each way and none lost. Under
   * emulation on a loaded host a VM just up may not answer yet, or answer late (CI lost all ten
   * pings after apply once, and two of five sent 10 ms apart after a start): first one answer each
   * way, then none lost, 200 ms apart so that a late last reply still counts.
   */
  const answerEachOther = async (count: number): Promise<void> => {
    const answers = async (): Promise<boolean> => (await nodes.pingLoss('cp', 'worker', 1)) === 0 && (await nodes.pingLoss('worker', 'cp', 1)) === 0;
    await eventually('cp and worker to answer each other', answers, 120_000);
    assert.equal(await nodes.pingLoss('cp', 'worker', count, 0.2), 0);
    assert.equal(await nodes.pingLoss('worker', 'cp', count, 0.2), 0);
  };

  before(async () => {
    const waited = await afterAnyKitBuild((line) => process.stderr.write(`${line}\n`));
    if (waited > 1) timings.push(`waited for the kit build ${waited.toFixed(0)}s`);
    let start = Date.now();
    const box = await run(process.execPath, [cliPath, 'box', 'build', '--provider', 'libvirt'], { stdio: 'inherit', timeoutMs: 0 });
    assert.ok(box.ok, `kubelab box build --provider libvirt failed (exit ${String(box.exitCode)})`);
    timings.push(`box ${since(start)}`);
    dir = await tempDir('libvirt-e2e');
    outDir = path.join(dir, 'out');
    await fs.writeFile(path.join(dir, 'kubelab.yaml'), spec('qemu'));
    nodes = await LabNodes.fromSpec(path.join(dir, 'kubelab.yaml'), outDir);
    assert.deepEqual(nodes.ips, IPS, 'the spec puts the nodes at the addresses this test expects');
    start = Date.now();
    const up = await kubelab(dir, ['apply', '--machines-only', '--jobs', '2']);
    assert.equal(up.exitCode, 0, up.all);
    assert.match(up.all, /the VMs run under software emulation \(provider\.libvirt\.driver: qemu/);
    timings.push(`apply ${since(start)}`);
  });

  after(async () => {
    const start = Date.now();
    if (outDir && (await fs.pathExists(path.join(outDir, '.vagrant')))) await kubelab(dir, ['destroy']);
    timings.push(`destroy ${since(start)}`);
    process.stderr.write(`libvirt e2e timings: ${timings.join(', ')}\n`);
  });

  test('driver kvm is refused before any machine starts where KVM does not really work', async (t) => {
    const kvm = kvmVerdict(await readKvmFacts());
    if (kvm.usable) {
      t.skip('KVM works on this machine: there is nothing to refuse');
      return;
    }
    const other = await tempDir('libvirt-kvm');
    await fs.writeFile(path.join(other, 'kubelab.yaml'), spec('kvm').replace(`name: ${LAB}`, 'name: kltcgkvm'));
    const refused = await kubelab(other, ['apply', '--machines-only']);
    assert.equal(refused.exitCode, 4, refused.all);
    assert.match(refused.all, /working KVM \(provider\.libvirt\.driver is kvm\): .*set provider\.libvirt\.driver: qemu in the spec/);
    assert.ok(!(await virshLines('list', '--all', '--name')).some((d) => d.startsWith('kltcgkvm')), 'no domain was made');
  });

  test('both VMs run, as <lab>-<node> domains, with their private addresses on eth1, and reach each other there', async () => {
    // One ssh visit a node: under emulation each costs seconds.
    await Promise.all(
      Object.entries(IPS).map(async ([node, ip]) => {
        assert.equal(await domstate(node), 'running');
        const [address, kernel, modules] = (await nodes.must(node, 'ip -4 -o addr show dev eth1; uname -r; ls /lib/modules')).split('\n');
        assert.match(address ?? '', new RegExp(`inet ${ip.replace(/\./g, '\\.')}/24 `));
        assert.equal(kernel, modules, 'the VM runs its own kernel');
      }),
    );
    await answerEachOther(10);
  });

  test('provisioning did what it reports: Docker runs a container, swap is off, modules and sysctls are set', async () => {
    // cp was created alone while the box was not yet in the pool, then provisioned apart; worker came up provisioned.
    const logs = await Promise.all(['vagrant-up-cp', 'vagrant-provision-cp', 'vagrant-up-worker'].map((name) => readLog(name)));
    assert.match(logs.join('\n'), /kubelab\[cp\] docker: ready \(a container ran\)/);
    assert.match(logs.join('\n'), /kubelab\[worker\] docker: ready \(a container ran\)/);
    assert.match(logs.join('\n'), /kubelab\[cp\] etcd-disk: \/var\/lib\/etcd on \/dev\/mapper\/kubelab-etcd \(linear over \/dev\/vd[b-z], 4G\)/);
    assert.match(logs.join('\n'), /kubelab\[worker\] etcd-disk: not an etcd node/);
    // One ssh visit a node, each answer on a line of its own.
    const READINGS = [
      'docker run --rm --network none kubelab/docker-probe:1 /usr/bin/true && echo ran',
      'tail -n +2 /proc/swaps | wc -l',
      'grep swap /etc/fstab | head -n 1',
      'lsmod | grep -c "^br_netfilter "',
      'cat /proc/sys/net/bridge/bridge-nf-call-iptables',
      'cat /proc/sys/net/ipv4/ip_forward',
    ];
    await Promise.all(
      Object.keys(IPS).map(async (node) => {
        const [probe, swaps, fstab, bridgeModule, bridgeCalls, forward] = (await nodes.must(node, READINGS.join('\n'))).split('\n');
        assert.equal(probe, 'ran');
        // The box comes with a swap partition, as the usual Vagrant boxes do: provisioning turned it off for good.
        assert.equal(swaps, '0');
        assert.match(fstab ?? '', /^# kubelab: swap off # LABEL=swap none swap/);
        assert.equal(bridgeModule, '1', 'br_netfilter is loaded');
        assert.equal(bridgeCalls, '1');
        assert.equal(forward, '1');
      }),
    );
  });

  test('a second apply provisions each running machine once, not twice', async () => {
    const start = Date.now();
    const again = await kubelab(dir, ['apply', '--machines-only', '--jobs', '2']);
    assert.equal(again.exitCode, 0, again.all);
    timings.push(`second apply ${since(start)}`);
    for (const node of Object.keys(IPS)) {
      // This apply's part of the log: it appends, and the first apply may have provisioned cp apart too.
      const log = (await readLog(`vagrant-provision-${node}`)).split(`$ vagrant provision ${node}\n`).pop() ?? '';
      assert.equal(count(log, new RegExp(`kubelab\\[${node}\\] docker: ready`)), 1, log);
      // The same dockerd that ran the probe container at the first apply: it is not run again.
      assert.match(log, new RegExp(`kubelab\\[${node}\\] docker: ready \\(a container ran on this start of docker\\)`));
      assert.equal(count(log, /Running provisioner: system/), 1, log);
    }
  });

  test('fault support says what works on VMs: delay included', async () => {
    const support = await kubelab(dir, ['fault', 'support', '--json']);
    assert.equal(support.exitCode, 0, support.all);
    const { provider, kinds } = JSON.parse(support.stdout) as { provider: string; kinds: { kind: string; works: string }[] };
    assert.equal(provider, 'libvirt');
    assert.deepEqual(
      kinds.filter((k) => k.works !== 'yes'),
      [],
    );
  });

  test("delay adds the asked milliseconds on a VM's own kernel (netem), measured by ping, and undo takes them away", async () => {
    const before = await rtt('cp', 'worker');
    const injected = await fault('delay', '300', '--from', 'cp', '--to', 'worker', '--one-way');
    assert.equal(injected.exitCode, 0, injected.all);
    const id = /^(f[0-9]+): /.exec(injected.stdout)?.[1];
    assert.ok(id, injected.stdout);
    const delayed = await rtt('cp', 'worker');
    assert.ok(delayed >= 300 && delayed < before + 600, `rtt ${before} ms before, ${delayed} ms with a 300 ms delay`);
    assert.match(await nodes.must('cp', 'tc qdisc show dev eth1'), /qdisc netem .* delay 300ms/);
    assert.equal((await fault('undo', id)).exitCode, 0);
    assert.ok((await rtt('cp', 'worker')) < before + 100, 'the delay is gone');
    assert.equal(await nodes.traces('cp'), '');
  });

  test('partition cuts both directions and clear restores them', async () => {
    const injected = await fault('partition', '--from', 'cp', '--to', 'worker');
    assert.equal(injected.exitCode, 0, injected.all);
    try {
      // Both directions probed at once, one ssh visit a node a round.
      assert.deepEqual(await nodes.cutDirections(['cp', 'worker']), ['cp -> worker', 'worker -> cp']);
      assert.ok(await nodes.answers('worker'), 'the host still reaches the node');
    } catch (error) {
      // A partition left in place would fail every later test of these VMs as well (CI: three).
      await fault('clear');
      throw error;
    }
    assert.equal((await fault('clear')).exitCode, 0);
    assert.deepEqual(await nodes.cutDirections(['cp', 'worker']), []);
    assert.deepEqual(await recordedFaults(outDir), []);
  });

  test("clock sets a VM's clock ahead, measured against the host's, and undo sets it back; a strobe flips it, and clear ends it at the true time", async () => {
    /**
     * The node's clock minus the host's, in ms: the host's read halfway through the ssh round trip,
     * of the quickest of three (a slow one, such as the first, says little about when the node read).
     */
    const offset = async (): Promise<number> => {
      const readings: { rtt: number; offset: number }[] = [];
      const lost: string[] = [];
      // An emulated VM on a busy host sometimes takes longer than ssh waits to answer (exit 255): a
      // reading lost to the lab, not to the clock, is taken again.
      while (readings.length < 3) {
        const sent = Date.now();
        const result = await nodes.run('worker', 'date +%s%3N', 15);
        const back = Date.now();
        if (unreachable(result) && lost.length < 5) {
          lost.push(`${result.code} after ${back - sent} ms: ${result.stderr.trim()}`);
          continue;
        }
        assert.equal(result.code, 0, `on worker: date (${lost.length} lost before: ${lost.join('; ')})\n${result.stderr}`);
        readings.push({ rtt: back - sent, offset: Number(result.stdout.trim()) - (sent + back) / 2 });
      }
      if (lost.length > 0) console.log(`clock readings lost to ssh on the emulated worker: ${lost.join('; ')}`);
      return readings.sort((a, b) => a.rtt - b.rtt)[0]!.offset;
    };
    // A VM under emulation may drift from the host: what counts is the change.
    const baseline = await offset();
    const injected = await fault('clock', '+90s', '--node', 'worker');
    assert.equal(injected.exitCode, 0, injected.all);
    const id = /^(f[0-9]+): /.exec(injected.stdout)?.[1];
    assert.ok(id, injected.stdout);
    const ahead = (await offset()) - baseline;
    assert.ok(Math.abs(ahead - 90_000) < 3_000, `the clock moved ${ahead} ms for +90s`);
    assert.equal((await fault('undo', id)).exitCode, 0);
    const back = (await offset()) - baseline;
    assert.ok(Math.abs(back) < 3_000, `${back} ms off after undo`);

    // The strobe read on the node itself, in one visit: its clock against its uptime, which no
    // clock change moves, each reading minus the same difference read before the strobe.
    const clockMinusUptime = 'echo $(( $(date +%s%3N) - $(cut -d" " -f1 /proc/uptime | tr -d .)0 ))';
    const reference = Number(await nodes.must('worker', clockMinusUptime));
    assert.equal((await fault('clock-strobe', '+60s', '--period', '3s', '--node', 'worker')).exitCode, 0);
    const seen = (await nodes.must('worker', `for _ in $(seq 12); do ${clockMinusUptime}; sleep 0.5; done`))
      .split('\n')
      .map((line) => Number(line) - reference);
    assert.ok(
      seen.some((o) => Math.abs(o - 60_000) < 3_000) && seen.some((o) => Math.abs(o) < 3_000),
      `a strobe between +60s and the true time: ${seen.join(', ')}`,
    );
    assert.equal((await fault('clear')).exitCode, 0);
    const cleared = (await offset()) - baseline;
    assert.ok(Math.abs(cleared) < 3_000, `${cleared} ms off after clear`);
    assert.equal(await nodes.traces('worker'), '');
  });

  test("disk-delay makes every I/O on etcd's own disk wait, measured by dd oflag=dsync on the VM, and undo makes it plain again", async () => {
    // One visit a reading: the mapping's target (and delay), then the milliseconds one synchronous 4 KiB write takes.
    // (provisioning's test saw the worker say it has no such disk)
    const reading = async (): Promise<{ mount: string; table: string; writeMs: number }> => {
      const [mount, table, ms] = (
        await nodes.must(
          'cp',
          `findmnt -n -o SOURCE ${ETCD_DISK.mountPoint}
dmsetup table ${ETCD_DISK.mapper} | awk '{ print $3, $6 }'
start=$(date +%s%N)
dd if=/dev/zero of=${ETCD_DISK.mountPoint}/kubelab-dd bs=4k count=10 oflag=dsync 2> /dev/null
echo $((($(date +%s%N) - start) / 10000000))
rm -f ${ETCD_DISK.mountPoint}/kubelab-dd`,
        )
      ).split('\n');
      return { mount: mount ?? '', table: (table ?? '').trim(), writeMs: Number(ms) };
    };
    const plain = await reading();
    assert.equal(plain.mount, `/dev/mapper/${ETCD_DISK.mapper}`, "etcd's data is on its own disk");
    assert.equal(plain.table, 'linear');
    const injected = await fault('disk-delay', '200ms');
    assert.equal(injected.exitCode, 0, injected.all);
    const id = /^(f[0-9]+): /.exec(injected.stdout)?.[1];
    assert.ok(id, injected.stdout);
    const slow = await reading();
    assert.equal(slow.table, 'delay 200');
    assert.ok(slow.writeMs >= 200, `a synchronous write took ${slow.writeMs} ms under a 200 ms delay (${plain.writeMs} ms before)`);
    // Refused before anything is done: a second delay on the same disk, a node without one.
    const again = await fault('disk-delay', '50ms', '--node', 'cp');
    assert.notEqual(again.exitCode, 0, again.all);
    const worker = await fault('disk-delay', '50ms', '--node', 'worker');
    assert.notEqual(worker.exitCode, 0, worker.all);
    assert.match(worker.all, /worker: not an etcd node/);
    assert.equal((await fault('undo', id)).exitCode, 0);
    const after = await reading();
    assert.equal(after.table, 'linear');
    assert.ok(after.writeMs < 200 && after.writeMs < slow.writeMs / 2, `${after.writeMs} ms a write after undo, ${slow.writeMs} ms with the delay`);
    timings.push(`a synchronous 4 KiB write on etcd's disk ${plain.writeMs} ms, under disk-delay 200ms ${slow.writeMs} ms, after undo ${after.writeMs} ms`);
    assert.deepEqual(await recordedFaults(outDir), []);
  });

  test("stop halts the VM, status shows it, and start boots it again with its address, and etcd's disk mounted plain", async () => {
    const stopped = await fault('stop', 'cp');
    assert.equal(stopped.exitCode, 0, stopped.all);
    assert.equal(await domstate('cp'), 'shut off');
    const status = await kubelab(dir, ['status', '--json']);
    assert.equal(status.exitCode, 0, status.all);
    const machines = (JSON.parse(status.stdout) as { nodes: { name: string; machine: string; state: string; ip: string }[] }).nodes;
    assert.deepEqual(
      machines.map((m) => [m.name, m.machine, m.state === 'running' ? 'running' : 'down', m.ip]),
      [
        ['cp', domain('cp'), 'down', IPS.cp],
        ['worker', domain('worker'), 'running', IPS.worker],
      ],
    );
    const started = await fault('start', 'cp');
    assert.equal(started.exitCode, 0, started.all);
    assert.equal(await domstate('cp'), 'running');
    assert.ok(await nodes.answers('cp'));
    // Mapped and mounted again at boot, and Docker, which may still be starting, waits for it.
    assert.equal(
      await nodes.must(
        'cp',
        `findmnt -n -o SOURCE ${ETCD_DISK.mountPoint}; dmsetup table ${ETCD_DISK.mapper} | awk '{ print $3 }'; systemctl is-active kubelab-etcd-disk.service; systemctl show -p Requires --value docker.service | grep -o kubelab-etcd-disk.service`,
      ),
      `/dev/mapper/${ETCD_DISK.mapper}\nlinear\nactive\nkubelab-etcd-disk.service`,
    );
    await answerEachOther(5);
    assert.deepEqual(await recordedFaults(outDir), []);
  });

  test('destroy leaves no domain, volume or network of the lab behind', async () => {
    const destroyed = await kubelab(dir, ['destroy']);
    assert.equal(destroyed.exitCode, 0, destroyed.all);
    assert.deepEqual(
      (await virshLines('list', '--all', '--name')).filter((d) => d.startsWith(`${LAB}-`)),
      [],
    );
    const pools = await virshLines('pool-list', '--all', '--name');
    for (const pool of pools) {
      const volumes = await run('virsh', ['-c', URI, 'vol-list', pool]);
      assert.doesNotMatch(volumes.stdout, new RegExp(`${LAB}-`), `pool ${pool}`);
    }
    assert.deepEqual(await labNetworks(), []);
    assert.ok(!(await fs.pathExists(path.join(outDir, '.vagrant'))));
  });
});
