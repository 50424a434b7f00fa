import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { buildKit } from '../kit/build.js';
import { cacheDir } from '../kit/cache.js';
import { compileSpec } from '../spec/index.js';
import { err, out } from './console.js';
import { interruptible } from './interrupt.js';
import { labOptions, type LabArgs } from './options.js';

interface KitBuildArgs extends LabArgs {
  sources: string | undefined;
  'kubernetes-version': string | undefined;
  'images-dir': string | undefined;
}

/** Where the third-party sources are looked for when --sources is not given. */
function defaultSourcesDir(): string {
  return process.env.KUBELAB_KIT_SOURCES ? path.resolve(process.env.KUBELAB_KIT_SOURCES) : path.join(cacheDir(), 'sources');
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
      .option('images-dir', { type: 'string', describe: "Where the tarball goes (default: the spec's images.dir)" }) as Argv<KitBuildArgs>,
  handler: async (args) => {
    let kubernetesVersion = args['kubernetes-version'];
    let imagesDir = args['images-dir'] === undefined ? undefined : path.resolve(args['images-dir']);
    if (kubernetesVersion === undefined || imagesDir === undefined) {
      const { model } = await compileSpec(args.spec, args.out);
      kubernetesVersion ??= model.kubernetesVersion;
      imagesDir ??= path.resolve(args.out, model.images.hostDir ?? '../.images');
    }
    const { signal, dispose } = interruptible(err);
    try {
      const result = await buildKit({
        kubernetesVersion,
        sourcesDir: args.sources === undefined ? defaultSourcesDir() : path.resolve(args.sources),
        imagesDir,
        cacheRoot: cacheDir(),
        log: err,
        signal,
      });
      const built = result.steps.filter((s) => s.outcome === 'built').length;
      out(`kit for Kubernetes ${kubernetesVersion}: ${path.relative(process.cwd(), result.tarball) || result.tarball} (${built} step(s) built, ${result.steps.length - built} cached, ${result.seconds.toFixed(1)}s)`);
      out(`  rke:     ${result.manifest.rke}`);
      out(`  kubectl: ${result.manifest.kubectl}`);
    } finally {
      dispose();
    }
  },
};
