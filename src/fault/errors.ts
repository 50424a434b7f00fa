import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';

/** The command line asked for something that cannot be: nothing was changed. */
export class FaultInputError extends KubelabError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: EXIT.badInput });
  }
}

/** The fault would overlap one that is active: nothing was changed. */
export class FaultConflictError extends KubelabError {
  constructor(message: string, hint: string) {
    super(message, { hint, exitCode: EXIT.faultConflict });
  }
}

/** A node or machine refused or failed an injection or an undo; the message says which and why. */
export class FaultActionError extends KubelabError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: EXIT.faultAction });
  }
}
