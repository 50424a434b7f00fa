import type { LabModel } from '../src/model.js';
import { header, renderTemplate } from '../src/render.js';
import type { Artifact } from './artifact.js';
import { IGNORED_PATTERNS } from '../src/lab-files.js';


export async function renderGitignore(model: LabModel): Promise<Artifact> {
  const content = await renderTemplate('gitignore.hbs', 'text', { header: header(model.specPath), ignored: IGNORED_PATTERNS });
  return { path: '.gitignore', kind: 'text', content, executable: false };
}
