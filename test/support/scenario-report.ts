import fs from 'node:fs';
import path from 'node:path';
import type { Observation, ScenarioReport, TimedObservation } from '../../src/scenario/types.js';
import { fixturesDir } from './paths.js';

export const reportFixture = path.join(fixturesDir, 'scenario', 'report.json');

/** The worker power-loss report, fresh for each caller so that a test may change it. */
export function loadReport(): ScenarioReport {
  return JSON.parse(fs.readFileSync(reportFixture, 'utf8')) as ScenarioReport;
}

const START = Date.parse('2025-05-14T10:00:00.000Z');

export function observed(t: number, observation: Observation): TimedObservation {
  return { ...observation, at: new Date(START + t).toISOString(), t };
}

/** A report around a hand-made timeline: two nodes, nothing else, ending at `endMs`. */
export function reportWith(timeline: TimedObservation[], endMs = 60_000): ScenarioReport {
  return {
    version: 1,
    scenario: { name: 'made-up', title: 'Made up', description: 'A timeline made by a test.', file: 'made-up.yaml' },
    lab: {
      name: 'lab',
      provider: 'docker',
      kubernetesVersion: 'v1.31.6-rancher1-1',
      nodes: [
        { name: 'a', roles: ['controlplane', 'etcd'] },
        { name: 'b', roles: ['worker'] },
      ],
    },
    picked: {},
    startedAt: new Date(START).toISOString(),
    endedAt: new Date(START + endMs).toISOString(),
    verdict: 'pass',
    settings: [],
    variants: [],
    steps: [],
    expectations: [],
    notes: [],
    timeline,
  };
}
