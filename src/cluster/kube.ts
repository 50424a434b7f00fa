import { capture } from '../exec/run.js';
import { parseJsonOutput } from '../input/json.js';
import { array, object, optional, string } from '../input/shape.js';

const KUBECTL_HINT = "kubectl printed what it never prints: check the kubectl kubelab runs and the server in the lab's kubeconfig";

/** Kubernetes' view of one node. */
export interface KubeNode {
  name: string;
  ready: boolean;
  version: string;
}

const CONDITIONS = optional(array(object({ type: string, status: string })));
const NODE_LIST = object({
  items: array(
    object({
      metadata: object({ name: string }),
      status: object({ conditions: CONDITIONS, nodeInfo: optional(object({ kubeletVersion: optional(string) })) }),
    }),
  ),
});

/** Asks the API server for the nodes; `error` says why it could not. */
export async function readNodes(kubectl: string, kubeconfig: string): Promise<{ nodes: KubeNode[] } | { error: string }> {
  const result = await capture(kubectl, ['--kubeconfig', kubeconfig, '--request-timeout=5s', 'get', 'nodes', '-o', 'json'], { timeoutMs: 15_000 });
  if (!result.ok) return { error: result.stderr.trim().split('\n')[0] ?? 'kubectl failed' };
  const list = parseJsonOutput(result.stdout, 'kubectl get nodes', { shape: NODE_LIST, hint: KUBECTL_HINT });
  return {
    nodes: list.items.map((item) => ({
      name: item.metadata.name,
      ready: item.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      version: item.status.nodeInfo?.kubeletVersion ?? '',
    })),
  };
}

/**
 * Polls until every named node is Ready. Resolves with the nodes still not Ready when the time is
 * up (empty when all are), so the caller decides how to report it.
 */
export async function waitForReady(
  kubectl: string,
  kubeconfig: string,
  names: string[],
  options: { timeoutMs: number; onPoll?: (ready: string[]) => void; signal?: AbortSignal },
): Promise<string[]> {
  const deadline = Date.now() + options.timeoutMs;
  let notReady = names;
  while (!options.signal?.aborted) {
    const result = await readNodes(kubectl, kubeconfig);
    if ('nodes' in result) {
      const ready = new Set(result.nodes.filter((n) => n.ready).map((n) => n.name));
      notReady = names.filter((n) => !ready.has(n));
      options.onPoll?.([...ready]);
      if (notReady.length === 0) return [];
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  return notReady;
}
