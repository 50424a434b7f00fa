import { EXIT, type ExitCode } from '../exit-codes.js';

/**
 * What became of stdout and stderr: `closed` when a write failed (the reader of a pipe went away,
 * as in `kubelab status | head -1`; nothing more is written, every write would fail again), `hung
 * up` after SIGHUP (writes are still tried, for a `kill -HUP` leaves the terminal be; their
 * failures are the terminal's, and the interrupt decides how kubelab ends).
 */
let state: { now: 'open' } | { now: 'closed'; code: string } | { now: 'hung up' } = { now: 'open' };
const onClose = new Set<() => void>();

function write(stream: NodeJS.WriteStream, line: string): void {
  if (state.now !== 'closed') stream.write(line + '\n');
}

/** Where commands write: results on stdout (for scripts), progress, warnings and errors on stderr. */
export const out = (line: string): void => write(process.stdout, line);
export const err = (line: string): void => write(process.stderr, line);

/**
 * Catches the failed writes of stdout and stderr, whoever wrote (out/err, progress, yargs' help):
 * without a listener, Node ends kubelab with an unhandled 'error' event and a stack. Called before
 * anything is written; once is enough.
 */
let watching = false;
export function watchOutput(): void {
  if (watching) return;
  watching = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (state.now !== 'open') return;
      state = { now: 'closed', code: error.code ?? String(error) };
      // For a command that has already returned, or ends without an error of its own.
      process.exitCode = closedOutputStatus();
      for (const handler of onClose) handler();
    });
  }
}

/** Runs `handler` when the output closes (an interruptible command stops as on Ctrl-C); returns its removal. */
export function onOutputClosed(handler: () => void): () => void {
  onClose.add(handler);
  return () => onClose.delete(handler);
}

/** The terminal may be gone (SIGHUP): a failed write is no news, and how kubelab ends is the interrupt's to say. */
export function ignoreOutputErrors(): void {
  watchOutput();
  if (state.now === 'open') state = { now: 'hung up' };
}

/**
 * How kubelab ends once its output was closed, whatever the command did meanwhile; undefined while
 * it is open. A closed pipe is 141, 128 + SIGPIPE: what a shell reports for a C or Go program (kubectl)
 * that SIGPIPE ended, so `set -o pipefail` scripts see the output was cut, as with any other tool.
 * Node ignores SIGPIPE, so kubelab exits with that status itself, quietly. Another failed write (a
 * full disk under a redirect) is a plain failure.
 */
export function closedOutputStatus(): ExitCode | undefined {
  if (state.now !== 'closed') return undefined;
  return state.code === 'EPIPE' ? EXIT.outputClosed : EXIT.failed;
}
