import type { Argv, CommandModule } from 'yargs';
import { err, out } from '../commands/console.js';
import { interruptible } from '../commands/interrupt.js';

type BoxArgs = { force: boolean; image: string | undefined };

export const boxCommand: CommandModule<object, BoxArgs> = {
  command: 'box build',
  describe: "Build the docker provider's box image locally (debootstrap of Debian bookworm + systemd + sshd)",
  builder: (y) =>
    y
      .option('force', { type: 'boolean', default: false, describe: 'Rebuild even when the image exists' })
      .option('image', { type: 'string', describe: 'Image name (default kubelab/debian-bookworm:latest)' }) as Argv<BoxArgs>,
  handler: async (args) => {
    const { buildBox } = await import('../commands/box.js');
    const { signal, dispose } = interruptible(err);
    try {
      await buildBox({ force: args.force, image: args.image, onLine: out, signal });
    } finally {
      dispose();
    }
  },
};
