import type { FaultParams, FaultRecord } from './types.js';
import { formatBytes, formatDuration, formatRate } from './units.js';

/** "loss 30% worker-1 -> cp", "freeze cp, worker-1", "kill kube-apiserver on cp": one line a person reads. */
export function describeFault(fault: Pick<FaultRecord, 'params'>): string {
  const p: FaultParams = fault.params;
  const on = (nodes: string[]): string => nodes.join(', ');
  switch (p.kind) {
    case 'stop':
    case 'crash':
    case 'freeze':
      return `${p.kind} ${on(p.nodes)}`;
    case 'partition':
    case 'loss':
    case 'bandwidth':
    case 'delay': {
      const amount = p.kind === 'loss' ? ` ${p.percent}%` : p.kind === 'bandwidth' ? ` ${formatRate(p.rateBits)}` : p.kind === 'delay' ? ` ${p.ms}ms` : '';
      return `${p.kind}${amount} ${p.from.join(',')} ${p.oneWay ? '->' : '<->'} ${p.to.join(',')}`;
    }
    case 'kill':
    case 'stop-component':
      return `${p.kind} ${p.component} on ${on(p.nodes)}`;
    case 'disk-fill':
      return `disk-fill ${p.path} to ${p.percent}% on ${on(p.nodes)}`;
    case 'cpu-hog':
      return `cpu-hog ${p.cpus === undefined ? 'all CPUs' : `${p.cpus} CPU(s)`} on ${on(p.nodes)}`;
    case 'mem-hog':
      return `mem-hog ${formatBytes(p.bytes)} on ${on(p.nodes)}`;
  }
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
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
