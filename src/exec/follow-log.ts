import fs from 'node:fs';

/**
 * Reads a file as it grows, from `from` on, and hands over each whole line; `stop` reads what is
 * left (a last line without its newline too) and says whether the file ended mid-line. A child writing its output into a file rather than
 * into a pipe to kubelab outlives kubelab: it does not die of a broken pipe at its next line.
 */
export function followLines(file: string, from: number, onLine: (line: string) => void, everyMs = 150): { stop: () => { endedMidLine: boolean } } {
  let offset = from;
  let pending = '';
  const decoder = new TextDecoder();
  const buffer = Buffer.alloc(64 * 1024);
  const drain = (): void => {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return;
    }
    try {
      for (;;) {
        const read = fs.readSync(fd, buffer, 0, buffer.length, offset);
        if (read === 0) break;
        offset += read;
        pending += decoder.decode(buffer.subarray(0, read), { stream: true });
        const lines = pending.split(/\r?\n/);
        pending = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  const timer = setInterval(drain, everyMs);
  let stopped: { endedMidLine: boolean } | undefined;
  return {
    stop: () => {
      if (stopped) return stopped;
      clearInterval(timer);
      drain();
      pending += decoder.decode();
      if (pending !== '') onLine(pending);
      stopped = { endedMidLine: pending !== '' };
      return stopped;
    },
  };
}
