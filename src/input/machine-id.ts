import { KubelabError } from '../errors.js';
import { ifExists, readBoundedText } from './read.js';

const REMOVE =
  'Vagrant writes it when it creates the machine: remove it (or the whole .vagrant folder, with `kubelab destroy`), and `kubelab apply` finds the machine again';

/**
 * A machine's id (a container id, a VM's UUID) as Vagrant recorded it in .vagrant/machines/NODE/
 * PROVIDER/id; undefined when there is none. The id becomes an argument of docker, VBoxManage and
 * virsh: it must be one word that no program takes for an option ("-H=…" would point docker at
 * another daemon).
 */
export async function readMachineId(file: string): Promise<string | undefined> {
  const id = (await ifExists(readBoundedText(file, 4096, REMOVE)))?.trim();
  if (!id) return undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(id)) {
    throw new KubelabError(`${file} does not hold a machine id: ${JSON.stringify(id.slice(0, 80))}`, { hint: REMOVE });
  }
  return id;
}
