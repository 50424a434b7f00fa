/**
 * The quoting of src/quote.ts, checked by the tools that read each language: bash and dash read the
 * shell words back, Ruby the string literals, the yaml package the YAML values, apt-config the apt
 * strings, sh the /etc/environment lines. Each hostile value must come back exactly as it went in,
 * and nothing in it may run.
 */
import assert from 'node:assert/strict';
import fs from 'fs-extra';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { UnsafeValueError } from '../src/errors.js';
import { aptString, commentText, environmentLine, rubyString, shellQuote, systemdEnvironment, yamlValue } from '../src/quote.js';
import { tempDir } from './support/tmp.js';
import { requireTool, run } from './support/tools.js';

/** Values that would run a command or end a line if they were placed raw. MARK is replaced per test. */
export const HOSTILE = [
  `it's`,
  'say "hi"',
  '$(touch MARK)',
  '`touch MARK`',
  '${IFS}touch${IFS}MARK',
  'a; touch MARK',
  'a && touch MARK #',
  'line one\ntouch MARK',
  'cr\rtouch MARK',
  '#{File.write("MARK", "")}',
  '#$0 #@x',
  'back\\slash\\',
  '%h %n %%',
  'ünïcödé ✓ 日本',
  'sep\u2028arator\u0085next',
  '\ufeffbom',
  'del\u007f',
  'tab\there',
  '-n',
  '',
];

async function marked(): Promise<{ dir: string; values: string[]; ran: () => Promise<boolean> }> {
  const dir = await tempDir('quote');
  const mark = path.join(dir, 'ran');
  return { dir, values: HOSTILE.map((v) => v.replace(/MARK/g, mark)), ran: () => fs.pathExists(mark) };
}

describe('quoting: shell words', () => {
  for (const shell of ['bash', 'dash']) {
    test(`${shell} reads every value back as one word, and runs none of it`, async (t) => {
      if (!requireTool(t, shell, 'read quoted shell words back')) return;
      const { dir, values, ran } = await marked();
      for (const value of values) {
        const script = `printf '%s|' ${shellQuote(value)}`;
        const result = await run(shell, ['-c', script], { cwd: dir });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, `${value}|`, `${JSON.stringify(value)} as ${shellQuote(value)}`);
      }
      assert.equal(await ran(), false, 'a quoted value ran a command');
    });
  }

  test('a NUL byte, which no shell word can hold, is refused', () => {
    assert.throws(() => shellQuote('a\0b'), UnsafeValueError);
  });
});

describe('quoting: Ruby string literals', () => {
  test('ruby reads every value back exactly, and interpolates nothing', async (t) => {
    if (!requireTool(t, 'ruby', 'read Ruby string literals back')) return;
    const { dir, values, ran } = await marked();
    const program = values.map((v) => `print(${rubyString(v)}.unpack("U*").join(","), "\\n")`).join('\n');
    for (const literal of values.map(rubyString)) assert.doesNotMatch(literal, /[\n\r]/, 'one line each');
    const result = await run('ruby', ['-e', program], { cwd: dir, stripFinalNewline: false });
    assert.equal(result.code, 0, result.stderr);
    const expected = values.map((v) => [...v].map((c) => c.codePointAt(0)).join(','));
    assert.deepEqual(result.stdout.split('\n').slice(0, -1), expected);
    assert.equal(await ran(), false);
  });
});

describe('quoting: YAML values', () => {
  test('the yaml package reads every value back exactly, alone and inside a mapping', async () => {
    const { values } = await marked();
    for (const value of values) {
      assert.equal(parse(`key: ${yamlValue(value)}\n`).key, value, yamlValue(value));
      assert.deepEqual(parse(`key: ${yamlValue({ [value]: value, list: [value] })}\n`).key, { [value]: value, list: [value] });
    }
  });
});

describe('quoting: apt configuration', () => {
  test('apt-config reads a value back as the one setting it is, with nothing added', async (t) => {
    if (!requireTool(t, 'apt-config', 'read apt configuration back')) return;
    const dir = await tempDir('apt');
    const file = path.join(dir, 'proxy.conf');
    const safe = ['http://proxy:3128/', 'http://user:p%40ss@proxy.example:3128/a;b{c}//d#e', 'http://proxy:3128/APT::Update::Pre-Invoke{x;};//'];
    for (const value of safe) {
      await fs.writeFile(file, `Acquire::http::Proxy ${aptString(value)};\n`);
      const shell = await run('apt-config', ['-c', file, 'shell', 'VALUE', 'Acquire::http::Proxy'], { stripFinalNewline: false });
      assert.equal(shell.code, 0, shell.stderr);
      assert.equal(shell.stdout, `VALUE='${value}'\n`); // apt-config quotes every value itself
      // Against the host's own configuration: the file adds the proxy setting and nothing else.
      const base = new Set((await run('apt-config', ['dump'])).stdout.split('\n'));
      const added = (await run('apt-config', ['-c', file, 'dump'])).stdout.split('\n').filter((l) => !base.has(l));
      assert.deepEqual(
        added.filter((l) => !/^(Acquire(::http(::Proxy)?)?|CommandLine::AsString) /.test(l)),
        [],
        added.join('\n'),
      );
    }
  });

  test('the check above sees an injection: the known proxy value, quoted as JSON (as kubelab once did), adds a command', async (t) => {
    if (!requireTool(t, 'apt-config', 'read apt configuration back')) return;
    const file = path.join(await tempDir('apt'), 'proxy.conf');
    await fs.writeFile(file, `Acquire::http::Proxy ${JSON.stringify('http://proxy:3128/";APT::Update::Pre-Invoke{"touch${IFS}/tmp/x;#";};//')};\n`);
    const base = new Set((await run('apt-config', ['dump'])).stdout.split('\n'));
    const added = (await run('apt-config', ['-c', file, 'dump'])).stdout.split('\n').filter((l) => !base.has(l));
    assert.ok(
      added.some((l) => l.includes('touch${IFS}/tmp/x')),
      added.join('\n'),
    );
  });

  test('a quote, a backslash or a line break, which would end the string, is refused', () => {
    for (const value of ['http://proxy:3128/";APT::Update::Pre-Invoke{"touch${IFS}/tmp/x;#";};//', 'http://a\\b', 'http://a\nAPT::X "1";', 'http://a\u0085']) {
      assert.throws(() => aptString(value), UnsafeValueError, JSON.stringify(value));
    }
  });
});

describe('quoting: systemd Environment=', () => {
  test('quotes and % specifiers stay literal; systemd-analyze accepts the unit', async (t) => {
    assert.equal(systemdEnvironment('HTTP_PROXY', 'http://a"b%h'), 'Environment="HTTP_PROXY=http://a\\"b%%h"');
    assert.throws(() => systemdEnvironment('HTTP_PROXY', 'a\nExecStartPre=/bin/touch /tmp/x'), UnsafeValueError);
    assert.throws(() => systemdEnvironment('A B', 'x'), UnsafeValueError);
    if (!requireTool(t, 'systemd-analyze', 'check a unit with the escaped values')) return;
    const dir = await tempDir('systemd');
    const unit = path.join(dir, 'kubelab-quote.service');
    const lines = ['http://proxy:3128', 'http://a"b', 'x%hy', '$(touch /tmp/x)', 'back\\slash', 'ünï'].map((v) => systemdEnvironment('HTTP_PROXY', v));
    await fs.writeFile(unit, `[Service]\nType=oneshot\nExecStart=/bin/true\n${lines.join('\n')}\n`);
    const result = await run('systemd-analyze', ['verify', unit]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr.trim(), '');
  });
});

describe('quoting: /etc/environment lines', () => {
  test('sh reads a plain value back; anything sh or pam_env would read differently is refused', async () => {
    const dir = await tempDir('env');
    const file = path.join(dir, 'environment');
    const value = 'http://user:p%40ss@proxy.example:3128/ünï;x&y';
    await fs.writeFile(file, environmentLine('HTTP_PROXY', value) + '\n');
    const result = await run('sh', ['-c', `. ${shellQuote(file)}; printf %s "$HTTP_PROXY"`]);
    assert.equal(result.stdout, value);
    for (const bad of ['a"b', "a'b", 'a$b', 'a`b`', 'a\\b', 'a\nb']) assert.throws(() => environmentLine('HTTP_PROXY', bad), UnsafeValueError, bad);
  });
});

describe('quoting: comment text', () => {
  test('stays one line whatever it holds', async () => {
    const { values } = await marked();
    for (const value of values) assert.doesNotMatch(commentText(value), /[\n\r\u0085\u2028\u2029]/);
    assert.equal(commentText('spec "ünï" $(x).yaml'), 'spec "ünï" $(x).yaml');
    assert.equal(commentText('a\nb'), 'a\\u{a}b');
  });
});
