/**
 * A long, interruptible command as kubelab's are made (cli.ts's output watch, interrupt.ts's
 * signal), for the closed-output tests: prints a line of progress on stdout every 20 ms until it
 * is interrupted, then records in argv[2] that it stopped cleanly and ends as cli.ts ends.
 */
import fs from 'node:fs';
import { closedOutputStatus, out, watchOutput } from '../../src/cli/console.js';
import { interruptible } from '../../src/cli/interrupt.js';
import { pause } from '../../src/exec/processes.js';

watchOutput();
const { signal, dispose } = interruptible(out);
const deadline = Date.now() + 10_000;
for (let line = 1; !signal.aborted && Date.now() < deadline; line++) {
  out(`progress ${line}`);
  await pause(20);
}
dispose();
fs.writeFileSync(process.argv[2]!, signal.aborted ? 'stopped cleanly' : 'never interrupted');
const closed = closedOutputStatus();
if (closed !== undefined) process.exit(closed);
