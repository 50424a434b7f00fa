import { Writable } from 'node:stream';
import type { V1EnvVar, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { kubeClient, type ProbeRun, type Stop } from './probe.js';

/**
 * A probe pod: one container running a bash loop that writes a line per reading, gone a second
 * after the run's namespace is deleted. `spec` adds placement and DNS settings.
 */
export function probePod(
  names: { pod: string; namespace: string; container: string },
  image: string,
  loop: string,
  spec: Omit<V1PodSpec, 'containers'> = {},
  env: V1EnvVar[] = [],
): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: names.pod, namespace: names.namespace, labels: { app: names.pod } },
    spec: {
      terminationGracePeriodSeconds: 1,
      ...spec,
      containers: [{ name: names.container, image, imagePullPolicy: 'IfNotPresent', command: ['bash', '-c', loop], env }],
    },
  };
}

/** A pod that writes a line a second or more and has said nothing for this long is followed anew. */
const QUIET_MS = 10_000;

/**
 * Follows a probe pod's log through the API, line by line with the API's time stamp (RFC 3339)
 * before each, for as long as the run lasts. A stream that breaks (the API went away, the pod's
 * node did), or that stays quiet for QUIET_MS (an API server that cannot read the pod from etcd
 * holds it open without a word), is followed again a second later from the last line seen, which
 * may come once more.
 */
export function followPodLog<O>(run: ProbeRun<O>, pod: string, container: string, onLine: (stamp: string, rest: string) => void): Stop {
  let stopped = false;
  let since: string | undefined;
  let abort: AbortController | undefined;
  let heardAt = Date.now();
  let endCurrent: (() => void) | undefined;
  const take = (line: string): void => {
    const space = line.indexOf(' ');
    if (space < 0) return;
    since = line.slice(0, space);
    onLine(since, line.slice(space + 1).trim());
  };
  const watchdog = setInterval(() => {
    if (Date.now() - heardAt < QUIET_MS) return;
    abort?.abort();
    endCurrent?.();
  }, 1_000);
  const follow = async (): Promise<void> => {
    const { Log } = await kubeClient();
    while (!stopped) {
      let partial = '';
      heardAt = Date.now();
      const ended = new Promise<void>((resolve) => {
        endCurrent = resolve;
        const sink = new Writable({
          write(chunk: Buffer, _encoding, callback) {
            heardAt = Date.now();
            const lines = (partial + chunk.toString('utf8')).split('\n');
            partial = lines.pop() ?? '';
            lines.forEach(take);
            callback();
          },
        });
        sink.on('finish', resolve);
        new Log(run.config)
          .log(run.namespace, pod, container, sink, () => resolve(), { follow: true, timestamps: true, ...(since ? { sinceTime: since } : {}) })
          .then(
            (controller) => (abort = controller),
            () => resolve(),
          );
      });
      await ended;
      abort?.abort();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  };
  void follow();
  return () => {
    stopped = true;
    clearInterval(watchdog);
    abort?.abort();
    endCurrent?.();
  };
}
