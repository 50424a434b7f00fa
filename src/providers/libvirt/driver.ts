import path from 'node:path';
import { vagrantSnapshots } from '../vagrant-snapshots.js';
import { capture } from '../../exec/run.js';
import { howToInstall } from '../../exec/install-hints.js';
import { stateFrom, vagrantVm, type Invocation, type MachineControl, type MachineRef, type Missing, type ProviderDriver } from '../driver.js';
import { KUBELAB_LIBVIRT_BOX } from './facts.js';
import { kvmVerdict, readKvmFacts } from './kvm.js';

const libvirtUri = (): string => process.env.LIBVIRT_DEFAULT_URI ?? 'qemu:///system';

export const libvirtDriver: ProviderDriver = {
  async machineStorage(model) {
    // The pool's target path, from its XML: <target><path>/var/lib/libvirt/images</path></target>.
    const xml = await capture('virsh', ['-c', libvirtUri(), 'pool-dumpxml', model.provider.libvirt.storagePool]);
    const dir = /<target>\s*<path>([^<]{1,4096})<\/path>/.exec(xml.stdout)?.[1]?.trim();
    return xml.ok && dir !== undefined && path.isAbsolute(dir) ? dir : undefined;
  },
  async prerequisites(model, probe) {
    if (!(await probe('virsh', ['--version'])).ok) return [{ name: 'libvirt (virsh)', howToGet: howToInstall('virsh') }];
    const missing: Missing[] = [];
    if (!(await probe('virsh', ['-c', libvirtUri(), 'version'])).ok) {
      missing.push({
        name: `a running libvirtd (${libvirtUri()})`,
        howToGet: 'start it: systemctl start libvirtd, or scripts/ensure-libvirtd.sh where systemd does not run services',
      });
    }
    const plugins = await probe('vagrant', ['plugin', 'list']);
    if (plugins.ok && !/^vagrant-libvirt\b/m.test(plugins.output)) {
      missing.push({
        name: 'the vagrant-libvirt plugin',
        howToGet: 'Debian: apt-get install vagrant-libvirt; elsewhere: vagrant plugin install vagrant-libvirt',
      });
    }
    if (model.provider.libvirt.driver === 'kvm') {
      const kvm = kvmVerdict(await readKvmFacts());
      if (!kvm.usable) {
        missing.push({
          name: 'working KVM (provider.libvirt.driver is kvm)',
          howToGet: `${kvm.why}; set provider.libvirt.driver: qemu in the spec to run the VMs under software emulation (TCG), several times slower`,
        });
      }
    }
    if (model.provider.box === KUBELAB_LIBVIRT_BOX) {
      const boxes = await probe('vagrant', ['box', 'list', '--machine-readable']);
      if (!listsBox(boxes.output, KUBELAB_LIBVIRT_BOX, 'libvirt')) {
        missing.push({
          name: `the box ${KUBELAB_LIBVIRT_BOX} (libvirt)`,
          howToGet: "build it once with `kubelab box build --provider libvirt` (about three minutes; needs Debian's mirror)",
        });
      }
    }
    return missing;
  },
  async notes(model) {
    if (model.provider.libvirt.driver !== 'qemu') return [];
    const kvm = kvmVerdict(await readKvmFacts());
    return [
      kvm.usable
        ? 'provider.libvirt.driver is qemu, but KVM works here: driver kvm would run the VMs several times faster'
        : 'the VMs run under software emulation (provider.libvirt.driver: qemu, no working KVM here): several times slower than with KVM, so give them time',
    ];
  },
  async createOneFirst(model) {
    // vagrant-libvirt names the pool's copy of a box <box with / as -VAGRANTSLASH->_vagrant_box_image_…;
    // should that naming change, the first machine is merely created alone every time.
    const box = model.provider.box;
    if (!box) return false;
    const volumes = await capture('virsh', ['-c', libvirtUri(), 'vol-list', model.provider.libvirt.storagePool]);
    return !volumes.ok || !volumes.stdout.includes(`${box.replace(/\//g, '-VAGRANTSLASH-')}_vagrant_box_image_`);
  },
  machine: libvirtMachine,
  snapshots: vagrantSnapshots(libvirtMachine, { plugin: 'vagrant-libvirt', version: [0, 10, 0] }),
  nameReachesMachine: false,
};

/** The hypervisor's hand on one domain (by its UUID, which Vagrant records); Vagrant halts and boots it. */
function libvirtMachine(m: MachineRef): MachineControl {
  const virsh = (...args: string[]): Invocation => ({ file: 'virsh', args: ['-c', libvirtUri(), ...args, m.id] });
  return vagrantVm(m, {
    kill: virsh('destroy'),
    pause: virsh('suspend'),
    resume: virsh('resume'),
    state: virsh('domstate'),
    parse: stateFrom({ running: 'running', paused: 'paused', 'shut off': 'off', crashed: 'off' }),
    remove: [virsh('destroy'), virsh('undefine', '--remove-all-storage')],
  });
}

/** Whether `vagrant box list --machine-readable` lists the box NAME for PROVIDER. */
export function listsBox(listing: string, name: string, provider: string): boolean {
  // Lines: TIME,,box-name,NAME then TIME,,box-provider,PROVIDER then TIME,,box-version,VERSION.
  const fields = listing.split('\n').map((line) => line.trim().split(','));
  return fields.some((f, i) => f[2] === 'box-name' && f[3] === name && fields[i + 1]?.[2] === 'box-provider' && fields[i + 1]?.[3] === provider);
}
