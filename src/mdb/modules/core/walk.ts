/*
 * ::walk — the addresses a walker yields: printed one per line, or passed to
 * the next stage of a pipe. With a variable name, each address is also
 * assigned to that variable as it flows down the pipe.
 */
import { addresses, defineDcmd } from '../../dcmd.js';
import { MdbError, UsageError } from '../../errors.js';

/** Addresses per yielded result: small enough to start a pipe at once, large enough to cost nothing. */
const WALK_CHUNK = 256;

export default defineDcmd({
  name: 'walk',
  synopsis: '?name [variable]',
  address: 'optional',
  summary: 'walk data structure',
  help: `Runs the named walker: globally, or from the given address for walkers
that start from an object (a cache's buffers, an arena's segments).
Each step's address is printed, or passed to the next command of a pipe.
If a variable is named, it is set to each address in turn.

EXAMPLES
  > ::walk cpu
  0xfffffffffbe01000
  0xfffffffffbe01b80
  0xfffffffffbe02700
  0xfffffffffbe03280
  > ::kmem_cache -n zio_cache | ::walk kmem
  0xffffff01c0b69e50
  0xffffff01c0b6b058
  ...
  > ::walk cpu c | ::print cpu_t cpu_id
  cpu_id = 0
  cpu_id = 1
  cpu_id = 2
  cpu_id = 3`,
  options: {},
  *run(ctx, addr, _opts, args) {
    if (args.length < 1 || args.length > 2 || typeof args[0] !== 'string' || (args.length === 2 && typeof args[1] !== 'string')) throw new UsageError();
    const name = args[0];
    const varName = args[1] as string | undefined;
    if (varName !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(varName)) throw new MdbError(`'${varName.replace(/[A-Za-z0-9_]/g, '')[0] ?? varName[0]}' may not be used in a variable name`);
    const w = ctx.registry.walker(name);
    if (!w) throw new MdbError('failed to perform walk: unknown walk name');
    // yielded in chunks as the walk goes, so a pipe downstream starts at once
    const chunk = (list: bigint[]) => {
      const r = addresses(list, w.outputType);
      return varName === undefined ? r : { ...r, bindVar: varName };
    };
    let list: bigint[] = [];
    for (const a of ctx.walk(name, addr)) {
      list.push(a);
      if (list.length >= WALK_CHUNK) {
        yield chunk(list);
        list = [];
      }
    }
    if (list.length > 0) yield chunk(list);
  },
});
