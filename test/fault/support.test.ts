import assert from 'node:assert/strict';
import { test } from 'node:test';
import { faultSupport, parseKernelConfig } from '../../src/fault/support.js';
import { FAULT_KINDS } from '../../src/fault/families/index.js';
import { PROVIDERS } from '../../src/providers/index.js';

// Lines as /proc/config.gz has them; this workplace's kernel has HTB and TBF but no netem.
const HOST = parseKernelConfig(['CONFIG_NET_SCH_HTB=y', 'CONFIG_NET_SCH_TBF=m', '# CONFIG_NET_SCH_NETEM is not set', 'CONFIG_HZ=1000'].join('\n'));

const works = (rows: ReturnType<typeof faultSupport>) => Object.fromEntries(rows.map((r) => [r.kind, r.works]));

test('parseKernelConfig reads set, module and unset options', () => {
  assert.equal(HOST.get('NET_SCH_HTB'), 'y');
  assert.equal(HOST.get('NET_SCH_TBF'), 'm');
  assert.equal(HOST.get('NET_SCH_NETEM'), 'n');
  assert.equal(HOST.get('HZ'), '1000');
  assert.equal(HOST.get('NET_SCH_PRIO'), undefined);
});

test("on the docker provider, delay depends on the host's kernel, and says what it lacks", () => {
  const rows = faultSupport(PROVIDERS.docker, HOST);
  assert.deepEqual(
    rows.map((r) => r.kind),
    [...FAULT_KINDS],
    'every kind, in the order the CLI lists them',
  );
  const delay = rows.find((r) => r.kind === 'delay')!;
  assert.equal(delay.works, 'no');
  assert.match(delay.why, /the nodes use this host's kernel \(.*\), built without CONFIG_NET_SCH_NETEM$/);
  assert.equal(works(rows).bandwidth, 'yes');
  assert.equal(works(rows).partition, 'yes');
  // A host whose config cannot be read: nobody can say.
  assert.equal(works(faultSupport(PROVIDERS.docker, undefined)).delay, 'unknown');
});

test("on VMs every kind works, the kernel being the VM's own; etcd's disk of its own only on libvirt", () => {
  for (const provider of [PROVIDERS.libvirt, PROVIDERS.virtualbox]) {
    const rows = faultSupport(provider, HOST);
    assert.deepEqual(
      rows.filter((r) => r.works !== 'yes').map((r) => r.kind),
      provider === PROVIDERS.libvirt ? [] : ['disk-delay'],
    );
    assert.match(rows.find((r) => r.kind === 'delay')!.why, /in the node's own kernel \(needs CONFIG_NET_SCH_HTB, CONFIG_NET_SCH_NETEM/);
  }
});
