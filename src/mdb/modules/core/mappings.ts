/*
 * ::mappings ($m) — the target's address-space mappings (mdb_cmds.c
 * cmd_mappings, over the target's mapping iterator). mdb's kvm target lists
 * the kernel's loaded objects there. An mddb target is built from the
 * dump's object tables and has no mapping iterator, so the command fails
 * the way mdb does on a target without one: "failed to iterate over
 * mappings: operation not supported by target" (EMDB_TGTNOTSUP).
 */
import { defineDcmd } from '../../dcmd.js';
import { MdbError, UsageError } from '../../errors.js';

export default defineDcmd({
  name: 'mappings',
  synopsis: '?[name]',
  address: 'optional',
  summary: 'print address space mappings',
  help: `Prints the target's address-space mappings (BASE, LIMIT, SIZE, NAME), or
with an address the mapping that contains it. An mddb dump records kernel
objects rather than an address-space map, so the target cannot list
mappings and the command fails, as mdb does on such a target. Use ::nm for
the symbols of a module. $m is the same command.

EXAMPLES
  > $m
  mdb: failed to iterate over mappings: operation not supported by target`,
  options: {},
  run(_ctx, _addr, _opts, args) {
    if (args.length > 1) throw new UsageError();
    throw new MdbError('failed to iterate over mappings: operation not supported by target');
  },
});
