import type { Argv } from 'yargs';

export interface LabArgs {
  spec: string;
  out: string;
}

/** --spec and --out, shared by every command that works on a lab. */
export function labOptions<T>(y: Argv<T>): Argv<T & LabArgs> {
  return y
    .option('spec', { alias: 's', type: 'string', default: 'kubelab.yaml', describe: 'The cluster spec (YAML or JSON)' })
    .option('out', { alias: 'o', type: 'string', default: 'out', describe: 'Output folder for the generated files' });
}
