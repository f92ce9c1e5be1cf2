import { describe, expect, it } from 'vitest';
import { evaluate, type EvalEnv } from '../../src/mdb/eval.js';
import { MdbError, MemoryError } from '../../src/mdb/errors.js';
import { parseExpression } from '../../src/mdb/parse/parser.js';
import { Target } from '../../src/mdb/target.js';
import { CAFE_SYM, FOO0, KMEM_FLAGS, PANICSTR, PANIC_TEXT, fakeDump } from '../support/dump-builder.js';

const target = new Target(fakeDump());
function ev(s: string, env: Partial<EvalEnv> = {}): bigint {
  return evaluate(parseExpression(s), { target, dot: 0x1000n, incr: 8n, lastDot: 0x2000n, vars: new Map(), ...env });
}

describe('evaluate', () => {
  it('does unsigned 64-bit arithmetic with wraparound', () => {
    expect(ev('0-1')).toBe(0xffffffffffffffffn);
    expect(ev('-1')).toBe(0xffffffffffffffffn);
    expect(ev('ffffffffffffffff+2')).toBe(1n);
    expect(ev('1<<0t63')).toBe(0x8000000000000000n);
    expect(ev('1<<0t64')).toBe(0n);
    expect(ev('8000000000000000*2')).toBe(0n);
    expect(ev('~0')).toBe(0xffffffffffffffffn);
  });
  it('divides with % and takes the modulo with #', () => {
    expect(ev('0t17%5')).toBe(3n);
    expect(ev('0t17#5')).toBe(2n);
    expect(ev('#0')).toBe(1n);
    expect(ev('#5')).toBe(0n);
    expect(() => ev('1%0')).toThrow('attempted to divide by zero');
    expect(() => ev('1#0')).toThrow(MdbError);
  });
  it('compares and combines bits', () => {
    expect(ev('3==3')).toBe(1n);
    expect(ev('3!=3')).toBe(0n);
    expect(ev('6&3')).toBe(2n);
    expect(ev('6^3')).toBe(5n);
    expect(ev('6|3')).toBe(7n);
    expect(ev('100>>4')).toBe(0x10n);
    expect(ev('(1+2)*3')).toBe(9n);
    expect(ev('1+2*3')).toBe(7n);
  });
  it('reads symbols, mod`sym, and dereferences with *', () => {
    expect(ev('kmem_flags')).toBe(KMEM_FLAGS);
    expect(ev('genunix`kmem_flags')).toBe(KMEM_FLAGS);
    expect(() => ev('foo`kmem_flags')).toThrow('failed to dereference symbol: unknown symbol name');
    expect(ev('*foo_list')).toBe(FOO0);
    expect(ev('*panicstr')).toBe(PANIC_TEXT);
    expect(ev('**foo_list')).toBe(FOO0 + 0x40n); // foo_next of the first foo
    expect(ev('*panicstr+1')).toBe(PANIC_TEXT + 1n);
    expect(() => ev('*0')).toThrow(MemoryError);
    expect(() => ev('nosuchsym')).toThrow('unknown symbol name');
    expect(ev('PANICSTR'.toLowerCase())).toBe(PANICSTR);
  });
  it('prefers a symbol over a number that looks the same', () => {
    expect(ev('cafe')).toBe(CAFE_SYM);
    expect(ev('cafe0')).toBe(0xcafe0n);
    expect(ev('0xcafe')).toBe(0xcafen);
  });
  it('evaluates dot, the increment forms and variables', () => {
    expect(ev('.')).toBe(0x1000n);
    expect(ev('+')).toBe(0x1008n);
    expect(ev('^')).toBe(0xff8n);
    expect(ev('&')).toBe(0x2000n);
    expect(ev('<x+1', { vars: new Map([['x', 41n]]) })).toBe(42n);
    expect(ev('<.')).toBe(0x1000n);
    expect(() => ev('<nope')).toThrow("variable 'nope' not defined");
  });
  it('reads 4-byte pointers on a 32-bit dump', () => {
    const m = fakeDump();
    m.header.pointerSize = 4;
    const t32 = new Target(m);
    expect(evaluate(parseExpression('*kmem_flags'), { target: t32, dot: 0n, incr: 0n, lastDot: 0n, vars: new Map() })).toBe(0xfn);
    expect(evaluate(parseExpression('*foo_list'), { target: t32, dot: 0n, incr: 0n, lastDot: 0n, vars: new Map() })).toBe(FOO0 & 0xffffffffn);
  });
});
