import type { SpecDocument } from '../../spec/types.js';
import type { HostService, SpecReading } from '../service.js';
import { packageCache } from './package-cache.js';
import { pullThrough } from './pull-through.js';
import { registry } from './registry.js';

/**
 * Every service kubelab can run on the host for a lab, in the order they start. A new service is a
 * module beside these and one entry here (and its keys in the spec's schema and types, if it has
 * any): the model, the spec's checks, start, stop, status, prune and the CLI follow from it.
 */
export const HOST_SERVICES = [registry, pullThrough, packageCache] as const;

type Listed = (typeof HOST_SERVICES)[number];
type SettingsOf<S> = S extends HostService<string, string, infer T> ? T : never;

export type ServiceName = Listed['name'];
export const SERVICE_NAMES: readonly ServiceName[] = HOST_SERVICES.map((s) => s.name);

/** The model's host services: each one's settings under its key, undefined when the spec turns it off. */
export type HostServiceSettings = { [S in Listed as S['key']]: SettingsOf<S> | undefined };
type ServiceKey = keyof HostServiceSettings;
type AnySettings = NonNullable<HostServiceSettings[ServiceKey]>;

/** Any service, as generic code sees it: it only ever hands a service the settings under its own key. */
export type AnyHostService = HostService<ServiceName, ServiceKey, AnySettings>;

const ALL: readonly AnyHostService[] = HOST_SERVICES;
const BY_NAME = new Map<string, AnyHostService>(ALL.map((s) => [s.name, s]));

/** The service called `name`; for a word from a file, undefined when no service has that name. */
export function serviceNamed(name: ServiceName): AnyHostService;
export function serviceNamed(name: string): AnyHostService | undefined;
export function serviceNamed(name: string): AnyHostService | undefined {
  return BY_NAME.get(name);
}

/** Each service's settings as the spec gives them. */
export function serviceSettings(spec: SpecDocument, reading: SpecReading): HostServiceSettings {
  // Each entry is its own service's settings under its own key, which TypeScript cannot follow through a map.
  return Object.fromEntries(ALL.map((s) => [s.key, s.settings(spec, reading)])) as HostServiceSettings;
}

/** The services the model turns on, each with its settings, in the order they start. */
export function servicesOn(settings: HostServiceSettings): { service: AnyHostService; settings: AnySettings }[] {
  return ALL.flatMap((service) => {
    const own = settings[service.key];
    return own === undefined ? [] : [{ service, settings: own }];
  });
}
