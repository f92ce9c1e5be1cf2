/*
 * The ZFS structures as mdb's zfs module reads them (usr/src/cmd/mdb/common/
 * modules/zfs/zfs.c, its mdb_spa_print_t, mdb_zio_t and vdev_t reads): every
 * member by its offset in the dump's CTF, and the enum names mdb looks up
 * with mdb_ctf_enum_name() spelled out here (the dump's CTF has no enums).
 */
import type { Target } from '../../../target.js';
import { DcmdError } from '../../../errors.js';
import { visible } from '../../../render/visible.js';
import { StructView } from '../kmem/struct-view.js';

/** offsetof(type, member) in the dump's layout ("a.b" for a nested member) */
export function off(target: Target, type: string, member: string): bigint {
  const def = target.types.get(type);
  if (!def) throw new DcmdError(`couldn't find type ${type}`);
  return BigInt(target.types.resolve(def, member).offset);
}

/** spa_print()'s statetab[], by pool_state_t */
export const POOL_STATES = ['ACTIVE', 'EXPORTED', 'DESTROYED', 'SPARE', 'L2CACHE', 'UNINIT', 'UNAVAIL', 'POTENTIAL'];
/** POOL_STATE_UNAVAIL: spa_print() calls anything above it UNKNOWN */
const POOL_STATE_UNAVAIL = 6;

/** vdev_state_t names, as do_print_vdev() spells them (VDEV_STATE_CLOSED .. VDEV_STATE_HEALTHY) */
const VDEV_STATES = new Map<number, string>([
  [1, 'CLOSED'],
  [2, 'OFFLINE'],
  [3, 'REMOVED'],
  [4, 'CANT_OPEN'],
  [5, 'FAULTED'],
  [6, 'DEGRADED'],
  [7, 'HEALTHY'],
]);
/** vdev_aux_t names, as do_print_vdev() spells them (VDEV_AUX_NONE is "-") */
const VDEV_AUX = [
  '-',
  'OPEN_FAILED',
  'CORRUPT_DATA',
  'NO_REPLICAS',
  'BAD_GUID_SUM',
  'TOO_SMALL',
  'BAD_LABEL',
  'VERS_NEWER',
  'VERS_OLDER',
  'UNSUP_FEAT',
  'SPARED',
  'ERR_EXCEEDED',
  'IO_FAILURE',
  'BAD_LOG',
  'EXTERNAL',
  'SPLIT_POOL',
];

export const vdevStateName = (s: bigint): string => (s <= 7n ? (VDEV_STATES.get(Number(s)) ?? 'UNKNOWN') : 'UNKNOWN');
export const vdevAuxName = (a: bigint): string => (a < BigInt(VDEV_AUX.length) ? VDEV_AUX[Number(a)]! : 'UNKNOWN');

/** enum zio_type, without its ZIO_TYPE_ prefix */
export const ZIO_TYPE_NAMES = ['NULL', 'READ', 'WRITE', 'FREE', 'CLAIM', 'IOCTL'];
/** enum zio_stage (zio_impl.h, 2012), one name per bit, without ZIO_STAGE_ */
export const ZIO_STAGE_NAMES = [
  'OPEN',
  'READ_BP_INIT',
  'FREE_BP_INIT',
  'ISSUE_ASYNC',
  'WRITE_BP_INIT',
  'CHECKSUM_GENERATE',
  'DDT_READ_START',
  'DDT_READ_DONE',
  'DDT_WRITE',
  'DDT_FREE',
  'GANG_ASSEMBLE',
  'GANG_ISSUE',
  'DVA_ALLOCATE',
  'DVA_FREE',
  'DVA_CLAIM',
  'READY',
  'VDEV_IO_START',
  'VDEV_IO_DONE',
  'VDEV_IO_ASSESS',
  'CHECKSUM_VERIFY',
  'DONE',
];

/** mdb_ctf_enum_name() of a stage: a value that is one enumerator's bit, or "?" */
export function zioStageName(stage: number): string {
  const i = Math.log2(stage);
  return Number.isInteger(i) && i < ZIO_STAGE_NAMES.length ? ZIO_STAGE_NAMES[i]! : '?';
}

export interface SpaRec {
  addr: bigint;
  name: string;
  state: number;
  stateName: string;
  rootVdev: bigint;
  /** spa_l2cache and spa_spares: sav_count, sav_vdevs */
  l2cache: { count: number; vdevs: bigint };
  spares: { count: number; vdevs: bigint };
}

/** the spa_t at addr (mdb_spa_print_t and mdb_spa_vdevs_t) */
export function readSpa(target: Target, addr: bigint): SpaRec {
  const o = (m: string): bigint => addr + off(target, 'spa_t', m);
  const state = target.readU32(o('spa_state')) | 0;
  const aux = (m: string): { count: number; vdevs: bigint } => ({
    count: target.readU32(o(`${m}.sav_count`)) | 0,
    vdevs: target.readPtr(o(`${m}.sav_vdevs`)),
  });
  return {
    addr,
    name: visible(target.readString(o('spa_name'), 256)),
    state,
    stateName: state < 0 || state > POOL_STATE_UNAVAIL ? 'UNKNOWN' : POOL_STATES[state]!,
    rootVdev: target.readPtr(o('spa_root_vdev')),
    l2cache: aux('spa_l2cache'),
    spares: aux('spa_spares'),
  };
}

export interface VdevRec {
  addr: bigint;
  state: bigint;
  aux: bigint;
  /** vdev_path, or the vdev_ops_t's vdev_op_type, or "<unknown>" */
  desc: string;
  children: bigint;
  child: bigint;
  /** vdev_stat: vs_ops[] and vs_bytes[] by zio type, and the error counts */
  ops: bigint[];
  bytes: bigint[];
  readErrors: bigint;
  writeErrors: bigint;
  checksumErrors: bigint;
}

/** ZIO_TYPES, the length of vs_ops[] and vs_bytes[] */
const ZIO_TYPES = 6;

/**
 * the vdev_t at addr, as do_print_vdev() reads it: the whole structure in
 * one read (mdb_ctf_vread), then its members from those bytes.
 */
export function readVdev(target: Target, addr: bigint): VdevRec {
  let v: StructView;
  try {
    v = StructView.read(target, 'vdev_t', addr);
  } catch {
    throw new DcmdError(`failed to read vdev_t at ${addr.toString(16)}`);
  }
  const path = v.u('vdev_path');
  const opsp = v.u('vdev_ops');
  let desc: string;
  if (path !== 0n) {
    try {
      desc = visible(target.readString(path, 1024));
    } catch {
      throw new DcmdError(`failed to read vdev_path at ${path.toString(16)}`);
    }
  } else if (opsp !== 0n) {
    try {
      desc = visible(target.readString(opsp + off(target, 'vdev_ops_t', 'vdev_op_type'), 16));
    } catch {
      throw new DcmdError(`failed to read vdev_ops at ${opsp.toString(16)}`);
    }
  } else desc = '<unknown>';
  return {
    addr,
    state: v.u('vdev_state'),
    aux: v.u('vdev_stat.vs_aux'),
    desc,
    children: v.u('vdev_children'),
    child: v.u('vdev_child'),
    ops: v.array('vdev_stat.vs_ops', 8).slice(0, ZIO_TYPES),
    bytes: v.array('vdev_stat.vs_bytes', 8).slice(0, ZIO_TYPES),
    readErrors: v.u('vdev_stat.vs_read_errors'),
    writeErrors: v.u('vdev_stat.vs_write_errors'),
    checksumErrors: v.u('vdev_stat.vs_checksum_errors'),
  };
}

export interface ZioRec {
  addr: bigint;
  type: number;
  stage: number;
  waiter: bigint;
  spa: bigint;
  error: number;
  timestamp: bigint;
  /** &io_parent_list.list_head and its list_next: the list is empty when they are equal */
  parentHead: bigint;
  parentFirst: bigint;
}

/** the zio_t at addr (mdb_zio_t and mdb_zio_timestamp_t) */
export function readZio(target: Target, addr: bigint): ZioRec {
  const o = (m: string): bigint => addr + off(target, 'zio_t', m);
  const parentHead = o('io_parent_list.list_head');
  return {
    addr,
    type: target.readU32(o('io_type')),
    stage: target.readU32(o('io_stage')),
    waiter: target.readPtr(o('io_waiter')),
    spa: target.readPtr(o('io_spa')),
    error: target.readU32(o('io_error')) | 0,
    timestamp: target.readU64(o('io_timestamp')),
    parentHead,
    parentFirst: target.readPtr(parentHead),
  };
}

/** The most elements a list or tree walk here follows: a corrupt list that never returns to its head stops. */
export const WALK_LIMIT = 1_000_000;

/**
 * The objects of the list_t at `list` (genunix's list walker): from
 * list_head.list_next along list_next until the head, each node less
 * list_offset.
 */
export function* listObjects(target: Target, list: bigint): Generator<bigint> {
  const head = list + off(target, 'list_t', 'list_head');
  const loff = target.readU64(list + off(target, 'list_t', 'list_offset'));
  const next = off(target, 'list_node_t', 'list_next');
  let n = target.readPtr(head + next);
  for (let i = 0; n !== head && n !== 0n && i < WALK_LIMIT; i++) {
    const nx = target.readPtr(n + next);
    yield n - loff;
    n = nx;
  }
}

/** The objects of the avl_tree_t at `tree`, in order (genunix's avl walker): each node less avl_offset. */
export function* avlObjects(target: Target, tree: bigint): Generator<bigint> {
  const root = target.readPtr(tree + off(target, 'avl_tree_t', 'avl_root'));
  const aoff = target.readU64(tree + off(target, 'avl_tree_t', 'avl_offset'));
  const child = off(target, 'avl_node_t', 'avl_child');
  const ps = BigInt(target.pointerSize);
  // in order with an explicit stack, bounded by WALK_LIMIT nodes
  const stack: bigint[] = [];
  let cur = root;
  let seen = 0;
  while ((cur !== 0n || stack.length > 0) && seen < WALK_LIMIT) {
    while (cur !== 0n && stack.length < 128) {
      stack.push(cur);
      cur = target.readPtr(cur + child);
    }
    const node = stack.pop();
    if (node === undefined) break;
    seen++;
    yield node - aoff;
    cur = target.readPtr(node + child + ps);
  }
}
