import { KubelabError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { kindCommand, unmetNeed } from '../fault/families/index.js';
import type { CliValue, CliValues } from '../fault/family.js';
import type { FaultKind, FaultParams, LabAccess } from '../fault/types.js';
import { parseDuration } from '../units.js';
import { ROLES } from '../vocabulary.js';
import { nodeKeys } from './probes/index.js';
import type { LeaderLease } from './probes/leader-leases.js';
import type { Condition, FaultStep, NodePick, ScenarioDocument } from './types.js';

/** The scenario asks for something this lab cannot give (too few etcd nodes, …): nothing was changed. */
export class ScenarioLabError extends KubelabError {
  constructor(message: string, hint: string) {
    super(message, { hint, exitCode: EXIT.badInput });
  }
}

/** What the lab lacks for the scenario's `needs` and `providers`, and for its faults (a clock of its own), or an empty list. */
export function unmetNeeds(doc: ScenarioDocument, lab: LabAccess): string[] {
  const provider = doc.providers && !doc.providers.includes(lab.provider) ? [`a lab on ${doc.providers.join(' or ')}, this one is on ${lab.provider}`] : [];
  const kinds = new Set(doc.steps.flatMap((step) => ('fault' in step ? [step.fault.kind] : [])));
  const ownMachines = [...kinds].flatMap((kind) => {
    const unmet = kindCommand(kind) && unmetNeed(kind as FaultKind, lab.provider);
    return unmet ? [`${unmet.need.what} for ${kind} (${unmet.need.why}), which this lab's ${lab.provider} machines lack`] : [];
  });
  return provider.concat(
    ownMachines,
    ROLES.flatMap((role) => {
      const need = doc.needs?.[role] ?? 0;
      const have = lab.nodes.filter((n) => n.roles.includes(role)).length;
      return have < need ? [`${need} ${role} node(s), the lab has ${have}`] : [];
    }),
  );
}

/** What the picks by cluster state read, as the steps begin: etcd's leader, and each leader lease's holder (undefined: not yet seen). */
export interface PickState {
  etcdLeader: string | null | undefined;
  leaseHolder(lease: LeaderLease): string | null | undefined;
}

/**
 * Picks each `$variable`'s node: by role from the lab, by etcd's state (the leader when the steps
 * begin, or one of the others), or by who holds a leader lease then.
 */
export function pickNodes(picks: Readonly<Record<string, NodePick>>, lab: LabAccess, state: PickState): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, pick] of Object.entries(picks)) {
    let candidates: string[];
    if ('role' in pick) {
      candidates = lab.nodes.filter((n) => n.roles.includes(pick.role)).map((n) => n.name);
      if (pick.pick === 'last') candidates.reverse();
    } else if ('lease' in pick) {
      const holder = state.leaseHolder(pick.lease);
      if (typeof holder !== 'string')
        throw new ScenarioLabError(
          `$${name}: nobody holds the ${pick.lease} lease`,
          'run the scenario when the control plane is healthy (precondition leases-held)',
        );
      candidates = lab.nodes.some((n) => n.name === holder) ? [holder] : [];
    } else {
      const { etcdLeader } = state;
      if (typeof etcdLeader !== 'string') throw new ScenarioLabError(`$${name}: etcd has no leader to pick from`, 'run the scenario when etcd is healthy');
      const etcd = lab.nodes.filter((n) => n.roles.includes('etcd')).map((n) => n.name);
      const controllers = pick.etcd === 'bystander' ? state.leaseHolder('kube-controller-manager') : undefined;
      candidates = pick.etcd === 'leader' ? [etcdLeader] : etcd.filter((n) => n !== etcdLeader && n !== controllers).slice(pick.index ?? 0);
    }
    const node = candidates[0];
    if (!node) throw new ScenarioLabError(`$${name}: the lab has no node to pick (${JSON.stringify(pick)})`, 'see the scenario’s needs');
    picked[name] = node;
  }
  return picked;
}

/** `$victim` and `$a,$b` in a value become node names. */
export function substitute(text: string, picked: Readonly<Record<string, string>>): string {
  return text.replace(/\$([a-z][a-z0-9-]*)/g, (whole, name: string) => picked[name] ?? whole);
}

/** A condition with the node names for the `$variables` in its node references. */
export function resolveCondition(condition: Condition, picked: Readonly<Record<string, string>>): Condition {
  const resolved: Record<string, unknown> = { ...condition };
  for (const key of nodeKeys(condition)) resolved[key] = substitute(String(resolved[key]), picked);
  return resolved as Condition;
}

/**
 * A fault step as the parameters `kubelab fault KIND` would make of the same words: the kind's
 * own parser reads them (with the defaults the command line would add), so a scenario can ask for
 * exactly what the CLI can, and is refused for the same reasons.
 */
export function faultParams(step: FaultStep, picked: Readonly<Record<string, string>>, lab: LabAccess): { params: FaultParams; forMs?: number } {
  const command = kindCommand(step.kind)?.command;
  if (!command) throw new ScenarioLabError(`no fault kind ${step.kind}`, 'kubelab fault --help lists them');
  const values: Record<string, CliValue> = {};
  for (const [name, option] of Object.entries(command.options ?? {})) if (option.default !== undefined) values[name] = option.default;
  for (const [name, value] of Object.entries(step)) {
    if (name === 'kind' || name === 'for' || value === undefined) continue;
    values[name] = Array.isArray(value) ? value.map((v) => substitute(v, picked)) : typeof value === 'string' ? substitute(value, picked) : value;
  }
  const positional = command.positional;
  if (positional?.variadic && typeof values[positional.name] === 'string') values[positional.name] = String(values[positional.name]).split(/[\s]+/);
  const forMs = typeof step.for === 'string' ? parseDuration(step.for) : undefined;
  return { params: command.parse(values as CliValues, lab), ...(forMs === undefined ? {} : { forMs }) };
}
