/*
 * --json is typed data (issue #10): ::print gives each object's members as
 * numbers, strings, booleans and hex-string pointers, not only its text.
 */
import { describe, expect, it } from 'vitest';
import { openScriptSession } from '../../src/cli/script-session.js';
import { readDump } from '../../src/dump/read.js';

describe('::print --json', () => {
  it('gives the members as typed values', async () => {
    const s = openScriptSession(readDump('dumps/illumos-2911.dump'), 'dumps/illumos-2911.dump');
    const first = (await s.execute('::walk kmem_cache')).output.split('\n')[0]!;
    const p = await s.execute(`${first}::print kmem_cache_t cache_name cache_bufsize cache_private`, { json: true });
    expect(p.errors).toEqual([]);
    const rec = (p.json as Array<{ results: unknown[] }>)[0]!;
    const data = JSON.parse(JSON.stringify(rec.results[0])) as { type: string; data: { objects: Array<{ member: string; value: unknown; address: string }> } };
    expect(data.type).toBe('data');
    const [name, bufsize, next] = data.data.objects;
    expect(name!.member).toBe('cache_name');
    expect(typeof name!.value).toBe('string');
    expect(typeof bufsize!.value).toBe('number');
    expect(next!.value).toMatch(/^0x[0-9a-f]+$/);
    expect(name!.address).toMatch(/^0x[0-9a-f]+$/);
  });
});

type Rec = { command: string; ok: boolean; results: Array<Record<string, unknown>> };
async function jsonOf(dump: string, line: string, syntax?: 'mdb' | 'ddb'): Promise<Rec[]> {
  const s = openScriptSession(readDump(dump), dump, undefined, syntax);
  const r = await s.execute(line, { json: true });
  return JSON.parse(JSON.stringify(r.json)) as Rec[];
}

describe('--json is typed data everywhere (issue #10)', () => {
  it('format verbs give their values: /X, =D, =p, ::eval', async () => {
    const [x] = await jsonOf('dumps/illumos-2911.dump', 'kmem_flags/X');
    expect(x!.results).toEqual([{ type: 'values', values: [{ format: 'X', address: expect.stringMatching(/^0x[0-9a-f]+$/), bytes: 4, value: '0xf', text: 'f' }] }]);
    const [d] = await jsonOf('dumps/illumos-2911.dump', '0t10+0t20=D');
    expect(d!.results).toEqual([{ type: 'values', values: [{ format: 'D', bytes: 4, value: '0x1e', text: '30' }] }]);
    const [e] = await jsonOf('dumps/illumos-2911.dump', '::eval "0t7=U"');
    expect(e!.results).toEqual([{ type: 'values', values: [{ format: 'U', bytes: 4, value: '0x7', text: '7' }] }]);
    const [s] = await jsonOf('dumps/illumos-2911.dump', 'panic_thread=p');
    expect(s!.results[0]).toMatchObject({ type: 'values', values: [{ format: 'p', text: 'panic_thread' }] });
  });

  it('::formats, ::radix, ::help and ddb lock chains give data', async () => {
    const [f] = await jsonOf('dumps/illumos-2911.dump', '::formats');
    expect(f!.results[0]).toMatchObject({ type: 'data' });
    expect((f!.results[0]!['data'] as unknown[])).toContainEqual({ letter: 'X', description: 'hexadecimal int', bytes: 4 });
    const [r] = await jsonOf('dumps/illumos-2911.dump', '::radix');
    expect(r!.results).toEqual([{ type: 'data', data: { radix: 16 } }]);
    const [c] = await jsonOf('dumps/freebsd-2004-uma-looping.dump', 'show lockchain 100015', 'ddb');
    const hops = (c!.results[0]!['data'] as { hops: Array<Record<string, unknown>> }).hops;
    expect(hops[0]).toMatchObject({ tid: 100015, state: 'blockedOnLock', lockName: 'Giant', lock: expect.stringMatching(/^0x/) });
    expect(hops.at(-1)).toMatchObject({ state: 'running', cpu: 1 });
  });

  it('one name and one representation per quantity: flags hex, sizes numbers, camelCase', async () => {
    const [k] = await jsonOf('dumps/illumos-2911.dump', '::kmem_cache -n blkdev0_xfer');
    const row = (k!.results[0]!['rows'] as Array<Record<string, unknown>>)[0]!;
    expect(row).toMatchObject({ flags: expect.stringMatching(/^0x/), cflags: expect.stringMatching(/^0x/), bufSize: expect.any(Number) });
    const [v] = await jsonOf('dumps/illumos-2911.dump', '::vmem');
    expect(Object.keys((v!.results[0]!['rows'] as Array<Record<string, unknown>>)[0]!)).toEqual(expect.arrayContaining(['memInUse', 'memTotal', 'allocSucceed', 'allocFail']));
    const [p] = await jsonOf('dumps/illumos-2911.dump', '::kmem_cache -n blkdev0_xfer | ::print kmem_cache_t cache_flags');
    const obj = (p!.results[0]!['data'] as { objects: Array<{ value: unknown }> }).objects[0]!;
    expect(obj.value).toMatch(/^0x[0-9a-f]+$/);
  });

  it("FreeBSD 2020's show uma, show vmem and ::uma_keg give counts and sizes as numbers, addresses as hex", async () => {
    const d = 'dumps/freebsd-248008-btalloc.dump';
    const [u] = await jsonOf(d, 'show uma', 'ddb');
    const zone = (u!.results[0]!['data'] as Array<Record<string, unknown>>)[0]!;
    expect(zone).toMatchObject({ addr: expect.stringMatching(/^0x[0-9a-f]+$/), size: expect.any(Number), memTotal: expect.any(Number), xdomainFree: expect.any(Number) });
    expect(zone['memTotal']).toBe(((zone['used'] as number) + (zone['free'] as number)) * (zone['size'] as number));
    for (const line of ['show vmem c0b02e00', 'show all vmem']) {
      const [v] = await jsonOf(d, line, 'ddb');
      const data = v!.results[0]!['data'] as Record<string, unknown> | Array<Record<string, unknown>>;
      for (const a of Array.isArray(data) ? data : [data]) expect(a).toMatchObject({ addr: expect.stringMatching(/^0x/), quantum: 4096, size: expect.any(Number), memInUse: expect.any(Number) });
    }
    const [k] = await jsonOf(d, '::uma_keg', 'mdb');
    for (const row of k!.results.flatMap((r) => r['rows'] as Array<Record<string, unknown>>)) {
      expect(row).toMatchObject({ addr: expect.stringMatching(/^0x/), flags: expect.stringMatching(/^0x/), pages: expect.any(Number), free: expect.any(Number), reserve: expect.any(Number) });
    }
  });

  for (const [dump, syntax] of [['dumps/illumos-2911.dump', 'mdb'], ['dumps/freebsd-2004-uma-looping.dump', 'mdb'], ['dumps/freebsd-2004-uma-looping.dump', 'ddb']] as const) {
    it(`no dcmd's result is text (${dump}, ${syntax} grammar)`, async () => {
      const s = openScriptSession(readDump(dump), dump, undefined, 'mdb');
      const names = (await s.execute('::dcmds')).output.split('\n').map((l) => l.split(/\s+/)[0]!).filter((n) => n !== '' && !['quit', 'log', 'findleaks', 'kmalog', 'kmem_verify', 'kgrep'].includes(n));
      expect(names.length).toBeGreaterThan(20);
      // ddb's command words, each reaching a dcmd the mdb list has
      const ddb = ['show uma', 'show panic', 'show msgbuf', 'show pcpu', 'show allpcpu', 'show all procs', 'show threads', 'show allchains', 'show lockchain', 'show sleepchain', 'ps', 'bt', 'alltrace', 'help', 'p 10', 'x/x c1400100,4', 'show thread 100015', 'show proc 22'];
      const lines = syntax === 'ddb' ? ddb : names.map((n) => `::${n}`);
      const texts: string[] = [];
      for (const line of lines) {
        const t = openScriptSession(readDump(dump), dump, undefined, syntax);
        const r = await t.execute(line, { json: true });
        for (const rec of JSON.parse(JSON.stringify(r.json)) as Rec[]) for (const x of rec.results) if (x['type'] !== 'table' && x['type'] !== 'data' && x['type'] !== 'values' && x['type'] !== 'addresses') texts.push(`${line}: ${String(x['type'])}`);
      }
      expect(texts).toEqual([]);
    });
  }
});
