import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeLanes } from '../../../src/scenario/report/lanes.js';
import { renderTimelineSvg } from '../../../src/scenario/report/picture.js';
import { condenseTimeline } from '../../../src/scenario/report/timeline-table.js';
import type { ScenarioReport } from '../../../src/scenario/types.js';
import { observed, reportWith } from '../../support/scenario-report.js';

/** A lab of three controlplane nodes behind its API endpoint: cp-1 loses its power from 10 s to 40 s. */
function haReport(): ScenarioReport {
  const report = reportWith(
    [
      observed(0, { type: 'api', up: true }),
      observed(0, { type: 'api', up: true, server: 'cp-1' }),
      observed(0, { type: 'api', up: true, server: 'cp-2' }),
      observed(11_000, { type: 'api', up: false, error: 'EHOSTUNREACH', server: 'cp-1' }),
      observed(40_000, { type: 'api', up: true, server: 'cp-1' }),
    ],
    60_000,
  );
  report.lab.nodes = [
    { name: 'cp-1', roles: ['etcd', 'controlplane'] },
    { name: 'cp-2', roles: ['etcd', 'controlplane'] },
    { name: 'w', roles: ['worker'] },
    { name: 'lb', roles: ['loadbalancer'] },
  ];
  return report;
}

test("each API server asked directly has its lane of outages; the clients' API, through the endpoint, its own", () => {
  const lanes = computeLanes(haReport());
  assert.deepEqual(lanes.api, [], 'through the endpoint the API never went');
  assert.deepEqual(lanes.apiServers, [
    { server: 'cp-1', outages: [{ from: 11_000, to: 40_000, ended: true, error: 'EHOSTUNREACH' }] },
    { server: 'cp-2', outages: [] },
  ]);
  assert.deepEqual(
    lanes.nodes.map((n) => n.node),
    ['cp-1', 'cp-2', 'w'],
    "the endpoint's machine is no Kubernetes node: no Ready lane",
  );
});

test('the picture has one API lane per API server after the API lane, and the table names the server', () => {
  const svg = renderTimelineSvg(haReport());
  assert.equal(svg.split('<g class="lane api">').length - 1, 3);
  assert.ok(svg.indexOf('>API cp-1<') > svg.indexOf('>API<'), svg);
  assert.match(svg, /API cp-1 down \+11\.0 s, up again \+40\.0 s \(EHOSTUNREACH\)/);
  assert.deepEqual(
    condenseTimeline(haReport().timeline).map((e) => e.text),
    ['API up', 'API server cp-1 up', 'API server cp-2 up', 'API server cp-1 down: EHOSTUNREACH', 'API server cp-1 up'],
    'each server is a subject of its own: cp-2 up does not hide cp-1 up',
  );
});

test('a lab of one controlplane node keeps the one API lane its reports always had', () => {
  const lanes = computeLanes(reportWith([observed(0, { type: 'api', up: true })]));
  assert.deepEqual(lanes.apiServers, []);
});
