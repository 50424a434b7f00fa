import { CNI } from '../cni.js';
import { kitSystemImages } from '../kit/components.js';
import type { LabModel, NodeModel } from '../model.js';
import type { LabNode } from '../nodes/node.js';
import { shellQuote } from '../quote.js';
import { isKubernetesNode } from '../vocabulary.js';
import { rkeNodeImageKeys } from './rke.js';

/**
 * The kit's images rke up and the network plugin will run on this node, to pull from the lab
 * registry before rke up: rke up pulls them itself, but its first pull (the state deployer's) goes
 * one node after another, about 9 s a node. None when the nodes do not take the kit from the lab
 * registry: tarballs are loaded at provisioning, and RKE's own images come from wherever RKE says.
 */
export function imagesToPrefetch(model: LabModel, node: NodeModel): string[] {
  if (model.images.system !== 'kit' || model.images.delivery !== 'registry' || !isKubernetesNode(node.roles)) return [];
  const images: Record<string, string | undefined> = kitSystemImages(model.kubernetesVersion);
  const keys = [...rkeNodeImageKeys(node.roles), ...CNI[model.cni.plugin].nodeImageKeys];
  return [...new Set(keys.map((key) => images[key]).filter((image): image is string => image !== undefined))];
}

/** Marks the images the node could not pull, one per line, in the script's output. */
const FAILED = 'kubelab-pull-failed';

/**
 * Pulls each image the node does not have yet. A failure is reported, not thrown: rke up pulls
 * again and says what is wrong in its own words. `signal` stops the pulls (Ctrl-C).
 */
export async function prefetchImages(node: LabNode, images: readonly string[], signal: AbortSignal): Promise<{ pulled: number; failed: string[] }> {
  const script = images
    .map((image) => {
      const quoted = shellQuote(image);
      return `docker image inspect ${quoted} >/dev/null 2>&1 || { docker pull --quiet ${quoted} >/dev/null && echo pulled; } || echo ${FAILED} ${quoted}`;
    })
    .join('\n');
  const lines: string[] = [];
  const code = await node.stream(script, { signal, onLine: (line) => lines.push(line.trim()) });
  const failed = lines.filter((l) => l.startsWith(`${FAILED} `)).map((l) => l.slice(FAILED.length + 1));
  if (code !== 0 && failed.length === 0) failed.push(...images);
  return { pulled: lines.filter((l) => l === 'pulled').length, failed };
}
