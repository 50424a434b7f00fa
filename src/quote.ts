import { UnsafeValueError } from './errors.js';

/**
 * Quoting for every language kubelab generates: templates place values, these make any value inert
 * there (never code, never a second line). Where a format has no way to hold a character at all,
 * the value is refused rather than mangled.
 */

/** Characters that never need quoting in a shell word. */
const SHELL_PLAIN = /^[A-Za-z0-9_./:@%+=,-]+$/;

/** One shell word, for bash and POSIX sh: plain when it is plain, otherwise in single quotes. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new UnsafeValueError('into a shell script', value, 'a shell word cannot hold a NUL byte');
  return SHELL_PLAIN.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A Ruby string literal that cannot interpolate: double quotes with `#` always escaped, and every
 * character outside printable ASCII as \u{…}, so the literal stays on one line whatever it holds.
 */
export function rubyString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\' || ch === '#') out += `\\${ch}`;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else out += `\\u{${code.toString(16)}}`;
  }
  return out + '"';
}

/**
 * A value as YAML, in JSON's syntax (a JSON document is YAML flow). JSON leaves some characters
 * raw that YAML must not see raw (DEL, C1 controls, line and paragraph separators, BOM, lone
 * surrogates): those become \u escapes, which both languages read the same way.
 */
export function yamlValue(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029\ufeff\ud800-\udfff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Printable characters only: no control character can end a line or a quoted string early. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A string in apt's configuration syntax. apt has no escape inside quotes: a quote or a line break
 * would end the value and start configuration of its own, so such values are refused.
 */
export function aptString(value: string): string {
  if (value.includes('"') || value.includes('\\') || CONTROL.test(value)) {
    throw new UnsafeValueError('into apt configuration', value, 'apt strings cannot hold quotes, backslashes or control characters');
  }
  return `"${value}"`;
}

/**
 * One systemd `Environment=` assignment. systemd unquotes C-style (so JSON's escapes read back as
 * they were) and expands `%` specifiers, which are doubled to stay literal.
 */
export function systemdEnvironment(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UnsafeValueError('as a systemd variable name', name, 'not a variable name');
  if (CONTROL.test(value)) throw new UnsafeValueError('into a systemd unit', value, 'control characters cannot be written there');
  return `Environment=${JSON.stringify(`${name}=${value}`).replace(/%/g, '%%')}`;
}

/**
 * A NAME="value" line of /etc/environment. pam_env strips the quotes and knows no escapes, and
 * scripts also source the file with sh: only values that mean the same to both are written.
 */
export function environmentLine(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UnsafeValueError('as an environment variable name', name, 'not a variable name');
  if (/["'\\$`]/.test(value) || CONTROL.test(value)) {
    throw new UnsafeValueError('into /etc/environment', value, 'quotes, backslashes, `$`, backticks and control characters cannot be written there');
  }
  return `${name}="${value}"`;
}

/** Text for a comment line: whatever it holds, it stays one comment line. */
export function commentText(value: string): string {
  return value.replace(/[\p{C}\p{Zl}\p{Zp}]/gu, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
}
