/*
 * ::log and $> — keep a transcript of the session in a file (mdb_cmds.c's
 * cmd_log: `::log [-d | [-e] file]`, `$> [file]`). The engine does no I/O:
 * the front end opens the file (appending, never replacing) and the session
 * copies each later line's output into it, and with -e the command lines too.
 */
import { defineDcmd, flag, text } from '../../dcmd.js';
import { MdbError, UsageError } from '../../errors.js';

export default defineDcmd({
  name: 'log',
  synopsis: '[-d | [-e] filename]',
  address: 'none',
  summary: 'log session to a file',
  help: `Copies what the following commands print into a file, appended to
what it already holds, until ::log -d. With -e the command lines are
written too, after the prompt, as they were typed. $> FILE is ::log -e
FILE, and $> alone stops logging. Without arguments, says where the log
goes.

OPTIONS
  -d    stop logging
  -e    write the commands as well as their output

To keep a transcript with the commands in it: ::log -e /tmp/session.txt,
then the commands, then ::log -d.

EXAMPLES
  > ::log
  not logging`,
  options: {
    d: flag('stop logging'),
    e: flag('write the commands as well as their output'),
  },
  run(ctx, _addr, opts, args) {
    if (args.length === 0 && !opts.d && !opts.e) {
      const where = ctx.log ? ctx.log(undefined, false) : null;
      return text(where === null ? 'not logging\n' : `logging to "${where}"\n`, { data: { file: where } });
    }
    if (!ctx.log) throw new MdbError('logging is not available here');
    if (args.length > 1 || (opts.d && args.length > 0) || args.some((a) => typeof a !== 'string')) throw new UsageError();
    const file = args[0] as string | undefined;
    // `$>` alone (which passes -e) stops logging, as does ::log -d
    if (opts.d || (file === undefined && opts.e)) return void ctx.log(null, false);
    if (file !== undefined) ctx.log(file, opts.e);
  },
});
