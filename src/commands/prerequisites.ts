import { PrerequisiteError } from '../errors.js';
import type { LabModel } from '../model.js';
import type { Missing } from '../providers/driver.js';
import { DRIVERS } from '../providers/drivers.js';
import { capture, TIMEOUTS } from '../exec/run.js';
import { howToInstall } from '../exec/install-hints.js';

export type { Missing } from '../providers/driver.js';

/** Runs `file args`: `exists` when the program could be started, `ok` when it exited 0. */
async function probe(file: string, args: string[]): Promise<{ exists: boolean; ok: boolean; output: string }> {
  const result = await capture(file, args, { timeoutMs: TIMEOUTS.probe });
  return { exists: !result.missing, ok: result.ok, output: result.missing ? '' : `${result.stdout}\n${result.stderr}`.trim() };
}

const HOW_TO_GET = {
  vagrant: howToInstall('vagrant'),
  'ssh-keygen': howToInstall('ssh-keygen'),
};

export function rkeHowToGet(version: string): string {
  return `download RKE ${version} from https://github.com/rancher/rke/releases/tag/${version}, put it on PATH as \`rke\`, or pass --rke PATH`;
}

/** What must be there before any machine is touched: Vagrant, ssh-keygen and what the provider needs. */
export async function checkMachinePrerequisites(model: LabModel): Promise<void> {
  const missing: Missing[] = [];
  if (!(await probe('vagrant', ['--version'])).ok) missing.push({ name: 'vagrant', howToGet: HOW_TO_GET.vagrant });
  if (!(await probe('ssh-keygen', ['-?'])).output && !(await probe('which', ['ssh-keygen'])).ok) {
    missing.push({ name: 'ssh-keygen', howToGet: HOW_TO_GET['ssh-keygen'] });
  }
  missing.push(...(await DRIVERS[model.provider.type].prerequisites(model, probe)));
  if (missing.length > 0) throw new PrerequisiteError(missing);
}

/** What the provider wants said before the machines start. */
export async function providerNotes(model: LabModel): Promise<string[]> {
  return (await DRIVERS[model.provider.type].notes?.(model)) ?? [];
}
