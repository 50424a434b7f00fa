import type { Argv } from 'yargs';
import { usageError } from './busy.js';

export interface LabArgs {
  spec: string;
  out: string;
}

const LAB_DEFAULTS: LabArgs = { spec: 'kubelab.yaml', out: 'out' };

/** --spec and --out, shared by every command that works on a lab. */
export function labOptions<T>(y: Argv<T>): Argv<T & LabArgs> {
  return (
    y
      .option('spec', { alias: 's', type: 'string', defaultDescription: JSON.stringify(LAB_DEFAULTS.spec), describe: 'The cluster spec (YAML or JSON)' })
      .option('out', { alias: 'o', type: 'string', defaultDescription: JSON.stringify(LAB_DEFAULTS.out), describe: 'Output folder for the generated files' })
      .check((args) => checkPathOptions(args, ['spec', 'out']))
      // The defaults are filled in after the check, not given to yargs: yargs hands an option its
      // default when no value follows it (`--out` last on the line), which is as careless as `--out ""`.
      .middleware((args: { spec?: string; out?: string }) => {
        args.spec ??= LAB_DEFAULTS.spec;
        args.out ??= LAB_DEFAULTS.out;
      }) as Argv<T & LabArgs>
  );
}

/**
 * Refuses a path option given empty or blank (`--out ""` would name the current folder, and
 * `--spec ""` no file at all) or given twice (yargs makes a list of it). An option left out is
 * fine: it has its default, or none.
 */
export function checkPathOptions(args: Record<string, unknown>, names: readonly string[]): true {
  for (const name of names) {
    const problem = pathOptionProblem(`--${name}`, args[name]);
    if (problem !== undefined) throw usageError(problem);
  }
  return true;
}

/** Why `value` cannot be the path `option` names, or undefined when it can. */
export function pathOptionProblem(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return `${option} is given ${value.length} times: give it once`;
  if (typeof value !== 'string' || value.trim() === '') return `${option} is empty: give it a path, or leave the option out for its default`;
  return undefined;
}
