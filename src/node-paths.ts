/** Where kubelab keeps its own files on a node: all under one folder, which undo removes last. */
export const NODE_PATHS = {
  workDir: '/var/lib/kubelab',
  /** Scripts uploaded to run (src/nodes/ssh.ts), and the lock that runs them one at a time. */
  scripts: '/var/lib/kubelab/provision',
  scriptLock: '/var/lib/kubelab/provision.lock',
  /** What provisioning changed, for provision/undo.sh (templates/partials/ledger.hbs). */
  ledger: '/var/lib/kubelab/undo',
} as const;
