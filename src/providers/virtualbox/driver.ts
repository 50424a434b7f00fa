import os from 'node:os';
import path from 'node:path';
import { vagrantSnapshots } from '../vagrant-snapshots.js';
import { howToInstall } from '../../exec/install-hints.js';
import { stateFrom, vagrantVm, type MachineControl, type MachineRef, type ProviderDriver } from '../driver.js';

export const virtualboxDriver: ProviderDriver = {
  async prerequisites(_model, probe) {
    if ((await probe('VBoxManage', ['--version'])).ok) return [];
    return [
      {
        name: 'VirtualBox (VBoxManage)',
        // Where VirtualBox cannot run (a Linux host without it, a CI machine), the same kind of lab runs on Docker.
        howToGet: `${howToInstall('VBoxManage')}; or, without VirtualBox, the same kind of lab on Docker: examples/docker/kubelab.yaml (README: "A first cluster on Docker")`,
      },
    ];
  },
  // VirtualBox's default machine folder; a user who moved it sees the home folder's free space.
  machineStorage: () => Promise.resolve(path.join(os.homedir(), 'VirtualBox VMs')),
  machine: virtualboxMachine,
  snapshots: vagrantSnapshots(virtualboxMachine),
  nameReachesMachine: true,
};

function virtualboxMachine(m: MachineRef): MachineControl {
  return vagrantVm(m, {
    kill: { file: 'VBoxManage', args: ['controlvm', m.id, 'poweroff'] },
    pause: { file: 'VBoxManage', args: ['controlvm', m.id, 'pause'] },
    resume: { file: 'VBoxManage', args: ['controlvm', m.id, 'resume'] },
    state: { file: 'VBoxManage', args: ['showvminfo', m.id, '--machinereadable'] },
    remove: [
      { file: 'VBoxManage', args: ['controlvm', m.id, 'poweroff'] },
      { file: 'VBoxManage', args: ['unregistervm', m.id, '--delete'] },
    ],
    parse: (output) =>
      stateFrom({ running: 'running', paused: 'paused', poweroff: 'off', aborted: 'off', saved: 'off' })(/^VMState="([^"]*)"/m.exec(output)?.[1] ?? ''),
  });
}
