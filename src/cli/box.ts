import type { Argv, CommandModule } from 'yargs';
import { err, out } from './console.js';
import { interruptibly } from './interrupt.js';
import { BOX_PROVIDERS, type BoxProvider } from '../vocabulary.js';

type BoxArgs = { provider: BoxProvider; force: boolean; name: string | undefined };

export const boxCommand: CommandModule<object, BoxArgs> = {
  command: 'box build',
  describe: 'Build a box locally from Debian bookworm (debootstrap; needs only Debian’s mirror): the docker image, or a vagrant-libvirt box',
  builder: (y) =>
    y
      .option('provider', {
        choices: BOX_PROVIDERS,
        default: 'docker' as const,
        describe: 'docker: the image of the docker provider; libvirt: a qcow2 VM box, added to Vagrant',
      })
      .option('force', { type: 'boolean', default: false, describe: 'Rebuild even when the box is there and up to date' })
      .option('name', {
        type: 'string',
        alias: 'image',
        describe: 'Image or box name (default kubelab/debian-bookworm:latest for docker, kubelab/debian-bookworm for libvirt)',
      }) as Argv<BoxArgs>,
  handler: async (args) => {
    const { buildBox } = await import('../commands/box.js');
    await interruptibly(err, (signal) => buildBox({ provider: args.provider, force: args.force, name: args.name, onLine: out, signal }));
  },
};
