import { ROLE_ORDER } from '../model.js';
import type { Role } from '../spec/types.js';
import { FaultInputError } from './errors.js';
import type { NodeRef } from './types.js';

/**
 * Groups made by `count`: the nodes named PREFIX-1, PREFIX-2, … (a spec entry with `count` names its
 * nodes so). A prefix that is itself a node's name is no group: the node name wins.
 */
export function countGroups(nodes: readonly NodeRef[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const node of nodes) {
    const prefix = /^(.+)-[0-9]+$/.exec(node.name)?.[1];
    if (!prefix) continue;
    groups.set(prefix, [...(groups.get(prefix) ?? []), node.name]);
  }
  for (const prefix of [...groups.keys()]) if (nodes.some((n) => n.name === prefix)) groups.delete(prefix);
  return groups;
}

/** What a selector may name, for messages. */
export function selectorChoices(nodes: readonly NodeRef[]): string {
  const roles = ROLE_ORDER.filter((r) => nodes.some((n) => n.roles.includes(r)));
  const groups = [...countGroups(nodes).keys()];
  return [
    `nodes: ${nodes.map((n) => n.name).join(', ')}`,
    `roles: ${roles.join(', ')}`,
    ...(groups.length ? [`groups: ${groups.join(', ')}`] : []),
    'or all',
  ].join('; ');
}

/**
 * Resolves a selector to node names, in the lab's order: a node name, a role (etcd, controlplane,
 * worker), the prefix of a `count` group (worker for worker-1, worker-2), `all`, or a comma list of
 * those. A node name wins over a role or group of the same name.
 */
export function resolveSelector(nodes: readonly NodeRef[], selector: string, option: string): string[] {
  const parts = selector.split(',').map((p) => p.trim());
  if (parts.some((p) => p === ''))
    throw new FaultInputError(`${option}: ${JSON.stringify(selector)} has an empty name`, `choose from ${selectorChoices(nodes)}`);
  const groups = countGroups(nodes);
  const chosen = new Set<string>();
  for (const part of parts) {
    const matched =
      part === 'all'
        ? nodes.map((n) => n.name)
        : nodes.some((n) => n.name === part)
          ? [part]
          : (ROLE_ORDER as readonly string[]).includes(part)
            ? nodes.filter((n) => n.roles.includes(part as Role)).map((n) => n.name)
            : (groups.get(part) ?? []);
    if (matched.length === 0) {
      throw new FaultInputError(`${option}: no node, role or group is called ${JSON.stringify(part)}`, `choose from ${selectorChoices(nodes)}`);
    }
    for (const name of matched) chosen.add(name);
  }
  return nodes.map((n) => n.name).filter((name) => chosen.has(name));
}

/** Several selectors (variadic positionals), resolved together. */
export function resolveSelectors(nodes: readonly NodeRef[], selectors: readonly string[], option: string): string[] {
  if (selectors.length === 0) throw new FaultInputError(`${option}: name at least one node`, `choose from ${selectorChoices(nodes)}`);
  const chosen = new Set(selectors.flatMap((s) => resolveSelector(nodes, s, option)));
  return nodes.map((n) => n.name).filter((name) => chosen.has(name));
}

/** The directed pairs [sender, receiver] a network fault affects; a node is never paired with itself. */
export function networkPairs(from: readonly string[], to: readonly string[], oneWay: boolean): [string, string][] {
  const pairs = new Map<string, [string, string]>();
  const add = (a: string, b: string): void => {
    if (a !== b) pairs.set(`${a}\0${b}`, [a, b]);
  };
  for (const a of from) for (const b of to) add(a, b);
  if (!oneWay) for (const a of from) for (const b of to) add(b, a);
  return [...pairs.values()];
}
