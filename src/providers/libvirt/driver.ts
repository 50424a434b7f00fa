import { vagrantSnapshots } from '../vagrant-snapshots.js';
import { howToInstall } from '../../run/install-hints.js';
import { stateFrom, type Invocation, type ProviderDriver } from '../driver.js';

const libvirtUri = (): string => process.env.LIBVIRT_DEFAULT_URI ?? 'qemu:///system';

export const libvirtDriver: ProviderDriver = {
  async prerequisites(_model, probe) {
    if ((await probe('virsh', ['--version'])).ok) return [];
    return [{ name: 'libvirt (virsh)', howToGet: howToInstall('virsh') }];
  },
  machine: (m) => {
    const virsh = (...args: string[]): Invocation => ({ file: 'virsh', args: ['-c', libvirtUri(), ...args, m.id] });
    return {
      ops: { stop: virsh('shutdown'), kill: virsh('destroy'), pause: virsh('suspend'), resume: virsh('resume'), start: virsh('start') },
      state: virsh('domstate'),
      parse: stateFrom({ running: 'running', paused: 'paused', 'shut off': 'off', crashed: 'off' }),
      // virsh shutdown only asks the guest (ACPI): the halt is done when the domain is off.
      settle: { stop: { until: 'off', timeoutMs: 180_000 } },
    };
  },
  snapshots: vagrantSnapshots({ plugin: 'vagrant-libvirt', version: [0, 10, 0] }),
  nameReachesMachine: false,
};
