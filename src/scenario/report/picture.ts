/**
 * The timeline picture: one lane per node (Ready over time), then faults, the API and etcd's
 * leader, over a time axis in seconds, with the steps' ends as vertical lines. Self-contained SVG,
 * the same bytes for the same report.
 */
import type { ScenarioReport } from '../types.js';
import { at, faultLabel } from './format.js';
import { computeLanes, type FaultBar, type Interval, type Lanes, type Outage, type ReadyStatus, type StepMark } from './lanes.js';
import { fit, group, line, num, polygon, rect, text, title, type Attributes } from './svg.js';

const WIDTH = 1000;
const PLOT_LEFT = 150;
const PLOT_RIGHT = 980;
const LANE_HEIGHT = 28;
const BAR_HEIGHT = 18;
const FONT_SIZE = 11;
/** Average width of a character at FONT_SIZE in a sans-serif face: enough to keep labels from overlapping. */
const CHAR_WIDTH = 6.4;
const STEP_LEVEL_HEIGHT = 14;
const MAX_STEP_LEVELS = 4;

const COLOURS = {
  True: '#2e9e44',
  False: '#d33a2c',
  Unknown: '#9e9e9e',
  lane: '#f3f3f3',
  fault: '#e8833a',
  apiDown: '#d33a2c',
  leader: '#4a78c2',
  noLeader: '#d33a2c',
  change: '#222222',
  step: '#555555',
  grid: '#dddddd',
  ink: '#222222',
  faint: '#777777',
} as const;

const READY_LABEL: Record<ReadyStatus, string> = { True: 'Ready', False: 'NotReady', Unknown: 'Unknown' };

interface Scale {
  x: (ms: number) => number;
  endMs: number;
}

function scaleFor(endMs: number): Scale {
  // A run of no length still gets an axis: one second wide.
  const span = Math.max(endMs, 1000);
  return { endMs: span, x: (ms) => PLOT_LEFT + (Math.min(Math.max(ms, 0), span) / span) * (PLOT_RIGHT - PLOT_LEFT) };
}

const TICK_STEPS_S = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

/** Tick positions in ms: the smallest round step that gives at most ten intervals. */
export function ticks(endMs: number): number[] {
  const endS = Math.max(endMs, 1000) / 1000;
  const step = TICK_STEPS_S.find((s) => endS / s <= 10) ?? Math.ceil(endS / 10 / 3600) * 3600;
  const out: number[] = [];
  for (let s = 0; s <= endS + 1e-9; s += step) out.push(s * 1000);
  return out;
}

/** A labelled bar within a lane; the label is dropped or shortened when the bar is too narrow for it. */
function bar(scale: Scale, from: number, to: number, y: number, fill: string, label: string, tooltip: string, attrs: Attributes = {}): string {
  const x1 = scale.x(from);
  const width = Math.max(scale.x(to) - x1, 1);
  const shown = fit(label, width - 6, CHAR_WIDTH);
  const parts = [rect(x1, y, width, BAR_HEIGHT, { fill, ...attrs }, tooltip)];
  if (shown) parts.push(text(x1 + 3, y + BAR_HEIGHT / 2 + 4, shown, { fill: '#ffffff', 'pointer-events': 'none' }));
  return group(parts);
}

function laneFrame(y: number, height: number, label: string, sublabel?: string, tooltip?: string): string {
  // Translucent, so that the time grid drawn beneath shows through where no bar covers it.
  const parts = [rect(PLOT_LEFT, y + 2, PLOT_RIGHT - PLOT_LEFT, height - 4, { fill: COLOURS.lane, 'fill-opacity': 0.6 })];
  const labelY = sublabel === undefined ? y + height / 2 + 4 : y + height / 2;
  parts.push(
    group(
      [text(PLOT_LEFT - 8, labelY, fit(label, PLOT_LEFT - 16, CHAR_WIDTH), { 'text-anchor': 'end', fill: COLOURS.ink })].concat(
        tooltip ? [title(tooltip)] : [],
      ),
    ),
  );
  if (sublabel !== undefined) {
    parts.push(
      text(PLOT_LEFT - 8, labelY + 11, fit(sublabel, PLOT_LEFT - 16, CHAR_WIDTH * 0.8), { 'text-anchor': 'end', fill: COLOURS.faint, 'font-size': 9 }),
    );
  }
  return group(parts);
}

function nodeLane(scale: Scale, y: number, node: string, roles: string[], intervals: Interval<ReadyStatus>[]): string {
  const barY = y + (LANE_HEIGHT - BAR_HEIGHT) / 2;
  const parts = [laneFrame(y, LANE_HEIGHT, node, roles.join(', '), `${node} (${roles.join(', ')})`)];
  if (intervals.length === 0) parts.push(text(PLOT_LEFT + 6, barY + BAR_HEIGHT / 2 + 4, 'not observed', { fill: COLOURS.faint }));
  for (const i of intervals) {
    const label = READY_LABEL[i.value];
    parts.push(bar(scale, i.from, i.to, barY, COLOURS[i.value], label, `${node}: ${label} ${at(i.from)} → ${at(i.to)}`));
  }
  return group(parts, { class: 'lane node', 'data-node': node });
}

/** Overlapping faults go on separate rows: each to the first row free at its start. */
export function faultRows(faults: FaultBar[]): number[] {
  const rowEnds: number[] = [];
  return faults.map((f) => {
    let row = rowEnds.findIndex((end) => end <= f.from);
    if (row < 0) row = rowEnds.push(f.to) - 1;
    else rowEnds[row] = f.to;
    return row;
  });
}

function faultLane(scale: Scale, y: number, faults: FaultBar[], rows: number[], height: number): string {
  const parts = [laneFrame(y, height, 'faults')];
  faults.forEach((f, i) => {
    const barY = y + (LANE_HEIGHT - BAR_HEIGHT) / 2 + (rows[i] ?? 0) * LANE_HEIGHT;
    const end = f.undone ? `undone ${at(f.to)}` : 'not undone when the run ended';
    const attrs = f.undone ? {} : { stroke: COLOURS.ink, 'stroke-dasharray': '4 2' };
    const label = faultLabel(f.text, f.targets);
    parts.push(bar(scale, f.from, f.to, barY, COLOURS.fault, label, `${label}: injected ${at(f.from)}, ${end}`, attrs));
  });
  return group(parts, { class: 'lane faults' });
}

const API_WORDS = { down: 'down', back: 'up again', still: 'still down when the run ended' };
const CLIENT_WORDS = { down: 'unanswered', back: 'answered again', still: 'still unanswered when the run ended' };

/** Outages in one lane: the API as clients get it ('API'), one API server asked directly, or a client's unanswered requests. */
function outageLane(scale: Scale, y: number, label: string, outages: readonly Outage[], words = API_WORDS): string {
  const barY = y + (LANE_HEIGHT - BAR_HEIGHT) / 2;
  const parts = [laneFrame(y, LANE_HEIGHT, label)];
  for (const o of outages) {
    const until = o.ended ? `${words.back} ${at(o.to)}` : words.still;
    const why = o.error !== undefined ? ` (${o.error})` : '';
    parts.push(bar(scale, o.from, o.to, barY, COLOURS.apiDown, words.down, `${label} ${words.down} ${at(o.from)}, ${until}${why}`));
  }
  return group(parts, { class: 'lane api' });
}

function etcdLane(scale: Scale, y: number, lanes: Lanes): string {
  const barY = y + (LANE_HEIGHT - BAR_HEIGHT) / 2;
  const parts = [laneFrame(y, LANE_HEIGHT, 'etcd leader')];
  for (const i of lanes.etcd.leaders) {
    const label = i.value ?? 'no leader';
    parts.push(
      bar(scale, i.from, i.to, barY, i.value === null ? COLOURS.noLeader : COLOURS.leader, label, `etcd leader: ${label} ${at(i.from)} → ${at(i.to)}`),
    );
  }
  for (const c of lanes.etcd.changes) {
    const x = scale.x(c.t);
    const diamond: [number, number][] = [
      [x, y],
      [x + 5, y + 5],
      [x, y + 10],
      [x - 5, y + 5],
    ];
    parts.push(polygon(diamond, { fill: COLOURS.change, class: 'leader-change' }, `new etcd leader ${at(c.t)}: ${c.previous} → ${c.leader}`));
  }
  return group(parts, { class: 'lane etcd' });
}

/** Step labels, each on the first level where it does not run into the one before it. */
function stepLabelLevels(scale: Scale, marks: StepMark[]): { anchorEnd: boolean; level: number }[] {
  const levelEnds: number[] = [];
  return marks.map((m) => {
    const x = scale.x(m.t);
    const width = [...m.step].length * CHAR_WIDTH;
    const anchorEnd = x + 3 + width > WIDTH - 4;
    const [left, right] = anchorEnd ? [x - 3 - width, x] : [x, x + 3 + width];
    let level = levelEnds.findIndex((end) => end + 6 <= left);
    if (level < 0 && levelEnds.length < MAX_STEP_LEVELS) level = levelEnds.length;
    // Every level taken: the one that ends soonest, overlapping as little as can be.
    if (level < 0) level = levelEnds.indexOf(Math.min(...levelEnds));
    levelEnds[level] = right;
    return { anchorEnd, level };
  });
}

function stepMarks(scale: Scale, marks: StepMark[], labelsTop: number, levels: number, bottom: number): string {
  const placed = stepLabelLevels(scale, marks);
  const parts = marks.map((m, i) => {
    const { anchorEnd, level } = placed[i]!;
    const x = scale.x(m.t);
    const labelY = labelsTop + (levels - level) * STEP_LEVEL_HEIGHT - 3;
    return group(
      [
        line(x, labelY + 3, x, bottom, { stroke: COLOURS.step, 'stroke-width': 1, 'stroke-dasharray': '3 3' }),
        text(anchorEnd ? x - 3 : x + 3, labelY, m.step, { fill: COLOURS.step, ...(anchorEnd ? { 'text-anchor': 'end' } : {}) }),
        title(`${m.step} done ${at(m.t)}: ${m.text}`),
      ],
      { class: 'step' },
    );
  });
  return group(parts, { class: 'steps' });
}

function axis(scale: Scale, top: number, bottom: number): string {
  const parts: string[] = [];
  for (const t of ticks(scale.endMs)) {
    const x = scale.x(t);
    parts.push(line(x, top, x, bottom, { stroke: COLOURS.grid, 'stroke-width': 1 }));
    parts.push(line(x, bottom, x, bottom + 4, { stroke: COLOURS.ink }));
    parts.push(text(x, bottom + 16, `${num(t / 1000)} s`, { 'text-anchor': 'middle', fill: COLOURS.ink }));
  }
  parts.push(line(PLOT_LEFT, bottom, PLOT_RIGHT, bottom, { stroke: COLOURS.ink }));
  return group(parts, { class: 'axis' });
}

function legend(y: number): string {
  const entries: [string, string][] = [
    ['Ready', COLOURS.True],
    ['NotReady', COLOURS.False],
    ['Unknown', COLOURS.Unknown],
    ['fault', COLOURS.fault],
    ['API down, unanswered', COLOURS.apiDown],
    ['etcd leader', COLOURS.leader],
    ['no etcd leader', COLOURS.noLeader],
  ];
  let x = PLOT_LEFT;
  const parts: string[] = [];
  for (const [label, fill] of entries) {
    parts.push(rect(x, y, 12, 12, { fill }), text(x + 16, y + 10, label, { fill: COLOURS.ink }));
    x += 16 + label.length * CHAR_WIDTH + 14;
  }
  parts.push(
    polygon(
      [
        [x + 5, y],
        [x + 10, y + 5],
        [x + 5, y + 10],
        [x, y + 5],
      ],
      { fill: COLOURS.change },
    ),
    text(x + 14, y + 10, 'new leader', { fill: COLOURS.ink }),
  );
  x += 14 + 'new leader'.length * CHAR_WIDTH + 14;
  parts.push(line(x + 5, y - 1, x + 5, y + 13, { stroke: COLOURS.step, 'stroke-dasharray': '3 3' }), text(x + 12, y + 10, 'step done', { fill: COLOURS.ink }));
  return group(parts, { class: 'legend' });
}

export function renderTimelineSvg(report: ScenarioReport): string {
  const lanes = computeLanes(report);
  const scale = scaleFor(lanes.endMs);
  const heading = `${report.scenario.title} — ${report.verdict.toUpperCase()}`;

  const levels = lanes.steps.length === 0 ? 0 : Math.max(...stepLabelLevels(scale, lanes.steps).map((p) => p.level)) + 1;
  const labelsTop = 30;
  let y = labelsTop + levels * STEP_LEVEL_HEIGHT + 6;
  const lanesTop = y;

  const body: string[] = [];
  const roles = new Map(report.lab.nodes.map((n) => [n.name, n.roles]));
  for (const n of lanes.nodes) {
    body.push(nodeLane(scale, y, n.node, roles.get(n.node) ?? [], n.ready));
    y += LANE_HEIGHT;
  }
  const rows = faultRows(lanes.faults);
  const faultHeight = LANE_HEIGHT * Math.max(1, ...rows.map((r) => r + 1));
  body.push(faultLane(scale, y, lanes.faults, rows, faultHeight));
  y += faultHeight;
  body.push(outageLane(scale, y, 'API', lanes.api));
  y += LANE_HEIGHT;
  for (const { server, outages } of lanes.apiServers) {
    body.push(outageLane(scale, y, `API ${server}`, outages));
    y += LANE_HEIGHT;
  }
  body.push(etcdLane(scale, y, lanes));
  y += LANE_HEIGHT;
  for (const { client, failures } of lanes.clients) {
    body.push(outageLane(scale, y, `client ${client}`, failures, CLIENT_WORDS));
    y += LANE_HEIGHT;
  }
  const lanesBottom = y;
  const height = lanesBottom + 28 + 24;

  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${num(height)}" viewBox="0 0 ${WIDTH} ${num(height)}" font-family="sans-serif" font-size="${FONT_SIZE}">`,
    title(`${heading}: timeline`),
    rect(0, 0, WIDTH, height, { fill: '#ffffff' }),
    text(PLOT_LEFT, 18, fit(heading, PLOT_RIGHT - PLOT_LEFT, CHAR_WIDTH * 1.2), { 'font-size': 13, 'font-weight': 'bold', fill: COLOURS.ink }),
    axis(scale, lanesTop, lanesBottom),
    ...body,
    stepMarks(scale, lanes.steps, labelsTop, levels, lanesBottom),
    legend(lanesBottom + 30),
    '</svg>',
  ];
  return svg.join('\n') + '\n';
}
