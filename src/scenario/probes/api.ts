import { pollChanges, requestApi } from '../observe/poll.js';
import { yesOrNo, type Probe } from './probe.js';

export type ApiCondition = { api: 'up' | 'down' };
export type ApiObservation = { type: 'api'; up: boolean; error?: string };

/** Whether the API server is ready: /readyz every second, each change an observation. */
export const apiProbe: Probe<ApiCondition, { answer: boolean | undefined }, ApiObservation, 'api-up'> = {
  name: 'api',
  runs: 'always',
  conditions: yesOrNo({
    key: 'api',
    words: ['up', 'down'],
    description: 'The Kubernetes API answers (up) or does not (down).',
    answer: (entry) => (entry.type === 'api' ? entry.up : undefined),
    describe: (word) => `the API ${word}`,
    precondition: 'api-up',
  }),
  async start(run) {
    return pollChanges(
      () => requestApi(run.config, 'GET', '/readyz', undefined, 2_000),
      (a) => run.emit(a.ok ? { type: 'api', up: true } : { type: 'api', up: false, error: a.error }),
    );
  },
};
