/*
 * The pool into dump tables, as the zfs module reads it: the spa_t, the
 * vdev tree (vdev_t, the vdev_ops_t each points at), and every zio_t the
 * pipeline has allocated and not yet destroyed. A row sits over the kmem
 * buffer that holds the object (format.ts: a struct row wins over its
 * buffer), so it carries every pointer the simulated kernel stored in that
 * buffer (found by the member at its offset) besides the scalars the model
 * keeps: ::findleaks and ::print see the same words either way.
 */
import { TableBuilder, type RowValue } from '../../../dump/builder.js';
import type { CtfBuilder } from '../../../dump/ctf.js';
import type { Table, TypeDef } from '../../../dump/format.js';
import { toAddr, type Kva } from '../../machine/platform.js';
import type { IllumosSystem } from '../system.js';
import type { Buf } from '../kmem/types.js';
import { kernelObject } from '../kern/kobj.js';
import { VDEV_OPS, ZIO_CHILD_VDEV, ZIO_STAGE, type Vdev, type Zio } from '../zfs/zio.js';
import { offsetOf } from '../../../dump/types/illumos/index.js';

type Kind = 'u64' | 'u32' | 'i32' | 'u8' | 'str';

/**
 * The pointer-sized scalar member of `type` at byte `off`, as a column path
 * ("io_parent_list.list_head.list_next", "tl_head[2]"), or undefined.
 */
export function memberPathAt(L: CtfBuilder, type: string, off: number, size = 8): string | undefined {
  const def = L.structs.get(type);
  if (!def) return undefined;
  for (const m of def.members) {
    if (off < m.offset || off + size > m.offset + m.size) continue;
    const rel = off - m.offset;
    const arr = /^(.*?)\s*\[(\d+)\]((?:\s*\[\d+\])*)$/.exec(m.type.trim());
    if (arr) {
      const rest = arr[3]!.replace(/\s+/g, '');
      const elem = rest ? `${arr[1]!.trim()} ${rest}` : arr[1]!.trim();
      const esize = m.size / Number(arr[2]);
      const i = Math.floor(rel / esize);
      const inner = innerPath(L, elem, rel - i * esize, esize, size);
      return inner === undefined ? undefined : `${m.name}[${i}]${inner}`;
    }
    const inner = innerPath(L, m.type, rel, m.size, size);
    return inner === undefined ? undefined : `${m.name}${inner}`;
  }
  return undefined;
}

function innerPath(L: CtfBuilder, type: string, rel: number, tsize: number, size: number): string | undefined {
  if (L.structs.has(type)) {
    const p = memberPathAt(L, type, rel, size);
    return p === undefined ? undefined : `.${p}`;
  }
  const arr = /^(.*?)\s*\[(\d+)\]((?:\s*\[\d+\])*)$/.exec(type.trim());
  if (arr) {
    const rest = arr[3]!.replace(/\s+/g, '');
    const elem = rest ? `${arr[1]!.trim()} ${rest}` : arr[1]!.trim();
    const esize = tsize / Number(arr[2]);
    const i = Math.floor(rel / esize);
    const inner = innerPath(L, elem, rel - i * esize, esize, size);
    return inner === undefined ? undefined : `[${i}]${inner}`;
  }
  return rel === 0 && tsize === size ? '' : undefined;
}

/** Rows of one struct table whose columns are the union of what the rows hold. */
class Rows {
  private readonly cols = new Map<string, Kind>([['addr', 'u64']]);
  private readonly rows: Array<Record<string, RowValue>> = [];
  constructor(
    private readonly L: CtfBuilder,
    readonly type: string,
  ) {}

  /** a row at addr: the buffer's stored pointers by member, then `scalars` (which win) */
  add(addr: bigint, buf: Buf | null, A: (k: Kva) => bigint, scalars: Record<string, [Kind, RowValue]>): void {
    const row: Record<string, RowValue> = { addr };
    const p = buf?.ptrs;
    if (buf && p) {
      const def = this.L.structs.get(this.type) as TypeDef;
      for (let i = 0; i < p.length; i += 2) {
        if (p[i]! >= def.size) continue;
        const path = memberPathAt(this.L, this.type, p[i]!);
        if (path === undefined) throw new Error(`simulator: a pointer at +${p[i]!.toString(16)} of a ${this.type} is in no pointer member`);
        this.cols.set(path, 'u64');
        row[path] = A(p[i + 1]!);
      }
    }
    for (const [k, [kind, v]] of Object.entries(scalars)) {
      this.cols.set(k, kind);
      row[k] = v;
    }
    this.rows.push(row);
  }

  build(): Table {
    const t = new TableBuilder(this.type, Object.fromEntries(this.cols));
    for (const r of this.rows) {
      const full: Record<string, RowValue> = {};
      for (const [c, kind] of this.cols) full[c] = r[c] ?? (kind === 'str' ? '' : kind === 'u64' ? 0n : 0);
      t.add(full);
    }
    return t.build();
  }
}

const u64 = (v: number | bigint): [Kind, RowValue] => ['u64', BigInt.asUintN(64, BigInt(v))];
const u32 = (v: number): [Kind, RowValue] => ['u32', v >>> 0];
const i32 = (v: number): [Kind, RowValue] => ['i32', v | 0];
const u8 = (v: number): [Kind, RowValue] => ['u8', v & 0xff];

/** the vdev_ops_t each kind of vdev points at (vdev_root_ops, vdev_mirror_ops, vdev_disk_ops) */
export function vdevOpsAddr(sys: IllumosSystem, ops: Vdev['ops'], L: CtfBuilder): Kva {
  return kernelObject(sys.k, 'zfs', `vdev_${ops}_ops`, L.structs.get('vdev_ops_t')!.size).addr;
}

export function collectZfs(sys: IllumosSystem, L: CtfBuilder, add: (t: Table) => void): void {
  const A = (kva: Kva): bigint => toAddr(sys.k.p, kva);
  const spa = sys.spa;
  const z = sys.zfs;

  // vdev_root_ops, vdev_mirror_ops, vdev_disk_ops (static vdev_ops_t in each vdev_*.c)
  const opsRows = new Rows(L, 'vdev_ops_t');
  const fnames = ['vdev_op_open', 'vdev_op_close', 'vdev_op_asize', 'vdev_op_io_start', 'vdev_op_io_done', 'vdev_op_state_change', 'vdev_op_hold', 'vdev_op_rele'];
  for (const ops of ['root', 'mirror', 'disk'] as const) {
    const s: Record<string, [Kind, RowValue]> = { vdev_op_type: ['str', ops], vdev_op_leaf: u32(ops === 'disk' ? 1 : 0) };
    VDEV_OPS[ops].forEach((f, i) => {
      if (f) s[fnames[i]!] = u64(A(f.addr));
    });
    opsRows.add(A(vdevOpsAddr(sys, ops, L)), null, A, s);
  }
  add(opsRows.build());

  // spa_t: the one imported pool, ACTIVE, its vdev lists empty (heads point at themselves)
  const spaRows = new Rows(L, 'spa_t');
  const vdevSize = BigInt(L.structs.get('vdev_t')!.size);
  const emptyList = (member: string, nodeOff: number): Record<string, [Kind, RowValue]> => {
    const head = A(spa.addr + offsetOf(L, 'spa_t', `${member}.list_head`));
    return {
      [`${member}.list_size`]: u64(vdevSize),
      [`${member}.list_offset`]: u64(nodeOff),
      [`${member}.list_head.list_next`]: u64(head),
      [`${member}.list_head.list_prev`]: u64(head),
    };
  };
  spaRows.add(A(spa.addr), z.spaBuf, A, {
    spa_name: ['str', spa.name],
    // the only node of spa_namespace_avl: no children, no parent, balanced (avl_pcb's balance + 1)
    'spa_avl.avl_pcb': u64(1),
    spa_state: u32(0), // POOL_STATE_ACTIVE
    spa_load_state: u32(0), // SPA_LOAD_NONE
    spa_sync_on: u8(1),
    spa_first_txg: u64(1),
    spa_root_vdev: u64(A(spa.root.addr)),
    'spa_vdev_txg_list.tl_offset': u64(offsetOf(L, 'vdev_t', 'vdev_txg_node')),
    spa_config_guid: u64(spa.root.children.length ? guidSum(spa.root) : 0n),
    ...emptyList('spa_config_dirty_list', offsetOf(L, 'vdev_t', 'vdev_config_dirty_node')),
    ...emptyList('spa_state_dirty_list', offsetOf(L, 'vdev_t', 'vdev_state_dirty_node')),
  });
  add(spaRows.build());

  // vdev_t: root, the top-level mirror, its leaves
  const vdRows = new Rows(L, 'vdev_t');
  const all: Vdev[] = [];
  const visit = (v: Vdev): void => {
    all.push(v);
    v.children.forEach(visit);
  };
  visit(spa.root);
  for (const v of all) {
    const s: Record<string, [Kind, RowValue]> = {
      vdev_id: u64(v.id),
      vdev_guid: u64(v.guid),
      vdev_guid_sum: u64(guidSum(v)),
      vdev_ashift: u64(v.ops === 'root' ? 0 : 9),
      vdev_state: u64(v.state),
      vdev_ops: u64(A(vdevOpsAddr(sys, v.ops, L))),
      vdev_spa: u64(A(spa.addr)),
      vdev_top: u64(v.top ? A(v.top.addr) : 0n),
      vdev_parent: u64(v.parent ? A(v.parent.addr) : 0n),
      vdev_child: u64(v.childArr ? A(v.childArr.addr) : 0n),
      vdev_children: u64(v.children.length),
      'vdev_stat.vs_state': u64(v.state),
      'vdev_stat.vs_read_errors': u64(v.readErrors),
      'vdev_stat.vs_write_errors': u64(v.writeErrors),
      vdev_path: u64(v.path ? A(v.path) : 0n),
    };
    for (let t = 0; t < v.ops_.length; t++) {
      if (v.ops_[t]) s[`vdev_stat.vs_ops[${t}]`] = u64(v.ops_[t]!);
      if (v.bytes[t]) s[`vdev_stat.vs_bytes[${t}]`] = u64(v.bytes[t]!);
    }
    vdRows.add(A(v.addr), v.buf, A, s);
  }
  add(vdRows.build());

  // zio_t: every zio allocated and not destroyed, in address order
  const zRows = new Rows(L, 'zio_t');
  const linkSize = BigInt(L.structs.get('zio_link_t')!.size);
  const childrenOff = offsetOf(L, 'zio_t', 'io_children');
  for (const zio of [...spa.zios].sort((a, b) => a.addr - b.addr)) {
    // the child type of its children (all one kind), and the stall on their ZIO_WAIT_DONE count
    const ct = zio.kind === 'logical' ? ZIO_CHILD_VDEV : 3;
    const s: Record<string, [Kind, RowValue]> = {
      io_type: u32(zio.type),
      io_child_type: u32(zio.childType),
      // ZIO_PRIORITY_SYNC_READ / ASYNC_WRITE (zio_priority_table[] values)
      io_priority: u8(zio.type === 2 ? 4 : 0),
      'io_state[0]': u8(zio.stage > ZIO_STAGE.READY || !(zio.pipeline & ZIO_STAGE.READY) ? 1 : 0),
      'io_state[1]': u8(zio.done ? 1 : 0),
      io_txg: u64(zio.txg),
      io_spa: u64(A(spa.addr)),
      'io_parent_list.list_size': u64(linkSize),
      'io_parent_list.list_offset': u64(offsetOf(L, 'zio_link_t', 'zl_parent_node')),
      'io_child_list.list_size': u64(linkSize),
      'io_child_list.list_offset': u64(offsetOf(L, 'zio_link_t', 'zl_child_node')),
      io_logical: u64(A(logicalOf(zio))),
      io_done: u64(zio.doneFn ? A(zio.doneFn) : 0n),
      io_orig_data: u64(zio.data ? A(zio.data) : 0n),
      io_size: u64(zio.size),
      io_orig_size: u64(zio.size),
      io_vd: u64(zio.vd ? A(zio.vd.addr) : 0n),
      io_offset: u64(zio.offset),
      io_timestamp: u64(zio.timestamp),
      io_flags: u32(zio.flags),
      io_stage: u32(zio.stage),
      io_pipeline: u32(zio.pipeline),
      io_orig_flags: u32(zio.flags),
      io_orig_stage: u32(ZIO_STAGE.OPEN),
      io_orig_pipeline: u32(zio.pipeline),
      io_error: i32(zio.error),
      [`io_children[${ct}][1]`]: u64(zio.pending),
      io_child_count: u64(zio.children.size),
      io_parent_count: u64(zio.parents.size),
      io_stall: u64(zio.stalled ? A(zio.addr + childrenOff + ct * 16 + 8) : 0n),
      io_executor: u64(zio.executor ? A(zio.executor) : 0n),
      io_waiter: u64(zio.waiter ? A(zio.waiter) : 0n),
    };
    zRows.add(A(zio.addr), zio.buf, A, s);
  }
  add(zRows.build());
}

/** vdev_guid_sum: the vdev's guid plus its children's sums */
function guidSum(v: Vdev): bigint {
  let s = v.guid;
  for (const c of v.children) s = BigInt.asUintN(64, s + guidSum(c));
  return s;
}

/** io_logical: a logical zio is its own; a vdev child inherits its parent's */
function logicalOf(zio: Zio): Kva {
  let z: Zio | null = zio;
  while (z && z.kind === 'leaf') z = z.parent;
  return z && z.kind === 'logical' ? z.addr : 0;
}
