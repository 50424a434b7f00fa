/**
 * Every exit status kubelab uses, in one place, so that scripts can tell failures apart and no two
 * kinds of failure share a number by accident.
 */
export const EXIT = {
  ok: 0,
  /** A command failed for a reason the message explains (a child failed, a file is missing, …). */
  failed: 1,
  /** The input is wrong: the spec, or a command's arguments. */
  badInput: 2,
  /** The output folder is not what the spec generates (generate --check). */
  drift: 3,
  /** A program or file kubelab needs is missing; nothing was started. */
  prerequisite: 4,
  /** A fault conflicts with one already active. */
  faultConflict: 5,
  /** A fault could not be injected or undone on a node. */
  faultAction: 6,
  /** Another kubelab command is changing the lab, or what it started still runs (see --wait). */
  labBusy: 7,
  /** The host cannot hold the lab (a kernel limit, its memory or disk); nothing was started. */
  hostLimit: 8,
  /** The machines are not as the spec says (unreachable, no passwordless sudo, another address); nothing was installed. */
  machinesUnfit: 9,
  /** kubelab itself failed: a bug (sysexits' EX_SOFTWARE). */
  bug: 70,
  /** Stopped by Ctrl-C, SIGTERM or SIGHUP (128 + SIGINT). */
  interrupted: 130,
  /** Its output was closed (`kubelab status | head -1`): 128 + SIGPIPE, as for a program SIGPIPE ends. */
  outputClosed: 141,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
