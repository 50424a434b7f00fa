import { formatDuration, parseDuration } from '../units.js';
import { settingOf } from './settings.js';
import type { Bound, Condition, ExpectationResult, ScenarioDocument, ExpectationSpec, Setting, StepResult } from './types.js';

/** A bound's value, how it reads ("node-monitor-grace-period (40s) + 20s = 1m"), and the source of its setting. */
export function resolveBound(bound: Bound, settings: readonly Setting[]): { ms: number; text: string; source?: string } {
  if (typeof bound === 'string') {
    const ms = parseDuration(bound) ?? 0;
    return { ms, text: formatDuration(ms) };
  }
  const setting = settingOf(settings, bound.setting);
  const times = bound.times ?? 1;
  const plus = bound.plus === undefined ? 0 : (parseDuration(bound.plus) ?? 0);
  const minus = bound.minus === undefined ? 0 : (parseDuration(bound.minus) ?? 0);
  const ms = Math.max(0, setting.ms * times + plus - minus);
  let text = `${times === 1 ? '' : `${times} × `}${bound.setting} (${formatDuration(setting.ms)})`;
  if (plus) text += ` + ${formatDuration(plus)}`;
  if (minus) text += ` − ${formatDuration(minus)}`;
  if (plus || minus || times !== 1) text += ` = ${formatDuration(ms)}`;
  return { ms, text, source: `${bound.setting}: ${setting.source}` };
}

/** The conditions the expectations measure the stretches of: their probes must run. */
export const expectationConditions = (doc: ScenarioDocument): Condition[] =>
  (doc.expectations ?? []).flatMap((e) => [...(e.longest ? [e.longest] : []), ...(e.span ? [e.span] : [])]);

/**
 * How long a condition (its variables resolved) held between two moments of the run, in ms: its
 * longest stretch, or from the first moment it held to the last (span); and its words.
 */
export type Held = (how: 'longest' | 'span', condition: Condition, fromMs: number, toMs: number) => { ms: number; text: string };

/**
 * Measures each expectation on the steps as they ran: from the `from` step's moment (an action
 * began, a wait's condition first held) to the `to` step's, or, with `longest`, the longest stretch
 * between those moments during which its condition held, or, with `span`, from the first moment it
 * held to the last. A bound on a setting the lab does not have (the endpoint's, in a lab without
 * one) leaves the expectation not measured.
 */
export function judgeExpectations(
  expectations: readonly ExpectationSpec[],
  steps: readonly StepResult[],
  settings: readonly Setting[],
  held: Held,
): ExpectationResult[] {
  return expectations.map((spec) => {
    const from = steps.find((s) => s.id === spec.from);
    const to = steps.find((s) => s.id === spec.to);
    const span = from?.atMs != null && to?.atMs != null && from.result === 'ok' && to.result === 'ok' ? { from: from.atMs, to: to.atMs } : null;
    const how = spec.longest !== undefined ? 'longest' : spec.span !== undefined ? 'span' : undefined;
    const condition = spec.longest ?? spec.span;
    const stretch = span !== null && how !== undefined && condition !== undefined ? held(how, condition, span.from, span.to) : undefined;
    const measured = span === null ? null : (stretch?.ms ?? span.to - span.from);
    const missing = [spec.atLeast, spec.atMost].flatMap((b) => (typeof b === 'object' && !settings.some((s) => s.name === b.setting) ? [b.setting] : []));
    const min = spec.atLeast === undefined || missing.length ? undefined : resolveBound(spec.atLeast, settings);
    const max = spec.atMost === undefined || missing.length ? undefined : resolveBound(spec.atMost, settings);
    const expected = missing.length
      ? `bounded by ${missing.join(' and ')}, which this lab does not have`
      : [min ? `≥ ${min.text}` : '', max ? `≤ ${max.text}` : ''].filter(Boolean).join(' and ') || 'anything';
    const sources = [...new Set([min?.source, max?.source].filter((s): s is string => s !== undefined))];
    const inside = measured !== null && (min === undefined || measured >= min.ms) && (max === undefined || measured <= max.ms);
    return {
      name: spec.name,
      from: spec.from,
      to: spec.to,
      ...(stretch && how ? { [how]: stretch.text } : {}),
      measuredMs: missing.length ? null : measured,
      ...(min ? { minMs: min.ms } : {}),
      ...(max ? { maxMs: max.ms } : {}),
      expected,
      sources,
      ...(spec.why ? { why: spec.why } : {}),
      verdict: measured === null || missing.length ? 'not-measured' : inside ? 'pass' : 'fail',
    };
  });
}
