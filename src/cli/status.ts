import type { Argv, CommandModule } from 'yargs';
import { out } from './console.js';
import { labOptions, type LabArgs } from './options.js';
import type { LabStatus } from '../commands/status.js';
import { formatTable } from '../table.js';
import { formatServices } from './services.js';

type StatusArgs = LabArgs & { json: boolean };

export function formatStatus(status: LabStatus): string {
  const rows = status.nodes.map((n) => [
    n.name,
    n.state,
    n.ip,
    n.roles.join(','),
    n.kubernetes ? `${n.kubernetes.ready ? 'Ready' : 'NotReady'} ${n.kubernetes.version}`.trim() : n.roles.includes('loadbalancer') ? 'API endpoint' : '-',
    n.faults.join(', ') || '-',
  ]);
  const lines = [`lab ${status.lab} (${status.provider})`, ...formatTable(['NODE', 'MACHINE', 'IP', 'ROLES', 'KUBERNETES', 'FAULTS'], rows)];
  if (status.kubernetesNote) lines.push(`note: ${status.kubernetesNote}`);
  if (status.strays.length > 0) {
    lines.push(
      '',
      'machines of nodes the spec no longer names (`kubelab apply` and `kubelab destroy` remove them):',
      ...formatTable(
        ['MACHINE', 'PROVIDER', 'STATE', 'ID'],
        status.strays.map((m) => [m.name, m.provider, m.state, m.id.slice(0, 12)]),
      ),
    );
  }
  if (status.hostServices.length > 0) lines.push('', 'on the host:', ...formatServices(status.hostServices));
  return lines.join('\n');
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe: "Show each node's machine state, IP and roles, and Kubernetes' view when the cluster is up",
  builder: (y) => labOptions(y).option('json', { type: 'boolean', default: false, describe: 'Print JSON for scripts' }) as Argv<StatusArgs>,
  handler: async (args) => {
    const { labStatus } = await import('../commands/status.js');
    const status = await labStatus({ spec: args.spec, out: args.out });
    // Scripts get every key, with null where there is nothing to say.
    out(args.json ? JSON.stringify(status, (_key, value: unknown) => (value === undefined ? null : value), 2) : formatStatus(status));
  },
};
