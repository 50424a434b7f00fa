import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const XMLLINT = '/usr/bin/xmllint';
export const haveXmllint = fs.existsSync(XMLLINT);

/** xmllint's complaints about the document, empty when it is well-formed. */
export function xmllintErrors(xml: string): string {
  const run = spawnSync(XMLLINT, ['--noout', '-'], { input: xml, encoding: 'utf8' });
  return run.status === 0 ? '' : run.stderr || `exit ${run.status}`;
}

/**
 * A small well-formedness check for when xmllint is not installed: tags nest and close, attribute
 * values are quoted, and every `&` starts an entity. Returns the first problem, or undefined.
 */
export function xmlProblem(xml: string): string | undefined {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  let roots = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt < 0 ? xml.length : lt;
    const between = xml.slice(i, textEnd);
    if (/&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/.test(between)) return `a bare & at ${i}`;
    if (stack.length === 0 && between.trim() !== '') return `text outside the root at ${i}`;
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(xml);
    if (!m) return `not a tag at ${lt}: ${xml.slice(lt, lt + 40)}`;
    const [whole, closing, name, attrs, selfClosing] = m;
    if (/&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/.test(attrs ?? '')) return `a bare & in the attributes of <${name}>`;
    if (closing) {
      if (stack.pop() !== name) return `</${name}> at ${lt} closes nothing open`;
    } else {
      if (stack.length === 0) roots += 1;
      if (!selfClosing) stack.push(name!);
    }
    i = lt + whole.length;
  }
  if (stack.length > 0) return `unclosed: ${stack.join(' > ')}`;
  return roots === 1 ? undefined : `${roots} root elements`;
}
