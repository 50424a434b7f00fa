import fs from 'fs-extra';
import { readBoundedText } from '../../input/read.js';

/** What the host shows of KVM, read once; `kvmVerdict` decides from it alone. */
export interface KvmFacts {
  /** process.arch */
  arch: string;
  /** Whether /dev/kvm exists, and whether it opens for reading and writing. */
  device: 'absent' | 'denied' | 'opens';
  /** The flags lines of /proc/cpuinfo (empty when unreadable). */
  cpuFlags: string;
}

export type KvmVerdict = { usable: true } | { usable: false; why: string };

/**
 * Whether a KVM guest can run. /dev/kvm alone proves nothing: in a nested VM without virtualisation
 * extensions it exists and answers, libvirt offers the kvm domain type, and the guest hangs at boot
 * without a word. On x86 the CPU must show vmx (Intel) or svm (AMD).
 */
export function kvmVerdict(facts: KvmFacts): KvmVerdict {
  if (facts.device === 'absent') return { usable: false, why: 'there is no /dev/kvm (the kvm module is not loaded, or this machine has no KVM)' };
  if (facts.device === 'denied') return { usable: false, why: '/dev/kvm does not open for reading and writing (add the user to the kvm group)' };
  if ((facts.arch === 'x64' || facts.arch === 'ia32') && !/\b(vmx|svm)\b/.test(facts.cpuFlags)) {
    return {
      usable: false,
      why: '/dev/kvm is there, but the CPU shows no virtualisation extension (no vmx or svm in /proc/cpuinfo): a KVM guest would hang at boot',
    };
  }
  return { usable: true };
}

export async function readKvmFacts(): Promise<KvmFacts> {
  let device: KvmFacts['device'] = 'absent';
  if (await fs.pathExists('/dev/kvm')) {
    device = await fs.open('/dev/kvm', 'r+').then(
      (fd) => fs.close(fd).then(() => 'opens' as const),
      () => 'denied' as const,
    );
  }
  // Some 1.5 KB a CPU.
  const cpuinfo = await readBoundedText('/proc/cpuinfo', 16 * 1024 * 1024).catch(() => '');
  const cpuFlags = cpuinfo
    .split('\n')
    .filter((line) => /^flags\s*:/.test(line))
    .join('\n');
  return { arch: process.arch, device, cpuFlags };
}
