import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { err, out } from './console.js';
import { interruptibly } from './interrupt.js';
import { checkPathOptions, labOptions, type LabArgs } from './options.js';

interface KitBuildArgs extends LabArgs {
  sources: string | undefined;
  'kubernetes-version': string | undefined;
  'images-dir': string | undefined;
}

export const kitCommand: CommandModule<object, KitBuildArgs> = {
  command: 'kit build',
  describe: "Build the offline kit from source: rke, kubectl and every image RKE's cluster runs, saved into the images folder",
  builder: (y) =>
    labOptions(y)
      .option('sources', {
        type: 'string',
        describe: 'Folder with the sources the Go module proxy does not serve (default $KUBELAB_KIT_SOURCES, else ~/.cache/kubelab/sources)',
      })
      .option('kubernetes-version', { type: 'string', describe: "Build for this version instead of the spec's kubernetesVersion" })
      .option('images-dir', { type: 'string', describe: "Where the tarball goes (default: the spec's images.dir)" })
      .check((args) => checkPathOptions(args, ['sources', 'images-dir'])) as Argv<KitBuildArgs>,
  handler: async (args) => {
    const { kitBuild } = await import('../commands/kit.js');
    const result = await interruptibly(err, (signal) =>
      kitBuild({
        spec: args.spec,
        out: args.out,
        sources: args.sources,
        kubernetesVersion: args['kubernetes-version'],
        imagesDir: args['images-dir'],
        log: err,
        signal,
      }),
    );
    const built = result.steps.filter((s) => s.outcome === 'built').length;
    out(
      `kit for Kubernetes ${result.kubernetesVersion}: ${path.relative(process.cwd(), result.tarball) || result.tarball} (${built} step(s) built, ${result.steps.length - built} cached, ${result.seconds.toFixed(1)}s)`,
    );
    out(`  rke:     ${result.manifest.rke}`);
    out(`  kubectl: ${result.manifest.kubectl}`);
  },
};
