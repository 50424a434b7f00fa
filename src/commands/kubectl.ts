import path from 'node:path';
import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { run, TIMEOUTS } from '../exec/run.js';
import { labKubectl } from '../kit/tools.js';
import { openLab } from './lab.js';

/** kubectl on the lab's kubeconfig, its terminal its own; returns kubectl's exit code. */
export async function runLabKubectl(options: { spec: string; out: string; args: string[] }): Promise<number> {
  return openLab({ spec: options.spec, out: options.out, note: () => undefined }, async (lab) => {
    if (!(await lab.hasCluster())) {
      throw new KubelabError(`lab ${lab.model.name} has no kubeconfig yet (${path.relative(process.cwd(), lab.kubeconfig)})`, {
        hint: 'run `kubelab apply` to install Kubernetes',
      });
    }
    const kubectl = await labKubectl(lab.model);
    if (!kubectl)
      throw new KubelabError('no kubectl found', { hint: '`kubelab kit build` builds one; or install kubectl on PATH', exitCode: EXIT.prerequisite });
    const result = await run(kubectl.path, options.args, { stdio: 'inherit', env: { KUBECONFIG: lab.kubeconfig }, timeoutMs: TIMEOUTS.none });
    return result.exitCode ?? EXIT.failed;
  });
}
