import { describe, expect, it } from 'vitest';
import { defineDcmd, flag, text, type Module } from '../../src/mdb/dcmd.js';
import { DOLLAR_VERBS } from '../../src/mdb/verbs.js';
import { CACHE1, FOO0 } from '../support/dump-builder.js';
import { fakeSession, out, run } from '../support/mdb-session.js';

// Stand-ins for the thread module's ::stack and ::stackregs.
const threads: Module = {
  name: 'thread',
  dcmds: [
    defineDcmd({
      name: 'stack',
      synopsis: '?[-v]',
      address: 'optional',
      summary: 'print stack backtrace',
      help: 'Prints the stack.',
      options: { v: flag('verbose') },
      run: (ctx, addr, opts) => text(`stack ${addr === undefined ? 'panic' : addr.toString(16)}${opts.v ? ' -v' : ''}`),
    }),
    defineDcmd({ name: 'stackregs', synopsis: '?', address: 'optional', summary: 'print stack with frame pointers', help: 'x', options: {}, run: () => text('regs') }),
    defineDcmd({
      name: 'slow',
      synopsis: '',
      address: 'none',
      summary: 'a long scan that polls',
      help: 'x',
      options: {},
      async run(ctx) {
        for (;;) await ctx.poll();
      },
    }),
  ],
  walkers: [],
};

describe('$ verbs', () => {
  it('map to registered dcmds through one table', async () => {
    expect(DOLLAR_VERBS['$c']).toEqual({ name: 'stack' });
    expect(DOLLAR_VERBS['$C']).toEqual({ name: 'stackregs' });
    const s = fakeSession([threads]);
    expect(await out('$c', s)).toBe('stack panic\n');
    expect(await out('ffffff000f8bcc40$c', s)).toBe('stack ffffff000f8bcc40\n');
    expect(await out('$c -v', s)).toBe('stack panic -v\n');
    expect(await out('$C', s)).toBe('regs\n');
    expect(await out('::help $c', s)).toContain('NAME\n  stack - print stack backtrace');
  });
  it('poll() lets Ctrl-C stop a dcmd that never returns', async () => {
    const s = fakeSession([threads]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const r = await s.execute('::slow', { signal: ac.signal });
    expect(r.errors).toEqual(['mdb: interrupted']);
  });
});

describe('typed pipes through ::print', () => {
  it('a struct-pointer member passes its target type on', async () => {
    expect(await out(`${FOO0.toString(16)}::print foo_t foo_cache | ::print cache_name cache_bufsize`)).toBe('cache_name = [ "foo_cache" ]\ncache_bufsize = 0x40\n');
    expect(CACHE1).toBeGreaterThan(0n);
    expect((await run(`${FOO0.toString(16)}::print foo_t foo_value | ::print cache_name`)).errors).toEqual(['mdb: failed to look up type cache_name: unknown type name']);
  });
});
