import { describeFault } from './describe.js';
import { isNetworkKind, scopeOf } from './kinds/index.js';
import type { FaultRecord } from './types.js';

/** The component a component fault acts on, if it is one. */
const componentOf = (f: FaultRecord): string | undefined => ('component' in f.params ? f.params.component : undefined);

const shared = (a: readonly string[], b: readonly string[]): string[] => a.filter((x) => b.includes(x));

export interface Conflict {
  with: FaultRecord;
  reason: string;
}

/**
 * Why `candidate` cannot be injected while `active` are, one reason per clash (none: it can).
 * - two machine-level faults on one node (a frozen node cannot also be stopped);
 * - anything done inside a node that a machine-level fault has stopped, crashed or frozen;
 * - two network faults on a common direction (sender -> receiver);
 * - the same component twice on one node (kill and stop-component included);
 * - any other kind twice on one node.
 */
export function findConflicts(candidate: FaultRecord, active: readonly FaultRecord[]): Conflict[] {
  const conflicts: Conflict[] = [];
  for (const other of active) {
    const clash = (reason: string): void => void conflicts.push({ with: other, reason });
    const nodes = shared(candidate.targets, other.targets);
    if (nodes.length === 0) continue;
    const what = `${other.id} (${describeFault(other)})`;
    const candidateScope = scopeOf(candidate.kind);
    const otherScope = scopeOf(other.kind);
    if (otherScope === 'machine') {
      clash(
        candidateScope === 'machine'
          ? `${nodes.join(', ')} ${nodes.length === 1 ? 'is' : 'are'} already under ${what}`
          : `${nodes.join(', ')} cannot be reached inside: ${what} is active`,
      );
    } else if (isNetworkKind(candidate.kind) && isNetworkKind(other.kind)) {
      const directions = (candidate.pairs ?? []).filter(([a, b]) => (other.pairs ?? []).some(([c, d]) => a === c && b === d));
      if (directions.length > 0) clash(`${directions.map(([a, b]) => `${a} -> ${b}`).join(', ')} already ${directions.length === 1 ? 'has' : 'have'} ${what}`);
    } else if (componentOf(candidate) !== undefined && componentOf(other) !== undefined) {
      if (componentOf(candidate) === componentOf(other)) clash(`${componentOf(candidate)} on ${nodes.join(', ')} is already under ${what}`);
    } else if (candidate.kind === other.kind) {
      clash(`${nodes.join(', ')} already ${nodes.length === 1 ? 'has' : 'have'} ${what}`);
    }
  }
  return conflicts;
}
