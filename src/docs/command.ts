import fs from 'fs-extra';
import path from 'node:path';
import { KubelabError } from '../errors.js';
import { describeRefusal, InputFileError, readBoundedText } from '../input/read.js';
import { packageRoot, schemaFile } from '../paths.js';
import { END_MARKER, extractSection, renderSpecReference, replaceSection, START_MARKER, type JsonSchema } from './spec-reference.js';

export const DOCS_FIX_COMMAND = 'npm run docs';
export const defaultReadme = path.join(packageRoot, 'README.md');
/** kubelab's README is some 60 KB. */
const MAX_README_BYTES = 4 * 1024 * 1024;

export interface DocsOptions {
  /** The README to update; kubelab's own by default. */
  readme?: string;
  /** The schema object; read from schema/kubelab.schema.json by default. */
  schema?: JsonSchema;
  /** Write nothing; fail when the README's section is not what the schema gives. */
  check?: boolean;
}

export type DocsResult = 'updated' | 'unchanged';

/** Rewrites (or, with check, verifies) the spec reference section of the README. */
export async function runDocs(options: DocsOptions = {}): Promise<DocsResult> {
  const readme = options.readme ?? defaultReadme;
  const schema = options.schema ?? ((await fs.readJson(schemaFile)) as JsonSchema);
  const relative = path.relative(process.cwd(), readme);
  const shown = relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? readme : relative;
  let text: string;
  try {
    text = await readBoundedText(readme, MAX_README_BYTES);
  } catch (err) {
    if (!(err instanceof InputFileError)) throw err;
    throw new KubelabError(`cannot read ${shown}: ${describeRefusal(err.refusal, MAX_README_BYTES)}`, { hint: 'name the README to update with --readme FILE' });
  }
  const wanted = renderSpecReference(schema);
  const updated = replaceSection(text, wanted);
  if (updated === undefined) {
    throw new KubelabError(`${shown} has no spec reference section (or more than one)`, {
      hint: `put the lines ${START_MARKER} and ${END_MARKER} where the reference belongs, once each`,
    });
  }
  if (extractSection(text) === extractSection(updated)) return 'unchanged';
  if (options.check) {
    throw new KubelabError(`the spec reference in ${shown} is not what ${path.relative(packageRoot, schemaFile)} gives`, {
      hint: `run \`${DOCS_FIX_COMMAND}\` and commit the result`,
    });
  }
  await fs.writeFile(readme, updated);
  return 'updated';
}
