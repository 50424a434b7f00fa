import path from 'node:path';
import { PrerequisiteError } from '../errors.js';
import type { LabModel } from '../model.js';
import { capture, TIMEOUTS } from './exec.js';
import { howToInstall } from './install-hints.js';

export interface Tool {
  name: string;
  path: string;
  version: string | undefined;
}

export interface Missing {
  name: string;
  howToGet: string;
}

/** Runs `file args`: `exists` when the program could be started, `ok` when it exited 0. */
async function probe(file: string, args: string[]): Promise<{ exists: boolean; ok: boolean; output: string }> {
  const result = await capture(file, args, { timeoutMs: TIMEOUTS.probe });
  return { exists: !result.missing, ok: result.ok, output: result.missing ? '' : `${result.stdout}\n${result.stderr}`.trim() };
}

function firstVersion(text: string): string | undefined {
  return /v?[0-9]+\.[0-9]+\.[0-9]+/.exec(text)?.[0];
}

const HOW_TO_GET = {
  vagrant: howToInstall('vagrant'),
  'ssh-keygen': howToInstall('ssh-keygen'),
  VBoxManage: howToInstall('VBoxManage'),
  virsh: howToInstall('virsh'),
  docker: howToInstall('docker'),
};

export function rkeHowToGet(version: string): string {
  return `download RKE ${version} from https://github.com/rancher/rke/releases/tag/${version}, put it on PATH as \`rke\`, or pass --rke PATH`;
}

/** What must be there before any machine is touched: Vagrant, the provider, ssh-keygen. */
export async function checkMachinePrerequisites(model: LabModel): Promise<void> {
  const missing: Missing[] = [];
  if (!(await probe('vagrant', ['--version'])).ok) missing.push({ name: 'vagrant', howToGet: HOW_TO_GET.vagrant });
  if (!(await probe('ssh-keygen', ['-?'])).output && !(await probe('which', ['ssh-keygen'])).ok) {
    missing.push({ name: 'ssh-keygen', howToGet: HOW_TO_GET['ssh-keygen'] });
  }
  switch (model.provider.type) {
    case 'virtualbox':
      if (!(await probe('VBoxManage', ['--version'])).ok) missing.push({ name: 'VirtualBox (VBoxManage)', howToGet: HOW_TO_GET.VBoxManage });
      break;
    case 'libvirt':
      if (!(await probe('virsh', ['--version'])).ok) missing.push({ name: 'libvirt (virsh)', howToGet: HOW_TO_GET.virsh });
      break;
    case 'docker': {
      const info = await probe('docker', ['info', '--format', '{{.ServerVersion}}']);
      if (!info.ok) {
        missing.push({ name: 'docker (a running Docker daemon)', howToGet: HOW_TO_GET.docker });
      } else if (!(await probe('docker', ['image', 'inspect', model.provider.docker.image])).ok) {
        missing.push({ name: `the box image ${model.provider.docker.image}`, howToGet: 'build it once with `kubelab box build` (about two minutes; needs Debian\'s mirror)' });
      }
      break;
    }
  }
  if (missing.length > 0) throw new PrerequisiteError(missing);
}

/** Finds RKE: --rke wins, then `rke` on PATH. Undefined when there is none. */
export async function findRke(explicit: string | undefined): Promise<Tool | undefined> {
  const file = explicit ? path.resolve(explicit) : 'rke';
  const result = await probe(file, ['--version']);
  if (!result.ok) return undefined;
  return { name: 'rke', path: file, version: firstVersion(result.output) };
}

export async function findKubectl(): Promise<Tool | undefined> {
  const result = await probe('kubectl', ['version', '--client', '--output=yaml']);
  return result.ok ? { name: 'kubectl', path: 'kubectl', version: firstVersion(result.output) } : undefined;
}
