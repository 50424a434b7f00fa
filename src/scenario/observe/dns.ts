import { Log, type KubeConfig } from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import type { Observation } from '../types.js';
import { DNS_PROBE } from '../workload.js';

/**
 * Follows the DNS probe pod's log (one "ok" or "fail" a second, from inside the cluster) and
 * reports each change, timed by the line's own time stamp: the log reaches kubelab through the
 * API server, which may be slower than the lookup. A broken stream is followed again from the
 * last line seen.
 */
export function followDnsProbe(config: KubeConfig, namespace: string, emit: (observation: Observation, atMs: number) => void): () => void {
  let stopped = false;
  let last: string | undefined;
  let since: string | undefined;
  let abort: AbortController | undefined;
  const onLine = (line: string): void => {
    const [stamp = '', word = ''] = line.trim().split(' ');
    const atMs = Date.parse(stamp);
    if (!Number.isFinite(atMs) || (word !== 'ok' && word !== 'fail')) return;
    since = stamp;
    if (word === last) return;
    last = word;
    emit(
      word === 'ok' ? { type: 'probe', probe: 'dns', ok: true } : { type: 'probe', probe: 'dns', ok: false, error: 'lookup of kubernetes.default failed' },
      atMs,
    );
  };
  const follow = async (): Promise<void> => {
    while (!stopped) {
      let partial = '';
      const ended = new Promise<void>((resolve) => {
        const sink = new Writable({
          write(chunk: Buffer, _encoding, callback) {
            const lines = (partial + chunk.toString('utf8')).split('\n');
            partial = lines.pop() ?? '';
            lines.forEach(onLine);
            callback();
          },
        });
        sink.on('finish', resolve);
        new Log(config)
          .log(namespace, DNS_PROBE, 'probe', sink, () => resolve(), { follow: true, timestamps: true, ...(since ? { sinceTime: since } : {}) })
          .then(
            (controller) => (abort = controller),
            () => resolve(),
          );
      });
      await ended;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };
  void follow();
  return () => {
    stopped = true;
    abort?.abort();
  };
}
