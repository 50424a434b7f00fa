import fs from 'fs-extra';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { KubelabError } from '../errors.js';
import { readKubeconfigText } from '../input/kubeconfig.js';
import { LAB_FILES } from '../lab/files.js';
import type { LabModel } from '../model.js';
import { endpointUrl } from './endpoint.js';

/**
 * RKE writes its first controlplane node's address into the kubeconfig it hands out, whatever
 * `authentication.sans` says; with an endpoint the lab's kubeconfig names the endpoint instead, so
 * that every client of kubelab (kubectl, status, scenarios, snapshots) survives the loss of any one
 * controlplane node. RKE itself rewrites the file at each `rke up`, so apply calls this after each.
 */
export async function pointKubeconfigAtEndpoint(outDir: string, model: LabModel): Promise<'changed' | 'unchanged' | 'no endpoint'> {
  const endpoint = model.apiEndpoint;
  if (!endpoint) return 'no endpoint';
  const file = path.join(outDir, LAB_FILES.kubeconfig);
  const doc = parseDocument(await readKubeconfigText(file));
  const clusters: unknown = doc.toJS()?.clusters;
  if (doc.errors.length > 0 || !Array.isArray(clusters) || clusters.length === 0) {
    throw new KubelabError(`${file} is not the kubeconfig RKE writes (no clusters)`, { hint: 'run `kubelab apply` again: rke up rewrites it' });
  }
  const url = endpointUrl(endpoint);
  let changed = false;
  clusters.forEach((_, i) => {
    if (doc.getIn(['clusters', i, 'cluster', 'server']) !== url) {
      doc.setIn(['clusters', i, 'cluster', 'server'], url);
      changed = true;
    }
  });
  if (!changed) return 'unchanged';
  const temporary = `${file}.kubelab-tmp`;
  await fs.writeFile(temporary, doc.toString({ indentSeq: false }), { mode: 0o600 });
  await fs.rename(temporary, file);
  return 'changed';
}
