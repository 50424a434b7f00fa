import fs from 'fs-extra';
import path from 'node:path';
import { generate } from '../../src/commands/generate.js';
import type { LabModel } from '../../src/model.js';
import { exampleSpec, fixturesDir } from './paths.js';

/** The specs whose whole output is kept in test/golden/NAME/. */
export interface GoldenCase {
  name: string;
  spec: string;
}

export const goldenCases: GoldenCase[] = [
  { name: 'example', spec: exampleSpec },
  ...['single-node', 'ha', 'proxy-mirror', 'provider-virtualbox', 'provider-libvirt', 'provider-docker', 'registry-off'].map((name) => ({
    name,
    spec: path.join(fixturesDir, `${name}.yaml`),
  })),
];

export interface GeneratedCase {
  specFile: string;
  outDir: string;
  model: LabModel;
}

/**
 * Generates a case laid out as in the repository: the spec in `root`, the output in root/out, so
 * that every relative path in the output is the same wherever `root` is.
 */
export async function generateCase(c: GoldenCase, root: string): Promise<GeneratedCase> {
  await fs.mkdirp(root);
  const specFile = path.join(root, path.basename(c.spec));
  await fs.copyFile(c.spec, specFile);
  const outDir = path.join(root, 'out');
  const { model } = await generate({ spec: specFile, out: outDir });
  return { specFile, outDir, model };
}
