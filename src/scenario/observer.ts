import type { KubeConfig } from '@kubernetes/client-node';
import type { LabNode } from '../nodes/node.js';
import { startApiProbes } from './observe/api-probe.js';
import { followDnsProbe } from './observe/dns.js';
import { EtcdWatch } from './observe/etcd.js';
import { KubeWatches } from './observe/kube.js';
import type { Timeline } from './timeline.js';

/**
 * Everything that watches the cluster for the whole run, writing into the timeline: the
 * Kubernetes watches, the API probe (and the write probe, when a scenario asks about writes),
 * etcd as each etcd node's member sees it, and in-cluster DNS when asked.
 */
export class Observer {
  private readonly stops: (() => void | Promise<void>)[] = [];

  constructor(
    private readonly timeline: Timeline,
    private readonly config: KubeConfig,
    private readonly etcdNodes: readonly LabNode[],
    private readonly namespace: string,
    private readonly probes: { writes: boolean; dns: boolean },
  ) {}

  async start(): Promise<void> {
    const emit = this.timeline.record.bind(this.timeline);
    const etcd = new EtcdWatch(this.etcdNodes, (o) => emit(o));
    etcd.start();
    this.stops.push(() => etcd.stop());
    this.stops.push(startApiProbes(this.config, (o) => emit(o), { writes: this.probes.writes, namespace: this.namespace }));
    if (this.probes.dns) this.stops.push(followDnsProbe(this.config, this.namespace, emit));
    const watches = new KubeWatches(this.config, this.namespace, (o) => emit(o));
    this.stops.push(() => watches.stop());
    await watches.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.stops.map((stop) => stop()));
  }
}
