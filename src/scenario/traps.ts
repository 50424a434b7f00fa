import type { LabAccess } from '../fault/types.js';
import type { TimedObservation } from './types.js';
import { isKubernetesNode } from '../vocabulary.js';

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
