/**
 * Limits on what a spec may ask for, said in errors and in the README's spec reference. They keep
 * a mistaken or hostile spec from making kubelab (or the host) work for minutes.
 */

/** A lab spec is a few kilobytes; anything near this is a mistake. */
export const MAX_SPEC_BYTES = 1024 * 1024;

/**
 * Nodes in one lab, groups expanded. Each is a machine on one host, and a /24 private network
 * (the default) has room for 244 of them from .10 on.
 */
export const MAX_NODES = 100;

/** Nodes the spec asks for, groups expanded: checked before anything is built for each of them. */
export function countNodes(nodes: readonly { count?: number }[]): number {
  return nodes.reduce((sum, n) => sum + (n.count ?? 1), 0);
}
