import { FaultInputError } from './errors.js';
import { networkPairs } from './selectors.js';

/**
 * Partitions with names, after Jepsen's nemeses: each shape cuts a set of nodes (in the lab's
 * order, so that the same lab gets the same cut) into groups, and the groups alone give the
 * directions cut. The groups are recorded with the fault: `fault list` shows them, and undo and
 * the conflict checks read the recorded directions, never a new cut.
 */

export const SHAPE_NAMES = ['halves', 'isolate', 'bridge', 'majorities-ring'] as const;
export type ShapeName = (typeof SHAPE_NAMES)[number];

/** A shape as cut: its groups (what each means is the shape's). */
export interface ShapeCut {
  name: ShapeName;
  groups: string[][];
  /** isolate: the node cut off was etcd's leader when the fault started (--node etcd-leader). */
  etcdLeader?: boolean;
}

interface PartitionShape {
  summary: string;
  minNodes: number;
  /** Whether --one-way means anything: the first group's traffic to the others. */
  oneWay: boolean;
  /** `nodes`: who takes part, at least minNodes; `node`: the one --node names (isolate). */
  cut(nodes: readonly string[], node: string | undefined): string[][];
  pairs(groups: readonly string[][], oneWay: boolean): [string, string][];
  show(groups: readonly string[][]): string;
}

const list = (nodes: readonly string[]): string => nodes.join(',');
const twoGroups = (groups: readonly string[][], oneWay: boolean): [string, string][] => networkPairs(groups[0] ?? [], groups[1] ?? [], oneWay);

/** For n nodes on a ring, how far a node still reaches: far enough to see a majority with itself. */
const ringReach = (n: number): number => Math.ceil(Math.floor(n / 2) / 2);

const SHAPES: Readonly<Record<ShapeName, PartitionShape>> = {
  halves: {
    summary: 'a minority (the first half, rounded down) and a majority',
    minNodes: 2,
    oneWay: true,
    cut: (nodes) => [nodes.slice(0, Math.floor(nodes.length / 2)), nodes.slice(Math.floor(nodes.length / 2))],
    pairs: twoGroups,
    show: (groups) => groups.map(list).join(' | '),
  },
  isolate: {
    summary: 'the node --node names (etcd-leader: the node whose member leads when the fault starts), alone',
    minNodes: 2,
    oneWay: true,
    cut: (nodes, node) => {
      if (node === undefined) throw new FaultInputError('--shape isolate needs --node, the node to cut off', 'add --node NODE');
      if (!nodes.includes(node))
        throw new FaultInputError(`--node ${node} is not among the nodes partitioned (${list(nodes)})`, 'name one of them, or widen --among');
      return [[node], nodes.filter((n) => n !== node)];
    },
    pairs: twoGroups,
    show: (groups) => groups.map(list).join(' | '),
  },
  bridge: {
    summary: 'two halves, and one node in the middle that still reaches both',
    minNodes: 3,
    oneWay: false,
    cut: (nodes) => {
      const middle = Math.floor((nodes.length - 1) / 2);
      return [nodes.slice(0, middle), [nodes[middle]!], nodes.slice(middle + 1)];
    },
    pairs: (groups) => networkPairs(groups[0] ?? [], groups[2] ?? [], false),
    show: (groups) => `${list(groups[0] ?? [])} | ${list(groups[1] ?? [])} (bridge) | ${list(groups[2] ?? [])}`,
  },
  'majorities-ring': {
    summary: 'every node still sees a majority, no two the same one (a ring, each reaching its neighbours)',
    minNodes: 4,
    oneWay: false,
    // One group per node: the node, then those it still reaches.
    cut: (nodes) => {
      const n = nodes.length;
      const reach = ringReach(n);
      return nodes.map((node, i) => [
        node,
        ...nodes.filter((_, j) => {
          const distance = Math.min(Math.abs(i - j), n - Math.abs(i - j));
          return distance > 0 && distance <= reach;
        }),
      ]);
    },
    pairs: (groups) =>
      groups.flatMap(([node, ...sees]) =>
        groups
          .map(([other]) => other!)
          .filter((other) => other !== node && !sees.includes(other))
          .map((other): [string, string] => [node!, other]),
      ),
    show: (groups) => groups.map(([node, ...sees]) => `${node} sees ${list(sees)}`).join('; '),
  },
};

export const shapeSummaries = (): string => SHAPE_NAMES.map((name) => `${name}: ${SHAPES[name].summary}`).join('; ');

export function isShapeName(text: string): text is ShapeName {
  return (SHAPE_NAMES as readonly string[]).includes(text);
}

/** Cuts `nodes` into the shape's groups; refuses a shape the nodes cannot make, before anything changes. */
export function cutShape(name: ShapeName, nodes: readonly string[], node: string | undefined, oneWay: boolean): ShapeCut {
  const shape = SHAPES[name];
  if (nodes.length < shape.minNodes)
    throw new FaultInputError(
      `--shape ${name} needs at least ${shape.minNodes} nodes; ${nodes.length === 0 ? 'none is' : `only ${list(nodes)} ${nodes.length === 1 ? 'is' : 'are'}`} partitioned`,
      'widen --among (all, or roles and nodes) or choose a shape for fewer nodes',
    );
  if (oneWay && !shape.oneWay)
    throw new FaultInputError(`--one-way means nothing to --shape ${name}: it cuts both ways between several groups`, 'leave out --one-way');
  if (name !== 'isolate' && node !== undefined) throw new FaultInputError(`--node is for --shape isolate, not ${name}`, 'leave out --node');
  return { name, groups: shape.cut(nodes, node) };
}

export const shapePairs = (cut: ShapeCut, oneWay: boolean): [string, string][] => SHAPES[cut.name].pairs(cut.groups, oneWay);

/** How `fault list` shows a cut: its name and groups (a record read back may name a shape no longer known). */
export function showShape(cut: ShapeCut): string {
  const shape = (SHAPES as Partial<Record<string, PartitionShape>>)[cut.name];
  return `${cut.name}${cut.etcdLeader ? " etcd's leader" : ''} ${shape ? shape.show(cut.groups) : cut.groups.map(list).join(' | ')}`;
}
