import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { readState } from '../lab/state.js';
import type { MachineState } from '../providers/driver.js';
import { machineState } from '../nodes/machine.js';
import { strayMachines } from '../nodes/removal.js';
import { openLab, type Lab } from './lab.js';
import { unfinishedRestore } from '../snapshot/record.js';
import { hostServicesStatus, type ServiceStatus } from '../host-services/lab-services.js';

export interface NodeStatus {
  name: string;
  machine: string;
  state: string;
  ip: string;
  roles: string[];
  /** Kubernetes' view; undefined when there is no cluster to ask or no kubectl to ask with. */
  kubernetes: { ready: boolean; version: string } | undefined;
  /** Active faults acting on this node, as "ID KIND". */
  faults: string[];
}

export interface LabStatus {
  lab: string;
  provider: string;
  kubeconfig: string | undefined;
  /** Why Kubernetes' view is missing, when it is. */
  kubernetesNote: string | undefined;
  nodes: NodeStatus[];
  /** What runs on the host for the lab (`kubelab services status`). */
  hostServices: ServiceStatus[];
  /** Machines kubelab made for nodes the spec no longer names: `apply` and `destroy` remove them. */
  strays: { name: string; provider: string; id: string; state: string }[];
}

/** The machine states in the words status shows, the same for every provider. */
const STATE_WORDS: Record<MachineState, string> = { running: 'running', paused: 'paused', off: 'stopped', absent: 'not created', unknown: 'unknown' };

/** Each node's machine, its place in the lab, Kubernetes' view when there is a cluster, and the faults on it. */
export async function labStatus(options: { spec: string; out: string }): Promise<LabStatus> {
  return openLab({ ...options, note: () => undefined }, async (lab) => {
    const { model, outDir } = lab;
    if (!(await fs.pathExists(path.join(outDir, 'Vagrantfile')))) {
      throw new KubelabError(`${outDir} has no Vagrantfile`, { hint: 'run `kubelab generate` (or `kubelab apply`) first' });
    }
    const [states, { faults }, hostServices, restoring, kubernetes, strayed] = await Promise.all([
      Promise.all(lab.nodes.map((n) => n.state())),
      readState(outDir),
      hostServicesStatus(model, outDir),
      unfinishedRestore(outDir),
      kubernetesView(lab),
      strays(lab),
    ]);
    let kubernetesNote = kubernetes.note;
    if (restoring !== undefined) {
      kubernetesNote = `the restore of snapshot ${restoring} did not finish; \`kubelab snapshot restore ${restoring}\` finishes it${kubernetesNote ? `; ${kubernetesNote}` : ''}`;
    }
    return {
      lab: model.name,
      hostServices,
      strays: strayed,
      provider: model.provider.type,
      kubeconfig: kubernetes.nodes ? lab.kubeconfig : undefined,
      kubernetesNote,
      nodes: model.nodes.map((n, i) => ({
        name: n.name,
        machine: n.machineName,
        state: STATE_WORDS[states[i]!],
        ip: n.ip,
        roles: n.roles,
        kubernetes: kubernetes.nodes?.get(n.name),
        faults: faults.filter((f) => f.targets.includes(n.name)).map((f) => `${f.id} ${f.kind}`),
      })),
    };
  });
}

/** Machines recorded for the lab whose nodes the spec does not name, with their state. */
async function strays(lab: Lab): Promise<LabStatus['strays']> {
  const strays = await strayMachines(lab.outDir, lab.model);
  const states = await Promise.all(strays.map((m) => machineState(m.provider, { node: m.node, id: m.id, outDir: lab.outDir })));
  return strays.map((m, i) => ({ name: m.node, provider: m.provider, id: m.id, state: STATE_WORDS[states[i]!] }));
}

/** Kubernetes' view of the nodes, or why there is none. */
async function kubernetesView(lab: Lab): Promise<{ nodes?: Map<string, { ready: boolean; version: string }>; note?: string }> {
  if (!(await lab.hasCluster())) return { note: 'no kubeconfig: Kubernetes is not installed yet (kubelab apply installs it with rke)' };
  const result = await (await lab.cluster()).nodes();
  if ('error' in result) return { note: `the API server did not answer: ${result.error}` };
  return { nodes: new Map(result.nodes.map((n) => [n.name, { ready: n.ready, version: n.version }])) };
}
