import http from 'node:http';
import type { V1Pod } from '@kubernetes/client-node';
import { followPodLog, probePod } from './pod-log.js';
import { kubeClient, type Probe, type ProbeRun } from './probe.js';
import { WORKLOAD_NAME } from './workload.js';

/**
 * What the users of the cluster see of a failure: two clients call the test workload's Service
 * for the whole run, four times a second each, and every request is an observation (its outcome
 * and how long it took, at the moment it was sent):
 *
 * - in-cluster: a pod on the first controlplane node (RKE's controlplane and etcd taints tolerated,
 *   so that a lost worker does not take the client with it) asks the Service's ClusterIP;
 * - host: kubelab itself asks the Service's NodePort on the first worker, as a client outside the
 *   cluster that knows one node's address does.
 *
 * Only lab addresses are called; each request has 2 s to answer; the pod ends with the run's
 * namespace.
 */
export const TRAFFIC_CLIENTS = ['in-cluster', 'host'] as const;
export type TrafficClient = (typeof TRAFFIC_CLIENTS)[number];

export type TrafficCondition = { traffic: 'flows' | 'fails'; client: TrafficClient };
export type RequestObservation = { type: 'request'; client: TrafficClient; ok: boolean; ms: number };

export const REQUEST_PERIOD_MS = 250;
// Two seconds, not one: on CI's loaded 2-core host (an RKE cluster next to two emulated VMs) a
// request before any fault was answered after 1.26 s, and one in-cluster request failed 20 s
// after a fault's failures had ended. With 1 s such a request is a lost one: a failure of the
// host's, not of Kubernetes'.
export const REQUEST_TIMEOUT_MS = 2_000;
const CLIENT_POD = 'traffic-client';

/** How each client is named in steps and reports. */
export const CLIENT_WORDS: Readonly<Record<TrafficClient, string>> = {
  'in-cluster': "the in-cluster client (the Service's ClusterIP)",
  host: "the host's client (a worker's NodePort)",
};

// bash's own clock ($EPOCHREALTIME) and /dev/tcp: the image has bash, not curl. One line a request:
// "EPOCH_MS ok|fail LATENCY_MS".
const CLIENT_LOOP = `while :; do
  start=\${EPOCHREALTIME/[.,]/}
  if timeout ${REQUEST_TIMEOUT_MS / 1000} bash -c 'exec 3<>"/dev/tcp/$TARGET/80" && printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3 && IFS= read -r line <&3 && [[ $line == "HTTP/1.0 200"* ]]' 2>/dev/null; then word=ok; else word=fail; fi
  end=\${EPOCHREALTIME/[.,]/}
  echo "$((start / 1000)) $word $(((end - start) / 1000))"
  left=$((${REQUEST_PERIOD_MS * 1000} - (end - start)))
  if [ "$left" -gt 0 ]; then sleep "0.$(printf '%06d' "$left")"; fi
done`;

function clientPod(namespace: string, image: string, target: string, node: string): V1Pod {
  const placement = {
    nodeSelector: { 'kubernetes.io/hostname': node },
    tolerations: [
      { operator: 'Exists', effect: 'NoSchedule' },
      { operator: 'Exists', effect: 'NoExecute' },
    ],
  };
  return probePod({ pod: CLIENT_POD, namespace, container: 'client' }, image, CLIENT_LOOP, placement, [{ name: 'TARGET', value: target }]);
}

/** One line of the in-cluster client, or undefined for anything else. */
export function parseRequestLine(text: string): { atMs: number; ok: boolean; ms: number } | undefined {
  const match = /^([0-9]{10,16}) (ok|fail) ([0-9]{1,7})$/.exec(text.trim());
  if (!match) return undefined;
  return { atMs: Number(match[1]), ok: match[2] === 'ok', ms: Number(match[3]) };
}

/** One GET from the host, settled as ok (HTTP 200 within the time) or not; never rejects. */
function request(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sent = http.get(url, { agent: false, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200));
      response.on('error', () => resolve(false));
    });
    sent.on('timeout', () => sent.destroy(new Error('timeout')));
    sent.on('error', () => resolve(false));
  });
}

function hostClient(run: ProbeRun<RequestObservation>, url: string): () => void {
  let stopped = false;
  const loop = async (): Promise<void> => {
    while (!stopped) {
      const start = Date.now();
      const ok = await request(url);
      const ms = Date.now() - start;
      if (!stopped) run.emit({ type: 'request', client: 'host', ok, ms }, start);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, REQUEST_PERIOD_MS - ms)));
    }
  };
  void loop();
  return () => {
    stopped = true;
  };
}

export const trafficProbe: Probe<TrafficCondition, Map<TrafficClient, boolean>, RequestObservation, 'traffic-flows'> = {
  name: 'traffic',
  runs: 'when-asked',
  needsNamespace: true,
  conditions: {
    keys: {
      traffic: {
        description: "A client's last request to the test workload's Service got an answer (flows) or did not within 2 s (fails).",
        enum: ['flows', 'fails'],
      },
      client: {
        description: "in-cluster: a pod on the first controlplane node, through the Service's ClusterIP; host: kubelab, through the first worker's NodePort.",
        enum: [...TRAFFIC_CLIENTS],
      },
    },
    forms: [{ keys: { traffic: true, client: true }, example: '{traffic: flows|fails, client: in-cluster|host}' }],
    needsWorkload: true,
    preconditions: { 'traffic-flows': () => TRAFFIC_CLIENTS.map((client) => ({ traffic: 'flows' as const, client })) },
    implied: (doc) => (doc.workload ? ['traffic-flows'] : []),
    initial: () => new Map(),
    fold(state, entry) {
      if (entry.type === 'request') state.set(entry.client, entry.ok);
    },
    holds: (condition, { now }) => now.get(condition.client) === (condition.traffic === 'flows'),
    describe: (condition) => `${CLIENT_WORDS[condition.client]} ${condition.traffic === 'flows' ? 'answered' : 'unanswered'}`,
  },
  async start(run) {
    const { CoreV1Api } = await kubeClient();
    const core = run.config.makeApiClient(CoreV1Api);
    const service = await core.readNamespacedService({ name: WORKLOAD_NAME, namespace: run.namespace });
    const clusterIp = service.spec?.clusterIP;
    const nodePort = service.spec?.ports?.[0]?.nodePort;
    const controlplane = run.nodes.find((n) => n.ref.roles.includes('controlplane'));
    const worker = run.nodes.find((n) => n.ref.roles.includes('worker')) ?? controlplane;
    if (!clusterIp || nodePort === undefined || !controlplane || !worker)
      throw new Error(`the Service ${WORKLOAD_NAME} has no ClusterIP or NodePort, or the lab no node to call it`);
    await core.createNamespacedPod({ namespace: run.namespace, body: clientPod(run.namespace, run.image, clusterIp, controlplane.name) });
    run.note(
      `traffic: ${CLIENT_POD} on ${controlplane.name} calls ${clusterIp}:80, and kubelab ${worker.ip}:${nodePort} (${worker.name}), every ${REQUEST_PERIOD_MS} ms each`,
    );
    let last = 0;
    const stopPod = followPodLog(run, CLIENT_POD, 'client', (_stamp, text) => {
      const line = parseRequestLine(text);
      // A stream followed again repeats its last line.
      if (!line || line.atMs <= last) return;
      last = line.atMs;
      run.emit({ type: 'request', client: 'in-cluster', ok: line.ok, ms: line.ms }, line.atMs);
    });
    const stopHost = hostClient(run, `http://${worker.ip}:${nodePort}/`);
    return () => {
      stopPod();
      stopHost();
    };
  },
};
