import { pollChanges, requestApi } from '../observe/poll.js';
import { answeringProbe, kubeClient } from './probe.js';

const CONFIG_MAP = 'write-probe';

/** Whether a write goes through the API to etcd: a ConfigMap of the run's namespace patched every second. */
export const writesProbe = answeringProbe({
  name: 'writes',
  words: ['work', 'fail'],
  description: 'A write to the API (and so to etcd) works or fails.',
  describe: (word) => `API writes ${word}`,
  async start(run, answer) {
    const { namespace } = run;
    const { CoreV1Api } = await kubeClient();
    await run.config.makeApiClient(CoreV1Api).createNamespacedConfigMap({
      namespace,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CONFIG_MAP, namespace }, data: { at: '' } },
    });
    const path = `/api/v1/namespaces/${namespace}/configmaps/${CONFIG_MAP}`;
    return pollChanges(
      () => requestApi(run.config, 'PATCH', path, JSON.stringify({ data: { at: new Date().toISOString() } }), 3_000),
      (a) => (a.ok ? answer(true) : answer(false, a.error)),
    );
  },
});
