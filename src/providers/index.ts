import type { ProviderType } from '../vocabulary.js';
import { docker } from './docker/facts.js';
import type { ProviderFacts } from './facts.js';
import { libvirt } from './libvirt/facts.js';
import { virtualbox } from './virtualbox/facts.js';

export type { ProviderFacts } from './facts.js';

/** Every provider's facts, keyed by type: a type added to PROVIDER_TYPES fails to compile until it is here. */
export const PROVIDERS: Readonly<Record<ProviderType, ProviderFacts>> = { virtualbox, libvirt, docker };
