import type { ProviderType } from '../../src/spec/types.js';
import { run, type RunResult } from './tools.js';

/**
 * `vagrant validate` for a generated folder, as strict as this machine allows.
 *
 * Vagrant validates the settings of the active provider's block only, so the provider is chosen
 * with VAGRANT_DEFAULT_PROVIDER. But Vagrant refuses to load a machine at all when that provider is
 * missing or unusable: VirtualBox is never installed on Debian's CI machines, CI installs vagrant
 * without its Recommends so vagrant-libvirt is missing there too, and the docker provider needs a
 * Docker daemon that answers `docker version`. For such a provider this falls back to
 * `vagrant validate --ignore-provider`, with no VAGRANT_DEFAULT_PROVIDER (a provider Vagrant does
 * not know fails even then): it still loads the whole Vagrantfile, runs the Ruby of every provider
 * block (a NameError there fails) and validates every machine, its network, synced folders and
 * provisioners (each script must exist), but not the provider block's settings.
 */
export interface Validation {
  result: RunResult;
  /** False when the provider block's settings could not be validated (--ignore-provider). */
  checksProviderBlock: boolean;
  reason: string;
}

const UNAVAILABLE = /The provider '[^']+'\s+(could not be found|that was requested to back the machine\s+'[^']+'\s+is reporting that it isn't usable)/;

/** Per provider: undefined when Vagrant can use it here, or why it cannot. Found out once. */
const unavailable = new Map<ProviderType, Promise<string | undefined>>();

export async function vagrantValidate(outDir: string, provider: ProviderType, env: Record<string, string>): Promise<Validation> {
  const strict = (): Promise<RunResult> => run('vagrant', ['validate'], { cwd: outDir, env: { ...env, VAGRANT_DEFAULT_PROVIDER: provider } });
  let first: RunResult | undefined;
  let known = unavailable.get(provider);
  if (!known) {
    known = strict().then((result) => {
      first = result;
      const why = UNAVAILABLE.exec(result.stderr);
      if (!why) return undefined;
      return why[1] === 'could not be found'
        ? `Vagrant has no ${provider} provider (its plugin is not installed)`
        : `Vagrant reports the ${provider} provider unusable here`;
    });
    unavailable.set(provider, known);
  }
  const why = await known;
  if (why === undefined) {
    return { result: first ?? (await strict()), checksProviderBlock: true, reason: `validated with the ${provider} provider` };
  }
  return {
    result: await run('vagrant', ['validate', '--ignore-provider'], { cwd: outDir, env }),
    checksProviderBlock: false,
    reason: `${why}: validated with --ignore-provider`,
  };
}
