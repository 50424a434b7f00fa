import type { ScenarioDocument } from '../types.js';
import { apiProbe } from './api.js';
import { dnsProbe } from './dns.js';
import { etcdProbe } from './etcd.js';
import { leaderLeasesProbe } from './leader-leases.js';
import { nodesProbe } from './nodes.js';
import { NODE_KEY, type Probe } from './probe.js';
import { workloadProbe } from './workload.js';
import { trafficProbe } from './traffic.js';
import { writesProbe } from './writes.js';

/**
 * Every probe, in the order the schema lists their conditions and preconditions. A new probe is a
 * module beside these and one entry here: its conditions, preconditions, schema, watcher and
 * observations follow from it (the report's condensed timeline names the observation types it
 * knows, in report/timeline-table.ts).
 */
export const PROBES = [nodesProbe, leaderLeasesProbe, apiProbe, etcdProbe, workloadProbe, trafficProbe, dnsProbe, writesProbe] as const;

type AnyOf = (typeof PROBES)[number];
type ConditionOf<T> = T extends Probe<infer C, infer _S, infer _O, infer _P> ? C : never;
type ObservationOf<T> = T extends Probe<infer _C, infer _S, infer O, infer _P> ? O : never;
type PreconditionOf<T> = T extends Probe<infer _C, infer _S, infer _O, infer P> ? P : never;

/** What a `wait:` may ask: any probe's condition. */
export type ProbeCondition = ConditionOf<AnyOf>;
/** What the probes write into the timeline. */
export type ProbeObservation = ObservationOf<AnyOf>;
export type PreconditionName = PreconditionOf<AnyOf>;

/** Any probe, as the generic code sees it: it only ever hands a probe its own conditions and its own state. */
export type AnyProbe = Probe<ProbeCondition, unknown, ProbeObservation, string>;
export type AnyConditions = NonNullable<AnyProbe['conditions']>;

const ALL: readonly AnyProbe[] = PROBES;

/** A probe that judges conditions, and how. */
export interface Judge {
  probe: AnyProbe;
  conditions: AnyConditions;
}

/** Each key a condition may have but NODE_KEY, and the one probe whose conditions have it. */
const OWNERS = new Map<string, Judge>();
for (const probe of ALL) {
  if (ALL.some((other) => other !== probe && other.name === probe.name)) throw new Error(`two probes are called ${probe.name}`);
  const conditions = probe.conditions;
  if (!conditions) continue;
  for (const [key, schema] of Object.entries(conditions.keys)) {
    if (schema === NODE_KEY) continue;
    const other = OWNERS.get(key);
    if (other) throw new Error(`the probes ${other.probe.name} and ${probe.name} both have conditions with the key ${key}`);
    OWNERS.set(key, { probe, conditions });
  }
}

const BY_PRECONDITION = new Map<string, AnyProbe>(
  ALL.flatMap((probe) => Object.keys(probe.conditions?.preconditions ?? {}).map((name) => [name, probe] as const)),
);

/** Every precondition a scenario may name, in the probes' order. */
export const PRECONDITIONS: readonly PreconditionName[] = ALL.flatMap((probe) => Object.keys(probe.conditions?.preconditions ?? {}) as PreconditionName[]);

/** The probe whose condition this is, and the first of its keys that is the probe's own (`workload` in {node: …, workload: moved-off}). */
export function ownerOf(condition: ProbeCondition): Judge & { key: string } {
  for (const key of Object.keys(condition)) {
    const judge = OWNERS.get(key);
    if (judge) return { ...judge, key };
  }
  throw new Error(`no probe has the condition ${JSON.stringify(condition)}`);
}

export function preconditionOwner(name: PreconditionName): AnyProbe {
  const probe = BY_PRECONDITION.get(name);
  if (!probe) throw new Error(`no probe offers the precondition ${name}`);
  return probe;
}

/** The keys of a condition that name a node, where `$variables` may stand. */
export function nodeKeys(condition: ProbeCondition): string[] {
  const { conditions } = ownerOf(condition);
  return Object.keys(condition).filter((key) => conditions.keys[key] === NODE_KEY);
}

/** The preconditions a run checks: those the scenario names, then those its probes imply (a workload's readiness), each once. */
export function runPreconditions(doc: ScenarioDocument): PreconditionName[] {
  const implied = ALL.flatMap((probe) => probe.conditions?.implied?.(doc) ?? []) as PreconditionName[];
  return [...new Set([...(doc.preconditions ?? []), ...implied])];
}

/** The probes a run starts: those that always run, and those its preconditions or its waits ask about. */
export function runProbes(preconditions: readonly PreconditionName[], waits: readonly ProbeCondition[]): AnyProbe[] {
  const asked = new Set<AnyProbe>([...preconditions.map(preconditionOwner), ...waits.map((condition) => ownerOf(condition).probe)]);
  return ALL.filter((probe) => probe.runs === 'always' || asked.has(probe));
}

/** The conditions a precondition waits for, on the lab's nodes. */
export function preconditionConditions(name: PreconditionName, nodes: readonly string[]): ProbeCondition[] {
  return preconditionOwner(name).conditions?.preconditions?.[name]?.(nodes) ?? [];
}
