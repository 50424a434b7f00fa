import type { LabModel } from '../src/model.js';
import { renderTemplate } from '../src/render.js';
import type { Artifact } from '../src/output/artifact.js';
import { IGNORED_PATTERNS } from '../src/lab/files.js';

export async function renderGitignore(model: LabModel): Promise<Artifact> {
  const content = await renderTemplate('gitignore.hbs', 'text', { ignored: IGNORED_PATTERNS }, model.specPath);
  return { path: '.gitignore', kind: 'text', content, executable: false };
}
