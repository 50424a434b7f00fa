import type { KubeConfig } from '@kubernetes/client-node';
import https from 'node:https';
import type { Observation } from '../types.js';

/** A probe's answer: ok, or what went wrong in a few words. */
type Answer = { ok: true } | { ok: false; error: string };

/** One HTTPS request to the API server with the kubeconfig's credentials, given up after `timeoutMs`. */
async function request(config: KubeConfig, method: string, path: string, body: string | undefined, timeoutMs: number): Promise<Answer> {
  const server = config.getCurrentCluster()?.server;
  if (!server) return { ok: false, error: 'the kubeconfig names no server' };
  const url = new URL(path, server);
  const options: https.RequestOptions = {
    method,
    hostname: url.hostname,
    port: url.port,
    path: url.pathname + url.search,
    headers: body === undefined ? {} : { 'content-type': 'application/merge-patch+json' },
    timeout: timeoutMs,
  };
  await config.applyToHTTPSOptions(options);
  return new Promise((resolve) => {
    const req = https.request(options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve(status >= 200 && status < 300 ? { ok: true } : { ok: false, error: `HTTP ${status}: ${firstFailure(text)}` });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, error: error.code ?? error.message }));
    req.end(body);
  });
}

/** /readyz lists its checks; the failing one says why ("[-]etcd failed"). */
function firstFailure(text: string): string {
  return (text.split('\n').find((line) => line.startsWith('[-]')) ?? text.split('\n')[0] ?? '').slice(0, 120);
}

/**
 * Asks the API server every `intervalMs` whether it is ready (/readyz) and, when `writes` is on,
 * whether a write goes through (a patch of a ConfigMap of the workload's namespace); each change
 * of an answer is an observation. Returns the function that stops it.
 */
export function startApiProbes(
  config: KubeConfig,
  emit: (observation: Observation) => void,
  options: { writes: boolean; namespace: string; intervalMs?: number },
): () => void {
  const interval = options.intervalMs ?? 1_000;
  let stopped = false;
  const loop = async (probe: () => Promise<Answer>, report: (answer: Answer) => Observation, key: (answer: Answer) => string): Promise<void> => {
    let last: string | undefined;
    while (!stopped) {
      const started = Date.now();
      const answer = await probe();
      if (stopped) return;
      if (key(answer) !== last) {
        last = key(answer);
        emit(report(answer));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, interval - (Date.now() - started))));
    }
  };
  void loop(
    () => request(config, 'GET', '/readyz', undefined, 2_000),
    (a) => (a.ok ? { type: 'api', up: true } : { type: 'api', up: false, error: a.error }),
    (a) => String(a.ok),
  );
  if (options.writes) {
    const path = `/api/v1/namespaces/${options.namespace}/configmaps/write-probe`;
    void loop(
      () => request(config, 'PATCH', path, JSON.stringify({ data: { at: new Date().toISOString() } }), 3_000),
      (a) => (a.ok ? { type: 'probe', probe: 'writes', ok: true } : { type: 'probe', probe: 'writes', ok: false, error: a.error }),
      (a) => String(a.ok),
    );
  }
  return () => {
    stopped = true;
  };
}
