/*
 * vmem helpers over a dump (sys/vmem_impl.h). Arenas form a tree: each
 * imports from its vm_source. The vmem walk lists them parent first, in
 * vmem_list order among siblings; a segment walk follows an arena's
 * address-ordered list (vs_anext) from the list head embedded in the arena,
 * vm_seg0, around to vm_seg0 again. That list holds the span markers, the
 * allocated and free segments and the rotor; the segment structures kept in
 * stock (vm_segfree, vmem_segfree) are not on it and are never walked.
 */
import { TABLE_GLOBALS } from '../../../../dump/format.js';
import { DcmdError, MemoryError } from '../../../errors.js';
import { hex } from '../../../render/number.js';
import type { Target } from '../../../target.js';
import { StructView } from '../kmem/struct-view.js';

// vs_type (vmem_impl.h)
export const VMEM_ALLOC = 0x01;
export const VMEM_FREE = 0x02;
export const VMEM_SPAN = 0x10;
export const VMEM_ROTOR = 0x20;
export const VMEM_WALKER = 0x40;

/** mdb's four-letter segment types. */
export function segTypeName(t: number): string {
  return t === VMEM_ALLOC ? 'ALLC' : t === VMEM_FREE ? 'FREE' : t === VMEM_SPAN ? 'SPAN' : t === VMEM_ROTOR ? 'ROTR' : t === VMEM_WALKER ? 'WLKR' : '????';
}

/** An arena in the vmem tree. */
export interface VmemNode {
  addr: bigint;
  name: string;
  source: bigint;
  /** import depth: 0 for an arena with no source */
  depth: number;
  children: VmemNode[];
  parent: VmemNode | undefined;
}

/** The members of a vmem_t the dcmds use (vm_kstat's counters). */
export interface Vmem {
  addr: bigint;
  vm_name: string;
  vm_source: bigint;
  vm_cflags: number;
  vm_quantum: bigint;
  mem_inuse: bigint;
  mem_total: bigint;
  mem_import: bigint;
  alloc: bigint;
  free: bigint;
  fail: bigint;
}

/** The members of a vmem_seg_t the dcmds use. */
export interface VmemSeg {
  addr: bigint;
  vs_start: bigint;
  vs_end: bigint;
  vs_anext: bigint;
  vs_type: number;
  vs_depth: number;
  vs_thread: bigint;
  vs_timestamp: bigint;
  /** vs_stack[0 .. vs_depth) (no more than the array holds) */
  vs_stack: bigint[];
}

/** The vmem_t at addr ("couldn't read vmem at <addr>"). */
export function readVmem(target: Target, addr: bigint): Vmem {
  const v = StructView.read(target, 'vmem_t', addr, 'vmem');
  return {
    addr: v.addr,
    vm_name: v.str('vm_name'),
    vm_source: v.u('vm_source'),
    vm_cflags: v.n('vm_cflags'),
    vm_quantum: v.u('vm_quantum'),
    mem_inuse: v.u('vm_kstat.vk_mem_inuse'),
    mem_total: v.u('vm_kstat.vk_mem_total'),
    mem_import: v.u('vm_kstat.vk_mem_import'),
    alloc: v.u('vm_kstat.vk_alloc'),
    free: v.u('vm_kstat.vk_free'),
    fail: v.u('vm_kstat.vk_fail'),
  };
}

/** The vmem_seg_t at addr ("couldn't read vmem_seg at <addr>"). */
export function readVmemSeg(target: Target, addr: bigint): VmemSeg {
  const v = StructView.read(target, 'vmem_seg_t', addr, 'vmem_seg');
  const depth = v.n('vs_depth');
  const stack = v.has('vs_stack') ? v.array('vs_stack', target.pointerSize) : [];
  return {
    addr: v.addr,
    vs_start: v.u('vs_start'),
    vs_end: v.u('vs_end'),
    vs_anext: v.u('vs_anext'),
    vs_type: v.n('vs_type'),
    vs_depth: depth,
    vs_thread: v.u('vs_thread'),
    vs_timestamp: v.s('vs_timestamp'),
    vs_stack: stack.slice(0, depth),
  };
}

const trees = new WeakMap<Target, VmemNode[]>();

/**
 * The arenas of vmem_list as a forest (models mdb's vmem_walk_init()):
 * vmem_list is followed through vm_next; an arena without a source is a
 * root. Children and roots keep vmem_list order. A dump without the
 * vmem_list global falls back to the vmem_t table's order.
 */
export function vmemTree(target: Target): VmemNode[] {
  const cached = trees.get(target);
  if (cached) return cached;
  const list: bigint[] = [];
  const head = target.lookupSymbol('vmem_list');
  if (head) {
    const seen = new Set<bigint>();
    let a = readPtrOr(target, head.addr);
    while (a !== 0n && !seen.has(a)) {
      seen.add(a);
      list.push(a);
      a = StructView.read(target, 'vmem_t', a, 'vmem_t').u('vm_next');
    }
  } else {
    const c = target.table('vmem_t')?.columns['addr'];
    if (c && c.kind === 'u64') list.push(...(c.values as BigUint64Array));
  }
  const nodes = list.map((addr): VmemNode => {
    const v = StructView.read(target, 'vmem_t', addr, 'vmem_t');
    return { addr, name: v.str('vm_name'), source: v.u('vm_source'), depth: 0, children: [], parent: undefined };
  });
  const byAddr = new Map(nodes.map((n) => [n.addr, n]));
  const roots: VmemNode[] = [];
  for (const n of nodes) {
    if (n.source === 0n) {
      roots.push(n);
      continue;
    }
    const p = byAddr.get(n.source);
    if (!p) throw new DcmdError(`couldn't find ${hex(n.addr)}'s parent (${hex(n.source)})`);
    n.parent = p;
    p.children.push(n);
  }
  const setDepth = (n: VmemNode, d: number): void => {
    n.depth = d;
    for (const c of n.children) setDepth(c, d + 1);
  };
  for (const r of roots) setDepth(r, 0);
  trees.set(target, roots);
  return roots;
}

function readPtrOr(target: Target, addr: bigint): bigint {
  // the global's own row: reading it asks no other table (target/memory.ts rowBytesAt)
  const g = target.memory.rowBytesAt(TABLE_GLOBALS, addr);
  if (g && g.length >= target.pointerSize) {
    let v = 0n;
    for (let i = target.pointerSize - 1; i >= 0; i--) v = (v << 8n) | BigInt(g[i]!);
    return v;
  }
  try {
    return target.readPtr(addr);
  } catch (e) {
    if (e instanceof MemoryError) throw new DcmdError("couldn't read 'vmem_list'");
    throw e;
  }
}

/** Every arena, parent before children (the vmem walk). */
export function vmemPrefix(target: Target): VmemNode[] {
  const out: VmemNode[] = [];
  const visit = (n: VmemNode): void => {
    out.push(n);
    n.children.forEach(visit);
  };
  vmemTree(target).forEach(visit);
  return out;
}

/** Every arena, children before their parent (the vmem_postfix walk). */
export function vmemPostfix(target: Target): VmemNode[] {
  const out: VmemNode[] = [];
  const visit = (n: VmemNode): void => {
    n.children.forEach(visit);
    out.push(n);
  };
  vmemTree(target).forEach(visit);
  return out;
}

/** Import depth of an arena (0 for a root), following vm_source as mdb's ::vmem does. */
export function vmemDepth(target: Target, v: Vmem): number {
  let depth = 0;
  const seen = new Set<bigint>();
  for (let p = v.vm_source; p !== 0n && !seen.has(p); depth++) {
    seen.add(p);
    try {
      p = StructView.read(target, 'vmem_t', p).u('vm_source');
    } catch {
      return 0; // mdb: "couldn't trace %p's ancestry" and no indent
    }
  }
  return depth;
}

/**
 * An arena's segments in address order (models vmem_seg_walk_step()):
 * vm_seg0 itself first (a span marker with no addresses), then along
 * vs_anext until the list comes back to vm_seg0. `type` keeps only
 * segments of that vs_type (the vmem_alloc, vmem_free and vmem_span walks).
 */
export function* vmemSegs(target: Target, arena: bigint, type?: number): Generator<VmemSeg> {
  const head = StructView.read(target, 'vmem_t', arena, 'vmem_t').addrOf('vm_seg0');
  const seen = new Set<bigint>();
  let a = head;
  do {
    if (seen.has(a)) throw new DcmdError(`vmem_seg list of ${hex(arena)} loops at ${hex(a)}`);
    seen.add(a);
    const s = readVmemSeg(target, a);
    if (type === undefined || s.vs_type === type) yield s;
    a = s.vs_anext;
  } while (a !== head);
}
