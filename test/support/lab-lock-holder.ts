/**
 * A small kubelab-like runner for the lab-lock tests: takes the lab lock of argv[2] as
 * `kubelab test-hold`, starts a child that prints a tick every 0.2 s (recorded in the lock), and
 * handles signals as kubelab's commands do. Prints "holding CHILD-PID" once the child runs.
 */
import path from 'node:path';
import { interruptible } from '../../src/cli/interrupt.js';
import { KubelabError } from '../../src/errors.js';
import { runStreamed } from '../../src/exec/run.js';
import { withLabLock } from '../../src/lab/lock.js';

const outDir = process.argv[2]!;
const note = (line: string): void => void process.stderr.write(line + '\n');
const { signal, dispose } = interruptible(note);
const script = 'trap "echo got SIGINT; exit 0" INT; while :; do echo tick; sleep 0.2; done';
try {
  await withLabLock(outDir, { command: 'test-hold', busy: 'fail', note, signal }, async (lock) => {
    const hooks = lock.track('ticker', `sh -c ${script}`);
    await runStreamed('sh', ['-c', script], {
      cwd: outDir,
      logFile: path.join(outDir, 'ticker.log'),
      signal,
      onSpawn: (pid) => {
        hooks.onSpawn(pid);
        process.stdout.write(`holding ${pid}\n`);
      },
      onExit: hooks.onExit,
    });
  });
} catch (error) {
  note(error instanceof Error ? error.message : String(error));
  process.exitCode = error instanceof KubelabError ? error.exitCode : 70;
} finally {
  dispose();
}
