import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { shellQuote } from '../quote.js';
import type { LabNode } from './node.js';
import { unreachable, type ScriptResult } from './ssh.js';

/** What the provisioning scripts are made and tested for. */
export const SUPPORTED_OS = { id: 'debian', versionId: '12', name: 'Debian 12 (bookworm)' } as const;

/** One thing about one machine that keeps kubelab from installing on it. */
export interface MachineProblem {
  node: string;
  problem: string;
  hint: string;
}

/** What a machine told about itself, as root. */
export interface MachineFacts {
  os: { id: string; versionId: string; prettyName: string };
  pid1: string;
  machineId: string;
  /** The IPv4 addresses on the lab's interface, without prefix lengths. */
  addressesOnInterface: string[];
  /** The interface that carries the node's address, when one does. */
  interfaceWithAddress: string | undefined;
}

/** Machines that are not what the spec says they are; nothing was installed on any of them. */
export class MachinesUnfitError extends KubelabError {
  constructor(readonly problems: MachineProblem[]) {
    super(
      `nothing was installed on any machine; ${problems.length} problem${problems.length === 1 ? '' : 's'} with the machines:\n` +
        problems.map((p) => `  ${p.node}: ${p.problem}\n    hint: ${p.hint}`).join('\n'),
      { exitCode: EXIT.machinesUnfit },
    );
  }
}

function factsScript(node: LabNode, iface: string): string {
  const ip = shellQuote(node.ip);
  return [
    '. /etc/os-release',
    'echo "os_id=${ID:-}"',
    'echo "os_version_id=${VERSION_ID:-}"',
    'echo "os_pretty_name=${PRETTY_NAME:-}"',
    'echo "pid1=$(cat /proc/1/comm)"',
    'echo "machine_id=$(cat /etc/machine-id 2>/dev/null)"',
    `ip -o -4 addr show dev ${shellQuote(iface)} 2>/dev/null | awk '{ split($4, a, "/"); print "on_interface=" a[1] }'`,
    `ip -o -4 addr show | awk -v ip=${ip} '{ split($4, a, "/"); if (a[1] == ip) print "carrier=" $2 }'`,
  ].join('\n');
}

function parseFacts(stdout: string): MachineFacts {
  const values = (key: string): string[] =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith(`${key}=`))
      .map((line) => line.slice(key.length + 1).trim());
  const one = (key: string): string => values(key)[0] ?? '';
  return {
    os: { id: one('os_id'), versionId: one('os_version_id').replace(/^"|"$/g, ''), prettyName: one('os_pretty_name') },
    pid1: one('pid1'),
    machineId: one('machine_id'),
    addressesOnInterface: values('on_interface'),
    interfaceWithAddress: values('carrier')[0],
  };
}

/** Why ssh could not log in, as a person can act on it; from ssh's own last words. */
function loginProblem(node: LabNode, result: ScriptResult): MachineProblem {
  const said = result.stderr.trim().split('\n').filter(Boolean).pop() ?? (result.code === -1 ? 'no answer in time' : `ssh exited ${result.code}`);
  const { user, host, port, key } = node.ssh;
  const hint = /Permission denied/.test(said)
    ? `put the public half of ${key} in ~${user}/.ssh/authorized_keys on ${host}, or give nodes[].ssh the user and key that log in there`
    : /Connection refused/.test(said)
      ? `nothing listens for ssh on ${host}:${port}: start sshd there, or give nodes[].ssh.port`
      : `check that ${host} is on and reachable from this machine on port ${port}`;
  return { node: node.name, problem: `cannot log in as ${user} at ${host}:${port}: ${said}`, hint };
}

/**
 * Asks every machine, all at once, what kubelab needs to know before it installs anything: that it
 * logs in, that sudo needs no password, the OS, and that the node's address is on the lab's
 * interface; then that no two nodes are one machine. Returns every problem of every machine.
 */
export async function checkMachines(nodes: readonly LabNode[], iface: string): Promise<{ problems: MachineProblem[]; facts: Map<string, MachineFacts> }> {
  const problems: MachineProblem[] = [];
  const facts = new Map<string, MachineFacts>();
  await Promise.all(
    nodes.map(async (node) => {
      const result = await node.run(factsScript(node, iface), { connectTimeoutSeconds: 10, timeoutMs: 60_000 });
      if (unreachable(result)) return void problems.push(loginProblem(node, result));
      if (result.code !== 0 && /sudo:.*password|a terminal is required/.test(result.stderr)) {
        return void problems.push({
          node: node.name,
          problem: `${node.ssh.user} cannot use sudo without a password on ${node.ssh.host}`,
          hint: `on the machine, as root: echo '${node.ssh.user} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/${node.ssh.user}`,
        });
      }
      if (result.code !== 0) {
        return void problems.push({
          node: node.name,
          problem: `could not be asked about itself: ${result.stderr.trim() || `exit ${result.code}`}`,
          hint: 'run the check again; if it stays, look at the machine',
        });
      }
      facts.set(node.name, parseFacts(result.stdout));
    }),
  );
  for (const node of nodes) {
    const f = facts.get(node.name);
    if (!f) continue;
    if (f.os.id !== SUPPORTED_OS.id || f.os.versionId !== SUPPORTED_OS.versionId)
      problems.push({
        node: node.name,
        problem: `runs ${f.os.prettyName || `${f.os.id} ${f.os.versionId}`.trim() || 'an OS without /etc/os-release'}, not ${SUPPORTED_OS.name}`,
        hint: `kubelab's provisioning is made and tested for ${SUPPORTED_OS.name}: use machines that run it`,
      });
    if (f.pid1 !== 'systemd')
      problems.push({
        node: node.name,
        problem: `PID 1 is ${f.pid1 || 'unknown'}, not systemd`,
        hint: 'provisioning installs and starts systemd units: use a machine booted with systemd',
      });
    if (!f.addressesOnInterface.includes(node.ip))
      problems.push({
        node: node.name,
        problem: `${node.ip} is not on ${iface}${f.interfaceWithAddress ? `: ${f.interfaceWithAddress} carries it` : ', nor on any other interface'}`,
        hint: f.interfaceWithAddress
          ? `every node must carry its address on one interface name: set network.interface to ${f.interfaceWithAddress}, or move the address`
          : `give nodes[].ip the address this machine has on the lab's network (${iface}: ${f.addressesOnInterface.join(', ') || 'no IPv4 address'})`,
      });
  }
  const byMachine = new Map<string, string[]>();
  for (const node of nodes) {
    const id = facts.get(node.name)?.machineId;
    if (id) byMachine.set(id, [...(byMachine.get(id) ?? []), node.name]);
  }
  for (const names of byMachine.values())
    if (names.length > 1)
      for (const name of names)
        problems.push({
          node: name,
          problem: `is the same machine as ${names.filter((n) => n !== name).join(', ')} (one /etc/machine-id)`,
          hint: 'give each node a machine of its own; cloned machines need a new /etc/machine-id (systemd-machine-id-setup)',
        });
  const order = new Map(nodes.map((n, i) => [n.name, i]));
  problems.sort((a, b) => (order.get(a.node) ?? 0) - (order.get(b.node) ?? 0));
  return { problems, facts };
}
