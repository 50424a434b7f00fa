import { EXIT } from '../exit-codes.js';

/**
 * The first Ctrl-C asks the running children to stop cleanly (they get one SIGINT each); a second
 * one exits at once and leaves them to finish their cleanup on their own.
 */
export function interruptible(note: (line: string) => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) {
      note('interrupted again: exiting now; the machines may be left half-made (kubelab destroy removes them)');
      process.exit(EXIT.interrupted);
    }
    note('interrupting: waiting for the running commands to stop cleanly (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    },
  };
}
