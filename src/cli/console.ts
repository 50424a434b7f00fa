/** Where commands write: results on stdout (for scripts), progress, warnings and errors on stderr. */
export const out = (line: string): void => void process.stdout.write(line + '\n');
export const err = (line: string): void => void process.stderr.write(line + '\n');
