import { formatDuration, parseDuration } from '../units.js';
import { settingOf } from './settings.js';
import type { Bound, ExpectationResult, ExpectationSpec, Setting, StepResult } from './types.js';

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

/**
 * Measures each expectation on the steps as they ran: from the `from` step's moment (an action
 * began, a wait's condition first held) to the `to` step's.
 */
export function judgeExpectations(expectations: readonly ExpectationSpec[], steps: readonly StepResult[], settings: readonly Setting[]): ExpectationResult[] {
  return expectations.map((spec) => {
    const from = steps.find((s) => s.id === spec.from);
    const to = steps.find((s) => s.id === spec.to);
    const measured = from?.atMs != null && to?.atMs != null && from.result === 'ok' && to.result === 'ok' ? to.atMs - from.atMs : null;
    const min = spec.atLeast === undefined ? undefined : resolveBound(spec.atLeast, settings);
    const max = spec.atMost === undefined ? undefined : resolveBound(spec.atMost, settings);
    const expected = [min ? `≥ ${min.text}` : '', max ? `≤ ${max.text}` : ''].filter(Boolean).join(' and ') || 'anything';
    const sources = [...new Set([min?.source, max?.source].filter((s): s is string => s !== undefined))];
    const inside = measured !== null && (min === undefined || measured >= min.ms) && (max === undefined || measured <= max.ms);
    return {
      name: spec.name,
      from: spec.from,
      to: spec.to,
      measuredMs: measured,
      ...(min ? { minMs: min.ms } : {}),
      ...(max ? { maxMs: max.ms } : {}),
      expected,
      sources,
      ...(spec.why ? { why: spec.why } : {}),
      verdict: measured === null ? 'not-measured' : inside ? 'pass' : 'fail',
    };
  });
}
