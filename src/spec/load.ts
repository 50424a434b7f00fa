import path from 'node:path';
import { SpecError } from '../errors.js';
import { parseYaml, readInputFile, type InputKind, type YamlSource } from '../input/source.js';
import { MAX_SPEC_BYTES } from './limits.js';

const SPEC_KIND: InputKind = {
  what: 'spec',
  maxBytes: MAX_SPEC_BYTES,
  maxText: '1 MiB',
  tooLargeHint: 'a lab spec is a few kilobytes: use `count` for groups of nodes instead of listing each one',
  missingHint: 'run kubelab where your kubelab.yaml is, or pass it with --spec FILE; the README has an example to start from',
  folderHint: (file) => `pass the file in it: --spec ${path.join(file, 'kubelab.yaml')}`,
  unreadableHint: 'check that the file is readable, or pass another with --spec FILE',
  fail: (problems) => new SpecError(problems),
};

export async function loadSpec(file: string): Promise<YamlSource> {
  return parseYaml(file, await readInputFile(file, SPEC_KIND));
}
