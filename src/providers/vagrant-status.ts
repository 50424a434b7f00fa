import { KubelabError } from '../errors.js';
import { capture } from '../exec/run.js';

export interface MachineStatus {
  name: string;
  state: string;
  provider: string | undefined;
}

/** Parses `vagrant status --machine-readable`: timestamp,target,type,data[,data…]. */
export function parseMachineReadable(output: string): MachineStatus[] {
  const machines = new Map<string, MachineStatus>();
  for (const line of output.split('\n')) {
    const [, target, type, ...data] = line.split(',');
    if (!target || !type) continue;
    const value = data.join(',').replace(/%!\(VAGRANT_COMMA\)/g, ',');
    const machine = machines.get(target) ?? { name: target, state: 'unknown', provider: undefined };
    if (type === 'state') machine.state = value;
    else if (type === 'provider-name') machine.provider = value;
    else continue;
    machines.set(target, machine);
  }
  return [...machines.values()];
}

export async function vagrantStatus(outDir: string): Promise<MachineStatus[]> {
  const result = await capture('vagrant', ['status', '--machine-readable'], { cwd: outDir, timeoutMs: 120_000 });
  if (!result.ok) {
    throw new KubelabError(`\`vagrant status\` failed in ${outDir}: ${result.stderr.trim() || result.stdout.trim() || 'is vagrant installed?'}`, {
      hint: 'kubelab needs Vagrant 2.2.19 or later on PATH, and a Vagrantfile that loads (kubelab generate writes one)',
    });
  }
  return parseMachineReadable(result.stdout);
}
