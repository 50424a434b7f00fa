import type { LabAccess } from '../fault/types.js';
import type { TimedObservation } from './types.js';
import { isKubernetesNode } from '../vocabulary.js';
import { at } from './report/format.js';

/**
 * Traps of the node-lifecycle controller that explain surprising runs, said when the run came
 * near them. From the controller's code (ComputeZoneState in pkg/controller/nodelifecycle): a zone
 * is in "full disruption" when no node in it is Ready, and then nothing is evicted; it is
 * "partially disrupted" only when more than 2 nodes are NotReady and they are at least
 * --unhealthy-zone-threshold (55%) of the zone, and then evictions stop (in a zone of at most
 * --large-cluster-size-threshold, 50, nodes) or slow down.
 */
export function knownTraps(timeline: readonly TimedObservation[], lab: LabAccess): string[] {
  const nodes = lab.nodes.filter((n) => isKubernetesNode(n.roles)).length;
  const ready = new Map<string, string>();
  let mostDown = 0;
  let allDown = false;
  for (const entry of timeline) {
    if (entry.type !== 'node-ready') continue;
    ready.set(entry.node, entry.status);
    const down = [...ready.values()].filter((s) => s !== 'True').length;
    mostDown = Math.max(mostDown, down);
    if (ready.size === nodes && down === nodes) allDown = true;
  }
  const notes: string[] = [];
  const anew = controllersAnew(timeline);
  if (anew.length > 0) {
    notes.push(
      `kube-controller-manager began leading anew after the steps began: ${anew.join('; ')}. A new leader's node-lifecycle controller starts every node's grace period from its first look at the node, so a NotReady timed across that moment measures the new leader, not the node. A restart that no fault of the scenario caused is the lab's failure (a control plane that cannot renew its lease in time: a busy host), not Kubernetes'.`,
    );
  }
  if (allDown) {
    notes.push(
      'Every node was NotReady at once: the node-lifecycle controller then takes the zone to be fully disrupted (more likely the control plane lost the nodes than all nodes died) and evicts nothing until some node is Ready again.',
    );
  } else if (mostDown >= 2) {
    const share = Math.round((mostDown / nodes) * 100);
    notes.push(
      mostDown > 2 && mostDown / nodes >= 0.55
        ? `${mostDown} of ${nodes} nodes (${share}%) were NotReady at once: more than 2 and at least 55%, so the node-lifecycle controller counts the zone as partially disrupted and stops evicting (in a zone of 50 nodes or fewer; it only slows down in a larger one).`
        : `${mostDown} of ${nodes} nodes were NotReady at once; partial disruption needs more than 2 NotReady nodes (in the controller's code, not the docs), so evictions went on at the normal rate.`,
    );
  }
  return notes;
}

/**
 * Each time after the first step that kube-controller-manager's lease was taken by another node or
 * by a new process on the same node (a restart: the process exits when it cannot renew its lease),
 * as "at +112.0 s by a new process on cp".
 */
function controllersAnew(timeline: readonly TimedObservation[]): string[] {
  const stepsStart = timeline.find((e) => e.type === 'step')?.t;
  if (stepsStart === undefined) return [];
  let last: { holder: string; process: string | undefined } | undefined;
  const anew: string[] = [];
  for (const entry of timeline) {
    if (entry.type !== 'leader-lease' || entry.lease !== 'kube-controller-manager' || entry.holder === null) continue;
    const before = last;
    last = { holder: entry.holder, process: entry.process };
    if (before === undefined || entry.t < stepsStart) continue;
    const when = `at ${at(entry.t)}`;
    if (before.holder !== entry.holder) anew.push(`${when} by ${entry.holder}, from ${before.holder}`);
    else if (before.process !== entry.process) anew.push(`${when} by a new process on ${entry.holder}`);
  }
  return anew;
}
