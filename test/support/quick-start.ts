import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './paths.js';

/** The docker-provider example the README's quick start brings up. */
export const DOCKER_EXAMPLE = path.join(repoRoot, 'examples', 'docker', 'kubelab.yaml');

const MARKER = '<!-- quick-start:';

/**
 * The README's quick start: the shell lines of the block after its marker, as written, and the
 * kubelab commands among them (comments cut, split on spaces: the block uses no quoting).
 */
export function readmeQuickStart(): { lines: string[]; kubelabCommands: string[][] } {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf(MARKER);
  if (start < 0) throw new Error(`README.md has no ${MARKER} block`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start))?.[1] ?? '';
  const lines = block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
  const kubelabCommands = lines.filter((l) => l.startsWith('kubelab ')).map((l) => l.split(/\s+/).slice(1));
  return { lines, kubelabCommands };
}

/** The example's lab name and network prefix ("192.168.58"), read from the file itself. */
export function dockerExample(): { text: string; name: string; net: string } {
  const text = fs.readFileSync(DOCKER_EXAMPLE, 'utf8');
  const doc = parse(text) as { name: string; network: { cidr: string } };
  return { text, name: doc.name, net: doc.network.cidr.split('.').slice(0, 3).join('.') };
}
