import type { V1Pod } from '@kubernetes/client-node';
import { followPodLog, probePod } from './pod-log.js';
import { answeringProbe, kubeClient, type ProbeAnswer, type ProbeRun } from './probe.js';

const DNS_PROBE = 'dns-probe';

// One line a second: the probe follows the pod's log. getent goes through the pod's resolv.conf,
// as every program in a pod does; one try of one second, so a failure shows at once.
const LOOK_UP = `while :; do
  if getent hosts kubernetes.default.svc.cluster.local > /dev/null; then echo ok; else echo fail; fi
  sleep 1
done`;

/** In-cluster DNS: a pod of the run's namespace looks `kubernetes.default` up every second. */
export const dnsProbe = answeringProbe({
  name: 'dns',
  words: ['works', 'fails'],
  description: 'A DNS lookup in the cluster works or fails.',
  describe: (word) => `in-cluster DNS ${word}`,
  precondition: 'dns-works',
  async start(run, answer) {
    const { CoreV1Api } = await kubeClient();
    await run.config.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: run.namespace, body: lookUpPod(run.namespace, run.image) });
    run.note(`${DNS_PROBE} in namespace ${run.namespace}: a lookup in cluster DNS every second`);
    return followLookUps(run, answer);
  },
});

function lookUpPod(namespace: string, image: string): V1Pod {
  const resolverOptions = [
    { name: 'timeout', value: '1' },
    { name: 'attempts', value: '1' },
  ];
  return probePod({ pod: DNS_PROBE, namespace, container: 'probe' }, image, LOOK_UP, { dnsConfig: { options: resolverOptions } });
}

/**
 * Reports each change of the probe pod's answers (one "ok" or "fail" a second), timed by the
 * line's own time stamp: the log reaches kubelab through the API server, which may be slower than
 * the lookup.
 */
function followLookUps(run: ProbeRun<ProbeAnswer<'dns'>>, answer: (ok: boolean, error?: string, atMs?: number) => void): () => void {
  let last: string | undefined;
  return followPodLog(run, DNS_PROBE, 'probe', (stamp, word) => {
    const atMs = Date.parse(stamp);
    if (!Number.isFinite(atMs) || (word !== 'ok' && word !== 'fail') || word === last) return;
    last = word;
    answer(word === 'ok', 'lookup of kubernetes.default failed', atMs);
  });
}
