/**
 * A reporter for `node --test` that prints, once every file has run, how long each test file took
 * (the sum of its top-level tests and suites, their hooks included), longest first: so that the
 * suite's growth shows in every run, CI's included. package.json's test scripts use it beside the
 * spec reporter.
 */
import path from 'node:path';

interface TestEvent {
  type: string;
  data: { nesting?: number; file?: string; details?: { duration_ms?: number } };
}

export default async function* durations(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const byFile = new Map<string, number>();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { nesting, file, details } = event.data;
    if (nesting !== 0 || file === undefined) continue;
    byFile.set(file, (byFile.get(file) ?? 0) + (details?.duration_ms ?? 0));
  }
  const rows = [...byFile].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
  const width = Math.max(...rows.map(([file]) => path.relative(process.cwd(), file).length), 5);
  yield '\nduration per test file, longest first:\n';
  for (const [file, ms] of rows) yield `  ${path.relative(process.cwd(), file).padEnd(width)}  ${formatMs(ms)}\n`;
  yield `  ${'total'.padEnd(width)}  ${formatMs(total)}\n`;
}

function formatMs(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`.padStart(8);
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`.padStart(8);
}
