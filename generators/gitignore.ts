import type { LabModel } from '../src/model.js';
import { header, renderTemplate } from '../src/render.js';
import type { Artifact } from './artifact.js';

/** What the runner writes next to the generated files: keys, kubeconfig, RKE state, logs. */
export const RUNTIME_PATHS = ['/.vagrant/', '/.kubelab/', '/kube_config_cluster.yml', '/cluster.rkestate', '*.log'];

export async function renderGitignore(model: LabModel): Promise<Artifact> {
  const content = await renderTemplate('gitignore.hbs', 'text', { header: header(model.specPath), ignored: RUNTIME_PATHS });
  return { path: '.gitignore', kind: 'text', content, executable: false };
}
