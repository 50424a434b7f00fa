import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * Every failure a user can act on is a KubelabError: the CLI prints its message (and hint) without
 * a stack trace and exits with its exit code. Anything else is a bug and is shown with its stack.
 */
export class KubelabError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT.failed;
  }
}

export type Severity = 'error' | 'warning';

/** One thing wrong with a spec, located so that an editor can jump to it. */
export interface SpecProblem {
  severity: Severity;
  file: string;
  /** 1-based; undefined when the problem is about the file as a whole. */
  line?: number;
  column?: number;
  /** Path in the spec, in dotted form: nodes[2].memory */
  path: string;
  message: string;
  hint?: string;
}

export function formatProblem(p: SpecProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  const path = p.path === '' ? '' : ` ${p.path}:`;
  const hint = p.hint === undefined ? '' : `\n    hint: ${p.hint}`;
  return `${where}: ${p.severity}:${path} ${p.message}${hint}`;
}

/** A spec that cannot be used; carries every problem found, not only the first. */
export class SpecError extends KubelabError {
  readonly problems: SpecProblem[];

  /** `what` names the file in the message: the spec, or another file read the same way (a scenario). */
  constructor(problems: SpecProblem[], what = 'the spec') {
    const errors = problems.filter((p) => p.severity === 'error');
    super(`${errors.length} problem${errors.length === 1 ? '' : 's'} in ${what}:\n` + problems.map((p) => '  ' + formatProblem(p)).join('\n'), {
      exitCode: EXIT.badInput,
    });
    this.problems = problems;
  }
}

/** A scenario file that cannot be used: a SpecError, worded for scenarios. */
export class ScenarioError extends SpecError {
  constructor(problems: SpecProblem[]) {
    super(problems, 'the scenario');
  }
}

/** The committed output is not what the spec generates, or was edited by hand. */
export class OutputDriftError extends KubelabError {
  readonly files: { path: string; reason: string }[];

  constructor(message: string, files: { path: string; reason: string }[], hint: string) {
    super(`${message}\n` + files.map((f) => `  ${f.path}: ${f.reason}`).join('\n'), { hint, exitCode: EXIT.drift });
    this.files = files;
  }
}

/** A program kubelab needs is missing; raised before anything is started. */
export class PrerequisiteError extends KubelabError {
  readonly missing: { name: string; howToGet: string }[];

  constructor(missing: { name: string; howToGet: string }[], context?: string) {
    super(
      (context ? `${context}; ` : '') +
        'missing prerequisite' +
        (missing.length === 1 ? '' : 's') +
        ':\n' +
        missing.map((m) => `  ${m.name}: ${m.howToGet}`).join('\n'),
      { exitCode: EXIT.prerequisite },
    );
    this.missing = missing;
  }
}

/**
 * A value that cannot be written safely into a generated file (a quote in an apt string, a newline
 * in an environment file). Validation rejects such values first; this is the second line.
 */
export class UnsafeValueError extends KubelabError {
  constructor(what: string, value: string, reason: string) {
    super(`cannot write ${JSON.stringify(value)} ${what}: ${reason}`, {
      hint: 'the spec should have been rejected: fix the value in the spec, and report this as a kubelab bug',
    });
  }
}

/** The output folder holds something kubelab must not write through or delete. */
export class UnsafeOutputError extends KubelabError {
  constructor(message: string, hint: string) {
    super(message, { hint, exitCode: 3 });
  }
}
