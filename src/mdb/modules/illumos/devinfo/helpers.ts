/*
 * struct dev_info and devnames[] as genunix's devinfo.c and mdb_ks.c read
 * them: a node's links, names and state; a driver's name from its major
 * (mdb_major_to_name(): devnamesp[major].dn_name, major < devcnt).
 */
import type { Target } from '../../../target.js';
import { DcmdError } from '../../../errors.js';
import { typeOffset } from '../taskq/helpers.js';
import { StructView } from '../kmem/struct-view.js';

export interface DevinfoRec {
  addr: bigint;
  parent: bigint;
  child: bigint;
  sibling: bigint;
  next: bigint;
  bindingName: bigint;
  nodeName: bigint;
  unitAddr: bigint;
  instance: number;
  nodeState: number;
  state: number;
  ref: number;
  major: number;
  flags: number;
  busyThread: bigint;
  circular: number;
  driverData: bigint;
}

const TYPE = 'dev_info_t';

/**
 * The dev_info at addr; a MemoryError when it cannot be read. The struct is
 * taken in one read, as mdb_vread() takes it (a pipe of tens of thousands
 * of addresses reads one at each); where the whole struct cannot be read,
 * each member is read alone, so the error names the member's bytes.
 */
export function readDevinfo(target: Target, addr: bigint): DevinfoRec {
  let v: StructView | undefined;
  try {
    v = StructView.read(target, TYPE, addr);
  } catch (e) {
    if (!(e instanceof DcmdError)) throw e;
  }
  const o = (m: string): bigint => addr + typeOffset(target, TYPE, m);
  const ptr = (m: string): bigint => (v ? v.u(m) : target.readPtr(o(m)));
  const u32 = (m: string): number => (v ? Number(v.u(m)) : target.readU32(o(m)));
  const i32 = (m: string): number => u32(m) | 0;
  return {
    addr,
    parent: ptr('devi_parent'),
    child: ptr('devi_child'),
    sibling: ptr('devi_sibling'),
    next: ptr('devi_next'),
    bindingName: ptr('devi_binding_name'),
    nodeName: ptr('devi_node_name'),
    unitAddr: ptr('devi_addr'),
    instance: i32('devi_instance'),
    nodeState: i32('devi_node_state'),
    state: u32('devi_state'),
    ref: i32('devi_ref'),
    major: u32('devi_major'),
    flags: u32('devi_flags'),
    busyThread: ptr('devi_busy_thread'),
    circular: i32('devi_circular'),
    driverData: ptr('devi_driver_data'),
  };
}

/** The dev_info at addr, or mdb's "failed to read devinfo at %p". */
export function devinfoAt(target: Target, addr: bigint): DevinfoRec {
  try {
    return readDevinfo(target, addr);
  } catch {
    throw new DcmdError(`failed to read devinfo at ${addr.toString(16)}`);
  }
}

/** top_devinfo, or mdb's "failed to read 'top_devinfo'". */
export function topDevinfo(target: Target): bigint {
  const s = target.lookupSymbol('top_devinfo');
  if (!s) throw new DcmdError("failed to read 'top_devinfo'");
  try {
    return target.readPtr(s.addr);
  } catch {
    throw new DcmdError("failed to read 'top_devinfo'");
  }
}

/** A string the node points at ('' for NULL or unreadable). */
export function devString(target: Target, p: bigint): string | undefined {
  if (p === 0n) return undefined;
  try {
    return target.readString(p, 256);
  } catch {
    return undefined;
  }
}

/** mdb_major_to_name(): devnamesp[major].dn_name when major < devcnt, else undefined. */
export function majorToName(target: Target, major: number): string | undefined {
  const cnt = target.lookupSymbol('devcnt');
  const dnp = target.lookupSymbol('devnamesp');
  if (!cnt || !dnp) return undefined;
  try {
    const devcnt = target.readU32(cnt.addr);
    if (major >= devcnt) return undefined;
    const base = target.readPtr(dnp.addr);
    const def = target.types.get('struct devnames');
    if (!def) return undefined;
    const name = target.readPtr(base + BigInt(major * def.size) + typeOffset(target, 'struct devnames', 'dn_name'));
    return devString(target, name);
  } catch {
    return undefined;
  }
}

/** enum ddi_node_state's names as devinfo.c's di_state[] spells them (indexed by state + 1, "?" past the end) */
export const DI_STATE = ['DS_INVAL', 'DS_PROTO', 'DS_LINKED', 'DS_BOUND', 'DS_INITIA', 'DS_PROBED', 'DS_ATTACH', 'DS_READY', '?'];

export function stateName(s: number): string {
  return DI_STATE[Math.max(0, Math.min(s + 1, DI_STATE.length - 1))]!;
}

/** DS_ATTACHED: below it a node has no driver attached */
export const DS_ATTACHED = 5;

/** devi_state's bits (sys/ddi_impldefs.h), in devinfo.c's devi_state_masks order */
export const DEVI_STATE_BITS: ReadonlyArray<[string, number]> = [
  ['DEVICE_OFFLINE', 0x1],
  ['DEVICE_DOWN', 0x2],
  ['DEVICE_DEGRADED', 0x4],
  ['DEVICE_REMOVED', 0x8],
  ['BUS_QUIESCED', 0x100],
  ['BUS_DOWN', 0x200],
  ['NDI_CONFIG', 0x400],
  ['S_ATTACHING', 0x10000],
  ['S_DETACHING', 0x20000],
  ['S_ONLINING', 0x40000],
  ['S_OFFLINING', 0x80000],
  ['S_INVOKING_DACF', 0x100000],
  ['S_UNBOUND', 0x200000],
  ['S_REPORT', 0x8000000],
  ['S_EVADD', 0x10000000],
  ['S_EVREMOVE', 0x20000000],
  ['S_NEED_RESET', 0x40000000],
];

/** devi_flags' bits, in devinfo.c's devi_flags_masks order */
export const DEVI_FLAG_BITS: ReadonlyArray<[string, number]> = [
  ['BUSY', 0x1],
  ['MADE_CHILDREN', 0x2],
  ['ATTACHED_CHILDREN', 0x4],
  ['BRANCH_HELD', 0x8],
  ['NO_BIND', 0x10],
  ['DEVI_REGISTERED_DEVID', 0x20],
  ['PHCI_SIGNALS_VHCI', 0x40],
  ['REBIND', 0x80],
];

/** mdb's %b: the names of the set bits, comma-separated */
export function bitNames(v: number, bits: ReadonlyArray<[string, number]>): string {
  return bits
    .filter(([, m]) => (v & m) === m && m !== 0)
    .map(([n]) => n)
    .join(',');
}

/** A node on a walk, with its depth below the walk's root (devinfo_node_t's din_depth). */
export interface DevinfoStep {
  addr: bigint;
  depth: number;
}

/** at most this many nodes on any walk: a corrupt tree with a cycle stops */
const MAX_NODES = 100_000;

/**
 * No device tree is deeper than this: a /devices path is at most MAXPATHLEN
 * (1024) bytes and each level adds at least "/x". A longer chain of
 * devi_parent (or devi_child) links is not a device tree: an address that is
 * not a dev_info, whose words happen to point at other heap words.
 */
export const MAX_DEVINFO_DEPTH = 512;

function notATree(addr: bigint, why: string): DcmdError {
  return new DcmdError(`${addr.toString(16)} is not in a device tree: ${why}`);
}

/**
 * devinfo_parents_walk: from the root down to addr, each at its depth (the
 * root 0). The chain is read up from addr first, bounded.
 */
export function parentsOf(target: Target, addr: bigint): DevinfoStep[] {
  const chain: bigint[] = [];
  const seen = new Set<bigint>();
  let a = addr;
  while (a !== 0n) {
    if (seen.has(a)) throw notATree(addr, `devi_parent links loop at ${a.toString(16)}`);
    if (chain.length >= MAX_DEVINFO_DEPTH) throw notATree(addr, `more than ${MAX_DEVINFO_DEPTH} devi_parent levels`);
    seen.add(a);
    chain.push(a);
    a = devinfoAt(target, a).parent;
  }
  return chain.reverse().map((x, depth) => ({ addr: x, depth }));
}

/**
 * devinfo_children_walk: addr and everything below it, depth first, each
 * with its depth. With `startDepth` (the devinfo walker's base depth) the
 * start node itself is not visited and its children are at startDepth.
 */
export function* childrenOf(target: Target, addr: bigint, startDepth?: number): Generator<DevinfoStep> {
  const end = addr;
  let depth = startDepth === undefined ? 0 : startDepth - 1;
  let printFirst = startDepth === undefined;
  let v = addr;
  const seen = new Set<bigint>();
  for (let n = 0; v !== 0n && n < MAX_NODES; n++) {
    if (seen.has(v)) throw notATree(addr, `the walk comes back to ${v.toString(16)}`);
    seen.add(v);
    let d = devinfoAt(target, v);
    if (printFirst) yield { addr: v, depth };
    printFirst = true;
    if (d.child !== 0n) {
      v = d.child;
      depth++;
      if (depth - (startDepth ?? 0) > MAX_DEVINFO_DEPTH) throw notATree(addr, `more than ${MAX_DEVINFO_DEPTH} devi_child levels`);
    } else if (d.sibling !== 0n && v !== end) {
      v = d.sibling;
    } else {
      while (v !== 0n && v !== end && d.sibling === 0n) {
        v = d.parent;
        if (v === 0n) break;
        d = devinfoAt(target, v);
        depth--;
      }
      if (v !== 0n && v !== end) v = d.sibling;
      if (v === end) v = 0n;
    }
  }
}

/** devinfo_walk: the parents of addr (addr included), then its children below it. */
export function* devinfoTree(target: Target, addr: bigint): Generator<DevinfoStep> {
  const parents = parentsOf(target, addr);
  yield* parents;
  yield* childrenOf(target, addr, parents.length);
}
