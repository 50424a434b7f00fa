import { execa } from 'execa';

/** A pid that belonged to a process that has ended. */
export async function deadPid(): Promise<number> {
  const child = execa('true');
  await child;
  return child.pid!;
}
