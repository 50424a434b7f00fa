import { labNode } from '../nodes/node.js';
import { unreachable } from '../nodes/ssh.js';
import { describeFault } from './describe.js';
import { FaultActionError } from './errors.js';
import { familyOf } from './families/index.js';
import { refusal, type Action, type Step } from './steps.js';
import type { FaultRecord, LabAccess } from './types.js';

export interface ExecContext {
  outDir: string;
  lab: LabAccess;
  /** Active faults, to explain why a node does not answer. */
  active: readonly FaultRecord[];
  /** Lines a node printed that are worth showing (a fill level, a sweep's findings). */
  note: (line: string) => void;
}

/** How long a started machine may take until ssh answers. */
const BOOT_TIMEOUT_MS = 180_000;

/** Runs one action on one node; throws a FaultActionError that says which node and why. */
export async function runAction(context: ExecContext, nodeName: string, action: Action, what: string): Promise<void> {
  const node = labNode(context.outDir, context.lab, nodeName);
  if (action.type === 'machine') {
    await node.machineOp(action.op);
    if (action.op === 'start' && !(await node.waitForSsh(BOOT_TIMEOUT_MS))) {
      context.note(`${node.name}: started, but ssh did not answer within ${BOOT_TIMEOUT_MS / 1000}s`);
    }
    return;
  }
  const result = await node.run(action.script);
  for (const line of result.stdout.split('\n')) if (line.trim()) context.note(`${node.name}: ${line.trim()}`);
  if (result.code === 0) return;
  const refused = refusal(result);
  if (refused) throw new FaultActionError(`${node.name}: ${refused.message}`, refused.hint);
  if (unreachable(result)) {
    const down = context.active.filter((f) => familyOf(f.kind).holdsNodeDown && f.targets.includes(node.name));
    throw new FaultActionError(
      `cannot reach node ${node.name} over ssh (${node.ip}) to ${what}: ${result.stderr.trim().split('\n').pop() ?? ''}`,
      down.length > 0
        ? `${down.map((f) => `${f.id} (${describeFault(f)})`).join(', ')} holds it down: undo that first`
        : 'is the machine running? `kubelab status` shows it',
    );
  }
  const tail = result.stderr.trim().split('\n').slice(-4).join(' | ');
  throw new FaultActionError(`${node.name}: could not ${what} (exit ${result.code}): ${tail}`);
}

/** An injection failed on some node; `leftovers` are the nodes where rolling it back failed too. */
export class InjectionFailed extends Error {
  constructor(
    readonly reason: unknown,
    readonly leftovers: string[],
  ) {
    super(reason instanceof Error ? reason.message : String(reason));
  }
}

/**
 * Injects a fault on all its nodes at once. When a node fails, every node is undone again (the
 * failed ones too: a script may have failed half-way), so that a failed injection leaves the lab
 * as it was; throws InjectionFailed with the first failure.
 */
export async function injectSteps(context: ExecContext, fault: FaultRecord, steps: Step[]): Promise<void> {
  const results = await Promise.allSettled(steps.map((s) => runAction(context, s.node, s.inject, `inject ${fault.id}`)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return;
  const quiet: ExecContext = { ...context, note: () => undefined };
  const rollback = await Promise.allSettled(steps.map((s) => runAction(quiet, s.node, s.undo, `roll back ${fault.id}`)));
  throw new InjectionFailed(
    failed.reason,
    steps.filter((_, i) => rollback[i]!.status === 'rejected').map((s) => s.node),
  );
}

/** Undoes a fault on all its nodes; returns the failures (empty: undone everywhere). */
export async function undoSteps(context: ExecContext, fault: FaultRecord, steps: Step[]): Promise<{ node: string; error: unknown }[]> {
  const results = await Promise.allSettled(steps.map((s) => runAction(context, s.node, s.undo, `undo ${fault.id}`)));
  return results.flatMap((r, i) => (r.status === 'rejected' ? [{ node: steps[i]!.node, error: r.reason as unknown }] : []));
}
