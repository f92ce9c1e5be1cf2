/*
 * ::spa (zfs.c's spa_print): a pool as "ADDR STATE NAME"; without an
 * address every pool in spa_namespace_avl (the spa walker). -c adds its
 * configuration (spa_config), -v its vdev tree (::spa_vdevs), -e the tree
 * with each vdev's statistics, each indented four under the pool's line.
 */
import { addresses, defineDcmd, flag, text } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { off, readSpa } from './helpers.js';
import { indent, spaVdevs, type VdevRow } from './vdev.js';

export const spa = defineDcmd({
  name: 'spa',
  synopsis: '?[-cev]',
  address: 'optional',
  summary: 'spa_t summary',
  help: `Prints a pool: its spa_t, STATE (spa_state: ACTIVE, EXPORTED, ...) and
NAME. Without an address, every pool in spa_namespace_avl. -c adds its
configuration (the spa_config nvlist, or "(none)"), -v its vdev tree as
::spa_vdevs prints it, -e the tree with each vdev's statistics (::vdev -e),
each indented four under the pool's line.

EXAMPLES
  > ::spa
  ADDR                 STATE NAME
  ffffff01c0b9e000    ACTIVE rpool
  > ::spa -v
  ADDR                 STATE NAME
  ffffff01c0b9e000    ACTIVE rpool

      ADDR             STATE     AUX          DESCRIPTION
      ffffff01c0ae36c0 HEALTHY   -            root
      ffffff01c0ae3d40 HEALTHY   -              mirror
      ffffff01c0ae43c0 HEALTHY   -                /dev/dsk/c1d0s0
      ffffff01c0ae4a40 HEALTHY   -                /dev/dsk/c2d0s0`,
  options: {
    c: flag('print the configuration (spa_config) as well'),
    v: flag('print the vdev tree'),
    e: flag('print the vdev tree with each vdev\'s statistics'),
  },
  input: 'spa_t',
  walker: 'spa',
  run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    if (addr === undefined) throw new DcmdError("can't walk spa");
    if (ctx.pipedInto) return addresses([addr], 'spa_t');
    const target = ctx.target;
    const ps = ctx.pointerSize;
    let rec;
    try {
      rec = readSpa(target, addr);
    } catch {
      throw new DcmdError(`failed to read spa_t at ${addr.toString(16)}`);
    }
    let out = ctx.first ? `${'ADDR'.padEnd(ps * 2)} ${'STATE'.padStart(9)} ${'NAME'.padEnd(ps === 4 ? 60 : 52)}\n` : '';
    out += `${addr.toString(16).padStart(ps * 2, '0')} ${rec.stateName.padStart(9)} ${rec.name}\n`;
    let config: bigint | null | undefined;
    if (opts.c) {
      // spa_print_config(): ::nvlist of spa_config, or "(none)"
      config = target.readPtr(addr + off(target, 'spa_t', 'spa_config'));
      if (config !== 0n) throw new DcmdError(`cannot print the nvlist_t at ${config.toString(16)}: ::nvlist is not implemented`);
      out += '\n' + indent('(none)\n', 4);
    }
    let vdevs: VdevRow[] | undefined;
    if (opts.v || opts.e) {
      const v = spaVdevs(ctx, addr, opts.e, ctx.first);
      vdevs = v.rows;
      out += '\n' + indent(v.text, 4);
    }
    return text(out, {
      data: { addr, state: rec.stateName, name: rec.name, ...(opts.c ? { config: null } : {}), ...(vdevs ? { vdevs } : {}) },
      addresses: [addr],
      addressType: 'spa_t',
    });
  },
});
