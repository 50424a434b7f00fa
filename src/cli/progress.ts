import type { ProgressView } from '../commands/progress.js';

/**
 * One line per row (a node, or a phase such as RKE): redrawn in place on a terminal, printed as
 * plain "[row] text" lines when the output is a file or a pipe, so logs stay readable.
 */
export class Progress implements ProgressView {
  private readonly rows = new Map<string, string>();
  private drawn = 0;
  private finished = false;
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly interactive = Boolean(stream.isTTY) && process.env.TERM !== 'dumb',
  ) {}

  set(row: string, text: string): void {
    if (this.rows.get(row) === text) return;
    this.rows.set(row, text);
    if (this.interactive) this.redraw();
    else this.stream.write(`[${row}] ${text}\n`);
  }

  /** A message above the live rows. */
  note(line: string): void {
    if (this.interactive) {
      this.clear();
      this.stream.write(line + '\n');
      this.redraw();
    } else {
      this.stream.write(line + '\n');
    }
  }

  /** Leaves the final state of every row on screen; later calls change nothing. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.interactive) this.redraw();
    this.drawn = 0;
  }

  elapsed(): string {
    const seconds = Math.round((Date.now() - this.started) / 1000);
    return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  }

  private clear(): void {
    // \r first: a Ctrl-C echoed as "^C" leaves the cursor off column 0.
    if (this.drawn > 0) this.stream.write(`\r\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private redraw(): void {
    this.clear();
    const width = Math.max(...[...this.rows.keys()].map((k) => k.length));
    const columns = this.stream.columns || 100;
    for (const [row, text] of this.rows) this.stream.write(`${row.padEnd(width)}  ${text}`.slice(0, columns - 1) + '\n');
    this.drawn = this.rows.size;
  }
}
