import { describe, expect, it } from 'vitest';
import { defineDcmd, defineWalker, text, type Module } from '../../src/mdb/dcmd.js';
import { DcmdError } from '../../src/mdb/errors.js';
import { FOO0, FOO_STRIDE } from '../support/dump-builder.js';
import { fakeSession, out, run } from '../support/mdb-session.js';

const h = (v: bigint) => v.toString(16);
const M = ' '.repeat(16);

const faulty: Module = {
  name: 'faulty',
  dcmds: [
    defineDcmd({ name: 'crash', synopsis: '', address: 'none', summary: 'throw a bug', help: 'x', options: {}, run: () => { throw new TypeError('oops\nsecond line'); } }),
    defineDcmd({ name: 'complain', synopsis: '', address: 'none', summary: 'fail politely', help: 'x', options: {}, run: () => { throw new DcmdError("couldn't read kmem_cache at ffffff01d6e2a008"); } }),
    defineDcmd({ name: 'endless', synopsis: '', address: 'none', summary: 'walk forever', help: 'x', options: {}, walker: 'forever', run: () => text('tick', { data: null }) }),
  ],
  walkers: [
    defineWalker({ name: 'forever', description: 'never ends', *walk() { for (let i = 0n; ; i++) yield i; } }),
  ],
};

describe('errors are single mdb: lines', () => {
  it('unknown dcmds, walkers, symbols and addresses', async () => {
    expect((await run('::foo_bar')).errors).toEqual(["mdb: invalid command '::foo_bar': unknown dcmd name"]);
    expect((await run('$z')).errors).toEqual(["mdb: invalid command '$z': unknown dcmd name"]);
    expect((await run('::walk nosuch')).errors).toEqual(['mdb: failed to perform walk: unknown walk name']);
    expect((await run('nosuch=K')).errors).toEqual(['mdb: failed to dereference symbol: unknown symbol name']);
    expect((await run('0::print foo_t')).errors).toEqual(['mdb: failed to read 40 bytes at 0: no mapping for address']);
    expect((await run('::print nosuch_t')).errors).toEqual(['mdb: failed to look up type nosuch_t: unknown type name']);
  });
  it("usage errors print mdb_getopts()'s warning, then mdb_dcmd_usage()'s Usage: and ::help lines, and set usage", async () => {
    const r = await run('::sizeof');
    // no address in the usage string: no "::" before the name, as mdb_dcmd_usage() prints it
    expect(r.errors).toEqual(['Usage: sizeof type', "mdb: try '::help sizeof' for more information"]);
    expect(r.usage).toBe(true);
    expect((await run('::walk -x foo')).errors).toEqual([
      'mdb: illegal option -- x',
      'Usage: [address]::walk name [variable]',
      "mdb: try '::help walk' for more information",
    ]);
    // a dcmd that returns DCMD_USAGE for an address it does not take warns nothing first
    expect((await run('1::help')).errors).toEqual(['Usage: help [command]', "mdb: try '::help help' for more information"]);
    expect((await run('::foo -q')).usage).toBe(true);
  });
  it('a dcmd error prints as is; a bug becomes one internal error line', async () => {
    const s = fakeSession([faulty]);
    expect((await run('::complain', s)).errors).toEqual(["mdb: couldn't read kmem_cache at ffffff01d6e2a008"]);
    expect((await run('::crash', s)).errors).toEqual(['mdb: internal error: oops second line']);
  });
  it('runs every ; command even after one fails', async () => {
    const r = await run('1=K; ::nope; 2=K; 1 +; 3=K');
    expect(r.output).toBe(`${M}1               \n${M}2               \n${M}3               \n`);
    expect(r.errors).toEqual(["mdb: invalid command '::nope': unknown dcmd name", 'mdb: syntax error near "1 +"']);
    expect(r.ok).toBe(false);
    expect((await run('1=K\n2=K')).output).toBe(`${M}1               \n${M}2               \n`);
  });
});

describe('session', () => {
  it('reports info and the prompt', () => {
    const s = fakeSession();
    expect(s.info).toEqual({ path: 'fake.dump', hostname: 'testhost', os: 'illumos', kernelVersion: 'SunOS 5.11 illumos-2012.10 DEBUG', panic: 'assertion failed: foo' });
    expect(s.prompt()).toBe('> ');
  });
  it('quits on $q and ::quit, skipping the rest of the line', async () => {
    const r = await run('1=K; $q; 2=K');
    expect(r.quit).toBe(true);
    expect(r.output).toBe(`${M}1               \n`);
    expect((await run('::quit')).quit).toBe(true);
    expect((await run('1=K')).quit).toBe(false);
  });
  it('stops a long walk with "mdb: interrupted" when the signal fires', async () => {
    const s = fakeSession([faulty]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const r = await s.execute('::endless; 1=K', { signal: ac.signal });
    expect(r.errors).toEqual(['mdb: interrupted']);
    expect(r.ok).toBe(false);
    expect(r.output.startsWith('tick\ntick\n')).toBe(true);
    const pre = new AbortController();
    pre.abort();
    expect((await s.execute('::walk foo | ::print foo_t', { signal: pre.signal })).errors).toEqual(['mdb: interrupted']);
  });
  it('stops a short loop of heavy calls when a timer aborts it (issue #13: `,0t100::kmem_log -b` ran past the fuzz watchdog)', async () => {
    // 100 calls of 10 ms and 300,000 characters each, fewer than the 256 between the loop's
    // regular yields: the timer behind AbortSignal.timeout must still get to fire, by the
    // loop's yield after each 256 KiB of output (no clock is read in the debugger)
    let calls = 0;
    const heavy: Module = {
      name: 'heavy',
      dcmds: [
        defineDcmd({
          name: 'heavy', synopsis: '', address: 'optional', summary: 'busy for 10 ms, then 300,000 characters', help: 'x', options: {},
          run: () => {
            calls++;
            const t = performance.now();
            while (performance.now() - t < 10);
            return text('x'.repeat(300_000), { data: null });
          },
        }),
      ],
      walkers: [],
    };
    const s = fakeSession([heavy]);
    const r = await s.execute('0,0t100::heavy', { signal: AbortSignal.timeout(60) });
    expect(r.errors).toEqual(['mdb: interrupted']);
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(50);
  });
  it('keeps dot, the increment and variables between lines', async () => {
    const s = fakeSession();
    await out(`${h(FOO0)}>a`, s);
    expect(await out('<a+8=K', s)).toBe(`${M}${h(FOO0 + 8n)} \n`);
    expect(await out('::vars', s)).toContain(`a = ${h(FOO0)}\n`);
    await out(`${h(FOO0)}`, s);
    expect(await out('.=K', s)).toBe(`${M}${h(FOO0)} \n`);
    expect(await out('$v', s)).toContain(`a = ${h(FOO0)}`);
  });
  it('switches the radix with $d', async () => {
    const s = fakeSession();
    expect(await out('0t10$d', s)).toBe('radix = 10 base ten\n');
    expect(await out('10=K', s)).toBe(`${M}a               \n`);
    expect(await out('0x10$d', s)).toBe('radix = 16 base ten\n');
    expect((await run('1$d', s)).errors).toEqual(['mdb: expected radix from 2 to 16']);
  });
  it('::eval runs text with dot set; $< runs a file through the readFile hook', async () => {
    expect(await out(`${h(FOO0)}::eval '.+8=K'`)).toBe(`${M}${h(FOO0 + 8n)} \n`);
    const files: Record<string, string> = { 'm.mdb': '1=K\n::nope\n2=K\n' };
    const s = fakeSession([], { readFile: (p) => { if (!(p in files)) throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }); return files[p]!; } });
    const r = await run('$<m.mdb', s);
    expect(r.output).toBe(`${M}1               \n${M}2               \n`);
    expect(r.errors).toEqual(["mdb: invalid command '::nope': unknown dcmd name"]);
    expect((await run('$<missing', s)).errors).toEqual(['mdb: failed to open missing: no such file or directory']);
    expect((await run('$<m.mdb')).errors).toEqual(['mdb: failed to open m.mdb: files cannot be read here']);
  });
  it('refuses absurd repeat counts instead of printing for hours', async () => {
    expect((await run('1,ffffffff=K')).errors[0]).toMatch(/^mdb: repeat count \d+ is too large$/);
    expect((await run('1,0=K')).output).toBe('');
  });
  it('completes dcmd names after :: and walker names after ::walk', () => {
    const s = fakeSession();
    expect(s.complete('::wa')).toEqual(['::walk', '::walkers']);
    expect(s.complete('::walk f')).toEqual(['foo']);
    expect(s.complete('::walk kmem_cache | ::pr')).toEqual(['::print']);
    expect(s.complete('::help si')).toEqual(['sizeof']);
    expect(s.complete('1=')).toEqual([]);
  });
  it('returns JSON results per command with bigints as hex strings', async () => {
    const s = fakeSession();
    const r = await s.execute(`::walk foo; ::sizeof foo_t; ::nope; ${h(FOO0)},2/J`, { json: true });
    expect(r.json).toEqual([
      { command: '::walk foo', ok: true, errors: [], results: [{ type: 'addresses', addressType: 'foo_t', addresses: [0, 1, 2].map((i) => `0x${h(FOO0 + BigInt(i) * FOO_STRIDE)}`) }] },
      { command: '::sizeof foo_t', ok: true, errors: [], results: [{ type: 'data', data: { type: 'foo_t', size: 40 } }] },
      { command: '::nope', ok: false, errors: ["mdb: invalid command '::nope': unknown dcmd name"], results: [] },
      { command: `${h(FOO0)},2/J`, ok: true, errors: [], results: [{ type: 'values', values: [expect.objectContaining({ format: 'J', address: `0x${h(FOO0)}` }), expect.objectContaining({ format: 'J', address: `0x${h(FOO0 + 8n)}`, bytes: 8 })] }] },
    ]);
    expect(JSON.parse(JSON.stringify(r.json))).toEqual(r.json);
    expect((await s.execute('::walk foo')).json).toEqual([]);
  });
  it('merges a walk\'s per-element tables into one JSON table', async () => {
    const r = await fakeSession().execute('::foo', { json: true });
    const res = (r.json[0] as { results: Array<{ rows: unknown[] }> }).results;
    expect(res).toHaveLength(1);
    expect(res[0]!.rows).toEqual([
      { addr: `0x${h(FOO0)}`, value: '0x100', first: 'yes' },
      { addr: `0x${h(FOO0 + FOO_STRIDE)}`, value: '0x200', first: 'no' },
      { addr: `0x${h(FOO0 + 2n * FOO_STRIDE)}`, value: '0x300', first: 'no' },
    ]);
  });
});
