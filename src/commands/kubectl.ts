import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { labKubectl } from '../kit/tools.js';
import { LAB_FILES } from '../lab/files.js';
import { run, TIMEOUTS } from '../exec/run.js';
import { compileSpec } from '../spec/index.js';

/** kubectl on the lab's kubeconfig, its terminal its own; returns kubectl's exit code. */
export async function runLabKubectl(options: { spec: string; out: string; args: string[] }): Promise<number> {
  const { model } = await compileSpec(options.spec, options.out);
  const kubeconfig = path.resolve(options.out, LAB_FILES.kubeconfig);
  if (!(await fs.pathExists(kubeconfig))) {
    throw new KubelabError(`lab ${model.name} has no kubeconfig yet (${path.relative(process.cwd(), kubeconfig)})`, {
      hint: 'run `kubelab apply` to install Kubernetes',
    });
  }
  const kubectl = await labKubectl(model);
  if (!kubectl) throw new KubelabError('no kubectl found', { hint: '`kubelab kit build` builds one; or install kubectl on PATH', exitCode: EXIT.prerequisite });
  const result = await run(kubectl.path, options.args, { stdio: 'inherit', env: { KUBECONFIG: kubeconfig }, timeoutMs: TIMEOUTS.none });
  return result.exitCode ?? EXIT.failed;
}
