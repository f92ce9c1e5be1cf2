// Small dumps for the codec tests: every column kind, nested and array members,
// row references, unicode, u64 values above 2^53, and an empty table.
import zlib from 'node:zlib';
import { expect } from 'vitest';
import { DumpError } from '../../src/dump/errors.js';
import {
  NO_ROW,
  type DumpHeader,
  type DumpModel,
  type TypeDef,
} from '../../src/dump/format.js';
import { TableBuilder } from '../../src/dump/builder.js';

export function sampleHeader(): DumpHeader {
  return {
    os: 'illumos',
    kernelVersion: 'SunOS 5.11 illumos-2012.10 DEBUG',
    platform: 'i86pc',
    isa: 'amd64',
    pointerSize: 8,
    hostname: 'bldr-ü-01',
    debug: true,
    ncpus: 4,
    physmem: 1048576,
    pagesize: 4096,
    dumpTime: '1234567890123',
    dumpKind: 'panic',
    panic: {
      message: 'assertion failed: sp->slab_refcnt == 0, file: ../../common/os/kmem.c, line: 1553',
      thread: 'ffffff01e8a3c0a0',
      cpu: 2,
      caller: 'assfail',
    },
    outcome: 'panic',
    recipe: {
      scenario: 'illumos-2911',
      scenarioText: 'name: illumos-2911\nseed: 7\n',
      seed: 7,
      set: [['workload.rate', '200']],
      fixes: [],
      mddbVersion: '0.1.0',
    },
  };
}

export function sampleTypes(): TypeDef[] {
  return [
    {
      name: 'kmem_maglist_t',
      tag: 'struct kmem_maglist',
      kind: 'struct',
      size: 16,
      members: [
        { name: 'ml_list', type: 'kmem_magazine_t *', offset: 0, size: 8 },
        { name: 'ml_total', type: 'uint64_t', offset: 8, size: 8 },
      ],
    },
    {
      name: 'kmem_cache_t',
      tag: 'struct kmem_cache',
      kind: 'struct',
      size: 96,
      members: [
        { name: 'cache_name', type: 'char [32]', offset: 0, size: 32 },
        { name: 'cache_flags', type: 'int', offset: 32, size: 4 },
        { name: 'cache_bufsize', type: 'size_t', offset: 40, size: 8 },
        { name: 'cache_full', type: 'kmem_maglist_t', offset: 48, size: 16 },
        { name: 'cache_arena', type: 'vmem_t *', offset: 64, size: 8 },
        { name: 'cache_load', type: 'double', offset: 72, size: 8 },
      ],
    },
    {
      name: 'kmem_magazine_t',
      tag: 'struct kmem_magazine',
      kind: 'struct',
      size: 128,
      members: [
        { name: 'mag_next', type: 'struct kmem_magazine *', offset: 0, size: 8 },
        { name: 'mag_round', type: 'void *[15]', offset: 8, size: 120 },
      ],
    },
    {
      name: 'kthread_t',
      tag: 'struct _kthread',
      kind: 'struct',
      size: 64,
      members: [
        { name: 't_state', type: 'ushort_t', offset: 0, size: 2 },
        { name: 't_pri', type: 'pri_t', offset: 2, size: 2 },
        { name: 't_wchan', type: 'caddr_t', offset: 8, size: 8 },
        { name: 't_delta', type: 'int', offset: 16, size: 4 },
      ],
    },
    { name: 'vmem_t', kind: 'struct', size: 8, members: [] },
  ];
}

export const BIG_ADDR = 0xffffff01f0dc2880n;

/** A dump with every column kind; `scale` multiplies the big tables (buffers, stacks). */
export function sampleModel(scale = 1): DumpModel {
  const caches = new TableBuilder('kmem_cache_t', {
    addr: 'u64',
    cache_name: 'str',
    cache_flags: 'i32',
    cache_bufsize: 'u64',
    'cache_full.ml_total': 'u64',
    cache_load: 'f64',
  });
  const names = ['kmem_alloc_8', 'kmem_alloc_16', 'blkdev_cache', 'zio_buf_512', 'ストリーム 😀'];
  names.forEach((n, i) =>
    caches.add({
      addr: BIG_ADDR + BigInt(i * 0x1000),
      cache_name: n,
      cache_flags: i === 3 ? -1 : 0x200,
      cache_bufsize: 8 << i,
      'cache_full.ml_total': BigInt(i * 3),
      cache_load: i / 3,
    }),
  );
  const mags = new TableBuilder('kmem_magazine_t', { addr: 'u64', mag_next: 'u64', mag_round: { list: 'u64' } });
  mags.add({ addr: 0xffffff01e0000000n, mag_next: 0n, mag_round: [BIG_ADDR, 0xffffffffffffffffn] });
  mags.add({ addr: 0xffffff01e0000080n, mag_next: 0xffffff01e0000000n, mag_round: [] });
  mags.add({ addr: 0xffffff01e0000100n, mag_round: [1n, 2n, 3n] });

  const threads = new TableBuilder('kthread_t', { addr: 'u64', t_state: 'u16', t_pri: 'u16', t_delta: 'i32' });
  for (let i = 0; i < 3; i++) threads.add({ addr: 0xffffff01e8a3c0a0n + BigInt(i * 0x400), t_state: 1 << i, t_pri: 60, t_delta: -i });

  const stacks = new TableBuilder('stacks', { pcs: { list: 'u64' } });
  for (let i = 0; i < 4 * scale; i++) stacks.add({ pcs: Array.from({ length: i % 7 }, (_, j) => 0xfffffffffb800000n + BigInt(i * 16 + j)) });

  const buffers = new TableBuilder('buffers', {
    addr: 'u64',
    cache_row: 'u32',
    state: 'u8',
    fill: 'u8',
    bufctl: 'u64',
    ptr_offs: { list: 'u32' },
    ptr_vals: { list: 'u64' },
  });
  for (let i = 0; i < 40 * scale; i++) {
    const k = i % 3;
    buffers.add({
      addr: BIG_ADDR + BigInt(i * 64),
      cache_row: i % 5,
      state: i % 3,
      fill: (i >> 1) % 3,
      bufctl: i % 4 === 0 ? 0n : 0xffffff01d0000000n + BigInt(i * 48),
      ptr_offs: Array.from({ length: k }, (_, j) => j * 8),
      ptr_vals: Array.from({ length: k }, (_, j) => BIG_ADDR + BigInt(((i + j) % 40) * 64)),
    });
  }
  const txlog = new TableBuilder('txlog', {
    timestamp: 'i64',
    log: 'u8',
    event: 'u8',
    thread: 'u64',
    cpu: 'u16',
    cache_row: 'u32',
    addr: 'u64',
    bufctl: 'u64',
    kmflag: 'u32',
    stack_row: 'u32',
  });
  for (let i = 0; i < 10; i++)
    txlog.add({
      timestamp: 1000n + BigInt(i),
      log: i % 3,
      event: i % 2,
      thread: 0xffffff01e8a3c0a0n,
      cpu: i % 4,
      cache_row: i === 9 ? NO_ROW : i % 5,
      addr: BIG_ADDR,
      bufctl: 0n,
      kmflag: 1,
      stack_row: i % 4,
    });
  const frames = new TableBuilder('frames', {
    thread_row: 'u32',
    depth: 'u16',
    fp: 'u64',
    pc: 'u64',
    args: { list: 'u64' },
    locals: { list: 'u64' },
  });
  frames.add({ thread_row: 0, depth: 0, fp: 0xffffff000f0a0b00n, pc: 0xfffffffffb8001c0n, args: [BIG_ADDR], locals: [] });
  frames.add({ thread_row: 0, depth: 1, fp: 0xffffff000f0a0c00n, pc: 0xfffffffffb800200n, args: [], locals: [1n] });
  const msgbuf = new TableBuilder('msgbuf', { timestamp: 'i64', text: 'str' });
  for (const text of ['', 'NOTICE: zfs: pool ok', 'WARNING: ünïcödé 中文 \u{1F4A5}', '\uFEFFBOM first', 'tab\there'])
    msgbuf.add({ timestamp: 5n, text });
  const symbols = new TableBuilder('symbols', { name: 'str', module: 'str', addr: 'u64', size: 'u64', kind: 'u8' });
  symbols.add({ name: 'kmem_cache_alloc', module: 'genunix', addr: 0xfffffffffb800000n, size: 512n, kind: 1 });
  symbols.add({ name: 'panicstr', module: 'genunix', addr: 0xfffffffffbc00000n, size: 8n, kind: 2 });
  const vmem = new TableBuilder('vmem_t', { addr: 'u64' });

  return {
    header: sampleHeader(),
    types: sampleTypes(),
    tables: [
      caches.build(),
      mags.build(),
      threads.build(),
      stacks.build(),
      buffers.build(),
      txlog.build(),
      frames.build(),
      msgbuf.build(),
      symbols.build(),
      vmem.build(),
    ],
  };
}

/** The directory of an encoded dump, read with the layout codec.ts documents. */
export interface DirEntry {
  name: string;
  offset: number;
  stored: number;
  raw: number;
  codec: number;
}

export function readDirectory(b: Uint8Array): DirEntry[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = dv.getUint32(24, true);
  const out: DirEntry[] = [];
  let at = 32;
  for (let i = 0; i < n; i++) {
    const len = dv.getUint16(at + 26, true);
    out.push({
      offset: Number(dv.getBigUint64(at, true)),
      stored: Number(dv.getBigUint64(at + 8, true)),
      raw: Number(dv.getBigUint64(at + 16, true)),
      codec: dv.getUint8(at + 24),
      name: Buffer.from(b.subarray(at + 28, at + 28 + len)).toString('utf8'),
    });
    at += 28 + len;
  }
  return out;
}

/** The raw (decompressed) sections of an encoded dump, to alter and reassemble with assemble(). */
export function explode(b: Uint8Array): Array<{ name: string; raw: Uint8Array; segment?: boolean }> {
  return readDirectory(b).map((e) => {
    const stored = b.subarray(e.offset, e.offset + e.stored);
    // codec 2: a deflate segment (a chunk of a column), which has no final block
    if (e.codec === 2) return { name: e.name, raw: new Uint8Array(zlib.inflateRawSync(stored, { finishFlush: zlib.constants.Z_SYNC_FLUSH })), segment: true };
    return { name: e.name, raw: new Uint8Array(e.codec === 1 ? zlib.inflateRawSync(stored) : stored) };
  });
}

/** Recompute the CRC after a deliberate change, so the checks behind it get to run. */
export function fixCrc(b: Uint8Array): Uint8Array {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(12, zlib.crc32(b.subarray(24)), true);
  return b;
}

export function json(raw: Uint8Array): any {
  return JSON.parse(Buffer.from(raw).toString('utf8'));
}

export function jsonBytes(v: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(v), 'utf8');
}

/** The DumpError thrown by fn, checked to be one line. */
export function dumpError(fn: () => unknown): DumpError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DumpError);
    const err = e as DumpError;
    expect(err.message).not.toMatch(/[\n\r]/);
    return err;
  }
  throw new Error('expected a DumpError, nothing was thrown');
}
