import fs from 'fs-extra';
import { KubelabError } from '../errors.js';
import { readBoundedText } from '../input/read.js';
import { stopServices } from './daemon.js';
import { serviceNamed, type ServiceName } from './services/index.js';
import { diskUsage, storeDir } from './storage.js';

/** Pids of the programs running on this host, from /proc: other labs' services share the storage. */
async function runningPrograms(programs: ReadonlySet<string>): Promise<{ pid: number; command: string }[]> {
  const found: { pid: number; command: string }[] = [];
  for (const entry of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^[0-9]+$/.test(entry)) continue;
    // At most ARG_MAX, 2 MiB by default.
    const argv = (await readBoundedText(`/proc/${entry}/cmdline`, 8 * 1024 * 1024).catch(() => '')).split('\0').filter(Boolean);
    const program = argv[0]?.split('/').pop();
    if (program !== undefined && programs.has(program)) found.push({ pid: Number(entry), command: argv.join(' ') });
  }
  return found;
}

/**
 * Empties the named stores, which every lab on this host shares: first this lab's services go down;
 * while another lab's still run, nothing is removed.
 */
export async function pruneStores(
  names: readonly ServiceName[],
  outDir: string,
): Promise<{ stopped: string[]; pruned: { name: ServiceName; storage: string; freedBytes: number }[] }> {
  const stopped = await stopServices(outDir, names);
  const others = await runningPrograms(new Set(names.map((n) => serviceNamed(n).program)));
  if (others.length > 0) {
    throw new KubelabError(
      `the stores are shared by every lab on this host, and ${others.length} service(s) still use them:\n${others.map((o) => `  pid ${o.pid}: ${o.command}`).join('\n')}`,
      { hint: 'run `kubelab services down` in the lab that started each (its --out folder holds the configuration file named above), then prune again' },
    );
  }
  const pruned = [];
  for (const name of names) {
    const storage = storeDir(name);
    const freedBytes = await diskUsage(storage);
    await fs.remove(storage);
    pruned.push({ name, storage, freedBytes });
  }
  return { stopped, pruned };
}
