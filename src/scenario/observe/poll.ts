import type { KubeConfig } from '@kubernetes/client-node';
import https from 'node:https';

/** A probe's answer: ok, or what went wrong in a few words. */
export type Answer = { ok: true } | { ok: false; error: string };

/**
 * One HTTPS request to the API server with the kubeconfig's credentials, given up after `timeoutMs`;
 * to `server` (one API server of several, whose certificate names its address too) instead of the
 * kubeconfig's, when given.
 */
export async function requestApi(
  config: KubeConfig,
  method: string,
  path: string,
  body: string | undefined,
  timeoutMs: number,
  server = config.getCurrentCluster()?.server,
): Promise<Answer> {
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
 * Asks every `intervalMs` until stopped, and reports each change of the answer between ok and not
 * ok (a new error text while it stays down is no change). Returns the function that stops it.
 */
export function pollChanges(ask: () => Promise<Answer>, report: (answer: Answer) => void, intervalMs = 1_000): () => void {
  let stopped = false;
  const loop = async (): Promise<void> => {
    let last: boolean | undefined;
    while (!stopped) {
      const started = Date.now();
      const answer = await ask();
      if (stopped) return;
      if (answer.ok !== last) {
        last = answer.ok;
        report(answer);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (Date.now() - started))));
    }
  };
  void loop();
  return () => {
    stopped = true;
  };
}
