import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { writeReport } from '../../../src/scenario/report/write.js';
import { loadReport } from '../../support/scenario-report.js';
import { tempDir } from '../../support/tmp.js';

test('writes report.json, report.md and timeline.svg, and nothing else', async () => {
  const dir = path.join(await tempDir('scenario-report'), 'runs', 'one');
  const report = loadReport();
  const written = await writeReport(dir, report);
  assert.deepEqual(written, { json: path.join(dir, 'report.json'), markdown: path.join(dir, 'report.md'), picture: path.join(dir, 'timeline.svg') });
  assert.deepEqual((await fs.readdir(dir)).sort(), ['report.json', 'report.md', 'timeline.svg']);

  const json = await fs.readFile(written.json, 'utf8');
  assert.deepEqual(JSON.parse(json), report);
  assert.ok(json.endsWith('}\n') && json.startsWith('{\n  "version": 1,'), 'two-space JSON ending in a newline');
  assert.match(await fs.readFile(written.markdown, 'utf8'), /^!\[timeline\]\(timeline\.svg\)$/m);
  assert.match(await fs.readFile(written.picture, 'utf8'), /^<svg [^>]*>[\s\S]*<\/svg>\n$/);
});

test('replaces an earlier report whole', async () => {
  const dir = await tempDir('scenario-report');
  await writeReport(dir, loadReport());
  const report = loadReport();
  report.scenario.title = 'Second run';
  await writeReport(dir, report);
  assert.deepEqual((await fs.readdir(dir)).sort(), ['report.json', 'report.md', 'timeline.svg']);
  assert.match(await fs.readFile(path.join(dir, 'report.md'), 'utf8'), /^# Second run$/m);
  assert.equal(JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8')).scenario.title, 'Second run');
});

test('a write that fails leaves no temporary file and no report.json', async () => {
  const dir = await tempDir('scenario-report');
  // A folder where report.md should go: the rename over it fails.
  await fs.mkdir(path.join(dir, 'report.md', 'in-the-way'), { recursive: true });
  await assert.rejects(writeReport(dir, loadReport()));
  assert.deepEqual((await fs.readdir(dir)).sort(), ['report.md', 'timeline.svg']);
  assert.deepEqual(await fs.readdir(path.join(dir, 'report.md')), ['in-the-way']);
});
