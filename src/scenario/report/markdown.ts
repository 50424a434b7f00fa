/**
 * The Markdown report. Every string is made here; templates/scenario-report.md.hbs only lays them
 * out. Text from the scenario, the lab or the cluster is escaped for where it lands: a table cell,
 * or running text.
 */
import Handlebars from 'handlebars';
import fs from 'node:fs';
import path from 'node:path';
import { templatesDir } from '../../paths.js';
import { formatDuration } from '../../units.js';
import type { ExpectationResult, ScenarioReport, StepResult, Verdict } from '../types.js';
import { at, seconds, settingDuration } from './format.js';
import { runEndMs, sortedTimeline } from './lanes.js';
import { clientSummaries, type PhaseFigures } from './clients.js';
import { condenseTimeline, leaseRenewals } from './timeline-table.js';
import { CLIENT_WORDS } from '../probes/traffic.js';

export const MARKDOWN_TEMPLATE = 'scenario-report.md.hbs';

/** Running text: raw HTML would be rendered by most viewers, so `<` is written as an entity. */
export function mdText(value: string): string {
  return value.replace(/</g, '&lt;');
}

/** One line of running text (a list item, a heading): a line break would end it. */
export function mdInline(value: string): string {
  return mdText(value).replace(/\s*[\r\n]+\s*/g, ' ');
}

/**
 * A table cell: a pipe would end the cell and a line break the row. Backslashes are doubled first,
 * so that text ending in one cannot un-escape the pipe after it.
 */
export function mdCell(value: string): string {
  return mdText(value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|'))
    .replace(/\r\n?|\n/g, '<br>')
    .trim();
}

/** Inline code that holds any text: the fence is longer than any run of backticks inside. */
export function mdCode(value: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

export const VERDICT_WORDS: Record<Verdict, string> = { pass: '✅ PASS', fail: '❌ FAIL', 'not-measured': '➖ not measured' };
const RUN_VERDICT_WORDS: Record<ScenarioReport['verdict'], string> = { pass: '✅ PASS', fail: '❌ FAIL', error: '⚠️ ERROR' };
const STEP_RESULT_WORDS: Record<StepResult['result'], string> = { ok: 'ok', timeout: 'TIMEOUT', error: 'ERROR', skipped: 'skipped' };

function verdictDetail(report: ScenarioReport): string {
  const count = (v: Verdict): number => report.expectations.filter((e) => e.verdict === v).length;
  const total = report.expectations.length;
  const failedSteps = report.steps.filter((s) => s.result === 'timeout' || s.result === 'error').length;
  const parts =
    total === 0
      ? ['no expectations']
      : [`${count('pass')} of ${total} expectations passed`, `${count('fail')} failed`, `${count('not-measured')} not measured`];
  if (failedSteps > 0) parts.push(`${failedSteps} step${failedSteps === 1 ? '' : 's'} did not complete`);
  return parts.join(', ');
}

function expectationRow(e: ExpectationResult): Record<string, string> {
  return {
    name: mdCell(e.name),
    between: mdCell(
      e.longest !== undefined
        ? `longest "${e.longest}", ${e.from} → ${e.to}`
        : e.span !== undefined
          ? `first to last "${e.span}", ${e.from} → ${e.to}`
          : `${e.from} → ${e.to}`,
    ),
    measured: e.measuredMs === null ? '—' : seconds(e.measuredMs),
    expected: mdCell(e.expected),
    verdict: VERDICT_WORDS[e.verdict],
    sources: mdCell(e.sources.join('; ')),
  };
}

/** "$victim": the variable as steps write it, whether or not the report's key kept the sigil. */
function variable(name: string): string {
  return name.startsWith('$') ? name : `$${name}`;
}

export interface MarkdownView {
  title: string;
  verdict: string;
  verdictDetail: string;
  error: string;
  variants: string[];
  description: string;
  scenario: string;
  lab: string;
  run: string;
  nodes: { name: string; roles: string; picked: string }[];
  picked: string[];
  picture: string;
  expectations: Record<string, string>[];
  why: string[];
  settings: { name: string; value: string; upstream: string; source: string }[];
  steps: Record<string, string>[];
  notes: string[];
  events: { time: string; kind: string; text: string }[];
  leases: string[];
  clients: { client: string; answered: string; longest: string; before: string; during: string; after: string; byTenSeconds: string }[];
}

/** "p50 12 ms, p99 40 ms (240 of 240 answered)", or "no requests". */
function phaseCell(figures: PhaseFigures | undefined): string {
  if (figures === undefined || figures.requests === 0) return 'no requests';
  const latency = figures.p50 === null ? 'no answer' : `p50 ${figures.p50} ms, p99 ${figures.p99 ?? figures.p50} ms`;
  return `${latency} (${figures.answered} of ${figures.requests} answered)`;
}

const percent = (share: number): string => `${Math.floor(share * 100)} %`;

/** A link target that survives spaces and parentheses in the file name. */
function linkTarget(file: string): string {
  return encodeURI(file.split(path.sep).join('/')).replace(/\(/g, '%28').replace(/\)/g, '%29');
}

export function markdownView(report: ScenarioReport, pictureFile: string): MarkdownView {
  const picked = Object.entries(report.picked).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const endMs = runEndMs(report);
  const timeline = sortedTimeline(report);
  return {
    title: mdInline(report.scenario.title),
    verdict: RUN_VERDICT_WORDS[report.verdict],
    verdictDetail: verdictDetail(report),
    error: report.error !== undefined ? mdInline(report.error) : '',
    variants: report.variants.map(mdInline),
    description: mdText(report.scenario.description.trim()),
    scenario: `${mdCode(report.scenario.name)} (${mdCode(report.scenario.file)})`,
    lab: `${mdCode(report.lab.name)}, ${mdInline(report.lab.provider)}, Kubernetes ${mdInline(report.lab.kubernetesVersion)}, ${report.lab.nodes.length} nodes`,
    run: `started ${mdInline(report.startedAt)}, ran ${formatDuration(endMs)}`,
    nodes: report.lab.nodes.map((n) => ({
      name: mdCell(n.name),
      roles: mdCell(n.roles.join(', ')),
      picked: mdCell(
        picked
          .filter(([, node]) => node === n.name)
          .map(([name]) => variable(name))
          .join(', '),
      ),
    })),
    picked: picked.map(([name, node]) => `${mdCode(variable(name))} = ${mdInline(node)}`),
    picture: linkTarget(pictureFile),
    expectations: report.expectations.map(expectationRow),
    why: report.expectations.filter((e) => e.why !== undefined && e.why.trim() !== '').map((e) => `**${mdInline(e.name)}**: ${mdInline(e.why ?? '')}`),
    settings: report.settings.map((s) => ({
      name: mdCell(s.name),
      value: settingDuration(s.ms),
      upstream: s.upstreamMs !== undefined && s.upstreamMs !== s.ms ? settingDuration(s.upstreamMs) : '',
      source: mdCell(s.source),
    })),
    steps: report.steps.map((s) => ({
      id: mdCell(s.id),
      text: mdCell(s.text),
      started: at(s.startedMs),
      done: s.doneMs === null ? '—' : at(s.doneMs),
      result: STEP_RESULT_WORDS[s.result],
      message: mdCell(s.message ?? ''),
    })),
    notes: report.notes.map(mdInline),
    events: condenseTimeline(timeline).map((e) => ({ time: at(e.t), kind: e.kind, text: mdCell(e.text) })),
    leases: leaseRenewals(timeline).map((l) => {
      const gap =
        l.longestGap === null ? '' : `; longest gap ${seconds(l.longestGap.to - l.longestGap.from)} (${at(l.longestGap.from)} → ${at(l.longestGap.to)})`;
      return `${mdInline(l.node)}: ${l.count} renewal${l.count === 1 ? '' : 's'}, the last at ${at(l.lastT)}${gap}`;
    }),
    clients: clientSummaries(timeline, endMs).map((c) => ({
      client: mdCell(CLIENT_WORDS[c.client]),
      answered: `${c.answered} of ${c.requests} (${percent(c.answered / c.requests)})`,
      longest:
        c.longestFailure === null
          ? 'none'
          : `${seconds(c.longestFailure.to - c.longestFailure.from)} (${at(c.longestFailure.from)} → ${c.longestFailure.ended ? at(c.longestFailure.to) : 'the end'})`,
      before: phaseCell(c.phases.find((p) => p.phase === 'before')),
      during: phaseCell(c.phases.find((p) => p.phase === 'during')),
      after: phaseCell(c.phases.find((p) => p.phase === 'after')),
      byTenSeconds: c.answeredByBucket.map((share) => (share === null ? '–' : percent(share))).join(' · '),
    })),
  };
}

const engine = Handlebars.create();
let compiled: Handlebars.TemplateDelegate<MarkdownView> | undefined;

function template(): Handlebars.TemplateDelegate<MarkdownView> {
  // Markdown, not HTML: the view holds text already escaped for Markdown, so Handlebars adds nothing.
  compiled ??= engine.compile<MarkdownView>(fs.readFileSync(path.join(templatesDir, MARKDOWN_TEMPLATE), 'utf8'), { noEscape: true, strict: true });
  return compiled;
}

export function renderMarkdown(report: ScenarioReport, pictureFile: string): string {
  return template()(markdownView(report, pictureFile)).replace(/\n{3,}/g, '\n\n');
}
