import { makeInformer, type Informer, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Watch } from '../probes/probe.js';

/** After a watch breaks (the API went away), how soon it is tried again. */
const RESTART_MS = 1_000;

/**
 * The probes' watches (list + watch, through the Kubernetes client's informers). A broken watch is
 * started again every second until `stop`: the API going away is part of what is watched.
 */
export class KubeWatches {
  private readonly informers: Informer<KubernetesObject>[] = [];
  private stopped = false;

  constructor(private readonly config: KubeConfig) {}

  /** Starts a watch; resolves once it has listed, or could not (then it is tried again shortly). */
  async watch<T extends KubernetesObject>(watch: Watch<T>): Promise<void> {
    const informer = makeInformer<T>(this.config, watch.path, () => watch.list(), watch.labelSelector);
    const any = informer as unknown as Informer<KubernetesObject>;
    informer.on('add', (object) => watch.onChange(object, false));
    informer.on('update', (object) => watch.onChange(object, false));
    informer.on('delete', (object) => watch.onChange(object, true));
    informer.on('error', () => this.again(any));
    this.informers.push(any);
    await this.begin(any);
  }

  /** Starts a watch; one that cannot start (the API is away) is tried again shortly. */
  private async begin(informer: Informer<KubernetesObject>): Promise<void> {
    if (this.stopped) return;
    await informer.start().catch(() => this.again(informer));
  }

  private again(informer: Informer<KubernetesObject>): void {
    if (!this.stopped) setTimeout(() => void this.begin(informer), RESTART_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.informers.map((informer) => informer.stop().catch(() => undefined)));
  }
}
