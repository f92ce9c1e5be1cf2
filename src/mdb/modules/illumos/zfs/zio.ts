/*
 * ::zio and ::zio_state (zfs.c's zio_print and zio_state): a zio_t as
 * "ADDRESS TYPE STAGE WAITER TIME_ELAPSED", -r with its whole tree of
 * children below it (through io_child_list's zio_link_t's), each level's
 * address indented one more (at most seven); -c / -p its direct children /
 * parents only; ::zio_state every root zio (the zio_root walk) through ::zio.
 */
import { addresses, defineDcmd, flag, text, type DcmdContext, type Result } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { listObjects, off, readZio, WALK_LIMIT, ZIO_TYPE_NAMES, zioStageName } from './helpers.js';

/** ZIO_MAXINDENT, and ZIO_MAXWIDTH (an address and the deepest indent) */
const ZIO_MAXINDENT = 7;

/** one zio of a ::zio listing, for --json */
export interface ZioRow {
  addr: bigint;
  /** its depth below the zio asked for (0 = itself) */
  depth: number;
  type: string;
  /** the stage name, or FAILED when io_error is set */
  stage: string;
  /** io_waiter, the thread in zio_wait(), or null */
  waiter: bigint | null;
  /** milliseconds from io_timestamp to the dump's time, or null when io_timestamp is 0 */
  elapsedMs: number | null;
}

const SELF = 0;
const CHILD = 1;
const PARENT = 2;

interface Args {
  minDepth: number;
  maxDepth: number;
  type: number;
}

/** the deepest tree followed: a zio tree is a handful of levels; a cycle of links stops here */
const MAX_TREE_DEPTH = 64;

function zioHeader(ps: number): string {
  const w = ps * 2 + ZIO_MAXINDENT;
  return `${'ADDRESS'.padEnd(w)} ${'TYPE'.padEnd(5)} ${'STAGE'.padEnd(16)} ${'WAITER'.padEnd(16)} ${'TIME_ELAPSED'.padEnd(12)}\n`;
}

/** zio_print_cb(): the zio at `depth`, then its children (or parents) one deeper */
function printZio(ctx: DcmdContext, addr: bigint, depth: number, a: Args, out: { text: string; rows: ZioRow[] }): void {
  ctx.checkInterrupt();
  const target = ctx.target;
  const ps = ctx.pointerSize;
  let z;
  try {
    z = readZio(target, addr);
  } catch {
    throw new DcmdError(`failed to read zio_t at ${addr.toString(16)}`);
  }
  const type = ZIO_TYPE_NAMES[z.type] ?? '?';
  const stage = z.error === 0 ? zioStageName(z.stage) : 'FAILED';
  if (depth >= a.minDepth) {
    const ind = Math.min(depth, ZIO_MAXINDENT);
    const now = BigInt(target.header.dumpTime);
    const elapsed = z.timestamp !== 0n ? (now - z.timestamp) / 1_000_000n : null;
    out.rows.push({ addr, depth, type, stage, waiter: z.waiter !== 0n ? z.waiter : null, elapsedMs: elapsed === null ? null : Number(elapsed) });
    let line = `${' '.repeat(ind)}${addr.toString(16).padEnd(ps * 2 + ZIO_MAXINDENT - ind)} ${type.padEnd(5)} ${stage.padEnd(16)} `;
    line += z.waiter !== 0n ? `${z.waiter.toString(16).padEnd(16)} ` : `${'-'.padEnd(16)} `;
    line += elapsed !== null ? `${BigInt.asUintN(64, elapsed)}ms` : `${'-'.padEnd(12)} `;
    out.text += line + '\n';
  }
  if (depth >= a.maxDepth || out.rows.length >= WALK_LIMIT) return;
  if (depth >= MAX_TREE_DEPTH) throw new DcmdError(`zio tree at ${addr.toString(16)} is deeper than ${MAX_TREE_DEPTH} levels`);
  const list = addr + off(target, 'zio_t', a.type === PARENT ? 'io_parent_list' : 'io_child_list');
  const zl = off(target, 'zio_link_t', a.type === PARENT ? 'zl_parent' : 'zl_child');
  let links: bigint[];
  try {
    links = [...listObjects(target, list)];
  } catch {
    throw new DcmdError(`failed to walk zio_t children at ${list.toString(16)}`);
  }
  for (const l of links) {
    let next: bigint;
    try {
      next = target.readPtr(l + zl);
    } catch {
      throw new DcmdError(`failed to read zio_link_t at ${l.toString(16)}`);
    }
    printZio(ctx, next, depth + 1, a, out);
  }
}

function runZio(ctx: DcmdContext, addr: bigint, opts: { c: boolean; p: boolean; r: boolean }, first: boolean): Result {
  const a: Args = { minDepth: 0, maxDepth: 0, type: SELF };
  // mdb_getopts() sets zpa_type by the last of -c / -p given; both given, -p's bit wins
  if (opts.c) a.type = CHILD;
  if (opts.p) a.type = PARENT;
  if (opts.r) {
    a.maxDepth = Number.MAX_SAFE_INTEGER;
    if (a.type === SELF) a.type = CHILD;
  } else if (a.type !== SELF) {
    a.minDepth = 1;
    a.maxDepth = 1;
  }
  const out = { text: '', rows: [] as ZioRow[] };
  printZio(ctx, addr, 0, a, out);
  if (ctx.pipedInto) return addresses(out.rows.map((r) => r.addr), 'zio_t');
  const head = first ? zioHeader(ctx.pointerSize) : '';
  return text(head + out.text, { data: out.rows, addresses: out.rows.map((r) => r.addr), addressType: 'zio_t' });
}

const OPTIONS = {
  c: flag('display the direct children of the zio'),
  p: flag('display the direct parents of the zio'),
  r: flag('display the whole tree of children below the zio'),
} as const;

export const zio = defineDcmd({
  name: 'zio',
  synopsis: ':[-cpr]',
  address: 'required',
  summary: 'zio_t summary',
  help: `Prints a zio_t: its address, TYPE (NULL, READ, WRITE, ...), STAGE (the
pipeline stage it is in, or FAILED when io_error is set; a zio waiting for
its children shows the stage before the one that waits), WAITER (the thread
in zio_wait() on it, or -) and TIME_ELAPSED (since io_timestamp, when the
I/O went to its disk, up to the dump's time). -r adds the whole tree of
children below it, each level's address indented one more (at most seven);
-c shows its direct children instead, -p its direct parents.

EXAMPLES
  > ::walk zio_root | ::zio -r
  ADDRESS                 TYPE  STAGE            WAITER           TIME_ELAPSED
  ffffff01c0b6b058        READ  VDEV_IO_START    -                -
   ffffff01c0b69e50       READ  VDEV_IO_START    -                0ms
  ...`,
  options: OPTIONS,
  input: 'zio_t',
  run(ctx, addr, opts, args) {
    if (addr === undefined || args.length > 0) throw new UsageError();
    return runZio(ctx, addr, opts, ctx.first);
  },
});

export const zioState = defineDcmd({
  name: 'zio_state',
  synopsis: '?[-cpr]',
  address: 'optional',
  summary: 'print out all zio_t structures on system or for a particular pool',
  help: `Prints every root zio_t (a zio with no parent) as ::zio does, with -r
each with its tree: the I/O the system has in flight. Given a spa_t, only
that pool's. The same as ::walk zio_root | ::zio, and takes its options.

EXAMPLES
  > ::zio_state
  ADDRESS                 TYPE  STAGE            WAITER           TIME_ELAPSED
  ffffff01c0b6b058        READ  VDEV_IO_START    -                -
  > ::spa | ::zio_state -r
  ADDRESS                 TYPE  STAGE            WAITER           TIME_ELAPSED
  ffffff01c0b6b058        READ  VDEV_IO_START    -                -
   ffffff01c0b69e50       READ  VDEV_IO_START    -                0ms
  ...`,
  options: OPTIONS,
  input: 'spa_t',
  *run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    let first = true;
    for (const z of ctx.walk('zio_root', addr !== undefined && ctx.addrSpec ? addr : undefined)) {
      yield runZio(ctx, z, opts, ctx.first && first);
      first = false;
    }
  },
});
