import { KubelabError } from '../errors.js';

/** The command line asked for something that cannot be: nothing was changed. */
export class FaultInputError extends KubelabError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: 2 });
  }
}

/** The fault would overlap one that is active: nothing was changed. */
export class FaultConflictError extends KubelabError {
  constructor(message: string, hint: string) {
    super(message, { hint, exitCode: 5 });
  }
}

/** A node or machine refused or failed an injection or an undo; the message says which and why. */
export class FaultActionError extends KubelabError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: 6 });
  }
}
