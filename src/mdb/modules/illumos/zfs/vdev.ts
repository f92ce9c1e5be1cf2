/*
 * ::vdev and ::spa_vdevs (zfs.c's vdev_print/do_print_vdev and spa_vdevs):
 * a vdev_t as "ADDR STATE AUX DESCRIPTION" (a leaf's path, else its
 * vdev_ops' type), -r for its subtree, each level's description indented
 * two more, -e its vdev_stat (ops and bytes by zio type, error counts).
 */
import { addresses, defineDcmd, flag, text, uint, type DcmdContext, type Result } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { readSpa, readVdev, vdevAuxName, vdevStateName, WALK_LIMIT } from './helpers.js';

/** one vdev of a ::vdev listing, for --json */
export interface VdevRow {
  addr: bigint;
  /** its depth below the vdev asked for (0, 2, 4, ... as do_print_vdev() counts) */
  depth: number;
  state: string;
  aux: string;
  description: string;
  /** -e: vdev_stat's ops and bytes by zio type, and its error counts */
  stats?: {
    ops: { read: number; write: number; free: number; claim: number; ioctl: number };
    bytes: { read: number; write: number; free: number; claim: number; ioctl: number };
    readErrors: number;
    writeErrors: number;
    checksumErrors: number;
  };
}

/** the deepest -r recursion followed (a pool's tree is 3 or 4 deep; a cycle stops here) */
const MAX_DEPTH = 64;
/** vdev_children read from the dump: no more children than this are read */
const MAX_CHILDREN = 4096;

/** mdb's %#llx: 0x and lower-case hex */
const altHex = (v: bigint): string => `0x${v.toString(16)}`;
/** mdb_inc_indent(n): every line that is not empty gets n more spaces */
export const indent = (s: string, n: number): string =>
  s
    .split('\n')
    .map((l) => (l === '' ? l : ' '.repeat(n) + l))
    .join('\n');

export function vdevHeader(ps: number): string {
  return `${'ADDR'.padEnd(ps * 2)} ${'STATE'.padEnd(9)} ${'AUX'.padEnd(12)} ${'DESCRIPTION'.padEnd(ps === 4 ? 43 : 35)}\n`;
}

/**
 * do_print_vdev(): the vdev at addr at `depth`, its stats with -e, then its
 * children at depth + 2 with -r. The header prints before the first line
 * when `header` (depth 0 of a DCMD_HDRSPEC call).
 */
export function printVdev(ctx: DcmdContext, addr: bigint, depth: number, stats: boolean, recursive: boolean, header: boolean, out: { text: string; rows: VdevRow[] }): void {
  ctx.checkInterrupt();
  const target = ctx.target;
  const ps = ctx.pointerSize;
  let vd;
  try {
    vd = readVdev(target, addr);
  } catch (e) {
    if (e instanceof DcmdError) throw e;
    throw new DcmdError(`failed to read vdev_t at ${addr.toString(16)}`);
  }
  const row: VdevRow = { addr, depth, state: vdevStateName(vd.state), aux: vdevAuxName(vd.aux), description: vd.desc };
  if (depth === 0 && header) out.text += vdevHeader(ps);
  out.text += `${addr.toString(16).padStart(ps * 2, '0')} ${row.state.padEnd(9)} ${row.aux.padEnd(12)} ${' '.repeat(depth)}${vd.desc}\n`;
  if (stats) {
    const by = (a: bigint[]) => ({ read: Number(a[1]), write: Number(a[2]), free: Number(a[3]), claim: Number(a[4]), ioctl: Number(a[5]) });
    row.stats = { ops: by(vd.ops), bytes: by(vd.bytes), readErrors: Number(vd.readErrors), writeErrors: Number(vd.writeErrors), checksumErrors: Number(vd.checksumErrors) };
    const line = (label: string, a: bigint[]): string =>
      label +
      a
        .slice(1)
        .map((v) => altHex(v).padStart(11))
        .join('  ');
    let s = '\n';
    s += `       ${['READ', 'WRITE', 'FREE', 'CLAIM', 'IOCTL'].map((h) => h.padStart(12)).join(' ')}\n`;
    s += `${line('OPS     ', vd.ops)}\n`;
    s += `${line('BYTES   ', vd.bytes)}\n`;
    s += `EREAD    ${altHex(vd.readErrors).padStart(10)}\n`;
    s += `EWRITE   ${altHex(vd.writeErrors).padStart(10)}\n`;
    s += `ECKSUM   ${altHex(vd.checksumErrors).padStart(10)}\n`;
    out.text += indent(s, 4) + '\n';
  }
  out.rows.push(row);
  if (vd.children === 0n || !recursive) return;
  if (depth / 2 >= MAX_DEPTH) throw new DcmdError(`vdev tree at ${addr.toString(16)} is deeper than ${MAX_DEPTH} levels`);
  if (vd.children > BigInt(MAX_CHILDREN)) throw new DcmdError(`vdev_t at ${addr.toString(16)} claims ${vd.children} children`);
  const kids: bigint[] = [];
  try {
    for (let c = 0n; c < vd.children; c++) kids.push(target.readPtr(vd.child + c * BigInt(ps)));
  } catch {
    throw new DcmdError(`failed to read vdev children at ${vd.child.toString(16)}`);
  }
  for (const c of kids) {
    if (out.rows.length >= WALK_LIMIT) return;
    printVdev(ctx, c, depth + 2, stats, recursive, header, out);
  }
}

function vdevResult(out: { text: string; rows: VdevRow[] }): Result {
  return text(out.text, { data: out.rows, addresses: out.rows.map((r) => r.addr), addressType: 'vdev_t' });
}

export const vdev = defineDcmd({
  name: 'vdev',
  synopsis: ':[-re] [-d depth]',
  address: 'required',
  summary: 'vdev_t summary',
  help: `Prints a vdev_t: its address, STATE (vdev_state: HEALTHY, DEGRADED,
FAULTED, ...), AUX (vdev_stat.vs_aux, why it is not healthy, or -) and
DESCRIPTION (a leaf's vdev_path, else the type of its vdev_ops: root,
mirror, raidz, ...). Feed it a pool's spa_root_vdev, or use ::spa -v.
With -r its children follow, each level's description indented two more;
with -e each vdev is followed by its statistics: operations and bytes by
I/O type, and its read, write and checksum errors.

EXAMPLES
  > ::spa | ::print spa_t spa_root_vdev | ::vdev -r
  ADDR             STATE     AUX          DESCRIPTION
  ffffff01c0ae36c0 HEALTHY   -            root
  ffffff01c0ae3d40 HEALTHY   -              mirror
  ffffff01c0ae43c0 HEALTHY   -                /dev/dsk/c1d0s0
  ffffff01c0ae4a40 HEALTHY   -                /dev/dsk/c2d0s0`,
  options: {
    r: flag('recursively visit all children'),
    e: flag('print each vdev\'s statistics (ops, bytes, errors)'),
    d: uint('depth', 'indent the description as if at this depth'),
  },
  input: 'vdev_t',
  run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    if (addr === undefined) throw new DcmdError('no vdev_t address given');
    const depth = opts.d === undefined ? 0 : Number(opts.d > 256n ? 256n : opts.d);
    const out = { text: '', rows: [] as VdevRow[] };
    printVdev(ctx, addr, depth, opts.e, opts.r, ctx.first, out);
    if (ctx.pipedInto) return addresses(out.rows.map((r) => r.addr), 'vdev_t');
    return vdevResult(out);
  },
});

/**
 * spa_vdevs(): ::vdev -r (-re with -e) of the pool's root vdev, then a
 * "-" line and ::vdev -d 2 for each cache and spare device.
 */
export function spaVdevs(ctx: DcmdContext, spaAddr: bigint, errors: boolean, header: boolean): { text: string; rows: VdevRow[] } {
  const target = ctx.target;
  const ps = ctx.pointerSize;
  let spa;
  try {
    spa = readSpa(target, spaAddr);
  } catch {
    throw new DcmdError(`failed to read spa_t at ${spaAddr.toString(16)}`);
  }
  const out = { text: '', rows: [] as VdevRow[] };
  if (spa.rootVdev === 0n) {
    out.text = 'no associated vdevs\n';
    return out;
  }
  printVdev(ctx, spa.rootVdev, 0, errors, true, header, out);
  for (const [sav, name] of [
    [spa.l2cache, 'cache'],
    [spa.spares, 'spares'],
  ] as const) {
    if (sav.count === 0) continue;
    if (sav.count < 0 || sav.count > MAX_CHILDREN) throw new DcmdError(`spa_t at ${spaAddr.toString(16)} claims ${sav.count} ${name} devices`);
    const aux: bigint[] = [];
    try {
      for (let i = 0; i < sav.count; i++) aux.push(target.readPtr(sav.vdevs + BigInt(i * ps)));
    } catch {
      throw new DcmdError(`failed to read l2cache vdevs at ${sav.vdevs.toString(16)}`);
    }
    out.text += `${'-'.padEnd(ps * 2)} ${'-'.padEnd(9)} ${'-'.padEnd(12)} ${name}\n`;
    for (const a of aux) printVdev(ctx, a, 2, errors, true, header, out);
  }
  return out;
}

export const spaVdevsDcmd = defineDcmd({
  name: 'spa_vdevs',
  synopsis: ':[-e]',
  address: 'required',
  summary: 'given a spa_t, print vdev summary',
  help: `Prints the vdevs of a pool: ::vdev -r of its root vdev (spa_root_vdev),
then its cache and spare devices, each under a "-" line naming them; -e
adds each vdev's statistics, as ::vdev -e.

EXAMPLES
  > ::walk spa | ::spa_vdevs
  ADDR             STATE     AUX          DESCRIPTION
  ffffff01c0ae36c0 HEALTHY   -            root
  ffffff01c0ae3d40 HEALTHY   -              mirror
  ffffff01c0ae43c0 HEALTHY   -                /dev/dsk/c1d0s0
  ffffff01c0ae4a40 HEALTHY   -                /dev/dsk/c2d0s0`,
  options: { e: flag('include error statistics') },
  input: 'spa_t',
  run(ctx, addr, opts, args) {
    if (addr === undefined || args.length > 0) throw new UsageError();
    const out = spaVdevs(ctx, addr, opts.e, ctx.first);
    if (ctx.pipedInto) return addresses(out.rows.map((r) => r.addr), 'vdev_t');
    return vdevResult(out);
  },
});
