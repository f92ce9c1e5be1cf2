/*
 * ::grep — a filter for pipelines (mdb_cmds.c cmd_grep): evaluates its
 * expression with dot set to each address and passes the address on only
 * when the value is non-zero.
 */
import { addresses, defineDcmd, text } from '../../dcmd.js';
import { UsageError } from '../../errors.js';

export default defineDcmd({
  name: 'grep',
  synopsis: ':expr',
  address: 'required',
  summary: 'print dot if expression is true',
  help: `Evaluates the expression with dot set to the address and, if the result
is non-zero, prints the address (or passes it down the pipe). Use it to
filter a walk: 0t-prefixed numbers are decimal, * reads memory at an address.

EXAMPLES
  The caches that failed an allocation (cache_alloc_fail is at +0x20):

  > ::walk kmem_cache | ::grep '*(.+0x20)!=0' | ::print kmem_cache_t cache_name
  cache_name = [ "rootnex_dmahdl" ]
  cache_name = [ "blkdev0_xfer" ]`,
  options: {},
  run(ctx, addr, _opts, args) {
    if (args.length === 0 || args.some((a) => typeof a !== 'string')) throw new UsageError();
    const v = ctx.evalExpr((args as string[]).join(' '));
    if (v === 0n) return ctx.pipedInto ? addresses([]) : undefined;
    return ctx.pipedInto ? addresses([addr!]) : text(`${addr!.toString(16)}\n`, { data: { addr: addr! } });
  },
});
