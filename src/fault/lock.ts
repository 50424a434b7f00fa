// The fault state's lock is the runner's general lock file; these names stay for the fault modules.
export { withLock } from '../run/lock-file.js';
export { processAlive } from '../run/processes.js';
