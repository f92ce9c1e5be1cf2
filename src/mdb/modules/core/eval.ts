/*
 * ::eval — runs a string as a command with dot set to the current address,
 * so a pipe can apply a whole command line to each element:
 * `::walk proc | ::eval '<.::print proc_t p_pidp'`.
 */
import { addresses, defineDcmd } from '../../dcmd.js';
import { UsageError } from '../../errors.js';

export default defineDcmd({
  name: 'eval',
  synopsis: '?command',
  address: 'optional',
  summary: 'evaluate the specified command',
  help: `Runs the command text given as one (usually quoted) argument. Dot is the
address ::eval was called with, so in a pipe the command runs once per
element, with <. naming that element.

EXAMPLES
  > ::walk cpu | ::eval "<.=K"
                  fffffffffbe01000
                  fffffffffbe01b80
                  fffffffffbe02700
                  fffffffffbe03280`,
  options: {},
  async run(ctx, _addr, _opts, args) {
    if (args.length !== 1 || typeof args[0] !== 'string') throw new UsageError();
    const addrs = await ctx.evaluate(args[0]);
    return ctx.pipedInto ? addresses(addrs) : undefined;
  },
});
