import { HAPROXY_CONFIG, parseEndpointChecks } from '../cluster/endpoint.js';
import { inspectComponentsScript, parseInspectedComponents, type ComponentConfig, type RkeComponent } from '../cluster/rke.js';
import type { LabNode } from '../nodes/node.js';
import { formatDuration, parseDuration } from '../units.js';
import type { Setting, SettingName } from './types.js';

/**
 * The settings that decide how fast this cluster notices and heals a failure, read from the
 * running containers' arguments (RKE runs every component as a Docker container), not assumed:
 * RKE's choices differ from upstream's (node-monitor-grace-period 40 s, etcd heartbeat 500 ms and
 * election timeout 5 s). A flag that is not set is the component's upstream default, and the
 * source says so.
 */
interface Knob {
  name: SettingName;
  component: RkeComponent;
  flag: string;
  /** The component's default for Kubernetes v1.32 / etcd 3.5. */
  upstreamMs: number;
  /** How the flag's value reads: a Go duration, whole seconds, or milliseconds. */
  unit: 'duration' | 'seconds' | 'ms';
  /** An environment variable the component also reads (etcd's ETCD_*). */
  env?: string;
}

const KNOBS: readonly Knob[] = [
  { name: 'node-monitor-grace-period', component: 'kube-controller-manager', flag: 'node-monitor-grace-period', upstreamMs: 50_000, unit: 'duration' },
  { name: 'node-monitor-period', component: 'kube-controller-manager', flag: 'node-monitor-period', upstreamMs: 5_000, unit: 'duration' },
  { name: 'node-status-update-frequency', component: 'kubelet', flag: 'node-status-update-frequency', upstreamMs: 10_000, unit: 'duration' },
  { name: 'node-lease-duration', component: 'kubelet', flag: 'node-lease-duration-seconds', upstreamMs: 40_000, unit: 'seconds' },
  { name: 'etcd-heartbeat-interval', component: 'etcd', flag: 'heartbeat-interval', upstreamMs: 100, unit: 'ms', env: 'ETCD_HEARTBEAT_INTERVAL' },
  { name: 'etcd-election-timeout', component: 'etcd', flag: 'election-timeout', upstreamMs: 1_000, unit: 'ms', env: 'ETCD_ELECTION_TIMEOUT' },
  { name: 'not-ready-toleration', component: 'kube-apiserver', flag: 'default-not-ready-toleration-seconds', upstreamMs: 300_000, unit: 'seconds' },
  { name: 'unreachable-toleration', component: 'kube-apiserver', flag: 'default-unreachable-toleration-seconds', upstreamMs: 300_000, unit: 'seconds' },
  { name: 'leader-lease-duration', component: 'kube-controller-manager', flag: 'leader-elect-lease-duration', upstreamMs: 15_000, unit: 'duration' },
  { name: 'leader-renew-deadline', component: 'kube-controller-manager', flag: 'leader-elect-renew-deadline', upstreamMs: 10_000, unit: 'duration' },
  { name: 'leader-retry-period', component: 'kube-controller-manager', flag: 'leader-elect-retry-period', upstreamMs: 2_000, unit: 'duration' },
];

function toMs(text: string, unit: Knob['unit']): number | undefined {
  if (unit === 'duration') return parseDuration(text);
  const number = Number(text);
  if (!Number.isFinite(number) || number < 0) return undefined;
  return unit === 'seconds' ? number * 1000 : number;
}

/** `--flag=value` or `--flag value`; the last one wins, as Go's flag package has it. */
export function flagValue(args: readonly string[], flag: string): string | undefined {
  let value: string | undefined;
  args.forEach((arg, i) => {
    if (arg === `--${flag}`) value = args[i + 1];
    else if (arg.startsWith(`--${flag}=`)) value = arg.slice(flag.length + 3);
  });
  return value;
}

/** Each setting from the containers found (component → its config on some node). */
export function settingsFrom(containers: ReadonlyMap<string, ComponentConfig>): Setting[] {
  return KNOBS.map((knob) => {
    const container = containers.get(knob.component);
    const base = { name: knob.name, upstreamMs: knob.upstreamMs };
    if (!container) return { ...base, ms: knob.upstreamMs, source: `upstream default: no ${knob.component} container was found to read` };
    const flag = flagValue(container.args, knob.flag);
    const flagMs = flag === undefined ? undefined : toMs(flag, knob.unit);
    if (flagMs !== undefined) return { ...base, ms: flagMs, source: `${knob.component} --${knob.flag}=${flag} on ${container.node}` };
    const env = knob.env ? container.env.find((e) => e.startsWith(`${knob.env}=`)) : undefined;
    const envMs = env === undefined ? undefined : toMs(env.slice(env.indexOf('=') + 1), knob.unit);
    if (envMs !== undefined) return { ...base, ms: envMs, source: `${knob.component} environment ${env} on ${container.node}` };
    return { ...base, ms: knob.upstreamMs, source: `${knob.component}'s default (--${knob.flag} is not set on ${container.node})` };
  });
}

const COMPONENTS = [...new Set(KNOBS.map((k) => k.component))];

/** Reads every component's arguments and environment, from the first node that runs it. */
export async function readContainers(nodes: readonly LabNode[]): Promise<Map<RkeComponent, ComponentConfig>> {
  const found = new Map<RkeComponent, ComponentConfig>();
  for (const node of nodes) {
    const missing = COMPONENTS.filter((c) => !found.has(c));
    if (missing.length === 0) break;
    const result = await node.run(inspectComponentsScript(missing), { timeoutMs: 30_000, connectTimeoutSeconds: 5 });
    for (const [component, config] of parseInspectedComponents(node.name, result.stdout)) if (!found.has(component)) found.set(component, config);
  }
  return found;
}

/**
 * How soon the lab's API endpoint takes a dead API server out and puts a recovered one back,
 * from haproxy's configuration on the endpoint's machine: none for a lab without an endpoint.
 * detection: `fall` failed checks, each up to `inter` after the last plus its timeout (a machine
 * without power answers no check: each waits for its timeout); recovery: `rise` checks `inter` apart.
 */
export async function readEndpointSettings(nodes: readonly LabNode[]): Promise<Setting[]> {
  const endpoint = nodes.find((n) => n.ref.roles.includes('loadbalancer'));
  if (!endpoint) return [];
  const result = await endpoint.run(`cat ${HAPROXY_CONFIG}`, { timeoutMs: 30_000, connectTimeoutSeconds: 5 });
  if (result.code !== 0) return [];
  const checks = parseEndpointChecks(result.stdout);
  const source = `haproxy on ${endpoint.name} (${HAPROXY_CONFIG}: ${checks.source})`;
  return [
    { name: 'endpoint-check-interval', ms: checks.intervalMs, source },
    { name: 'endpoint-detection-time', ms: checks.fall * (checks.intervalMs + checks.timeoutMs), source: `fall × (inter + timeout check), ${source}` },
    { name: 'endpoint-recovery-time', ms: checks.rise * checks.intervalMs, source: `rise × inter, ${source}` },
  ];
}

/** The setting by name (every name has one: settingsFrom fills each). */
export function settingOf(settings: readonly Setting[], name: SettingName): Setting {
  const setting = settings.find((s) => s.name === name);
  if (!setting) throw new Error(`no setting ${name}`);
  return setting;
}

/**
 * The faster variant: a workload that tolerates NotReady and unreachable nodes for `seconds`
 * instead of the cluster's default is evicted sooner. Its tolerations replace the cluster's in
 * the settings expectations use, and each change is stated as a variant of the run.
 */
export function lowerTolerations(settings: readonly Setting[], seconds: number | undefined): { settings: Setting[]; variants: string[] } {
  if (seconds === undefined) return { settings: [...settings], variants: [] };
  const variants: string[] = [];
  const lowered = settings.map((setting) => {
    if (setting.name !== 'not-ready-toleration' && setting.name !== 'unreachable-toleration') return setting;
    const what = setting.name.replace('-toleration', '');
    variants.push(
      `the test workload tolerates ${what} nodes for ${seconds}s, not the cluster's ${formatDuration(setting.ms)} (${setting.source}): eviction shows sooner`,
    );
    return {
      ...setting,
      ms: seconds * 1000,
      source: `the scenario's workload (tolerationSeconds: ${seconds}); the cluster's is ${formatDuration(setting.ms)}`,
    };
  });
  return { settings: lowered, variants };
}
