/**
 * SVG elements as strings, each from a typed helper, so that every attribute and every piece of
 * text passes through the escaping here and nowhere else.
 */

export type Attributes = Record<string, string | number | undefined>;

/** XML 1.0 refuses most control characters even as references; they are dropped, not escaped. */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** One decimal at most, and never "-0": the same input gives the same bytes. */
export function num(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

function attributes(attrs: Attributes): string {
  return Object.entries(attrs)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`)
    .join('');
}

/** An element; `children` are already-made elements, never raw text (text goes through `text`). */
export function element(name: string, attrs: Attributes, children: string[] = []): string {
  return children.length === 0 ? `<${name}${attributes(attrs)}/>` : `<${name}${attributes(attrs)}>${children.join('')}</${name}>`;
}

/** A tooltip: viewers show it on hover, so a label cut to fit still has its full text. */
export function title(content: string): string {
  return `<title>${escapeXml(content)}</title>`;
}

export function rect(x: number, y: number, width: number, height: number, attrs: Attributes = {}, tooltip?: string): string {
  return element('rect', { x, y, width: Math.max(0, width), height, ...attrs }, tooltip === undefined ? [] : [title(tooltip)]);
}

export function text(x: number, y: number, content: string, attrs: Attributes = {}): string {
  return `<text${attributes({ x, y, ...attrs })}>${escapeXml(content)}</text>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, attrs: Attributes = {}): string {
  return element('line', { x1, y1, x2, y2, ...attrs });
}

export function polygon(points: [number, number][], attrs: Attributes = {}, tooltip?: string): string {
  return element('polygon', { points: points.map(([x, y]) => `${num(x)},${num(y)}`).join(' '), ...attrs }, tooltip === undefined ? [] : [title(tooltip)]);
}

export function group(children: string[], attrs: Attributes = {}): string {
  return element('g', attrs, children);
}

/** Cuts text to about `width` pixels at the given average character width, marking the cut. */
export function fit(content: string, width: number, charWidth: number): string {
  const max = Math.floor(width / charWidth);
  if (max < 2) return '';
  const chars = [...content];
  return chars.length <= max ? content : chars.slice(0, max - 1).join('') + '…';
}
