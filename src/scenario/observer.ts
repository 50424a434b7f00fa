import { apiServerUrl } from '../cluster/endpoint.js';
import { MovableKubeConfig } from '../cluster/kube.js';
import { KubeWatches } from './observe/watches.js';
import type { AnyProbe } from './probes/index.js';
import type { ProbeRun, Stop } from './probes/probe.js';
import type { Observation } from './types.js';

/**
 * Everything that watches the cluster for the whole run, writing into the timeline: the probes a
 * run needs (src/scenario/probes/), started together and stopped together.
 */
export class Observer {
  private readonly stops: Stop[] = [];
  private readonly watches: KubeWatches;

  constructor(
    private readonly probes: readonly AnyProbe[],
    private readonly run: Omit<ProbeRun<Observation>, 'watch'>,
  ) {
    // The watches see the cluster, whichever API server answers; the api probe is what measures the clients' API.
    const direct = run.nodes.filter((n) => n.ref.roles.includes('controlplane')).map((n) => apiServerUrl(n.ip));
    const own = run.config.getCurrentCluster()?.server;
    this.watches = new KubeWatches(new MovableKubeConfig(run.config), [...(own === undefined ? [] : [own]), ...direct.filter((s) => s !== own)]);
  }

  /** Starts every probe; when one cannot start, the others are still stopped by `stop`. */
  async start(): Promise<void> {
    const run: ProbeRun<Observation> = { ...this.run, watch: (watch) => this.watches.watch(watch) };
    const started = await Promise.allSettled(this.probes.map((probe) => probe.start(run)));
    for (const result of started) if (result.status === 'fulfilled' && result.value) this.stops.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.stops.map((stop) => stop()), this.watches.stop()]);
  }
}
