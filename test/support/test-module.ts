// A module for engine tests: typed walkers over the fake dump (foo: the
// foo_list linked list; kmem_cache: the cache table) and a table dcmd that
// walks when given no address, to check header-once and pipes.
import { defineDcmd, defineWalker, flag, table, type Module } from '../../src/mdb/dcmd.js';
import { DcmdError } from '../../src/mdb/errors.js';
import { FOO_LIST } from './dump-builder.js';

export const fooWalker = defineWalker({
  name: 'foo',
  description: 'walk the foo_list linked list',
  outputType: 'foo_t',
  *walk(ctx, addr) {
    let p = addr ?? ctx.target.readPtr(FOO_LIST);
    while (p !== 0n) {
      yield p;
      p = ctx.target.readPtr(p); // foo_next is at offset 0
    }
  },
});

export const cacheWalker = defineWalker({
  name: 'kmem_cache',
  description: 'walk the kmem cache table',
  outputType: 'kmem_cache_t',
  *walk(ctx) {
    const t = ctx.target.table('kmem_cache_t')!;
    const addrs = t.columns['addr']!.values as BigUint64Array;
    for (const a of addrs) yield a;
  },
});

export const refusingWalker = defineWalker({
  name: 'needs_addr',
  description: 'a walker that refuses global walks',
  walk(_ctx, addr) {
    if (addr === undefined) throw new DcmdError("needs_addr doesn't support global walks");
    return [addr];
  },
});

export const fooDcmd = defineDcmd({
  name: 'foo',
  synopsis: '?[-v]',
  address: 'optional',
  summary: 'summarize foo objects',
  help: 'Prints one line per foo_t.',
  options: { v: flag('verbose') },
  input: 'foo_t',
  walker: 'foo',
  run(ctx, addr, opts) {
    const value = ctx.target.readU32(addr! + 8n);
    const rows = [{ addr: addr!, value: BigInt(value), first: ctx.first ? 'yes' : 'no' }];
    const cols = [
      { key: 'addr', header: 'ADDR', width: 'ptr' as const, align: 'right' as const },
      { key: 'value', header: 'VALUE', width: 8, align: 'right' as const },
      ...(opts.v ? [{ key: 'first', header: 'FIRST' }] : []),
    ];
    return table(cols, rows, { addresses: [addr!], addressType: 'foo_t' });
  },
});

export const testModule: Module = {
  name: 'test',
  dcmds: [fooDcmd],
  walkers: [fooWalker, cacheWalker, refusingWalker],
};
