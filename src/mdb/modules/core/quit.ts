/* ::quit ($q) — leave the debugger after this line. */
import { defineDcmd } from '../../dcmd.js';
import { UsageError } from '../../errors.js';

export default defineDcmd({
  name: 'quit',
  synopsis: '',
  address: 'none',
  summary: 'quit the debugger',
  help: 'Ends the session. $q and $Q do the same.',
  options: {},
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    ctx.quit();
  },
});
