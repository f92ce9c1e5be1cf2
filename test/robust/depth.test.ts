// Issue #13: deep nesting and huge format counts give one mdb: line, never
// "Maximum call stack size exceeded", a hang or an allocation failure.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/mdb/eval.js';
import { ParseError } from '../../src/mdb/errors.js';
import { printFormat } from '../../src/mdb/format.js';
import { MAX_NESTING, parseExpression } from '../../src/mdb/parse/parser.js';
import { Target } from '../../src/mdb/target.js';
import { fakeDump } from '../support/dump-builder.js';
import { fakeSession } from '../support/mdb-session.js';

const rep = (s: string, n: number): string => s.repeat(n);

async function one(line: string): Promise<{ ok: boolean; output: string; errors: string[] }> {
  const r = await fakeSession().execute(line);
  for (const e of r.errors) {
    expect(e).not.toContain('internal error');
    expect(e).not.toContain('\n');
  }
  return r;
}

describe('expression depth', () => {
  it('3000 nested parentheses are refused with one line', async () => {
    const r = await one(`${rep('(', 3000)}1=X`);
    expect(r.errors).toEqual([`mdb: expression nested too deeply (more than ${MAX_NESTING} levels)`]);
    expect(() => parseExpression(`${rep('(', 3000)}1${rep(')', 3000)}`)).toThrow(ParseError);
  });
  it('parentheses up to the limit still evaluate', async () => {
    const r = await one(`${rep('(', MAX_NESTING)}5${rep(')', MAX_NESTING)}=X`);
    expect(r.errors).toEqual([]);
    expect(r.output.trim()).toBe('5');
  });
  it('nested $[...] arguments count towards the same limit', async () => {
    const r = await one(`::eval $[${rep('(', 3000)}1]`);
    expect(r.errors[0]).toContain('nested too deeply');
  });
  it('thousands of unary operators parse and evaluate without recursion', async () => {
    expect((await one(`${rep('~', 50_000)}1=E`)).output.trim()).toBe('1');
    expect((await one(`${rep('-', 50_001)}1=E`)).output.trim()).toBe('18446744073709551615');
    expect((await one(`${rep('#', 40_000)}7=E`)).output.trim()).toBe('1');
  });
  it('a left-associative chain of 10,000 terms evaluates', async () => {
    expect((await one(`1${rep('+1', 10_000)}=E`)).output.trim()).toBe('10001');
    expect((await one(`0t100000${rep('-1', 20_000)}=E`)).output.trim()).toBe('80000');
    const target = new Target(fakeDump());
    const e = parseExpression(`2${rep('*2', 100)}|1${rep('^1', 30_001)}`);
    expect(evaluate(e, { target, dot: 0n, incr: 0n, lastDot: 0n, vars: new Map() })).toBe(0n);
  });
});

describe('format repeat counts', () => {
  it('a count above the cap is refused before anything runs', async () => {
    for (const line of ['0=0t99999999X', '0=0t200000C', '0=0t99999999999C', '0=0t100000s']) {
      const r = await one(line);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatch(/^mdb: format repeat count \d+ exceeds the limit of 0t65536$/);
      expect(r.output).toBe('');
    }
  });
  it('a count at the cap runs (C prints without spreading arguments)', async () => {
    const r = await one('0=0t65536C');
    expect(r.errors).toEqual([]);
    expect(r.output.split('\\0').length - 1).toBe(65536);
  });
  it('an AST that bypasses the parser is held to the same cap', () => {
    const target = new Target(fakeDump());
    const iob = { puts() {}, field() {}, nl() {}, tab() {}, tabTo() {}, ws() {} } as never;
    expect(() => printFormat({ target, iob, read: () => new Uint8Array(8), incr: 0n }, 0n, [{ kind: 'fmt', letter: 'X', count: 1e9 }])).toThrow(/exceeds the limit/);
  });
});

describe('the ddb grammar', () => {
  it('deep expressions after a ddb command are a short Syntax error or evaluate', async () => {
    const { readDump } = await import('../../src/dump/read.js');
    const { createSession } = await import('../../src/mdb/session.js');
    const s = createSession(readDump('dumps/freebsd-2004-uma-looping.dump'), 'f.dump', undefined, { syntax: 'ddb' });
    const r = await s.execute(`x/gx ${rep('(', 3000)}1`);
    expect(r.errors).toEqual([`Syntax error: ${rep('(', 57)}...`]);
    const r2 = await s.execute(`p 1${rep('+1', 10_000)}`);
    expect(r2.errors).toEqual([]);
    expect(r2.output.trim()).toBe('2711');
    const r3 = await s.execute(`p ${rep('~', 20_000)}5`);
    expect(r3.output.trim()).toBe('5');
  });
});
