import type { SourcePath } from '../input/source.js';
import type { ProxyModel } from '../model.js';
import type { ProviderFacts } from '../providers/facts.js';
import type { SpecDocument } from '../spec/types.js';

/** Every service listens on a port of the host's address in the lab's network; the rest is its own. */
export interface ServiceSettings {
  port: number;
}

/** What a service may use while the spec becomes the model. */
export interface SpecReading {
  provider: ProviderFacts;
  /** `text` as a URL; undefined, with a problem reported at `at`, when it is none. */
  url(at: SourcePath, text: string): URL | undefined;
}

/** Where one lab's service runs, and what of the lab its configuration needs. */
export interface ServiceSite {
  /** The host's address on the lab's private network. */
  address: string;
  /** Its store: see HostService.store. */
  storage: string;
  /** The lab's folder of service configuration, shared by its services. */
  configDir: string;
  /** The lab's log folder. */
  logDir: string;
  proxy: ProxyModel | undefined;
}

/** How the program is started; daemon.ts writes and creates what it names first. */
export interface Launch {
  args: string[];
  /** Added to kubelab's environment: the spec's proxy, for services that fetch from outside. */
  env: Record<string, string>;
  /** Written before the start; a changed file restarts a running service. */
  config: { file: string; content: string };
  /** Folders the program needs and does not create itself. */
  folders: string[];
}

/**
 * A program kubelab runs on the host for a lab, described once: where the spec turns it on, what it
 * starts with, where it keeps what it caches, what the lab does without it. The model, the spec's
 * checks, start and stop, status, prune, the prerequisites and the CLI know a service through this
 * only; the nodes' side (Docker's mirrors, apt's proxy) is the generators', which read the model.
 */
export interface HostService<Name extends string = string, Key extends string = string, Settings extends ServiceSettings = ServiceSettings> {
  /** Its word on the command line (`services prune --only`), in the lab's record and in its log's name. */
  name: Name;
  /** Its field in the model's hostServices. */
  key: Key;
  /** As a person calls it, in messages ("the lab registry"). */
  title: string;
  /** What its store keeps, as the help says it. */
  holds: string;
  program: string;
  /** Other programs it needs on the host, checked with its own before any machine starts. */
  needs: readonly string[];
  /** Its mapping in the spec: a port clash is reported at its `port`, a missing program names it. */
  specAt: SourcePath;
  /** Its settings, as the spec (with its defaults filled in) gives them; undefined when it turns it off. */
  settings(spec: SpecDocument, reading: SpecReading): Settings | undefined;
  /**
   * Where it keeps what it caches, in kubelab's cache folder `cacheRoot`: shared by every lab on
   * this host and kept by `destroy`, so that the next lab starts warm. Without settings, all it
   * keeps for any lab: what `services prune` removes.
   */
  store(cacheRoot: string, settings: Settings | undefined): string;
  launch(settings: Settings, site: ServiceSite): Launch;
  /** An HTTP path that answers once the service serves. */
  healthPath: string;
  /** Set when the lab works without it: what the nodes do instead, said when it cannot start. */
  withoutIt?: string;
  /** The images folder's `docker save` archives are pushed to it once it runs. */
  receivesImages: boolean;
  /** A registry's repositories (its catalog), for `services status`; undefined when it does not answer. */
  repositories?(listen: { address: string; port: number }): Promise<string[] | undefined>;
}
