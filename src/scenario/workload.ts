import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Deployment, type V1Namespace, type V1Service, type V1Toleration } from '@kubernetes/client-node';
import { WORKLOAD_NAME } from './probes/workload.js';

/**
 * The test workload a scenario watches: a Deployment of small web servers spread over the
 * nodes, and a Service in front (its endpoints show who serves). Typed objects, sent through the
 * Kubernetes client, in a namespace of the run's own, where probes put what they need too (the
 * DNS probe's pod, the write probe's ConfigMap): deleting a namespace can hang for minutes (an
 * aggregated API that does not answer blocks it), so no run waits for an earlier one's to go.
 */
export interface WorkloadOptions {
  namespace: string;
  replicas: number;
  image: string;
  /** How long the pods tolerate a NotReady or unreachable node; undefined: the cluster's default. */
  tolerationSeconds?: number;
}

/** Every run's namespace carries it, so that the next run can remove what an earlier one left. */
const RUN_LABEL = 'kubelab.dev/scenario-run';

/** A run's namespace: kubelab-scenario- and a suffix unique enough for one lab. */
export const runNamespace = (at: Date): string => `kubelab-scenario-${at.getTime().toString(36)}`;
const LABELS = { app: WORKLOAD_NAME };

// socat, not ncat: ncat's listener quits now and then on a closed connection.
const SERVE = `serve() { while read -r line && [ -n "\${line%$'\\r'}" ]; do :; done; printf 'HTTP/1.0 200 OK\\r\\n\\r\\n%s\\n' "$HOSTNAME"; }
export -f serve
exec socat TCP-LISTEN:8080,fork,reuseaddr SYSTEM:'bash -c serve'`;

const tolerations = (seconds: number): V1Toleration[] =>
  ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: seconds,
  }));

export function workloadObjects(options: WorkloadOptions): {
  namespace: V1Namespace;
  deployment: V1Deployment;
  service: V1Service;
} {
  const namespace = options.namespace;
  const metadata = { name: WORKLOAD_NAME, namespace, labels: LABELS };
  return {
    namespace: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { 'app.kubernetes.io/managed-by': 'kubelab', [RUN_LABEL]: 'true' } },
    },
    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        replicas: options.replicas,
        selector: { matchLabels: LABELS },
        template: {
          metadata: { labels: LABELS },
          spec: {
            terminationGracePeriodSeconds: 2,
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: LABELS } },
            ],
            ...(options.tolerationSeconds === undefined ? {} : { tolerations: tolerations(options.tolerationSeconds) }),
            containers: [
              {
                name: 'web',
                image: options.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['bash', '-c', SERVE],
                ports: [{ containerPort: 8080 }],
                readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 2 },
              },
            ],
          },
        },
      },
    },
    // A NodePort too: the traffic probe's host client calls it on a worker.
    service: { apiVersion: 'v1', kind: 'Service', metadata, spec: { type: 'NodePort', selector: LABELS, ports: [{ port: 80, targetPort: 8080 }] } },
  };
}

/** Creates the workload in the run's namespace, after asking Kubernetes to remove any an earlier run left. */
export async function createWorkload(config: KubeConfig, options: WorkloadOptions, note: (line: string) => void): Promise<void> {
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  const namespace = options.namespace;
  await deleteWorkloads(config, note);
  const objects = workloadObjects(options);
  await core.createNamespace({ body: objects.namespace });
  // The namespace's service account comes a moment after the namespace; pods need it.
  for (let i = 0; i < 30; i++) {
    if (
      await core.readNamespacedServiceAccount({ name: 'default', namespace }).then(
        () => true,
        () => false,
      )
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  await core.createNamespacedService({ namespace, body: objects.service });
  await apps.createNamespacedDeployment({ namespace, body: objects.deployment });
  note(`workload: ${options.replicas} × ${WORKLOAD_NAME} in namespace ${namespace}`);
}

/** Asks Kubernetes to remove every scenario run's namespace, and does not wait. */
export async function deleteWorkloads(config: KubeConfig, note: (line: string) => void): Promise<void> {
  const core = config.makeApiClient(CoreV1Api);
  const left = await core.listNamespace({ labelSelector: RUN_LABEL });
  for (const namespace of left.items) {
    const name = namespace.metadata?.name;
    if (!name || namespace.status?.phase === 'Terminating') continue;
    note(`removing the namespace ${name}`);
    await core.deleteNamespace({ name, gracePeriodSeconds: 0 }).catch(() => undefined);
  }
}
