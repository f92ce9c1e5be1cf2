// Issue #13: names typed at the prompt or read from a dump never reach
// Object.prototype (`::sizeof constructor` was "Cannot convert ... to a BigInt").
import { describe, expect, it } from 'vitest';
import { readDump } from '../../src/dump/read.js';
import { TableBuilder } from '../../src/dump/builder.js';
import { decodeDump, encodeDump } from '../../src/dump/codec.js';
import { createSession } from '../../src/mdb/session.js';
import { fakeDump } from '../support/dump-builder.js';

const PROTO = ['constructor', '__proto__', 'valueOf', 'toString', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__'];
const illumos = createSession(readDump('dumps/illumos-2911.dump'), 'illumos-2911.dump');
const fbModel = readDump('dumps/freebsd-2004-uma-looping.dump');
const freebsd = createSession(fbModel, 'freebsd-2004-uma-looping.dump', undefined, { syntax: 'mdb' });
const ddb = createSession(fbModel, 'freebsd-2004-uma-looping.dump', undefined, { syntax: 'ddb' });

async function errs(s: typeof illumos, line: string): Promise<string[]> {
  const r = await s.execute(line);
  for (const e of r.errors) expect(e, line).not.toMatch(/internal error|BigInt|undefined|function/);
  return r.errors;
}

describe('prototype names at the prompt', () => {
  it.each(PROTO)('%s is an unknown type, member, walker, dcmd, symbol or variable', async (n) => {
    expect(await errs(illumos, `::sizeof ${n}`)).toEqual([`mdb: failed to look up type ${n}: unknown type name`]);
    expect(await errs(illumos, `ffffff01c0064120::print ${n}`)).toEqual([`mdb: failed to look up type ${n}: unknown type name`]);
    expect(await errs(illumos, `ffffff01c0064120::print kmem_cache_t ${n}`)).toEqual([`mdb: failed to find member ${n} of kmem_cache_t: unknown member name`]);
    expect(await errs(illumos, `::offsetof kmem_cache_t ${n}`)).toEqual([`mdb: failed to find member ${n} of kmem_cache_t: unknown member name`]);
    expect(await errs(illumos, `::walk ${n}`)).toEqual(['mdb: failed to perform walk: unknown walk name']);
    expect(await errs(illumos, `::${n}`)).toEqual([`mdb: invalid command '::${n}': unknown dcmd name`]);
    expect(await errs(illumos, `${n}=X`)).toEqual(['mdb: failed to dereference symbol: unknown symbol name']);
    expect(await errs(illumos, `<${n}=X`)).toEqual([`mdb: variable '${n}' not defined`]);
    expect(await errs(freebsd, `::sizeof ${n}`)).toEqual([`mdb: failed to look up type ${n}: unknown type name`]);
    expect(await errs(ddb, `show ${n}`)).toEqual(['No such command; use "help" to list available commands']);
    expect(await errs(ddb, `${n}`)).toEqual(['No such command; use "help" to list available commands']);
    // unknown modifier letters are ignored (strchr(modif, ...)); none of these names' letters is a show uma modifier but i
    expect(await errs(ddb, `show uma/${n.replace(/[_i]/g, '')}`)).toEqual([]);
    expect((await ddb.execute(`show uma/${n.replace(/[_i]/g, '')}`)).output).toBe((await ddb.execute('show uma')).output);
  });
  it('a vmem_seg type filter named after an Object property is refused, not matched against a function', async () => {
    expect(await errs(illumos, '::walk vmem | ::vmem_seg -T constructor')).toEqual(['mdb: "constructor" is not a recognized vmem_seg type']);
  });
});

describe('prototype names in a dump', () => {
  it('a column named constructor is data, and decoded column tables have no prototype', () => {
    const model = fakeDump();
    const b = new TableBuilder('globals', { addr: 'u64', size: 'u8', value: 'u64', constructor: 'u64' });
    b.add({ addr: 1n, size: 8, value: 2n, constructor: 3n });
    model.tables = model.tables.filter((t) => t.name !== 'globals').concat(b.build());
    const back = decodeDump(encodeDump(model));
    const g = back.tables.find((t) => t.name === 'globals')!;
    expect(Object.getPrototypeOf(g.columns)).toBe(null);
    expect(Object.keys(g.columns)).toContain('constructor');
    for (const t of back.tables) expect('toString' in t.columns).toBe(false);
  });
  it('a column named hasOwnProperty_row is not taken for a row reference', () => {
    const model = fakeDump();
    const b = new TableBuilder('globals', { addr: 'u64', size: 'u8', value: 'u64', constructor_row: 'u32' });
    b.add({ addr: 1n, size: 8, value: 2n, constructor_row: 0 });
    model.tables = model.tables.filter((t) => t.name !== 'globals').concat(b.build());
    expect(() => encodeDump(model)).toThrow(/row reference to no known table/);
  });
});
