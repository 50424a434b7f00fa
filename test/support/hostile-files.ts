import { execa, type ResultPromise } from 'execa';
import fs from 'fs-extra';
import net from 'node:net';
import path from 'node:path';

/**
 * Things that can stand where kubelab expects a file. The first seven are hostile whatever the file
 * holds: some never end (/dev/zero, /dev/urandom, a FIFO something writes into for ever), some
 * block (a FIFO nobody writes into), some are no file at all, some are too large to be read.
 */
export const HOSTILE_KINDS = ['fifo', 'endless-fifo', 'dev-zero', 'dev-urandom', 'folder', 'socket', 'huge'] as const;
/** Content made to break a JSON reader. */
export const JSON_KINDS = ['not-json', 'wrong-shape', 'deep-json'] as const;
/** Content made to break a YAML parser: it expands without bound, or nests past the stack. */
export const YAML_KINDS = ['alias-bomb', 'deep-flow', 'deep-block', 'self-alias'] as const;

export type HostileKind = (typeof HOSTILE_KINDS)[number] | (typeof JSON_KINDS)[number] | (typeof YAML_KINDS)[number];

/** Nine anchors of nine aliases each: 9^9 strings once expanded, from 1 KB of YAML. */
export function aliasBomb(): string {
  let text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) {
    const [name, prev] = [names[i]!, names[i - 1]!];
    text += `${name}: &${name} [${Array.from({ length: 9 }, () => `*${prev}`).join(',')}]\n`;
  }
  return text;
}

/** Nested `levels` deep by indentation alone: every level one space further in. */
export function deepBlock(levels: number): string {
  return Array.from({ length: levels }, (_, i) => `${' '.repeat(i)}a:\n`).join('');
}

/**
 * Puts a hostile `kind` at `file` (its folder is made); `maxBytes` is the reader's limit, which a
 * "huge" file passes by one byte (sparse: it costs no disk). `wrongShape` is JSON of the wrong shape
 * for this reader. Returns what undoes the processes and servers it started.
 */
export async function makeHostile(kind: HostileKind, file: string, options: { maxBytes: number; wrongShape?: string }): Promise<() => Promise<void>> {
  await fs.mkdirp(path.dirname(file));
  const nothing = async (): Promise<void> => undefined;
  switch (kind) {
    case 'fifo':
      await execa('mkfifo', [file]);
      return nothing;
    case 'endless-fifo': {
      await execa('mkfifo', [file]);
      // Opens the FIFO for writing as soon as a reader opens it, then writes until the reader goes.
      const writer: ResultPromise = execa('sh', ['-c', 'exec yes > "$0"', file], { reject: false, stdio: 'ignore' });
      return async () => {
        writer.kill('SIGKILL');
        await writer;
      };
    }
    case 'dev-zero':
      await fs.symlink('/dev/zero', file);
      return nothing;
    case 'dev-urandom':
      await fs.symlink('/dev/urandom', file);
      return nothing;
    case 'folder':
      await fs.mkdirp(file);
      return nothing;
    case 'socket': {
      // Made under another name and linked into place: closing the server removes only that name,
      // and leaves a socket (that nobody answers) where the file goes.
      const server = net.createServer();
      const bound = `${file}.bound`;
      await new Promise<void>((resolve) => server.listen(bound, resolve));
      await fs.link(bound, file);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return nothing;
    }
    case 'huge': {
      const handle = await fs.promises.open(file, 'w');
      await handle.truncate(options.maxBytes + 1);
      await handle.close();
      return nothing;
    }
    case 'not-json':
      await fs.writeFile(file, '{"version": 1, "this is": not JSON');
      return nothing;
    case 'wrong-shape':
      await fs.writeFile(file, options.wrongShape ?? '[1, 2, 3]');
      return nothing;
    case 'deep-json':
      await fs.writeFile(file, `${'['.repeat(10_000)}${']'.repeat(10_000)}`);
      return nothing;
    case 'alias-bomb':
      await fs.writeFile(file, aliasBomb());
      return nothing;
    case 'deep-flow':
      await fs.writeFile(file, `a: ${'['.repeat(100_000)}`);
      return nothing;
    case 'deep-block':
      await fs.writeFile(file, deepBlock(300));
      return nothing;
    case 'self-alias':
      await fs.writeFile(file, 'a: &a\n  b: *a\n');
      return nothing;
  }
}
