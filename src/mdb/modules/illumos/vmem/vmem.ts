/*
 * ::vmem — one line per arena (mdb's vmem()): address, name indented two
 * spaces per import level, bytes in use, bytes total, allocations that
 * succeeded and failed ("%0?p %-22s %10llu %12llu %9llu %5llu").
 */
import { defineDcmd, flag, table, type Column, type Row } from '../../../dcmd.js';
import { UsageError } from '../../../errors.js';
import { ptrPad } from '../../../render/number.js';
import { usageBar } from '../../../render/bar.js';
import { toCount } from '../kmem/helpers.js';
import { readVmem, vmemDepth } from './helpers.js';

/** mdb's VMEM_NAMEWIDTH: the indented name is cut to fit a buffer this size */
const NAMEWIDTH = 22;

const count = toCount;

const dec = (v: unknown): string => String(v);

const columns = (ps: number, bars = false): Column[] => [
  { key: 'addr', header: 'ADDR', width: 'ptr', format: (v) => ptrPad(v as bigint, ps) },
  { key: 'label', header: 'NAME', width: NAMEWIDTH },
  { key: 'memInUse', header: 'INUSE', width: 10, align: 'right', format: dec },
  { key: 'memTotal', header: 'TOTAL', width: 12, align: 'right', format: dec },
  { key: 'allocSucceed', header: 'SUCCEED', width: 9, align: 'right', format: dec },
  { key: 'allocFail', header: 'FAIL', width: 5, align: 'right', format: dec, alert: (v) => Number(v) !== 0 },
  ...(bars ? [{ key: 'inUsePercent', header: 'IN USE / TOTAL', bar: true, format: (_v: unknown, r: Row) => usageBar(r['memInUse'] as number, r['memTotal'] as number) }] : []),
];

export default defineDcmd({
  name: 'vmem',
  synopsis: '?[-G]',
  address: 'optional',
  summary: 'print a vmem_t',
  help: `Prints vmem arenas: every arena in vmem walk order (each after the
arena it imports from, indented under it), or the arena at the address.

COLUMNS
  ADDR      address of the vmem_t
  NAME      arena name, indented 2 spaces per import level
  INUSE     bytes allocated (vk_mem_inuse)
  TOTAL     bytes in the arena's spans (vk_mem_total)
  SUCCEED   allocations that succeeded (vk_alloc)
  FAIL      allocations that failed (vk_fail); bold red on a terminal
            with colour when not zero
  IN USE / TOTAL  with -G (mddb's own): a bar of INUSE out of TOTAL

EXAMPLES
  > ::vmem
  ADDR             NAME                        INUSE        TOTAL   SUCCEED  FAIL
  fffffffffbc00070 heap                     70684672  68719476736      4622     0
  fffffffffbc00c78   vmem_metadata           1327104      1441792        94     0
  fffffffffbc01880     vmem_seg              1261568      1261568        77     0
  ...
  > *kmem_firewall_arena::vmem
  ADDR             NAME                        INUSE        TOTAL   SUCCEED  FAIL
  ffffff01c0005000     kmem_firewall         1359872      1359872      4128    37`,
  options: { G: flag('draw a bar of memory in use out of the total after each arena') },
  input: 'vmem_t',
  walker: 'vmem',
  run(ctx, addr, opts, args) {
    if (args.length > 0 || addr === undefined) throw new UsageError();
    const v = readVmem(ctx.target, addr);
    const label = (' '.repeat(2 * vmemDepth(ctx.target, v)) + v.vm_name).slice(0, NAMEWIDTH - 1);
    const row = { addr: v.addr, name: v.vm_name, label, memInUse: count(v.mem_inuse), memTotal: count(v.mem_total), allocSucceed: count(v.alloc), allocFail: count(v.fail), ...(opts.G ? { inUsePercent: v.mem_total > 0n ? Math.round((Number(v.mem_inuse) / Number(v.mem_total)) * 100) : 0 } : {}) };
    return table(columns(ctx.pointerSize, opts.G), [row], { addresses: [v.addr], addressType: 'vmem_t' });
  },
});
