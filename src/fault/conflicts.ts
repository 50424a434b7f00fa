import { describeFault } from './describe.js';
import { familyOf } from './families/index.js';
import type { FaultRecord } from './types.js';

const shared = (a: readonly string[], b: readonly string[]): string[] => a.filter((x) => b.includes(x));

export interface Conflict {
  with: FaultRecord;
  reason: string;
}

/**
 * Why `candidate` cannot be injected while `active` are, one reason per clash (none: it can).
 * - anything on a node that a fault holding it down (stop, crash, freeze) acts on: from outside
 *   another such fault, from inside nothing can reach it;
 * - two faults of one family on common nodes: as the family says (network faults clash on a
 *   common direction, component faults on the same component);
 * - otherwise, the same kind twice on one node.
 */
export function findConflicts(candidate: FaultRecord, active: readonly FaultRecord[]): Conflict[] {
  const conflicts: Conflict[] = [];
  const family = familyOf(candidate.kind);
  for (const other of active) {
    const nodes = shared(candidate.targets, other.targets);
    if (nodes.length === 0) continue;
    const what = `${other.id} (${describeFault(other)})`;
    const otherFamily = familyOf(other.kind);
    let reason: string | undefined;
    if (otherFamily.holdsNodeDown) {
      reason =
        family.scope === 'machine'
          ? `${nodes.join(', ')} ${nodes.length === 1 ? 'is' : 'are'} already under ${what}`
          : `${nodes.join(', ')} cannot be reached inside: ${what} is active`;
    } else if (otherFamily === family && family.conflict) {
      reason = family.conflict(candidate, other, nodes, what);
    } else if (candidate.kind === other.kind) {
      reason = `${nodes.join(', ')} already ${nodes.length === 1 ? 'has' : 'have'} ${what}`;
    }
    if (reason !== undefined) conflicts.push({ with: other, reason });
  }
  return conflicts;
}
