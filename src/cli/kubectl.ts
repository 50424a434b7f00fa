import type { Argv, CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { usageError } from './busy.js';
import { pathOptionProblem } from './options.js';

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
  for (const name of ['spec', 'out'] as const) {
    const problem = pathOptionProblem(`--${name}`, own[name]);
    if (problem !== undefined) throw usageError(problem);
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
    const { runLabKubectl } = await import('../commands/kubectl.js');
    process.exitCode = await runLabKubectl(splitKubectlArgs(hideBin(process.argv)));
  },
};
