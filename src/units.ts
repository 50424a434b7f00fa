/**
 * Every quantity kubelab reads or prints: memory sizes in the spec, and what a fault takes on the
 * command line — durations (--for 30s), percentages (loss 20), rates (bandwidth 1mbit), sizes
 * (mem-hog 512M) and milliseconds (delay 100). Each parser returns undefined for text it cannot
 * read; the caller turns that into a message naming the option or key.
 */
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30s", "5m", "1h30m", "250ms" → milliseconds. A bare number has no unit and is refused. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^([0-9]+(\.[0-9]+)?(ms|s|m|h|d))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, , unit] of trimmed.matchAll(/([0-9]+(\.[0-9]+)?)(ms|s|m|h|d)/g)) total += Number(amount) * DURATION_UNITS[unit!]!;
  return total > 0 ? Math.round(total) : undefined;
}

/** 90_000 → "1m30s"; whole seconds from one second up, milliseconds below. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let seconds = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds >= size) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  if (seconds > 0 || parts.length === 0) parts.push(`${seconds}s`);
  return parts.join('');
}

/** "20", "20%", "0.5" → a number in (0, 100]; at most two decimals. */
export function parsePercent(text: string): number | undefined {
  const match = /^([0-9]+(\.[0-9]{1,2})?)%?$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  return value > 0 && value <= 100 ? value : undefined;
}

const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/**
 * "1mbit", "500kbit", "2.5mbit" → bits per second, with tc's decimal multiples. tc's byte units
 * (kbps, mbps: bytes per second) are refused on purpose: "1mbps" is too often meant as megabits.
 */
export function parseRate(text: string): number | undefined {
  const match = /^([0-9]+(\.[0-9]+)?)(bit|kbit|mbit|gbit)$/i.exec(text.trim());
  if (!match) return undefined;
  const bits = Math.round(Number(match[1]) * RATE_UNITS[match[3]!.toLowerCase()]!);
  return bits >= 8000 ? bits : undefined;
}

export function formatRate(bits: number): string {
  for (const [unit, size] of [
    ['gbit', 1e9],
    ['mbit', 1e6],
    ['kbit', 1e3],
  ] as const) {
    if (bits >= size && bits % (size / 1000) === 0) return `${bits / size}${unit}`;
  }
  return `${bits}bit`;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "512M", "1G", "256MiB", "1.5g", "4096" (bytes) → bytes; K/M/G are binary, as in free and df -h. */
export function parseSize(text: string): number | undefined {
  const match = /^([0-9]+(\.[0-9]+)?)\s*([kmgt]?)(i?b)?$/i.exec(text.trim());
  if (!match) return undefined;
  const bytes = Math.round(Number(match[1]) * SIZE_UNITS[match[3]!.toLowerCase()]!);
  return bytes > 0 ? bytes : undefined;
}

export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['TiB', 1024 ** 4],
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))}${unit}`;
  }
  return `${bytes}B`;
}

/** "100", "100ms", "1.5s" → whole milliseconds, at least 1. */
export function parseMilliseconds(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^[0-9]+$/.test(trimmed)) return Number(trimmed) > 0 ? Number(trimmed) : undefined;
  const ms = /^([0-9]+(\.[0-9]+)?)(ms|s)$/.test(trimmed) ? parseDuration(trimmed) : undefined;
  return ms !== undefined && ms >= 1 ? ms : undefined;
}

/**
 * Memory sizes in MiB, the unit Vagrant providers take. G and Gi (and M and Mi) are read alike:
 * people write "2G" meaning what VirtualBox calls 2048 MB, and a lab does not need the distinction.
 */
export function parseMemoryMiB(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  const match = /^([0-9]+(?:\.[0-9]+)?)\s*([MmGg])(?:[Ii]?[Bb]?)$/.exec(value.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const mib = match[2]!.toLowerCase() === 'g' ? amount * 1024 : amount;
  return Number.isInteger(mib) && mib > 0 ? mib : undefined;
}
