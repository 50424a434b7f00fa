import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { LabNode } from '../../nodes/node.js';
import type { ScenarioDocument, TimedObservation } from '../types.js';

/** A fragment of JSON Schema, as the scenario schema holds it. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/**
 * The schema of a condition's key that names a node: a node name or a `$variable`. The checks and
 * the resolution of variables know a node reference by this very object, so every probe whose
 * conditions name a node uses it.
 */
export const NODE_KEY: JsonSchema = { description: 'The node the condition is about: its name, or a $variable.', $ref: '#/$defs/nodeRef' };

/**
 * One way to write a probe's condition in a `wait:`, as the schema's `oneOf` has it: its keys, in
 * order, each `true` (any value the key's own schema admits) or a narrower schema (a `const`).
 */
export interface ConditionForm {
  keys: Readonly<Record<string, true | JsonSchema>>;
  /** Keys that may be left out. */
  optional?: readonly string[];
  /** How a person writes it, for the schema's hint: "{node: N, ready: true|false}". */
  example: string;
}

/**
 * What a condition is judged against: the probe's state now and when the steps began (a new etcd
 * leader is one of a later term than then; undefined before the steps), and the scenario (the
 * workload's size).
 */
export interface Judged<S> {
  now: S;
  atStepsStart: S | undefined;
  doc: ScenarioDocument;
}

/**
 * The conditions a `wait:` may ask of a probe, and its preconditions. Its state is folded from the
 * timeline, so that a condition can be judged again from any point of the run (a wait that began
 * after its condition turned true counts from that moment).
 */
export interface ProbeConditions<C extends object, S, P extends string> {
  /**
   * The schema of each key its conditions use, in the order the schema lists them; a key that
   * names a node is NODE_KEY. Keys other than NODE_KEY are the probe's own: no other probe has them.
   */
  keys: Readonly<Record<string, JsonSchema>>;
  forms: readonly ConditionForm[];
  /** Its conditions and preconditions are about the test workload: a scenario without one is refused. */
  needsWorkload?: boolean;
  /** Health checks a scenario names in `preconditions`, each the conditions it waits for on the lab's nodes. */
  preconditions?: Readonly<Record<P, (nodes: readonly string[]) => C[]>>;
  /** Preconditions checked even when the scenario does not name them (a workload is Ready before the steps). */
  implied?(doc: ScenarioDocument): readonly P[];
  /** A fresh state, before any observation. */
  initial(): S;
  /** Takes in one entry of the timeline; entries that are not the probe's own leave the state as it is. */
  fold(state: S, entry: TimedObservation): void;
  holds(condition: C, judged: Judged<S>): boolean;
  /** The condition in words, for the steps and the report: "worker-1 not Ready". */
  describe(condition: C): string;
}

/** A Kubernetes list + watch (client-node's informer), kept running by the observer for the whole run. */
export interface Watch<T extends KubernetesObject> {
  path: string;
  /** Lists through `config`: the lab's kubeconfig, or one naming another API server when the first is away. */
  list(config: KubeConfig): Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  onChange(object: T, deleted: boolean): void;
}

/** What a probe's watcher has of the run. */
export interface ProbeRun<O> {
  /** The lab's kubeconfig, for client-node. */
  config: KubeConfig;
  /** The run's own namespace: the workload's, and where probes put what they need (a pod, a ConfigMap). */
  namespace: string;
  /** Every node of the lab. */
  nodes: readonly LabNode[];
  /** An image with bash, on every node already (the workload's). */
  image: string;
  /** Records an observation, at `atMs` (epoch ms) when the observation carries its own time. */
  emit(observation: O, atMs?: number): void;
  note(line: string): void;
  /** Starts a watch that is started again when it breaks (the API going away is part of what is watched); resolves after its first list, or its first failure. */
  watch<T extends KubernetesObject>(watch: Watch<T>): Promise<void>;
}

export type Stop = () => void | Promise<void>;

/**
 * One thing the observer watches, describing itself: its name, the conditions a `wait:` may ask of
 * it with their part of the schema, the preconditions it offers, when it runs, and its watcher.
 * The schema, the checks, the tracker, the observer and the runner know probes only through this;
 * a new probe is a module in this folder and a line in index.ts.
 *
 * C: its conditions; S: the state its conditions are judged on; O: its observations, as the
 * timeline and report.json hold them; P: the names of its preconditions.
 */
export interface Probe<C extends object = never, S = undefined, O extends { type: string } = never, P extends string = never> {
  name: string;
  /** always: its observations are in every report (the picture's lanes); when-asked: only when a wait or a precondition asks about it. */
  runs: 'always' | 'when-asked';
  /** It puts objects of its own in the run's namespace, which must exist before it starts. */
  needsNamespace?: boolean;
  conditions?: ProbeConditions<C, S, P>;
  /** Starts watching; returns what stops it, unless all it started is the run's watches (the observer stops those). */
  start(run: ProbeRun<O>): Promise<Stop | undefined>;
}

/**
 * The conditions of a probe that answers yes or no (the API is up, a lookup works): one key with
 * two words, `{dns: works|fails}`, judged on the last answer seen.
 */
export function yesOrNo<K extends string, Y extends string, N extends string, P extends string = never>(spec: {
  key: K;
  /** The word for yes, then the word for no. */
  words: readonly [Y, N];
  description: string;
  /** The probe's answer in an entry of the timeline; undefined for an entry that is not its own. */
  answer(entry: TimedObservation): boolean | undefined;
  describe(word: Y | N): string;
  /** The precondition that waits for yes. */
  precondition?: P;
}): ProbeConditions<Record<K, Y | N>, { answer: boolean | undefined }, P> {
  const [yes, no] = spec.words;
  const condition = (word: Y | N) => ({ [spec.key]: word }) as Record<K, Y | N>;
  const preconditions = spec.precondition === undefined ? undefined : ({ [spec.precondition]: () => [condition(yes)] } as Record<P, () => Record<K, Y | N>[]>);
  return {
    keys: { [spec.key]: { description: spec.description, enum: [yes, no] } },
    forms: [{ keys: { [spec.key]: true }, example: `{${spec.key}: ${yes}|${no}}` }],
    ...(preconditions === undefined ? {} : { preconditions }),
    initial: () => ({ answer: undefined }),
    fold(state, entry) {
      const answer = spec.answer(entry);
      if (answer !== undefined) state.answer = answer;
    },
    holds: (condition, { now }) => now.answer === (condition[spec.key] === yes),
    describe: (condition) => spec.describe(condition[spec.key]),
  };
}

/** The observation of a probe that answers ok or not (a lookup, a write): one type, told apart by `probe`. */
export type ProbeAnswer<N extends string> = { type: 'probe'; probe: N; ok: boolean; error?: string };

/**
 * A probe that answers yes or no from inside the cluster (a lookup works, a write goes through):
 * it runs when asked, puts what it needs in the run's namespace, and its condition `{NAME: YES|NO}`
 * holds on its last `{type: probe, probe: NAME}` observation.
 */
export function answeringProbe<N extends string, Y extends string, No extends string, P extends string = never>(spec: {
  name: N;
  /** The word for yes, then the word for no. */
  words: readonly [Y, No];
  description: string;
  describe(word: Y | No): string;
  /** The precondition that waits for yes. */
  precondition?: P;
  /** Starts asking; `answer` records an answer (at `atMs`, epoch ms, when it carries its own time). */
  start(run: ProbeRun<ProbeAnswer<N>>, answer: (ok: boolean, error?: string, atMs?: number) => void): Promise<Stop | undefined>;
}): Probe<Record<N, Y | No>, { answer: boolean | undefined }, ProbeAnswer<N>, P> {
  const { name } = spec;
  return {
    name,
    runs: 'when-asked',
    needsNamespace: true,
    conditions: yesOrNo({ ...spec, key: name, answer: (entry) => (entry.type === 'probe' && entry.probe === name ? entry.ok : undefined) }),
    start: (run) => spec.start(run, (ok, error, atMs) => run.emit({ type: 'probe', probe: name, ok, ...(ok || error === undefined ? {} : { error }) }, atMs)),
  };
}

/** client-node, loaded when a watcher starts: the registry is read by `scenario validate` too, which needs no Kubernetes client. */
export const kubeClient = () => import('@kubernetes/client-node');

/** Emits an observation only when what it says of a thing differs from the last word on the same thing. */
export class Changes<O> {
  private readonly last = new Map<string, string>();

  constructor(private readonly emit: (observation: O, atMs?: number) => void) {}

  /** Emits the observation (at `atMs`, epoch ms, when it carries its own time) if `value` is new for `key`. */
  report(key: string, value: string, observation: O, atMs?: number): void {
    if (this.last.get(key) === value) return;
    this.last.set(key, value);
    this.emit(observation, atMs);
  }

  /** The things under `prefix` reported so far, with the last value of each. */
  under(prefix: string): [string, string][] {
    return [...this.last].filter(([key]) => key.startsWith(prefix));
  }
}
