/**
 * Golden tests: each spec of goldenCases (the example kubelab.yaml and test/fixtures/*.yaml) is
 * generated and compared byte for byte with test/golden/NAME/, which holds every generated file,
 * the manifest included.
 *
 * When a change to the output is intended, regenerate the goldens and review the diff:
 *
 *     UPDATE_GOLDEN=1 npm test
 *     git diff test/golden
 */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { readManifest } from '../../src/output/manifest.js';
import { generateCase, goldenCases, type GoldenCase } from '../support/golden.js';
import { goldenDir, repoRoot } from '../support/paths.js';
import { tempDir } from '../support/tmp.js';
import { isExecutable, readTree } from '../support/tree.js';

const updating = process.env.UPDATE_GOLDEN === '1';

describe('golden output', () => {
  let root: string;
  before(async () => {
    root = await tempDir('golden');
  });

  test('every golden spec has its folder, and every folder its spec', async () => {
    const folders = (await fs.readdir(goldenDir)).sort();
    if (updating) {
      for (const stale of folders.filter((f) => !goldenCases.some((c) => c.name === f))) await fs.remove(path.join(goldenDir, stale));
      return;
    }
    assert.deepEqual(folders, goldenCases.map((c) => c.name).sort());
  });

  for (const c of goldenCases) {
    test(`${c.name}: the output is byte for byte test/golden/${c.name}/`, async () => {
      const { outDir } = await generateCase(c, path.join(root, c.name));
      const actual = await readTree(outDir);
      const expectedDir = path.join(goldenDir, c.name);
      if (updating) {
        await fs.remove(expectedDir);
        await fs.copy(outDir, expectedDir);
      }
      const expected = await readTree(expectedDir);
      assert.deepEqual([...actual.keys()], [...expected.keys()], `the files of ${c.name}; run UPDATE_GOLDEN=1 npm test if the change is intended`);
      for (const [file, bytes] of actual) {
        // Compared as text first for a readable diff, then as bytes.
        assert.equal(bytes.toString('utf8'), expected.get(file)?.toString('utf8'), `${c.name}/${file}; run UPDATE_GOLDEN=1 npm test if the change is intended`);
        assert.ok(bytes.equals(expected.get(file)!), `${c.name}/${file} bytes`);
      }
      // The executable bit is part of the output too: the manifest records it, the files must have it.
      const manifest = await readManifest(outDir);
      assert.ok(manifest, 'the output has a manifest');
      for (const entry of manifest.files) assert.equal(await isExecutable(path.join(outDir, entry.path)), entry.executable, entry.path);
      assert.deepEqual(
        manifest.files.filter((f) => f.executable).map((f) => f.path),
        manifest.files.filter((f) => f.path.endsWith('.sh')).map((f) => f.path),
        'exactly the scripts are executable',
      );
    });
  }
});

describe('byte stability', () => {
  // Two layouts that differ in everything but the spec → out relation: depth, names, a space.
  const layouts = async (c: GoldenCase): Promise<[string, string]> => [
    path.join(await tempDir('stable-a'), c.name),
    path.join(await tempDir('stable-b'), 'deeper', 'a folder with spaces', `marker-${process.pid}`, c.name),
  ];

  for (const c of goldenCases) {
    test(`${c.name}: the same bytes wherever it is generated, and no machine-specific text`, async () => {
      const [a, b] = await layouts(c);
      const first = await readTree((await generateCase(c, a)).outDir);
      const second = await readTree((await generateCase(c, b)).outDir);
      assert.deepEqual([...first.keys()], [...second.keys()]);
      for (const [file, bytes] of first) assert.ok(bytes.equals(second.get(file)!), `${c.name}/${file} differs between ${a} and ${b}`);

      // Paths of this machine; short ones such as "/" or "/tmp" would also match text that belongs there.
      const machinePaths = [a, b, path.dirname(a), repoRoot, os.homedir(), process.cwd(), `marker-${process.pid}`];
      const forbidden = [...new Set(machinePaths.filter((p) => p.length > 5))];
      const stamps: [string, RegExp][] = [
        ['an ISO date', /\b(19|20)\d\d-[01]\d-[0-3]\d\b/],
        ['a time of day', /\b[0-2]\d:[0-5]\d:[0-5]\d\b/],
        ['a Unix time', /\b1[5-9]\d{8}(\d{3})?\b/],
        ['a year', new RegExp(`\\b${new Date().getUTCFullYear()}\\b`)],
      ];
      for (const [file, bytes] of second) {
        const text = bytes.toString('utf8');
        for (const p of forbidden) assert.ok(!text.includes(p), `${c.name}/${file} contains the absolute path ${p}`);
        assert.doesNotMatch(text, /(^|[\s"'=(])\/(tmp|home|root|Users|work|var\/folders)\//m, `${c.name}/${file} contains a machine path`);
        for (const [what, re] of stamps) assert.doesNotMatch(text, re, `${c.name}/${file} contains ${what}`);
      }
    });
  }
});
