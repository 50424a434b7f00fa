import os from 'node:os';
import { gunzipSync } from 'node:zlib';
import { readBounded, readBoundedText } from '../input/read.js';
import type { ProviderFacts } from '../providers/facts.js';
import { FAMILIES, type AnyFamily } from './families/index.js';

/** Whether one kind of fault can work on a lab's machines, and why not. */
export interface KindSupport {
  kind: string;
  family: string;
  works: 'yes' | 'no' | 'unknown';
  why: string;
}

/** A kernel's options as its config says them: NET_SCH_NETEM → 'y', 'm' or 'n' (not set). */
export type KernelConfig = ReadonlyMap<string, string>;

export function parseKernelConfig(text: string): KernelConfig {
  const options = new Map<string, string>();
  for (const line of text.split('\n')) {
    const set = /^CONFIG_([A-Z0-9_]+)=(.*)$/.exec(line);
    if (set) options.set(set[1]!, set[2]!);
    const unset = /^# CONFIG_([A-Z0-9_]+) is not set$/.exec(line);
    if (unset) options.set(unset[1]!, 'n');
  }
  return options;
}

function tryGunzip(gz: Buffer, maxBytes: number): string | undefined {
  try {
    return gunzipSync(gz, { maxOutputLength: maxBytes }).toString('utf8');
  } catch {
    return undefined;
  }
}

/** This host's kernel config (/proc/config.gz, else /boot/config-RELEASE); undefined when neither is readable. */
export async function readHostKernelConfig(): Promise<KernelConfig | undefined> {
  // A kernel's config is some 250 KB, 60 KB compressed.
  const gz = await readBounded('/proc/config.gz', 4 * 1024 * 1024).catch(() => undefined);
  const unzipped = gz && tryGunzip(gz, 16 * 1024 * 1024);
  if (unzipped) return parseKernelConfig(unzipped);
  const text = await readBoundedText(`/boot/config-${os.release()}`, 16 * 1024 * 1024).catch(() => undefined);
  return text === undefined ? undefined : parseKernelConfig(text);
}

/**
 * What each kind of fault can do on a provider's machines. Only kinds that need something of the
 * node's kernel differ: a VM has its own (Debian's loads the qdiscs on demand), a container has
 * the host's, whose config decides.
 */
export function faultSupport(provider: ProviderFacts, hostKernel: KernelConfig | undefined): KindSupport[] {
  return (FAMILIES as readonly AnyFamily[]).flatMap((family) =>
    family.kinds.map((kind): KindSupport => {
      const needs = family.kernelNeeds?.[kind] ?? [];
      const row = { kind, family: family.name };
      const need = family.machineNeeds?.[kind];
      if (need !== undefined) return need.met(provider) ? { ...row, works: 'yes', why: `on ${need.what}` } : { ...row, works: 'no', why: need.why };
      if (needs.length === 0) return { ...row, works: 'yes', why: '' };
      const names = needs.map((option) => `CONFIG_${option}`).join(', ');
      if (!provider.sharesHostKernel) return { ...row, works: 'yes', why: `in the node's own kernel (needs ${names}; Debian's kernel has them)` };
      if (!hostKernel) return { ...row, works: 'unknown', why: `the nodes use this host's kernel, whose config is unreadable here; it needs ${names}` };
      const absent = needs.filter((option) => !['y', 'm'].includes(hostKernel.get(option) ?? 'n'));
      if (absent.length > 0) {
        return { ...row, works: 'no', why: `the nodes use this host's kernel (${os.release()}), built without ${absent.map((o) => `CONFIG_${o}`).join(', ')}` };
      }
      return { ...row, works: 'yes', why: `in this host's kernel, which the nodes share (${names})` };
    }),
  );
}
