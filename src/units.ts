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
