import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { faultLabel } from '../../../src/scenario/report/format.js';
import { mdCell, mdCode, renderMarkdown } from '../../../src/scenario/report/markdown.js';
import { loadReport, observed } from '../../support/scenario-report.js';

/** The table row whose first cell is `first`, split into its cells (escaped pipes kept in them). */
function row(markdown: string, first: string): string[] {
  const line = markdown.split('\n').find((l) => l.startsWith(`| ${first} |`));
  assert.ok(line, `a row for ${first}`);
  return cells(line);
}

function cells(line: string): string[] {
  return line
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** Every table's rows have as many cells as its header, so no text broke out of its cell. */
function assertTablesAligned(markdown: string): void {
  const lines = markdown.split('\n');
  let width: number | undefined;
  for (const [i, line] of lines.entries()) {
    if (!line.startsWith('|')) {
      width = undefined;
      continue;
    }
    assert.ok(line.endsWith('|'), `line ${i + 1} ends its row: ${line}`);
    width ??= cells(line).length;
    assert.equal(cells(line).length, width, `line ${i + 1}: ${line}`);
  }
}

describe('the Markdown report', () => {
  const markdown = renderMarkdown(loadReport(), 'timeline.svg');

  test('opens with the title, the verdict in words, and the variant before anything else', () => {
    const lines = markdown.split('\n');
    assert.equal(lines[0], '# A worker loses power');
    assert.match(lines[2]!, /^\*\*Verdict: .*FAIL\*\* — 2 of 4 expectations passed, 1 failed, 1 not measured, 1 step did not complete$/);
    const variant = markdown.indexOf('instead of the cluster');
    assert.ok(variant > 0 && variant < markdown.indexOf('Cuts the power of a worker'), 'the variant comes before the description');
    assert.match(markdown, /^> - The workload tolerates an unreachable node for 30 s/m);
  });

  test('lists the lab with its roles and the picked variables', () => {
    assert.deepEqual(row(markdown, 'worker-1'), ['worker-1', 'worker', '$victim']);
    assert.deepEqual(row(markdown, 'cp'), ['cp', 'controlplane, etcd', '']);
    assert.match(markdown, /^- `\$victim` = worker-1$/m);
  });

  test('shows the picture', () => {
    assert.match(markdown, /^!\[timeline\]\(timeline\.svg\)$/m);
    assert.match(renderMarkdown(loadReport(), 'run 1/time(line).svg'), /^!\[timeline\]\(run%201\/time%28line%29\.svg\)$/m);
  });

  test('has one row per expectation with its measurement and its verdict in words', () => {
    assert.deepEqual(row(markdown, 'NotReady after the grace period').slice(1, 5), [
      'crash → notready',
      '40.2 s',
      '≥ node-monitor-grace-period (40 s) − 10 s = 30 s, ≤ node-monitor-grace-period (40 s) + 20 s = 60 s',
      '✅ PASS',
    ]);
    assert.match(row(markdown, 'Ready soon after power-on')[4]!, /\bFAIL$/);
    assert.deepEqual(row(markdown, 'taint lifted after Ready').slice(2, 6), [
      '—',
      '≤ node-monitor-period (5 s) + 5 s = 10 s',
      '➖ not measured',
      'kube-controller-manager default (no flag on cp)',
    ]);
  });

  test("shows a setting's upstream default only where the lab's differs", () => {
    assert.deepEqual(row(markdown, 'unreachable-toleration').slice(1, 3), ['30s', '5m']);
    assert.deepEqual(row(markdown, 'etcd-election-timeout').slice(1, 3), ['5s', '1s']);
    assert.deepEqual(row(markdown, 'node-monitor-grace-period').slice(1, 3), ['40s', '']);
  });

  test('lists the steps with their times and results', () => {
    assert.deepEqual(row(markdown, 'notready').slice(2), ['+5.8 s', '+45.2 s', 'ok', '']);
    assert.deepEqual(row(markdown, 'untainted').slice(2), ['+110.0 s', '—', 'TIMEOUT', 'timed out after 10s']);
  });

  test('condenses the timeline: changes only, in order, and lease renewals as a count per node', () => {
    const events = markdown
      .split('\n')
      .filter((l) => /^\| \+[0-9.]+ s \|/.test(l))
      .map(cells);
    const times = events.map((e) => Number(e[0]!.slice(1, -2)));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.deepEqual(
      events.filter((e) => e[1] === 'api').map((e) => [e[0], e[2]!.slice(0, 8)]),
      [
        ['+0.0 s', 'API down'],
        ['+2.0 s', 'API up'],
      ],
      'the repeated failure and the repeated successes are merged',
    );
    assert.equal(events.filter((e) => e[1] === 'etcd').length, 2, 'a leader and its health, once each');
    assert.deepEqual(
      events.filter((e) => e[2]!.startsWith('worker-1: ')).map((e) => `${e[0]} ${e[2]}`),
      [
        '+0.0 s worker-1: Ready',
        '+45.2 s worker-1: Ready unknown (node stopped reporting)',
        '+45.2 s worker-1: MemoryPressure=Unknown',
        '+45.2 s worker-1: DiskPressure=Unknown',
        '+45.2 s worker-1: PIDPressure=Unknown',
        '+45.3 s worker-1: taint node.kubernetes.io/unreachable:NoSchedule added',
        '+45.3 s worker-1: taint node.kubernetes.io/unreachable:NoExecute added',
        '+104.0 s worker-1: NotReady',
        '+104.0 s worker-1: MemoryPressure=False',
        '+104.0 s worker-1: DiskPressure=False',
        '+104.0 s worker-1: PIDPressure=False',
        '+110.0 s worker-1: Ready',
        '+122.0 s worker-1: taint node.kubernetes.io/unreachable:NoSchedule removed',
        '+122.0 s worker-1: taint node.kubernetes.io/unreachable:NoExecute removed',
      ],
    );
    assert.ok(!events.some((e) => /renew/i.test(e[2]!)));
    assert.match(markdown, /^- worker-1: 5 renewals, the last at \+121\.0 s; longest gap 96\.7 s \(\+4\.3 s → \+101\.0 s\)$/m);
    assert.match(markdown, /^- cp: 13 renewals, the last at \+120\.4 s; longest gap 10\.0 s/m);
  });

  test('keeps every table row aligned with its header', () => {
    assertTablesAligned(markdown);
  });

  test('keeps text from the scenario and the cluster inside its cell, and raw HTML out', () => {
    const report = loadReport();
    report.expectations[0]!.name = 'a|b\nc\\';
    report.expectations[0]!.expected = '<script>alert(1)</script>';
    report.steps[0]!.message = 'line one\r\nline | two';
    report.lab.nodes[2]!.name = 'w|2';
    report.timeline.push(observed(125_000, { type: 'probe', probe: 'dns', ok: false, error: 'no | such\nhost' }));
    const hostile = renderMarkdown(report, 'timeline.svg');
    assertTablesAligned(hostile);
    assert.equal(row(hostile, 'a\\|b<br>c\\\\')[3], '&lt;script>alert(1)&lt;/script>');
    assert.equal(row(hostile, 'crash')[5], 'line one<br>line \\| two');
    assert.match(hostile, /^\| \+125\.0 s \| probe \| dns probe failed: no \\\| such<br>host \|$/m);
    assert.doesNotMatch(hostile, /<script/);
  });
});

describe('a fault in a report', () => {
  test('is named by its description, with its nodes only where the description lacks them', () => {
    assert.equal(faultLabel('pause etcd on cp-1', ['cp-1']), 'pause etcd on cp-1');
    assert.equal(faultLabel('partition worker-1,worker-2 <-> cp', ['worker-1', 'worker-2', 'cp']), 'partition worker-1,worker-2 <-> cp');
    // A report written before descriptions named their nodes.
    assert.equal(faultLabel('power loss (vagrant halt --force)', ['worker-1']), 'power loss (vagrant halt --force) on worker-1');
    assert.equal(faultLabel('undo f1 (crash)', []), 'undo f1 (crash)');
  });
});

describe('Markdown escaping', () => {
  test('cells escape pipes, backslashes, line breaks and tags', () => {
    assert.equal(mdCell('a | b'), 'a \\| b');
    assert.equal(mdCell('ends in \\'), 'ends in \\\\');
    assert.equal(mdCell('1\n2\r\n3'), '1<br>2<br>3');
    assert.equal(mdCell('<b>'), '&lt;b>');
  });

  test('inline code holds backticks', () => {
    assert.equal(mdCode('plain'), '`plain`');
    assert.equal(mdCode('a `b` c'), '``a `b` c``');
    assert.equal(mdCode('`x'), '`` `x ``');
  });
});
