import path from 'node:path';

/**
 * Files the runner writes next to the generated ones. None of them may be committed (keys, state,
 * kubeconfig), so the generated .gitignore lists them, and `destroy` removes them, all but the lab's
 * journal: an experiment's timeline outlives its lab.
 */
export const LAB_FILES = {
  stateDir: '.kubelab',
  logsDir: '.kubelab/logs',
  vagrantDir: '.vagrant',
  kubeconfig: 'kube_config_cluster.yml',
  rkeState: 'cluster.rkestate',
  /** Active faults (`kubelab fault`), and the lock that serializes changes to them. */
  faultState: '.kubelab/faults.json',
  faultLock: '.kubelab/faults.lock',
  /** Held by the command that changes the lab (apply, destroy, fault …): who runs, and its children. */
  labLock: '.kubelab/lab.lock',
  /**
   * The lab's timeline: every fault injection and undo, every snapshot save and restore, one JSON
   * line each; kept by destroy. an older kubelab called it faults.journal.jsonl (renamed on first use).
   */
  journal: 'lab.journal.jsonl',
  olderJournal: 'faults.journal.jsonl',
  /** Configuration of the services kubelab runs on the host for the lab (registry, caches), and what runs. */
  hostServicesDir: '.kubelab/host-services',
  hostServicesState: '.kubelab/host-services/running.json',
  /** `kubelab snapshot save`: one folder per snapshot with the host's files; the machines' state is the provider's. */
  snapshotsDir: '.kubelab/snapshots',
  /** One folder per `kubelab scenario run`: its report and journal; kept by destroy, like the lab's journal. */
  scenarioReports: 'scenarios',
} as const;

export const IGNORED_PATTERNS = [
  `/${LAB_FILES.vagrantDir}/`,
  `/${LAB_FILES.stateDir}/`,
  `/${LAB_FILES.kubeconfig}`,
  `/${LAB_FILES.rkeState}`,
  `/${LAB_FILES.journal}`,
  `/${LAB_FILES.scenarioReports}/`,
  '*.log',
];

export function logFile(outDir: string, name: string): string {
  return path.join(outDir, LAB_FILES.logsDir, `${name}.log`);
}
