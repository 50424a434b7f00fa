import path from 'node:path';
import { packageRoot } from '../../src/paths.js';

/** Tests run from dist/test/…; fixtures and goldens are read from the sources, never from dist/. */
export const repoRoot = packageRoot;
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
export const goldenDir = path.join(repoRoot, 'test', 'golden');
export const cliPath = path.join(repoRoot, 'dist', 'src', 'cli.js');
export const exampleSpec = path.join(repoRoot, 'kubelab.yaml');
