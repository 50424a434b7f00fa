/** How times and durations read in a scenario report; the picture and the Markdown share them. */
import { formatDuration } from '../../units.js';

/** 42_310 → "42.3 s": measurements are compared with bounds, so a tenth of a second is kept. */
export function seconds(ms: number): string {
  const tenths = Math.round(ms / 100) / 10;
  return `${(Object.is(tenths, -0) ? 0 : tenths).toFixed(1)} s`;
}

/** A moment in the run: 42_310 → "+42.3 s". */
export function at(ms: number): string {
  return `+${seconds(ms)}`;
}

/**
 * A setting's value: "40s", "5m", "100ms" as formatDuration gives them, except where its rounding
 * to whole seconds would change the value ("1.5 s" for etcd's election timeout, not "2s").
 */
export function settingDuration(ms: number): string {
  if (ms < 1000 || ms % 1000 === 0) return formatDuration(ms);
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * A fault as a report names it: its description, and its nodes where the description does not
 * name them (kubelab's own do; reports of earlier runs kept a description without them).
 */
export function faultLabel(text: string, targets: readonly string[]): string {
  return targets.length > 0 && !targets.every((node) => text.includes(node)) ? `${text} on ${targets.join(', ')}` : text;
}
