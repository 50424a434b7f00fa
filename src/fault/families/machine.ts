import { nodesPositional } from '../cli-values.js';
import type { FaultFamily, KindCommand } from '../family.js';
import type { MachineOp } from '../../providers/driver.js';

/** Faults done to the whole machine from outside: each is one op on each target machine, and its opposite. */
const OPS = {
  stop: { inject: 'stop', undo: 'start', describe: 'Halt nodes cleanly (undo: start them)' },
  crash: { inject: 'kill', undo: 'start', describe: 'Cut the power of nodes: no shutdown (undo: start them)' },
  freeze: { inject: 'pause', undo: 'resume', describe: 'Pause whole machines: every process stops, the disk and memory stay (undo: resume)' },
} as const satisfies Record<string, { inject: MachineOp; undo: MachineOp; describe: string }>;

export type MachineKind = keyof typeof OPS;
export interface MachineParams {
  kind: MachineKind;
  nodes: string[];
}

const KINDS = Object.keys(OPS) as MachineKind[];

const command = (kind: MachineKind): KindCommand<MachineParams> => ({
  kind,
  describe: OPS[kind].describe,
  positional: { name: 'nodes', describe: 'Nodes, roles or groups', variadic: true },
  parse: (values, lab) => ({ kind, nodes: nodesPositional(values, 'nodes', lab, kind) }),
});

export const machineFamily: FaultFamily<MachineParams, 'resume' | 'start'> = {
  name: 'machine',
  summary: 'stop, crash or freeze nodes',
  kinds: KINDS,
  scope: 'machine',
  holdsNodeDown: true,
  stopsApi: () => ['api-server', 'endpoint'],
  commands: KINDS.map(command),
  recoveries: [
    { name: 'resume', done: 'resumed', describe: 'Resume frozen nodes (undoes their freeze)', undoes: ['freeze'], from: 'paused', op: OPS.freeze.undo },
    {
      name: 'start',
      done: 'started',
      describe: 'Start stopped or crashed nodes (undoes their stop or crash)',
      undoes: ['stop', 'crash'],
      from: 'off',
      op: OPS.stop.undo,
    },
  ],
  targets: (params) => ({ targets: params.nodes }),
  plan: (fault) => {
    const ops = OPS[fault.params.kind];
    return fault.targets.map((node) => ({ node, inject: { type: 'machine', op: ops.inject }, undo: { type: 'machine', op: ops.undo } }));
  },
  describe: (params) => `${params.kind} ${params.nodes.join(', ')}`,
  restrict: (params, nodes) => ({ ...params, nodes }),
  undoBeforeDestroy: ['freeze'],
};
