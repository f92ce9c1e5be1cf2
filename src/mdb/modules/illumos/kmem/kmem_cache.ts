/*
 * ::kmem_cache — one line per cache: address, name, cache_flags (KMF_*) and
 * cache_cflags (KMC_*) in hex, buffer size and total buffers (mdb's
 * kmem_cache(): "%0?p %-25s %04x %06x %8ld %8lld"). Without an address it
 * runs over the kmem_cache walk; the header is printed once.
 */
import { defineDcmd, str, table, type Column } from '../../../dcmd.js';
import { UsageError } from '../../../errors.js';
import { ptrPad } from '../../../render/number.js';
import { readKmemCache, toCount } from './helpers.js';

const columns = (ps: number): Column[] => [
  { key: 'addr', header: 'ADDR', width: 'ptr', format: (v) => ptrPad(v as bigint, ps) },
  { key: 'name', header: 'NAME', width: 25 },
  { key: 'flags', header: 'FLAG', width: 4, align: 'right', json: 'hex', format: (v) => (v as number).toString(16).padStart(4, '0') },
  { key: 'cflags', header: 'CFLAG', width: 6, align: 'right', json: 'hex', format: (v) => (v as number).toString(16).padStart(6, '0') },
  { key: 'bufSize', header: 'BUFSIZE', width: 8, align: 'right', format: (v) => String(v) },
  { key: 'bufTotal', header: 'BUFTOTL', width: 8, align: 'right', format: (v) => String(v) },
];

export default defineDcmd({
  name: 'kmem_cache',
  synopsis: '?[-n name]',
  address: 'optional',
  summary: 'print kernel memory caches',
  help: `Prints kernel memory caches: one line per cache, or the cache at the
given address. -n keeps the caches whose name contains the given text.

COLUMNS
  ADDR      the kmem_cache_t
  NAME      the cache's name
  FLAG      cache_flags, the debugging and behaviour bits (KMF_*: 0x1
            AUDIT, 0x2 DEADBEEF, 0x4 REDZONE, 0x8 CONTENTS, 0x100 LITE,
            0x200 HASH; 020f is a DEBUG kernel's usual set)
  CFLAG     cache_cflags, the flags given to kmem_cache_create (KMC_*)
  BUFSIZE   bytes per buffer
  BUFTOTL   buffers the cache holds now, allocated or free

EXAMPLES
  > ::kmem_cache -n blkdev
  ADDR             NAME                      FLAG  CFLAG  BUFSIZE  BUFTOTL
  ffffff01c0aab700 blkdev0_xfer              020f 000000      152       69
  ffffff01c0aaba80 blkdev1_xfer              020f 000000      152       69
  > ::walk kmem_cache | ::kmem_cache
  ADDR             NAME                      FLAG  CFLAG  BUFSIZE  BUFTOTL
  ffffff01c0021000 kmem_magazine_1           0006 080000       16      200
  ffffff01c0021380 kmem_magazine_3           0006 080000       32      248
  ...`,
  options: { n: str('name', 'only caches whose name contains this text') },
  input: 'kmem_cache_t',
  walker: 'kmem_cache',
  run(ctx, addr, opts, args) {
    if (args.length > 0 || addr === undefined) throw new UsageError();
    const cp = readKmemCache(ctx.target, addr);
    const match = opts.n === undefined || cp.cache_name.includes(opts.n);
    // mdb prints the header before filtering, so a loop that matches nothing still has one
    const rows = !match
      ? []
      : [{ addr: cp.addr, name: cp.cache_name, flags: cp.cache_flags, cflags: cp.cache_cflags, bufSize: toCount(cp.cache_bufsize), bufTotal: toCount(cp.cache_buftotal) }];
    if (!match && !ctx.first) return;
    return table(columns(ctx.pointerSize), rows, { addresses: match ? [cp.addr] : [], addressType: 'kmem_cache_t' });
  },
});
