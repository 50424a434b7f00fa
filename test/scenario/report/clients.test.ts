/**
 * What the clients saw, summed up from their requests: answered, the longest run unanswered,
 * latency before, during and after the faults, the share answered every 10 s; and how the report
 * shows it (a section, a lane per client).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientSummaries, faultSpan, percentile } from '../../../src/scenario/report/clients.js';
import { computeLanes } from '../../../src/scenario/report/lanes.js';
import { renderMarkdown } from '../../../src/scenario/report/markdown.js';
import { renderTimelineSvg } from '../../../src/scenario/report/picture.js';
import type { TimedObservation } from '../../../src/scenario/types.js';
import { observed, reportWith } from '../../support/scenario-report.js';

/** Host requests every 250 ms from 0 to 30 s, unanswered from 12 s to 15 s (and one at 20 s); in-cluster ones all answered. */
function timeline(): TimedObservation[] {
  const entries: TimedObservation[] = [];
  // Before its first answer: a failure while the workload starts, which the summary leaves out.
  entries.push(observed(0, { type: 'request', client: 'host', ok: false, ms: 1000 }));
  entries.push(observed(1_000, { type: 'step', step: 'ready', phase: 'start', text: 'wait' }));
  // The crash takes effect as its step starts, before its injection is recorded.
  entries.push(observed(9_900, { type: 'step', step: 'cut', phase: 'start', text: 'fault' }));
  entries.push(observed(10_000, { type: 'fault', action: 'inject', id: 'f1', text: 'crash b', targets: ['b'] }));
  entries.push(observed(18_000, { type: 'fault', action: 'undo', id: 'f1', text: 'crash b', targets: ['b'] }));
  for (let t = 1_000; t < 30_000; t += 250) {
    const failed = (t >= 12_000 && t < 15_000) || t === 20_000;
    entries.push(observed(t, { type: 'request', client: 'host', ok: !failed, ms: failed ? 1000 : t < 10_000 ? 4 : 9 }));
    entries.push(observed(t + 100, { type: 'request', client: 'in-cluster', ok: true, ms: 2 }));
  }
  return entries.sort((a, b) => a.t - b.t);
}

describe('what the clients saw', () => {
  test('nearest-rank percentiles, and the faults’ span from the step that injected the first to the last undo', () => {
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5), 5);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99), 10);
    assert.equal(percentile([], 0.5), null);
    assert.deepEqual(faultSpan(timeline(), 30_000), { from: 9_900, to: 18_000 });
    assert.deepEqual(
      faultSpan(
        timeline().filter((o) => !(o.type === 'fault' && o.action === 'undo')),
        30_000,
      ),
      { from: 9_900, to: 30_000 },
    );
    // The injecting step's end and the next step's start in the millisecond the injection was
    // recorded (CI: a crash whose first failures fell before it were counted before the crash).
    const sameMillisecond = timeline().flatMap((o) =>
      o.type === 'fault' && o.action === 'inject'
        ? [
            o,
            observed(o.t, { type: 'step', step: 'cut', phase: 'done', text: 'fault' }),
            observed(o.t, { type: 'step', step: 'lost', phase: 'start', text: 'wait' }),
          ]
        : [o],
    );
    assert.deepEqual(faultSpan(sameMillisecond, 30_000), { from: 9_900, to: 18_000 });
  });

  test('per client, from its first answer: answered, the longest run unanswered, and the phases', () => {
    const [inCluster, host] = clientSummaries(timeline(), 30_000);
    assert.equal(inCluster?.client, 'in-cluster');
    assert.equal(inCluster?.answered, inCluster?.requests);
    assert.equal(inCluster?.longestFailure, null);
    assert.equal(host?.client, 'host');
    assert.equal(host?.requests, 116, 'the request before its first answer is left out');
    assert.equal(host?.answered, 116 - 13);
    assert.deepEqual(host?.longestFailure, { from: 12_000, to: 15_000, ended: true });
    assert.deepEqual(
      host?.phases.map((p) => [p.phase, p.requests, p.answered, p.p50, p.p99]),
      [
        ['before', 36, 36, 4, 4],
        ['during', 33, 21, 9, 9],
        ['after', 47, 46, 9, 9],
      ],
    );
    assert.deepEqual(host?.answeredByBucket, [1, 27 / 40, 1]);
  });

  test('the report: a section with a row per client, and a lane per client in the picture', () => {
    const report = reportWith(timeline(), 30_000);
    const markdown = renderMarkdown(report, 'timeline.svg');
    assert.match(markdown, /## What the clients saw/);
    assert.match(
      markdown,
      /\| the host's client \(a worker's NodePort\) \| 103 of 116 \(88 %\) \| 3\.0 s \(\+12\.0 s → \+15\.0 s\) \| p50 4 ms, p99 4 ms \(36 of 36 answered\) \|/,
    );
    assert.match(markdown, /- the host's client \(a worker's NodePort\): 100 % · 67 % · 100 %/);
    assert.deepEqual(
      computeLanes(report).clients.map((c) => [c.client, c.failures.length]),
      [
        ['in-cluster', 0],
        ['host', 3],
      ],
    );
    assert.match(renderTimelineSvg(report), /client host unanswered \+12\.0 s, answered again \+15\.0 s/);
    // Without a workload there are no requests, and no section.
    assert.doesNotMatch(renderMarkdown(reportWith([], 30_000), 'timeline.svg'), /What the clients saw/);
  });
});
