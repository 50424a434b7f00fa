import fs from 'fs-extra';
import path from 'node:path';
import type { ClusterApi } from '../cluster/kube.js';
import { KubelabError, type SpecProblem } from '../errors.js';
import { labAccess, type LabAccess } from '../lab/access.js';
import { LAB_FILES } from '../lab/files.js';
import { withLabLock, type BusyPolicy, type ChildHooks, type LabLock, type LabLockRecord } from '../lab/lock.js';
import type { LabModel } from '../model.js';
import { labNodes, type LabNode } from '../nodes/node.js';
import { compileSpec } from '../spec/index.js';
import { isKubernetesNode } from '../vocabulary.js';

/**
 * How a command opens the lab, once: the spec compiled into the model, the output folder, the way
 * to each node and to the cluster's API, and, for a command that changes the lab, the lab's lock,
 * held for the whole of its work (no apply, destroy, fault or snapshot runs meanwhile).
 */
export interface FolderRequest {
  out: string;
  /**
   * The command, as the lock names it to other commands ("snapshot save"): given, the lab is held
   * for the work; absent, the command only reads.
   */
  changes?: string;
  /** When another command holds the lab: refuse (the default), wait for it, or stop it. */
  busy?: BusyPolicy;
  /** --stop-previous: how long the previous run has after its SIGINT. */
  graceMs?: number;
  /** The command line the busy hints name with --wait and --stop-previous; default `kubelab <changes>`; null: it has neither. */
  retry?: string | null;
  /** Holders waited for even when `busy` is 'fail': commands as short as this one. */
  waitsFor?: (holder: LabLockRecord) => boolean;
  /** The output folder must exist already (the command acts on what an apply made): the hint given when it does not. */
  mustExist?: string;
  note: (line: string) => void;
  signal?: AbortSignal;
}

export interface LabRequest extends FolderRequest {
  spec: string;
}

/** A lab's output folder, for commands that work from what is on disk alone (destroy, fault undo). */
export class LabFolder {
  constructor(
    readonly outDir: string,
    private readonly lock: LabLock | undefined,
  ) {}

  /** The hooks that record a child process in the lab's lock while it runs (none when the lab is not held). */
  track(what: string, command: string): Partial<ChildHooks> {
    return this.lock?.track(what, command) ?? {};
  }

  get kubeconfig(): string {
    return path.join(this.outDir, LAB_FILES.kubeconfig);
  }
}

/** The lab as the spec describes it, in its output folder. */
export class Lab extends LabFolder {
  readonly access: LabAccess;
  readonly nodes: readonly LabNode[];

  constructor(
    outDir: string,
    lock: LabLock | undefined,
    readonly model: LabModel,
    /** What the spec does that is allowed but likely a mistake; each command decides whether to say it. */
    readonly warnings: readonly SpecProblem[],
  ) {
    super(outDir, lock);
    this.access = labAccess(model);
    this.nodes = labNodes(outDir, this.access);
  }

  /** The machines RKE made Kubernetes nodes of: all but the API endpoint's. */
  get kubernetesNodes(): LabNode[] {
    return this.nodes.filter((n) => isKubernetesNode(n.ref.roles));
  }

  get etcdNodes(): LabNode[] {
    return this.nodes.filter((n) => n.ref.roles.includes('etcd'));
  }

  /** Whether Kubernetes was installed: RKE wrote the kubeconfig. */
  hasCluster(): Promise<boolean> {
    return fs.pathExists(this.kubeconfig);
  }

  /** The cluster's API through the lab's kubeconfig; refused, with what to do, before Kubernetes is installed. */
  async cluster(why = 'this needs the cluster'): Promise<ClusterApi> {
    if (!(await this.hasCluster())) {
      throw new KubelabError(`lab ${this.model.name} has no Kubernetes yet (${path.relative(process.cwd(), this.kubeconfig)} does not exist)`, {
        hint: `bring it up with \`kubelab apply\`: ${why}`,
      });
    }
    const { ClusterApi } = await import('../cluster/kube.js');
    return ClusterApi.open(this.kubeconfig);
  }
}

async function holding<T>(request: FolderRequest, outDir: string, work: (lock: LabLock | undefined) => Promise<T>): Promise<T> {
  // Checked before the lock, which would make the folder.
  if (request.mustExist !== undefined && !(await fs.pathExists(outDir))) throw new KubelabError(`${outDir} does not exist`, { hint: request.mustExist });
  if (request.changes === undefined) return work(undefined);
  const retry = request.retry === undefined ? `kubelab ${request.changes}` : (request.retry ?? undefined);
  return withLabLock(
    outDir,
    {
      command: request.changes,
      busy: request.busy ?? 'fail',
      note: request.note,
      signal: request.signal,
      graceMs: request.graceMs,
      retry,
      waitsFor: request.waitsFor,
    },
    work,
  );
}

/** Compiles the spec, takes the lab when the command changes it, and runs `work` on it. */
export async function openLab<T>(request: LabRequest, work: (lab: Lab) => Promise<T>): Promise<T> {
  const outDir = path.resolve(request.out);
  const { model, warnings } = await compileSpec(request.spec, request.out);
  return holding(request, outDir, (lock) => work(new Lab(outDir, lock, model, warnings)));
}

/** The output folder alone, taken when the command changes the lab: for commands that need no spec. */
export async function openLabFolder<T>(request: FolderRequest, work: (folder: LabFolder) => Promise<T>): Promise<T> {
  const outDir = path.resolve(request.out);
  return holding(request, outDir, (lock) => work(new LabFolder(outDir, lock)));
}
