import type { MachineOp } from '../providers/driver.js';
import type { LabAccess, NodeRef } from './types.js';
import { shellQuote } from '../quote.js';

/** A script exits with this code, after a `KUBELAB-ERROR: …` line, when it refused and changed nothing. */
export const REFUSED_EXIT = 3;

/** What a script said about its refusal (`KUBELAB-ERROR:` and `KUBELAB-HINT:` lines), if it did. */
export function refusal(result: { code: number; stderr: string }): { message: string; hint: string | undefined } | undefined {
  if (result.code !== REFUSED_EXIT) return undefined;
  const message = /^KUBELAB-ERROR: (.*)$/m.exec(result.stderr)?.[1];
  if (!message) return undefined;
  return { message, hint: /^KUBELAB-HINT: (.*)$/m.exec(result.stderr)?.[1] };
}

/** One thing done on one node: a root shell script over ssh, or a machine-level op from outside. */
export type Action = { type: 'script'; script: string } | { type: 'machine'; op: MachineOp };

/** The inject/undo pair of a fault on one node. Undo is idempotent: it may run after a partial inject. */
export interface Step {
  node: string;
  inject: Action;
  undo: Action;
}

export interface PlanContext {
  lab: LabAccess;
  /** For how long the fault is meant to last (--for), when it is. */
  forMs: number | undefined;
}

export function nodeByName(lab: LabAccess, name: string): NodeRef {
  const node = lab.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`node ${name} is not in the lab snapshot`);
  return node;
}

/** One shell word for bash: kubelab's one shell quoter (src/quote.ts). */
export function sh(value: string | number): string {
  return shellQuote(String(value));
}

/**
 * Every script starts so: strict mode, the fault's id, and `refuse MESSAGE [HINT]`, which a script
 * calls when it will not act (and has changed nothing); kubelab shows MESSAGE and HINT as they are.
 */
export function script(id: string, purpose: string, body: string): string {
  return [
    '#!/usr/bin/env bash',
    `# kubelab fault ${id}: ${purpose}`,
    'set -euo pipefail',
    '# shellcheck disable=SC2034 # not every script needs its id',
    `ID=${sh(id)}`,
    'refuse() {',
    '  echo "KUBELAB-ERROR: $1" >&2',
    '  if [ -n "${2:-}" ]; then echo "KUBELAB-HINT: $2" >&2; fi',
    `  exit ${REFUSED_EXIT}`,
    '}',
    body.trim(),
    '',
  ].join('\n');
}

/** Where processes started by faults record their process group (gone with a reboot, as they are). */
export const RUN_DIR = '/run/kubelab-faults';
/** How long a fault's processes live at most: --for plus a minute, or this when there is no --for. */
export const PROCESS_SAFETY_NET_SECONDS = 6 * 3600;

/** The lifetime of a fault's processes: a safety net should kubelab never undo the fault. */
export function processSeconds(context: PlanContext): number {
  return context.forMs === undefined ? PROCESS_SAFETY_NET_SECONDS : Math.ceil(context.forMs / 1000) + 60;
}

/**
 * Shell lines that start \`command\` (bash -c text; $0 is \`name\`, then the shell words \`args\`)
 * in a session of its own under \`timeout\`, and record its process group in RUN_DIR/$ID.pids, so
 * that undo, and \`fault clear\` without kubelab's state, can end the whole group.
 */
export function startProcessGroup(name: string, seconds: number, command: string, args: string): string {
  return `mkdir -p ${RUN_DIR}
pids=${RUN_DIR}/"$ID.pids"
[ ! -e "$pids" ] || refuse "the processes of $ID already run"
# shellcheck disable=SC2016 # the inner bash's own variables
setsid timeout ${seconds} bash -c ${sh(command)} ${sh(name)} ${args} < /dev/null > /dev/null 2>&1 &
echo "$!" > "$pids"
sleep 0.2
kill -0 -- "-$!" 2> /dev/null || { rm -f "$pids"; echo "${name} ended at once" >&2; exit 1; }`;
}

/** Shell lines that end the process group startProcessGroup recorded, waiting up to \`waitSeconds\` for it to go. */
export function endProcessGroup(waitSeconds: number): string {
  const wait =
    waitSeconds > 0
      ? `
  for _ in $(seq ${waitSeconds * 10}); do
    kill -0 -- "-$group" 2> /dev/null || break
    sleep 0.1
  done`
      : '';
  return `pids=${RUN_DIR}/"$ID.pids"
if [ -f "$pids" ]; then
  group=$(cat "$pids")
  kill -TERM -- "-$group" 2> /dev/null || true${wait}
  rm -f "$pids"
fi`;
}

/** Where files written by faults are recorded (kept across reboots, as the files are). */
export const LIB_DIR = '/var/lib/kubelab-faults';
