import type { LabModel } from '../src/model.js';
import type { Artifact } from '../src/output/artifact.js';
import { renderClusterYml } from './cluster-yml.js';
import { renderGitignore } from './gitignore.js';
import { renderProvisionScripts } from './provision.js';
import { renderVagrantfile } from './vagrantfile.js';

export type { Artifact } from '../src/output/artifact.js';

/** Every file of the output folder, in a fixed order, rendered in memory. */
export async function renderAll(model: LabModel): Promise<Artifact[]> {
  const artifacts = [await renderVagrantfile(model), await renderClusterYml(model), ...(await renderProvisionScripts(model)), await renderGitignore(model)];
  return artifacts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
