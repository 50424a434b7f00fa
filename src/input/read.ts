import { constants, type Stats } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import { KubelabError } from '../errors.js';
import { formatBytes } from '../units.js';

/**
 * Why a file was not read. Every file kubelab reads is untrusted: it may be missing, a folder, a
 * device that never ends (/dev/zero, /dev/urandom), something that blocks (a FIFO, a terminal), or
 * far larger than what kubelab has any use for.
 */
export type Refusal =
  | { reason: 'missing' }
  | { reason: 'folder' }
  | { reason: 'not-a-file'; what: string }
  /** `bytes` is the size the file said it had; undefined when it said less (or 0, as /proc does) and held more. */
  | { reason: 'too-large'; bytes: number | undefined }
  | { reason: 'unreadable'; code: string };

/** A file kubelab did not read, and why; a KubelabError, so it never shows as a crash. */
export class InputFileError extends KubelabError {
  constructor(
    readonly file: string,
    readonly refusal: Refusal,
    readonly maxBytes: number,
    hint?: string,
  ) {
    super(`cannot read ${file}: ${describeRefusal(refusal, maxBytes)}`, { hint: hint ?? DEFAULT_HINTS[refusal.reason] });
  }
}

const DEFAULT_HINTS: Record<Refusal['reason'], string> = {
  missing: 'check the path',
  folder: 'name a file, not a folder',
  'not-a-file': 'kubelab reads regular files only: save the content to a file and name that',
  'too-large': 'is this the right file?',
  unreadable: 'check that the file is readable',
};

/** The refusal in words, to follow "cannot read FILE: ". */
export function describeRefusal(refusal: Refusal, maxBytes: number): string {
  switch (refusal.reason) {
    case 'missing':
      return 'ENOENT, no such file';
    case 'folder':
      return 'EISDIR, it is a folder';
    case 'not-a-file':
      return `it is ${refusal.what}, not a regular file`;
    case 'too-large':
      return `${refusal.bytes === undefined ? 'it is larger than' : `it is ${refusal.bytes} bytes, more than`} the ${formatBytes(maxBytes)} kubelab reads of it`;
    case 'unreadable':
      return refusal.code;
  }
}

// O_NONBLOCK: opening a FIFO for reading waits for a writer, and a terminal may wait for a carrier;
// neither is read anyway. O_NOCTTY: opening a terminal must not make it kubelab's.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

function notAFile(stat: Stats): Refusal | undefined {
  if (stat.isFile()) return undefined;
  if (stat.isDirectory()) return { reason: 'folder' };
  const what = stat.isFIFO()
    ? 'a named pipe (FIFO)'
    : stat.isCharacterDevice()
      ? 'a character device (such as /dev/zero or a terminal)'
      : stat.isBlockDevice()
        ? 'a block device'
        : stat.isSocket()
          ? 'a socket'
          : 'not a file';
  return { reason: 'not-a-file', what };
}

async function openFailure(file: string, error: unknown): Promise<Refusal> {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') return { reason: 'missing' };
  if (code === 'EISDIR') return { reason: 'folder' };
  // A socket cannot be opened at all; say what it is rather than ENXIO.
  if (code === 'ENXIO') return (await fs.stat(file).then(notAFile, () => undefined)) ?? { reason: 'unreadable', code };
  return { reason: 'unreadable', code };
}

/**
 * Opens a regular file for reading, or refuses: the single way into a file that kubelab reads,
 * which never blocks on what it opens. The caller closes the handle.
 */
async function openRegular(file: string, maxBytes: number, hint: string | undefined): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await fs.open(file, OPEN_FLAGS);
  } catch (error) {
    throw new InputFileError(file, await openFailure(file, error), maxBytes, hint);
  }
  try {
    const stat = await handle.stat();
    const refusal = notAFile(stat);
    if (refusal) throw new InputFileError(file, refusal, maxBytes, hint);
    return { handle, size: stat.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function readFully(handle: FileHandle, into: Buffer, from: number): Promise<number> {
  let filled = from;
  while (filled < into.length) {
    const { bytesRead } = await handle.read(into, filled, into.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/**
 * A regular file's bytes, at most `maxBytes` of them: a larger file is refused (before reading when
 * its size says so). The size is a hint only: /proc files say 0, and a file may grow while read, so
 * at most `maxBytes` + 1 bytes are read whatever it says.
 */
export async function readBounded(file: string, maxBytes: number, hint?: string): Promise<Buffer> {
  const { handle, size } = await openRegular(file, maxBytes, hint);
  try {
    if (size > maxBytes) throw new InputFileError(file, { reason: 'too-large', bytes: size }, maxBytes, hint);
    let buffer = Buffer.alloc(Math.min(maxBytes + 1, Math.max(size + 1, 64 * 1024)));
    let filled = await readFully(handle, buffer, 0);
    while (filled === buffer.length && buffer.length <= maxBytes) {
      const bigger = Buffer.alloc(Math.min(maxBytes + 1, buffer.length * 2));
      buffer.copy(bigger, 0, 0, filled);
      buffer = bigger;
      filled = await readFully(handle, buffer, filled);
    }
    if (filled > maxBytes) throw new InputFileError(file, { reason: 'too-large', bytes: undefined }, maxBytes, hint);
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** readBounded, as UTF-8 text. */
export async function readBoundedText(file: string, maxBytes: number, hint?: string): Promise<string> {
  return (await readBounded(file, maxBytes, hint)).toString('utf8');
}

/** The last `maxBytes` bytes of a regular file (a log that may have grown for months), as text. */
export async function readTail(file: string, maxBytes: number, hint?: string): Promise<string> {
  const { handle, size } = await openRegular(file, maxBytes, hint);
  try {
    const buffer = Buffer.alloc(Math.min(maxBytes, size));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, Math.max(0, size - buffer.length));
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** True when `error` is kubelab's refusal of a file that is not there. */
export function isMissing(error: unknown): boolean {
  return error instanceof InputFileError && error.refusal.reason === 'missing';
}

/** The read's result, or undefined when the file is not there; any other refusal is thrown. */
export async function ifExists<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
