/**
 * Where a long command shows how far it has come: a line per row (a node, a phase such as RKE)
 * and notes above them. The CLI draws it on the terminal (src/cli/progress.ts).
 */
export interface ProgressView {
  set(row: string, text: string): void;
  note(line: string): void;
  /** Since the command began, as a person reads it: 42s, 3m05s. */
  elapsed(): string;
}
