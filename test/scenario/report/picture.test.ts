import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderTimelineSvg, ticks } from '../../../src/scenario/report/picture.js';
import { loadReport, observed, reportWith } from '../../support/scenario-report.js';
import { haveXmllint, xmllintErrors, xmlProblem } from '../../support/xml.js';

/** The fills of the bars in one node's lane, left to right (the first rect is the lane's background). */
function laneFills(svg: string, node: string): string[] {
  const start = svg.indexOf(`<g class="lane node" data-node="${node}">`);
  assert.ok(start >= 0, `a lane for ${node}`);
  const lane = svg.slice(start, svg.indexOf('\n', start));
  return [...lane.matchAll(/<rect [^>]*fill="(#[0-9a-f]{6})"(?! fill-opacity)/g)].map((m) => m[1]!);
}

function hostileReport() {
  const report = loadReport();
  report.scenario.title = 'Title <b>&</b>';
  report.lab.nodes[1]!.name = 'w1"><script>alert(1)</script>';
  report.timeline.push(
    observed(50_000, { type: 'node-ready', node: report.lab.nodes[1]!.name, status: 'False' }),
    observed(60_000, { type: 'fault', action: 'inject', id: 'evil', text: '<script>&"\' \u0001', targets: ["<img src=x onerror='1'>"] }),
    observed(61_000, { type: 'step', step: 'x</text><script>', phase: 'done', text: '& more' }),
  );
  return report;
}

describe('the timeline picture', () => {
  const svg = renderTimelineSvg(loadReport());

  test('is one well-formed SVG document', () => {
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="1000" /);
    assert.equal(xmlProblem(svg), undefined);
  });

  test('passes xmllint', { skip: haveXmllint ? false : 'no /usr/bin/xmllint' }, () => {
    assert.equal(xmllintErrors(svg), '');
  });

  test('has one lane per lab node, in the lab order, and the faults, API and etcd lanes', () => {
    assert.deepEqual(
      [...svg.matchAll(/<g class="lane node" data-node="([^"]*)">/g)].map((m) => m[1]),
      ['cp', 'worker-1', 'worker-2'],
    );
    for (const lane of ['faults', 'api', 'etcd']) assert.equal(svg.split(`<g class="lane ${lane}">`).length - 1, 1, lane);
  });

  test("colours each node's Ready intervals: green, grey for Unknown, red for NotReady", () => {
    assert.deepEqual(laneFills(svg, 'cp'), ['#2e9e44']);
    assert.deepEqual(laneFills(svg, 'worker-1'), ['#2e9e44', '#9e9e9e', '#d33a2c', '#2e9e44']);
    assert.match(svg, /<title>worker-1: Unknown \+45\.2 s → \+104\.0 s<\/title>/);
  });

  test('labels the fault, the outage, the leader and each step that was done', () => {
    assert.match(svg, /<text [^>]*>power loss \(vagrant halt --force\) on worker-1<\/text>/);
    assert.match(svg, /<title>API down \+0\.0 s, up again \+2\.0 s \(Get &quot;https:/);
    assert.match(svg, /<text [^>]*>cp<\/text><\/g><\/g>/);
    assert.deepEqual(
      [...svg.matchAll(/<g class="step">.*?<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]),
      ['crash', 'notready', 'tainted', 'moved', 'start', 'ready'],
    );
  });

  test('has a time axis in round seconds up to the end of the run', () => {
    assert.deepEqual(
      [...svg.matchAll(/<text [^>]*text-anchor="middle"[^>]*>([0-9]+) s<\/text>/g)].map((m) => Number(m[1])),
      [0, 15, 30, 45, 60, 75, 90, 105, 120],
    );
    assert.deepEqual(ticks(0), [0, 1000]);
    assert.deepEqual(
      ticks(9_000),
      [...Array(10).keys()].map((s) => s * 1000),
    );
    assert.equal(ticks(3_600_000)[1], 600_000);
  });

  test('marks each change of etcd leader', () => {
    const etcd = (t: number, leader: string | null) => observed(t, { type: 'etcd', leader, term: null, healthy: [], unhealthy: [] });
    const changed = renderTimelineSvg(reportWith([etcd(0, 'a'), etcd(5000, null), etcd(9000, 'b'), etcd(20_000, 'a')]));
    assert.equal(changed.split('class="leader-change"').length - 1, 2);
    assert.match(changed, /<title>etcd leader: no leader \+5\.0 s → \+9\.0 s<\/title>/);
    assert.match(changed, /<title>new etcd leader \+9\.0 s: a → b<\/title>/);
    assert.equal(svg.split('class="leader-change"').length - 1, 0);
  });

  test('escapes text from the scenario, the lab and the cluster, and stays well-formed', () => {
    const hostile = renderTimelineSvg(hostileReport());
    assert.doesNotMatch(hostile, /<script|<img|<b>/);
    assert.match(hostile, /&lt;script&gt;&amp;&quot;&apos;/);
    assert.match(hostile, /data-node="w1&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    assert.doesNotMatch(hostile, /\u0001/);
    assert.equal(xmlProblem(hostile), undefined);
    if (haveXmllint) assert.equal(xmllintErrors(hostile), '');
  });

  test('is the same bytes for the same report', () => {
    assert.equal(renderTimelineSvg(loadReport()), svg);
  });
});

describe('the well-formedness check the tests rely on', () => {
  test('finds what would break a document', () => {
    assert.equal(xmlProblem('<svg><g><text>a &amp; b</text></g></svg>'), undefined);
    assert.notEqual(xmlProblem('<svg><text><script>x</text></svg>'), undefined);
    assert.notEqual(xmlProblem('<svg><text>a & b</text></svg>'), undefined);
    assert.notEqual(xmlProblem('<svg><g></svg>'), undefined);
    assert.notEqual(xmlProblem('<svg a="1"/><svg/>'), undefined);
  });
});
