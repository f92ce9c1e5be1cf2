/* ::quit ($q) — leave the debugger after this line. */
import { defineDcmd } from '../../dcmd.js';
import { UsageError } from '../../errors.js';

export default defineDcmd({
  name: 'quit',
  synopsis: '',
  address: 'none',
  summary: 'quit the debugger',
  help: `Ends the session once the current line has run: in a script (-f) or
batch input, the commands after it are not read. $q and $Q do the same.
In ddb's grammar, which has no word for leaving a crash dump (ddb's
continue resumes a live kernel), the word is quit.

EXAMPLES
  > ::sizeof kmem_cache_t; ::quit
  sizeof (kmem_cache_t) = 0x380`,
  options: {},
  ddb: { words: ['quit'] },
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    ctx.quit();
  },
});
