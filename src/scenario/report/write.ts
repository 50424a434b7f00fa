import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ScenarioReport } from '../types.js';
import { renderMarkdown } from './markdown.js';
import { renderTimelineSvg } from './picture.js';

export const REPORT_FILES = { json: 'report.json', markdown: 'report.md', picture: 'timeline.svg' } as const;

/**
 * Writes `content` to a hidden sibling, then renames it over `file`: a rename in one folder
 * replaces the file whole, so a reader (or a run that was interrupted) sees the old bytes or the
 * new ones, never part of them.
 */
async function writeAtomically(file: string, content: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fs.writeFile(temporary, content, { flag: 'wx' });
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Writes report.json, report.md and timeline.svg into `dir` (made if missing) and returns their
 * paths. All three are rendered before any is written, so a report that cannot be rendered leaves
 * the folder as it was; report.json goes last, as the mark of a finished report.
 */
export async function writeReport(dir: string, report: ScenarioReport): Promise<{ json: string; markdown: string; picture: string }> {
  const files = {
    json: path.join(dir, REPORT_FILES.json),
    markdown: path.join(dir, REPORT_FILES.markdown),
    picture: path.join(dir, REPORT_FILES.picture),
  };
  const picture = renderTimelineSvg(report);
  // The Markdown sits beside the picture, so the link is the bare file name.
  const markdown = renderMarkdown(report, REPORT_FILES.picture);
  const json = JSON.stringify(report, null, 2) + '\n';
  await fs.mkdir(dir, { recursive: true });
  await writeAtomically(files.picture, picture);
  await writeAtomically(files.markdown, markdown);
  await writeAtomically(files.json, json);
  return files;
}
