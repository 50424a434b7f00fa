import type { ProviderType } from '../vocabulary.js';
import { dockerDriver } from './docker/driver.js';
import type { ProviderDriver } from './driver.js';
import { libvirtDriver } from './libvirt/driver.js';
import { virtualboxDriver } from './virtualbox/driver.js';

/** Every provider's driver, keyed by type; apart from the facts so that the generator never loads I/O. */
export const DRIVERS: Readonly<Record<ProviderType, ProviderDriver>> = { virtualbox: virtualboxDriver, libvirt: libvirtDriver, docker: dockerDriver };
