import { familyOf } from './families/index.js';
import type { FaultRecord } from './types.js';
import { formatTable } from '../table.js';
import { formatDuration } from '../units.js';

/** "loss 30% worker-1 -> cp", "freeze cp, worker-1", "kill kube-apiserver on cp": one line a person reads. */
export function describeFault(fault: Pick<FaultRecord, 'params'>): string {
  return familyOf(fault.params.kind).describe(fault.params);
}

/** The table of `kubelab fault list`. */
export function formatFaultTable(faults: FaultRecord[], now: Date = new Date()): string {
  if (faults.length === 0) return 'no active faults';
  const header = ['ID', 'FAULT', 'NODES', 'SINCE', 'UNDONE'];
  const rows = faults.map((f) => [
    f.id,
    describeFault(f) + (f.pending ? ' (injection interrupted; undo removes what was made)' : ''),
    f.targets.join(','),
    `${formatDuration(now.getTime() - Date.parse(f.injectedAt))} ago`,
    f.expiresAt ? `in ${formatDuration(Math.max(0, Date.parse(f.expiresAt) - now.getTime()))}` : 'by hand',
  ]);
  return formatTable(header, rows).join('\n');
}
