import { EXIT } from '../exit-codes.js';
import { ignoreOutputErrors, onOutputClosed } from './console.js';

/**
 * The first Ctrl-C asks the running children to stop cleanly (they get one SIGINT each); a second
 * one exits at once and leaves them to finish their cleanup on their own. SIGTERM and SIGHUP (a
 * closed terminal, a dropped SSH session) count as Ctrl-C: without a handler kubelab would die
 * silently and leave its children running in their own process groups.
 */
export function interruptible(note: (line: string) => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (name === 'SIGHUP') {
      // The terminal is gone: writing to it fails (EIO, EPIPE), which must not end kubelab before
      // its children have stopped.
      ignoreOutputErrors();
    }
    if (controller.signal.aborted) {
      note(`${name === 'SIGINT' ? 'interrupted' : `${name} received`} again: exiting now; the machines may be left half-made (kubelab destroy removes them)`);
      process.exit(EXIT.interrupted);
    }
    const why = name === 'SIGINT' ? 'interrupting' : `${name} received, interrupting as Ctrl-C would`;
    note(`${why}: waiting for the running commands to stop cleanly (Ctrl-C again to quit at once)`);
    controller.abort();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);
  // Whoever read kubelab's output is gone (`kubelab apply 2>&1 | head`): its children stop cleanly,
  // as on Ctrl-C, rather than with kubelab at its next line of progress.
  const stopOnClose = onOutputClosed(() => controller.abort());
  return {
    signal: controller.signal,
    dispose: () => {
      stopOnClose();
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}

/** Runs `work` with Ctrl-C handling (`interruptible`), and stops handling when it ends. */
export async function interruptibly<T>(note: (line: string) => void, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { signal, dispose } = interruptible(note);
  try {
    return await work(signal);
  } finally {
    dispose();
  }
}
