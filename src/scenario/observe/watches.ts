import { makeInformer, type Informer, type KubernetesObject } from '@kubernetes/client-node';
import type { MovableKubeConfig } from '../../cluster/kube.js';
import type { Watch } from '../probes/probe.js';

/** After a watch breaks (the API went away), how soon it is tried again. */
const RESTART_MS = 1_000;

interface Running {
  informer: Informer<KubernetesObject>;
  /** The server it last started on, as an index of `servers`. */
  server: number;
}

/**
 * The probes' watches (list + watch, through the Kubernetes client's informers). A broken watch is
 * started again every second until `stop`: the API going away is part of what is watched. The
 * watches move together to the next of `servers` (the lab's kubeconfig's first, then each API
 * server asked directly) when one breaks on the server they share: an observer that lost its API
 * server, or the lab's endpoint, keeps seeing the cluster through another, as long as one answers.
 * A restarted informer lists again and reports what was deleted meanwhile.
 */
export class KubeWatches {
  private readonly running: Running[] = [];
  private stopped = false;
  private server = 0;

  constructor(
    private readonly config: MovableKubeConfig,
    private readonly servers: readonly string[],
  ) {}

  /** Starts a watch; resolves once it has listed, or could not (then it is tried again shortly). */
  async watch<T extends KubernetesObject>(watch: Watch<T>): Promise<void> {
    const informer = makeInformer<T>(this.config, watch.path, () => watch.list(this.config), watch.labelSelector);
    const running: Running = { informer: informer as unknown as Informer<KubernetesObject>, server: this.server };
    informer.on('add', (object) => watch.onChange(object, false));
    informer.on('update', (object) => watch.onChange(object, false));
    informer.on('delete', (object) => watch.onChange(object, true));
    informer.on('error', () => this.again(running));
    this.running.push(running);
    await this.begin(running);
  }

  private async begin(running: Running): Promise<void> {
    if (this.stopped) return;
    running.server = this.server;
    await running.informer.start().catch(() => this.again(running));
  }

  /** The first watch to break on a server moves them all to the next; the others follow as they break. */
  private again(running: Running): void {
    if (this.stopped) return;
    if (running.server === this.server && this.servers.length > 1) {
      this.server = (this.server + 1) % this.servers.length;
      this.config.moveTo(this.servers[this.server]!);
    }
    setTimeout(() => void this.begin(running), RESTART_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running.map((running) => running.informer.stop().catch(() => undefined)));
  }
}
