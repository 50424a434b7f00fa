import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeExpectations, resolveBound } from '../../src/scenario/bounds.js';
import type { Setting, StepResult } from '../../src/scenario/types.js';

const SETTINGS: Setting[] = [
  { name: 'node-monitor-grace-period', ms: 40_000, upstreamMs: 50_000, source: 'kube-controller-manager --node-monitor-grace-period=40s on cp' },
];
const step = (id: string, doneMs: number | null, result: StepResult['result'] = 'ok'): StepResult => ({
  id,
  text: id,
  startedMs: 0,
  doneMs,
  atMs: doneMs,
  result,
});

describe('expectations', () => {
  test('a bound made of a live setting reads with its arithmetic and its source', () => {
    assert.deepEqual(resolveBound({ setting: 'node-monitor-grace-period', plus: '10s' }, SETTINGS), {
      ms: 50_000,
      text: 'node-monitor-grace-period (40s) + 10s = 50s',
      source: 'node-monitor-grace-period: kube-controller-manager --node-monitor-grace-period=40s on cp',
    });
    assert.equal(resolveBound({ setting: 'node-monitor-grace-period', times: 2, minus: '5s' }, SETTINGS).ms, 75_000);
    assert.equal(resolveBound('90s', SETTINGS).ms, 90_000);
  });

  test("measured from one step's moment to another's; inside the bounds passes, outside fails, a step that never finished is not measured", () => {
    const steps = [step('crash', 1_000), step('not-ready', 43_000), step('ready', null, 'timeout')];
    const [inside, outside, missing] = judgeExpectations(
      [
        {
          name: 'in',
          from: 'crash',
          to: 'not-ready',
          atLeast: { setting: 'node-monitor-grace-period', minus: '12s' },
          atMost: { setting: 'node-monitor-grace-period', plus: '10s' },
        },
        { name: 'out', from: 'crash', to: 'not-ready', atMost: '30s' },
        { name: 'never', from: 'crash', to: 'ready', atMost: '1m' },
      ],
      steps,
      SETTINGS,
      () => assert.fail('no expectation here measures a condition'),
    );
    assert.equal(inside?.measuredMs, 42_000);
    assert.equal(inside?.verdict, 'pass');
    assert.equal(inside?.expected, '≥ node-monitor-grace-period (40s) − 12s = 28s and ≤ node-monitor-grace-period (40s) + 10s = 50s');
    assert.deepEqual(inside?.sources, ['node-monitor-grace-period: kube-controller-manager --node-monitor-grace-period=40s on cp']);
    assert.equal(outside?.verdict, 'fail');
    assert.equal(missing?.verdict, 'not-measured');
    assert.equal(missing?.measuredMs, null);
  });

  test('with `longest` or `span`, a condition between the steps is measured as asked; a bound on a setting the lab lacks is not measured', () => {
    const steps = [step('crash', 1_000), step('back', 61_000)];
    const seen: [string, unknown, number, number][] = [];
    const [longest, span, lacking] = judgeExpectations(
      [
        { name: 'outage', from: 'crash', to: 'back', longest: { api: 'down' }, atMost: '10s' },
        { name: 'failing now and then', from: 'crash', to: 'back', span: { traffic: 'fails', client: 'host' }, atMost: '10s' },
        { name: 'endpoint', from: 'crash', to: 'back', atMost: { setting: 'endpoint-detection-time' } },
      ],
      steps,
      SETTINGS,
      (how, condition, fromMs, toMs) => {
        seen.push([how, condition, fromMs, toMs]);
        return how === 'longest' ? { ms: 4_000, text: 'the API down' } : { ms: 12_000, text: 'host unanswered' };
      },
    );
    assert.deepEqual(seen, [
      ['longest', { api: 'down' }, 1_000, 61_000],
      ['span', { traffic: 'fails', client: 'host' }, 1_000, 61_000],
    ]);
    assert.equal(longest?.measuredMs, 4_000);
    assert.equal(longest?.longest, 'the API down');
    assert.equal(longest?.verdict, 'pass');
    assert.equal(span?.span, 'host unanswered');
    assert.equal(span?.measuredMs, 12_000);
    assert.equal(span?.verdict, 'fail');
    assert.equal(lacking?.verdict, 'not-measured');
    assert.equal(lacking?.expected, 'bounded by endpoint-detection-time, which this lab does not have');
  });
});
