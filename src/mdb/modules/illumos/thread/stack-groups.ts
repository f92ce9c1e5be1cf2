/*
 * Threads grouped by stack, for ::stacks (the grouping of mdb's findstack.c).
 * Two threads are in one group when they agree on everything ::stacks
 * prints: the panic mark, t_state, t_sobj_ops, and the list of pcs. Groups
 * are sorted as mdb sorts them: the panic stack last, larger groups first,
 * then by state, then frame by frame by function name.
 *
 * Built for size: a dump may hold a hundred thousand threads. Each thread's
 * key is a string packed from the pcs' 32-bit halves (four UTF-16 units per
 * frame, read through a Uint32Array view of the pc column), so grouping
 * allocates one string per thread and no per-frame objects; bigint pcs are
 * made only for each group's representative.
 */
import type { Target } from '../../../target.js';
import { bigCol, numCol, panicThread, threadIndex } from './helpers.js';

/** Deepest stack ::stacks records; deeper ones print "... truncated ...". */
export const STACKS_MAX_DEPTH = 254;

/** Why a thread's stack was not found (mdb's FSI_FAIL_*); 0 when it was. */
export const FAIL_NONE = 0;
export const FAIL_STACKNOTFOUND = 4;

export interface StackGroup {
  /** thread rows with this stack, in walk order; the first is the one printed */
  rows: number[];
  /** their addresses, same order */
  threads: bigint[];
  state: number;
  /** the group of panic_thread */
  panic: boolean;
  sobjOps: bigint;
  failed: number;
  /** deeper than STACKS_MAX_DEPTH */
  overflow: boolean;
  /** the stack, innermost first */
  pcs: bigint[];
}

/** Groups the given thread rows (default: every thread) by stack, sorted as ::stacks prints them. */
export function groupStacks(target: Target, rows?: Iterable<number>): StackGroup[] {
  const idx = threadIndex(target);
  const state = numCol(idx.table, 't_state');
  const sobj = bigCol(idx.table, 't_sobj_ops');
  const panicAddr = panicThread(target);
  const pcCol = idx.frames?.columns['pc'];
  const pcs64 = pcCol && pcCol.values instanceof BigUint64Array ? pcCol.values : undefined;
  const halves = pcs64 ? new Uint32Array(pcs64.buffer, pcs64.byteOffset, pcs64.length * 2) : undefined;
  const pcOf = bigCol(idx.frames, 'pc');
  const { frameStart, frameRows, addr } = idx;

  const byKey = new Map<string, StackGroup>();
  const groups: StackGroup[] = [];
  const sobjIds = new Map<bigint, number>();
  const each = rows ?? range(idx.count);
  for (const row of each) {
    const st = state(row);
    const so = sobj(row);
    let sid = sobjIds.get(so);
    if (sid === undefined) sobjIds.set(so, (sid = sobjIds.size));
    const panic = panicAddr !== 0n && addr[row] === panicAddr;
    const a = frameStart[row]!;
    const n = frameStart[row + 1]! - a;
    const depth = Math.min(n, STACKS_MAX_DEPTH);
    let key = `${panic ? 1 : 0},${st},${sid},${n > depth ? 1 : 0},`;
    if (halves) {
      for (let i = a; i < a + depth; i++) {
        const r = frameRows[i]! * 2;
        const lo = halves[r]!;
        const hi = halves[r + 1]!;
        key += String.fromCharCode(lo & 0xffff, lo >>> 16, hi & 0xffff, hi >>> 16);
      }
    } else {
      for (let i = a; i < a + depth; i++) key += pcOf(frameRows[i]!).toString(36) + ';';
    }
    const g = byKey.get(key);
    if (g) {
      g.rows.push(row);
      g.threads.push(addr[row]!);
      continue;
    }
    const pcs: bigint[] = [];
    for (let i = a; i < a + depth; i++) pcs.push(pcOf(frameRows[i]!));
    const ng: StackGroup = {
      rows: [row],
      threads: [addr[row]!],
      state: st,
      panic,
      sobjOps: so,
      failed: n === 0 ? FAIL_STACKNOTFOUND : FAIL_NONE,
      overflow: n > depth,
      pcs,
    };
    byKey.set(key, ng);
    groups.push(ng);
  }
  return groups.sort(compareGroups(target));
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** The ::stacks order: panic last; larger count first; state; failure; frame by frame by name then pc; depth; sobj. */
function compareGroups(target: Target): (l: StackGroup, r: StackGroup) => number {
  const names = new Map<bigint, string | null>();
  const nameOf = (pc: bigint): string | null => {
    let n = names.get(pc);
    if (n === undefined) {
      n = target.symbolAt(pc)?.sym.name ?? null;
      names.set(pc, n);
    }
    return n;
  };
  const cmp = <T extends number | bigint>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);
  return (l, r) => {
    if (l.panic !== r.panic) return l.panic ? 1 : -1;
    if (l.rows.length !== r.rows.length) return r.rows.length - l.rows.length;
    if (l.state !== r.state) return cmp(l.state, r.state);
    if (l.failed !== r.failed) return cmp(l.failed, r.failed);
    const depth = Math.min(l.pcs.length, r.pcs.length);
    for (let i = 0; i < depth; i++) {
      const a = l.pcs[i]!;
      const b = r.pcs[i]!;
      if (a === b) continue;
      const na = nameOf(a);
      const nb = nameOf(b);
      if (na !== null && nb !== null && na !== nb) return na < nb ? -1 : 1;
      return cmp(a, b);
    }
    if (l.overflow !== r.overflow) return l.overflow ? -1 : 1;
    if (l.pcs.length !== r.pcs.length) return l.pcs.length - r.pcs.length;
    return cmp(l.sobjOps, r.sobjOps);
  };
}

/**
 * Does the stack contain `caller`? An address at the start of a function
 * matches any pc inside that function; any other address must equal a pc.
 */
export function stackHasCaller(target: Target, g: StackGroup, caller: bigint): boolean {
  let lo = caller;
  let hi = caller + 1n;
  const s = target.symbolAt(caller);
  if (s && s.offset === 0n && s.sym.size > 0n) {
    lo = s.sym.addr;
    hi = s.sym.addr + s.sym.size;
  }
  return g.pcs.some((pc) => pc >= lo && pc < hi);
}

/** Does the stack have a pc in the module's text (a function symbol of that module)? */
export function stackInModule(target: Target, g: StackGroup, module: string): boolean {
  return g.pcs.some((pc) => target.symbolAt(pc)?.sym.module === module);
}

/** Does any symbol belong to this module? */
export function moduleExists(target: Target, module: string): boolean {
  return target.symbols.byAddr.some((s) => s.module === module);
}
