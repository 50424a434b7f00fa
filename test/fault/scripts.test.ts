/**
 * What `kubelab fault` runs: the scripts each kind sends to the nodes (checked with bash -n and
 * shellcheck, and read for the rules they make), and the machine commands per provider.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { familyOf, sweepScript } from '../../src/fault/families/index.js';
import { machineInvocation } from '../../src/nodes/machine.js';
import { sh, type Step } from '../../src/fault/steps.js';
import type { FaultParams, FaultRecord } from '../../src/fault/types.js';
import { LAB, record } from '../support/fault-fixtures.js';
import { requireTool, run } from '../support/tools.js';

const plan = (fault: FaultRecord, forMs?: number): Step[] => familyOf(fault.kind).plan(fault, { lab: LAB, forMs });
const scriptOf = (step: Step, which: 'inject' | 'undo'): string => {
  const action = step[which];
  assert.equal(action.type, 'script');
  return action.type === 'script' ? action.script : '';
};

/** One of every kind, as a person could ask for it. */
const EVERY_KIND: FaultParams[] = [
  { kind: 'stop', nodes: ['cp'] },
  { kind: 'crash', nodes: ['worker-1', 'worker-2'] },
  { kind: 'freeze', nodes: ['etcd'] },
  { kind: 'partition', from: ['worker-1', 'worker-2'], to: ['cp'], oneWay: false },
  { kind: 'partition', from: ['etcd'], to: ['cp'], oneWay: true, port: 2380 },
  { kind: 'loss', percent: 30, from: ['worker-1'], to: ['cp'], oneWay: true },
  { kind: 'bandwidth', rateBits: 1e6, from: ['worker-1'], to: ['worker-2', 'cp'], oneWay: true },
  { kind: 'delay', ms: 100, from: ['cp'], to: ['etcd'], oneWay: false },
  { kind: 'kill', component: 'kube-apiserver', nodes: ['cp'] },
  { kind: 'stop-component', component: 'docker', nodes: ['worker-1'] },
  { kind: 'kill', component: 'docker', nodes: ['worker-1'] },
  { kind: 'pause', component: 'kube-controller-manager', nodes: ['cp'] },
  { kind: 'pause', component: 'haproxy', nodes: ['lb'] },
  { kind: 'disk-fill', percent: 90, path: "/mnt/it's here", maxBytes: 1024 ** 3, nodes: ['cp'] },
  { kind: 'cpu-hog', cpus: undefined, nodes: ['worker-2'] },
  { kind: 'cpu-hog', cpus: 2, nodes: ['worker-2'] },
  { kind: 'mem-hog', bytes: 256 * 1024 ** 2, nodes: ['worker-1'] },
  { kind: 'clock', offsetMs: -90_000, nodes: ['cp'] },
  { kind: 'clock-strobe', offsetMs: 2_000, periodMs: 500, nodes: ['worker-1'] },
  { kind: 'disk-delay', delayMs: 100, nodes: ['etcd'] },
];

const allScripts = (): { name: string; text: string }[] => [
  ...EVERY_KIND.flatMap((params, i) =>
    plan(record(params, i + 1), 60_000).flatMap((step) =>
      (['inject', 'undo'] as const).flatMap((which) =>
        step[which].type === 'script' ? [{ name: `${params.kind} ${which} on ${step.node}`, text: scriptOf(step, which) }] : [],
      ),
    ),
  ),
  { name: 'sweep', text: sweepScript(LAB) },
  // On machines of their own the sweep also sets clocks right, and etcd's disk plain.
  { name: 'sweep on VMs', text: sweepScript({ ...LAB, provider: 'libvirt' }) },
];

describe('fault scripts', () => {
  test('every script is valid bash', async () => {
    for (const { name, text } of allScripts()) {
      const result = await run('bash', ['-n'], { input: text });
      assert.equal(result.code, 0, `${name}:\n${result.stderr}\n${text}`);
    }
  });

  test('every script passes shellcheck', async (t) => {
    if (!requireTool(t, 'shellcheck', 'check the scripts kubelab fault sends to the nodes')) return;
    for (const { name, text } of allScripts()) {
      const result = await run('shellcheck', ['--shell=bash', '--severity=style', '-'], { input: text });
      assert.equal(result.code, 0, `${name}:\n${result.stdout}\n${text}`);
    }
  });

  test('no script names the host: only node addresses, as /32', () => {
    for (const { name, text } of allScripts()) {
      assert.doesNotMatch(text, /192\.168\.56\.1\b(?!\d)/, name);
      for (const [address] of text.matchAll(/192\.168\.56\.[0-9]+(\/[0-9]+)?/g)) {
        assert.ok(
          LAB.nodes.some((n) => `${n.ip}/32` === address),
          `${name}: ${address}`,
        );
      }
    }
  });

  test('partition --one-way: rules on the receivers only, one per sender, tagged with the id', () => {
    const steps = plan(record({ kind: 'partition', from: ['worker-1', 'worker-2'], to: ['cp'], oneWay: true }, 4));
    assert.deepEqual(
      steps.map((s) => s.node),
      ['cp'],
    );
    const inject = scriptOf(steps[0]!, 'inject');
    assert.match(inject, /^ID=f4$/m);
    assert.match(inject, /iptables -w -I INPUT 1 -j KUBELAB-IN/);
    assert.match(inject, /^SOURCES=\(192\.168\.56\.12\/32 192\.168\.56\.13\/32\)$/m);
    assert.match(inject, /iptables -w -A KUBELAB-IN -s "\$source" -m comment --comment "kubelab:\$ID" -j DROP/);
    assert.match(scriptOf(steps[0]!, 'undo'), /awk -v tag="\/\* kubelab:\$ID \*\/"/);
  });

  test('partition --port: each receiver drops only TCP to that port, so other traffic between the nodes flows', () => {
    const steps = plan(record({ kind: 'partition', from: ['etcd'], to: ['cp'], oneWay: false, port: 2380 }));
    assert.deepEqual(steps.map((s) => s.node).sort(), ['cp', 'etcd']);
    for (const step of steps) {
      assert.match(scriptOf(step, 'inject'), /iptables -w -A KUBELAB-IN -s "\$source" -p tcp --dport 2380 -m comment --comment "kubelab:\$ID" -j DROP/);
    }
    const [loss] = plan(record({ kind: 'loss', percent: 50, from: ['etcd'], to: ['cp'], oneWay: true, port: 6443 }));
    assert.match(scriptOf(loss!, 'inject'), /-s "\$source" -p tcp --dport 6443 -m statistic --mode random --probability 0\.5000 -m comment/);
  });

  test('partition both ways: each side drops what comes from the other', () => {
    const steps = plan(record({ kind: 'partition', from: ['worker-1'], to: ['cp'], oneWay: false }));
    assert.deepEqual(steps.map((s) => s.node).sort(), ['cp', 'worker-1']);
    assert.match(
      scriptOf(
        steps.find((s) => s.node === 'cp')!,
        'inject',
      ),
      /^SOURCES=\(192\.168\.56\.12\/32\)$/m,
    );
    assert.match(
      scriptOf(
        steps.find((s) => s.node === 'worker-1')!,
        'inject',
      ),
      /^SOURCES=\(192\.168\.56\.11\/32\)$/m,
    );
  });

  test('loss drops at random with the asked probability', () => {
    const [step] = plan(record({ kind: 'loss', percent: 12.5, from: ['worker-1'], to: ['cp'], oneWay: true }));
    assert.match(scriptOf(step!, 'inject'), /-s "\$source" -m statistic --mode random --probability 0\.1250 -m comment/);
  });

  test("bandwidth shapes on the senders, per destination, in the fault's own class", () => {
    const steps = plan(record({ kind: 'bandwidth', rateBits: 1e6, from: ['worker-1'], to: ['worker-2', 'cp'], oneWay: true }, 12));
    assert.deepEqual(
      steps.map((s) => s.node),
      ['worker-1'],
    );
    const inject = scriptOf(steps[0]!, 'inject');
    assert.match(inject, /^DEV=eth1$/m);
    assert.match(inject, /^CLASS=fa17:c$/m);
    assert.match(inject, /^PRIO=12$/m);
    assert.match(inject, /tc qdisc replace dev "\$DEV" root handle fa17: htb$/m);
    assert.match(inject, /tc qdisc add dev "\$DEV" parent "\$CLASS" tbf rate 1000000bit burst 16384 latency 100ms/);
    assert.match(inject, /^DESTINATIONS=\(192\.168\.56\.13\/32 192\.168\.56\.11\/32\)$/m);
    assert.match(inject, /u32 match ip dst "\$destination" flowid "\$CLASS"/);
    assert.match(scriptOf(steps[0]!, 'undo'), /tc filter del dev "\$DEV" parent fa17: prio "\$PRIO"/);
  });

  test('delay uses netem and refuses, changing nothing, where the kernel lacks it', () => {
    const [step] = plan(record({ kind: 'delay', ms: 100, from: ['cp'], to: ['etcd'], oneWay: true }));
    const inject = scriptOf(step!, 'inject');
    assert.match(inject, /tc qdisc add dev "\$DEV" parent "\$CLASS" netem delay 100ms/);
    assert.match(inject, /trap - ERR\n {2}tc_undo\n/);
    assert.match(inject, /refuse "this kernel has no netem \(sch_netem\), which delay needs; nothing was changed"/);
  });

  test('components: docker kill/stop inside the node, and systemctl for docker itself', () => {
    const [kill] = plan(record({ kind: 'kill', component: 'etcd', nodes: ['etcd'] }));
    // A crash of the main process, not `docker kill`, which Docker counts as a manual stop.
    assert.match(scriptOf(kill!, 'inject'), /^kill -KILL "\$\(docker inspect --type container --format '\{\{\.State\.Pid\}\}' "\$C"\)"$/m);
    assert.match(scriptOf(kill!, 'undo'), /^ {2}docker start "\$C" > \/dev\/null$/m);
    const [stop] = plan(record({ kind: 'stop-component', component: 'kubelet', nodes: ['cp'] }));
    assert.match(scriptOf(stop!, 'inject'), /^docker stop "\$C" > \/dev\/null$/m);
    const [daemon] = plan(record({ kind: 'kill', component: 'docker', nodes: ['cp'] }));
    assert.match(scriptOf(daemon!, 'inject'), /systemctl kill --signal=SIGKILL docker\.service/);
    assert.match(scriptOf(daemon!, 'undo'), /systemctl start docker\.service/);
  });

  test("pause stops the component's own program in its container, not the wrapper beside it; undo continues it", () => {
    const [kubelet] = plan(record({ kind: 'pause', component: 'kubelet', nodes: ['cp'] }));
    // rke-tools' entrypoint and cri-dockerd share the kubelet's container.
    assert.match(scriptOf(kubelet!, 'inject'), /\{ docker top "\$C" -eo pid,comm .*\} \| awk -v program=kubelet 'NR > 1 && \$2 == program \{ print \$1 \}'/);
    assert.match(scriptOf(kubelet!, 'inject'), /^kill -STOP \$PIDS$/m);
    assert.match(scriptOf(kubelet!, 'undo'), /^ {2}kill -CONT \$PIDS$/m);
    const [manager] = plan(record({ kind: 'pause', component: 'kube-controller-manager', nodes: ['cp'] }));
    assert.match(scriptOf(manager!, 'inject'), /program=kube-controller /, 'the kernel keeps 15 characters of the name');
    const [haproxy] = plan(record({ kind: 'pause', component: 'haproxy', nodes: ['lb'] }));
    assert.match(scriptOf(haproxy!, 'inject'), /^systemctl kill --kill-whom=all --signal=SIGSTOP haproxy\.service$/m);
    assert.match(
      scriptOf(haproxy!, 'undo'),
      /^systemctl kill --kill-whom=all --signal=SIGCONT haproxy\.service 2> \/dev\/null \|\| echo 'haproxy is not running: nothing to continue'$/m,
    );
  });

  test('hogs run under timeout: --for plus a minute, or the safety net', () => {
    const [timed] = plan(record({ kind: 'cpu-hog', cpus: 2, nodes: ['cp'] }), 30_000);
    assert.match(scriptOf(timed!, 'inject'), /setsid timeout 90 bash -c .* kubelab-cpu-hog 2 </);
    const [untimed] = plan(record({ kind: 'mem-hog', bytes: 1024, nodes: ['cp'] }));
    assert.match(scriptOf(untimed!, 'inject'), /setsid timeout 21600 bash -c .* kubelab-mem-hog 1024 </);
    assert.match(scriptOf(untimed!, 'undo'), /group=\$\(cat "\$pids"\)\n  kill -TERM -- "-\$group"/);
  });

  test('disk-fill quotes its path and records its file', () => {
    const [step] = plan(record({ kind: 'disk-fill', percent: 90, path: "/mnt/it's here", maxBytes: 5, nodes: ['cp'] }));
    const inject = scriptOf(step!, 'inject');
    assert.match(inject, /^TARGET='\/mnt\/it'\\''s here'$/m);
    assert.match(inject, /^MAX=5$/m);
    assert.match(inject, /echo "\$file" > \/var\/lib\/kubelab-faults\/"\$ID\.fill"/);
  });

  test('machine-level faults are one op and its opposite on each node', () => {
    const ops = (params: FaultParams): string[] =>
      plan(record(params)).map((s) => `${s.node}:${s.inject.type === 'machine' ? s.inject.op : '?'}/${s.undo.type === 'machine' ? s.undo.op : '?'}`);
    assert.deepEqual(ops({ kind: 'stop', nodes: ['cp', 'etcd'] }), ['cp:stop/start', 'etcd:stop/start']);
    assert.deepEqual(ops({ kind: 'crash', nodes: ['cp'] }), ['cp:kill/start']);
    assert.deepEqual(ops({ kind: 'freeze', nodes: ['cp'] }), ['cp:pause/resume']);
  });

  test('each provider has its own commands for the machine-level ops', () => {
    const ref = { node: 'cp', id: 'ID', outDir: '/lab/out' };
    const line = (provider: 'docker' | 'virtualbox' | 'libvirt', op: 'stop' | 'kill' | 'pause' | 'resume' | 'start'): string => {
      const call = machineInvocation(provider, ref, op);
      return [call.file, ...call.args].join(' ') + (call.cwd ? ` (in ${call.cwd})` : '');
    };
    assert.deepEqual(
      (['stop', 'kill', 'pause', 'resume', 'start'] as const).map((op) => line('docker', op)),
      ['docker stop ID', 'docker kill ID', 'docker pause ID', 'docker unpause ID', 'docker start ID'],
    );
    assert.deepEqual(
      (['stop', 'kill', 'pause', 'resume', 'start'] as const).map((op) => line('virtualbox', op)),
      [
        'vagrant halt cp (in /lab/out)',
        'VBoxManage controlvm ID poweroff',
        'VBoxManage controlvm ID pause',
        'VBoxManage controlvm ID resume',
        'vagrant up --no-provision cp (in /lab/out)',
      ],
    );
    const uri = process.env.LIBVIRT_DEFAULT_URI ?? 'qemu:///system';
    // VMs share Vagrant's halt and boot; the hypervisor's tool does the rest.
    assert.deepEqual(
      (['stop', 'kill', 'pause', 'resume', 'start'] as const).map((op) => line('libvirt', op)),
      [
        'vagrant halt cp (in /lab/out)',
        `virsh -c ${uri} destroy ID`,
        `virsh -c ${uri} suspend ID`,
        `virsh -c ${uri} resume ID`,
        'vagrant up --no-provision cp (in /lab/out)',
      ],
    );
  });

  test('sh() quotes only what needs it', () => {
    assert.equal(sh('eth1'), 'eth1');
    assert.equal(sh('192.168.56.10/32'), '192.168.56.10/32');
    assert.equal(sh('a b'), "'a b'");
    assert.equal(sh("it's"), "'it'\\''s'");
    assert.equal(sh('$(reboot)'), "'$(reboot)'");
  });
});
