import type { FaultFamily, KindCommand, KindParams, MachineNeed, Recovery } from '../family.js';
import { PROVIDERS } from '../../providers/index.js';
import type { ProviderType } from '../../vocabulary.js';
import { script } from '../steps.js';
import type { LabAccess } from '../types.js';
import { clockFamily } from './clock.js';
import { componentFamily } from './component.js';
import { diskFamily } from './disk.js';
import { machineFamily } from './machine.js';
import { networkFamily } from './network.js';
import { resourceFamily } from './resource.js';

/**
 * Every fault family, in the order the CLI lists them. A new family is a module beside these
 * and one entry here: the kinds, their parameters, the CLI and `clear` follow from it.
 */
export const FAMILIES = [machineFamily, networkFamily, componentFamily, resourceFamily, clockFamily, diskFamily] as const;

type Family = (typeof FAMILIES)[number];
type ParamsOf<F> = F extends FaultFamily<infer P, string> ? P : never;
type RecoveryOf<F> = F extends FaultFamily<KindParams, infer R> ? R : never;

/** The parameters of any fault, as recorded; node names are already resolved from the selectors. */
export type FaultParams = ParamsOf<Family>;
export type FaultKind = FaultParams['kind'];
/** `fault resume`, `fault start`, …: commands that bring nodes back. */
export type RecoveryName = RecoveryOf<Family>;

/** Any family, seen from the engine: it only ever hands a family the faults of its own kinds. */
export type AnyFamily = FaultFamily<FaultParams, RecoveryName>;

const BY_KIND = new Map<string, AnyFamily>(FAMILIES.flatMap((family) => family.kinds.map((kind) => [kind, family as AnyFamily] as const)));

/** Every kind, in the families' order. */
export const FAULT_KINDS: readonly FaultKind[] = FAMILIES.flatMap((family): FaultKind[] => [...family.kinds]);

export function familyOf(kind: FaultKind): AnyFamily {
  const family = BY_KIND.get(kind);
  if (!family) throw new Error(`no fault family has the kind ${kind}`);
  return family;
}

const COMMANDS = new Map(
  (FAMILIES as readonly AnyFamily[]).flatMap((family) => family.commands.map((command) => [command.kind as string, { family, command }] as const)),
);

/** How `kubelab fault KIND` asks for a kind, and its family; undefined for a word that is no kind. */
export function kindCommand(kind: string): { family: AnyFamily; command: KindCommand<FaultParams> } | undefined {
  return COMMANDS.get(kind);
}

/** The recovery called `name`, and the family it belongs to. */
export function recoveryOf(name: RecoveryName): { family: AnyFamily; recovery: Recovery<FaultKind, RecoveryName> } {
  for (const family of FAMILIES as readonly AnyFamily[]) {
    const recovery = family.recoveries?.find((r) => r.name === name);
    if (recovery) return { family, recovery };
  }
  throw new Error(`no fault family offers ${name}`);
}

/** Why a kind cannot work on a provider's machines (they lack what it needs), or undefined when it can. */
export function unmetNeed(kind: FaultKind, provider: ProviderType): { need: MachineNeed; message: string; hint: string } | undefined {
  const need = familyOf(kind).machineNeeds?.[kind];
  if (need === undefined || need.met(PROVIDERS[provider])) return undefined;
  return {
    need,
    message: `${kind} cannot work on this lab's ${provider} machines: it needs ${need.what}, and ${need.why}`,
    hint: `${need.where}; kubelab fault support lists what works on this lab`,
  };
}

/** The script that removes every trace of every family's faults on a node, recorded or not. */
export function sweepScript(lab: LabAccess): string {
  const body = (FAMILIES as readonly AnyFamily[]).flatMap((family) => (family.sweep ? [family.sweep(lab)] : [])).join('\n');
  return script('sweep', 'remove every trace of kubelab faults', body);
}
