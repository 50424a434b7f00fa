import fs from 'fs-extra';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { KubelabError } from '../errors.js';
import { labKubectl } from '../kit/tools.js';
import { LAB_FILES } from '../lab-files.js';
import { run, TIMEOUTS } from '../run/exec.js';
import { compileSpec } from '../spec/index.js';

interface KubectlArgs {
  spec: string;
  out: string;
}

/**
 * Splits `kubelab kubectl [--spec F] [--out DIR] ARGS…` by hand: yargs would take kubectl's own
 * options (-o is kubelab's --out alias) or stop before the command's own --spec and --out.
 */
export function splitKubectlArgs(argv: string[]): { spec: string; out: string; args: string[] } {
  const rest = argv.slice(argv.indexOf('kubectl') + 1);
  const own: Record<'spec' | 'out', string> = { spec: 'kubelab.yaml', out: 'out' };
  while (rest.length > 0) {
    const m = /^--(spec|out)(?:=(.*))?$/.exec(rest[0]!);
    if (!m) break;
    rest.shift();
    own[m[1] as 'spec' | 'out'] = m[2] ?? rest.shift() ?? '';
  }
  if (rest[0] === '--') rest.shift();
  return { ...own, args: rest };
}

/**
 * `kubelab kubectl ARGS…`: kubectl on the lab's kubeconfig, so nobody has to hunt for the file.
 * Parsing stops at the first word that is not --spec or --out: everything after it is kubectl's
 * (its -o, -n and --help included).
 */
export const kubectlCommand: CommandModule<object, KubectlArgs> = {
  command: 'kubectl',
  describe: "Run kubectl on the lab's cluster (the kit's kubectl when the lab uses the kit); options after the first word are kubectl's",
  builder: (y) =>
    y
      .parserConfiguration({ 'halt-at-non-option': true, 'unknown-options-as-args': true })
      .usage('$0 kubectl [--spec F] [--out DIR] KUBECTL-ARGS…')
      .help(false) as unknown as Argv<KubectlArgs>,
  handler: async () => {
    const args = splitKubectlArgs(hideBin(process.argv));
    const { model } = await compileSpec(args.spec, args.out);
    const kubeconfig = path.resolve(args.out, LAB_FILES.kubeconfig);
    if (!(await fs.pathExists(kubeconfig))) {
      throw new KubelabError(`lab ${model.name} has no kubeconfig yet (${path.relative(process.cwd(), kubeconfig)})`, { hint: 'run `kubelab apply` to install Kubernetes' });
    }
    const kubectl = await labKubectl(model);
    if (!kubectl) throw new KubelabError('no kubectl found', { hint: '`kubelab kit build` builds one; or install kubectl on PATH', exitCode: 4 });
    const result = await run(kubectl.path, args.args, { stdio: 'inherit', env: { KUBECONFIG: kubeconfig }, timeoutMs: TIMEOUTS.none });
    process.exitCode = result.exitCode ?? 1;
  },
};
