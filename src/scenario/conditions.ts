import type { Condition } from './types.js';
import type { ClusterView } from './view.js';

/** What a condition is judged against besides the view: the workload's size, etcd's term when the steps began. */
export interface ConditionContext {
  replicas: number;
  /** etcd's raft term when the steps began: a new leader is one elected in a later term. */
  termAtStart: number | null;
}

/** Whether a condition (its node references already resolved to node names) holds in the view. */
export function holds(condition: Condition, view: ClusterView, context: ConditionContext): boolean {
  if ('ready' in condition) return (view.nodeReady.get(condition.node) === 'True') === condition.ready;
  if ('taint' in condition) return (view.taints.get(condition.node)?.has(condition.taint) ?? false) === (condition.present ?? true);
  if ('condition' in condition) return (view.conditions.get(condition.node)?.get(condition.condition) === 'True') === condition.status;
  if ('api' in condition) return view.api === (condition.api === 'up');
  if ('etcd' in condition) {
    const leader = view.etcdLeader;
    if (condition.etcd === 'no-leader') return leader === null;
    if (condition.etcd === 'leader') return typeof leader === 'string';
    // The same member may win again (a killed leader restarts within the election timeout): a new term is a new election.
    return typeof leader === 'string' && view.etcdTerm !== null && context.termAtStart !== null && view.etcdTerm > context.termAtStart;
  }
  if ('workload' in condition) {
    // A pod deleted on an unreachable node stays Terminating until its kubelet answers: it is gone for the workload.
    const pods = [...view.pods.values()].filter((p) => p.phase !== 'Terminating');
    const ready = pods.filter((p) => p.ready && p.phase === 'Running');
    if (ready.length < context.replicas) return false;
    return condition.workload === 'ready' || pods.every((p) => p.node !== condition.node);
  }
  if ('dns' in condition) return view.probes.get('dns') === (condition.dns === 'works');
  return view.probes.get('writes') === (condition.writes === 'work');
}

/** "worker-1 NotReady", for steps' descriptions and the report. */
export function describeCondition(condition: Condition): string {
  if ('ready' in condition) return `${condition.node} ${condition.ready ? 'Ready' : 'not Ready'}`;
  if ('taint' in condition) return `${condition.node} ${condition.present === false ? 'without' : 'tainted'} ${condition.taint}`;
  if ('condition' in condition) return `${condition.node} ${condition.condition}=${condition.status ? 'True' : 'False'}`;
  if ('api' in condition) return `the API ${condition.api}`;
  if ('etcd' in condition)
    return { 'new-leader': 'etcd elected a leader (a new term)', leader: 'etcd has a leader', 'no-leader': 'etcd has no leader' }[condition.etcd];
  if ('workload' in condition) return condition.workload === 'ready' ? 'every replica Ready' : `every replica Ready, none on ${condition.node}`;
  if ('dns' in condition) return `in-cluster DNS ${condition.dns}`;
  return `API writes ${condition.writes}`;
}
