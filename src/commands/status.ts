import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { readState } from '../lab/state.js';
import { LAB_FILES } from '../lab/files.js';
import type { LabModel } from '../model.js';
import { readNodes } from '../cluster/kube.js';
import { labKubectl } from '../kit/tools.js';
import { vagrantStatus } from '../providers/vagrant-status.js';
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
}

export async function labStatus(model: LabModel, outDir: string): Promise<LabStatus> {
  if (!(await fs.pathExists(path.join(outDir, 'Vagrantfile')))) {
    throw new KubelabError(`${outDir} has no Vagrantfile`, { hint: 'run `kubelab generate` (or `kubelab apply`) first' });
  }
  const machines = new Map((await vagrantStatus(outDir)).map((m) => [m.name, m]));
  const faults = (await readState(outDir)).faults;
  const kubeconfig = path.join(outDir, LAB_FILES.kubeconfig);
  let kube: Map<string, { ready: boolean; version: string }> | undefined;
  let kubernetesNote: string | undefined;
  const installed = await fs.pathExists(kubeconfig);
  const kubectl = installed ? await labKubectl(model) : undefined;
  if (!installed) {
    kubernetesNote = 'no kubeconfig: Kubernetes is not installed yet (kubelab apply installs it with rke)';
  } else if (!kubectl) {
    kubernetesNote = "no kubectl: `kubelab kit build` builds one, or install it on PATH, to see Kubernetes' view of the nodes";
  } else {
    const result = await readNodes(kubectl.path, kubeconfig);
    if ('nodes' in result) kube = new Map(result.nodes.map((n) => [n.name, { ready: n.ready, version: n.version }]));
    else kubernetesNote = `the API server did not answer: ${result.error}`;
  }
  const hostServices = await hostServicesStatus(model, outDir);
  const restoring = await unfinishedRestore(outDir);
  if (restoring !== undefined) {
    kubernetesNote = `the restore of snapshot ${restoring} did not finish; \`kubelab snapshot restore ${restoring}\` finishes it${kubernetesNote ? `; ${kubernetesNote}` : ''}`;
  }
  return {
    lab: model.name,
    hostServices,
    provider: model.provider.type,
    kubeconfig: kube ? kubeconfig : undefined,
    kubernetesNote,
    nodes: model.nodes.map((n) => ({
      name: n.name,
      machine: n.machineName,
      state: machines.get(n.name)?.state ?? 'unknown',
      ip: n.ip,
      roles: n.roles,
      kubernetes: kube?.get(n.name),
      faults: faults.filter((f) => f.targets.includes(n.name)).map((f) => `${f.id} ${f.kind}`),
    })),
  };
}
