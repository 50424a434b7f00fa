import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listsBox } from '../../src/providers/libvirt/driver.js';
import { kvmVerdict, type KvmFacts } from '../../src/providers/libvirt/kvm.js';

const facts = (over: Partial<KvmFacts>): KvmFacts => ({ arch: 'x64', device: 'opens', cpuFlags: 'flags\t\t: fpu vme de pse vmx sse2', ...over });

test('KVM is usable only where /dev/kvm opens and, on x86, the CPU shows vmx or svm', () => {
  assert.deepEqual(kvmVerdict(facts({})), { usable: true });
  assert.deepEqual(kvmVerdict(facts({ cpuFlags: 'flags : fpu svm lm' })), { usable: true });
  // This workplace: the device exists and answers, the CPU has no extension; a guest would hang.
  const nested = kvmVerdict(facts({ cpuFlags: 'flags : fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov hypervisor' }));
  assert.equal(nested.usable, false);
  assert.match(nested.usable ? '' : nested.why, /\/dev\/kvm is there, but the CPU shows no virtualisation extension \(no vmx or svm in \/proc\/cpuinfo\)/);
  // A flag that merely contains the letters does not count.
  assert.equal(kvmVerdict(facts({ cpuFlags: 'flags : vmxe svmx' })).usable, false);
  assert.match(JSON.stringify(kvmVerdict(facts({ device: 'absent' }))), /there is no \/dev\/kvm/);
  assert.match(JSON.stringify(kvmVerdict(facts({ device: 'denied' }))), /kvm group/);
  // Other architectures show no vmx/svm; the device decides there.
  assert.deepEqual(kvmVerdict(facts({ arch: 'arm64', cpuFlags: 'Features : fp asimd' })), { usable: true });
});

test('the box check reads vagrant box list --machine-readable, per provider', () => {
  const listing = [
    '1733389000,,box-name,kubelab/debian-bookworm',
    '1733389000,,box-provider,docker',
    '1733389000,,box-version,0',
    '1733389000,,box-name,kubelab/debian-bookworm',
    '1733389000,,box-provider,libvirt',
    '1733389000,,box-version,0',
    '1733389000,,box-name,generic/debian12',
    '1733389000,,box-provider,virtualbox',
  ].join('\n');
  assert.equal(listsBox(listing, 'kubelab/debian-bookworm', 'libvirt'), true);
  assert.equal(listsBox(listing, 'generic/debian12', 'libvirt'), false);
  assert.equal(listsBox(listing, 'kubelab/debian', 'libvirt'), false);
  assert.equal(listsBox('', 'kubelab/debian-bookworm', 'libvirt'), false);
});
