import fs from 'fs-extra';
import path from 'node:path';
import { logFile } from '../lab/files.js';
import { ETCD_SNAPSHOT_DIR } from '../cluster/rke.js';
import type { LabNode } from '../nodes/node.js';
import { runStreamed } from '../exec/run.js';

/**
 * `rke etcd snapshot-save`, taken just before the cut and kept on the host: when the machines are
 * gone (destroy), `rke etcd snapshot-restore` can bring the cluster's objects back onto new ones.
 * It is a fallback, not the snapshot: it holds etcd alone, not the nodes.
 */
export async function saveEtcdArchive(options: {
  rke: string;
  outDir: string;
  name: string;
  /** An etcd node to fetch the archive from (rke leaves it in ETCD_SNAPSHOT_DIR on each). */
  node: LabNode;
  into: string;
  signal: AbortSignal;
}): Promise<string> {
  const archive = `kubelab-${options.name}`;
  await runStreamed(options.rke, ['etcd', 'snapshot-save', '--config', 'cluster.yml', '--name', archive], {
    cwd: options.outDir,
    logFile: logFile(options.outDir, 'snapshot-etcd'),
    signal: options.signal,
  });
  const file = `${archive}.zip`;
  const fetched = await options.node.run(`base64 -w0 ${ETCD_SNAPSHOT_DIR}/${file}`, { timeoutMs: 60_000 });
  if (fetched.code !== 0) throw new Error(`could not read ${ETCD_SNAPSHOT_DIR}/${file} on ${options.node.name}: ${fetched.stderr.trim()}`);
  await fs.mkdirp(options.into);
  await fs.writeFile(path.join(options.into, file), Buffer.from(fetched.stdout.trim(), 'base64'));
  return file;
}
