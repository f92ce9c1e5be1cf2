/*
 * How fast the dump codec is on a heap shaped like a real one: a million
 * buffers with about one kernel pointer each, a kmem_bufctl_audit_t row per
 * buffer (caches with KMF_AUDIT) and a slab per eight buffers. Targets on the
 * 2-core CI machine: writing a million buffers in 3 s, opening (read,
 * decompress, validate) in 1 s.
 *
 *   node dist/tools/bench-dump.js [nBuffers]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeDump } from '../dump/codec.js';
import { readDump } from '../dump/read.js';
import { writeDump } from '../dump/write.js';
import { TableBuilder } from '../dump/builder.js';
import type { DumpHeader, DumpModel, Table, TypeDef } from '../dump/format.js';

export interface DumpBench {
  /** building the model (the buffers table through TableBuilder) */
  buildMs: number;
  /** encodeDump alone */
  encodeMs: number;
  /** writeDump: encode, write, fsync, rename */
  writeMs: number;
  /** readDump: read, decompress, validate */
  readMs: number;
  /** file size */
  bytes: number;
  /** column bytes before compression */
  rawBytes: number;
  /** the process's peak resident set */
  peakRssMb: number;
}

/** A seeded xorshift32, so every run measures the same heap. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** A struct layout from [member, C type, size] triples laid end to end (alignment is not the point here). */
function layout(name: string, members: Array<[string, string, number]>): TypeDef {
  let off = 0;
  const ms = members.map(([n, type, size]) => {
    const m = { name: n, type, offset: off, size };
    off += size;
    return m;
  });
  return { name, kind: 'struct', size: off, members: ms };
}

const HEAP = 0xffffff0100000000n;
const AUDIT = 0xffffff0200000000n;
const CACHES = 64;

function header(): DumpHeader {
  return {
    os: 'illumos',
    kernelVersion: 'SunOS 5.11 illumos-bench DEBUG',
    platform: 'i86pc',
    isa: 'amd64',
    pointerSize: 8,
    hostname: 'bench',
    debug: true,
    ncpus: 2,
    physmem: 4194304,
    pagesize: 4096,
    dumpTime: '1000000000',
    dumpKind: 'live',
    panic: null,
    outcome: 'completed',
    recipe: { scenario: 'bench', scenarioText: '', seed: 1, set: [], fixes: [], mddbVersion: '0.0.0' },
  };
}

function types(): TypeDef[] {
  return [
    layout('kmem_cache_t', [
      ['cache_name', 'char [32]', 32],
      ['cache_flags', 'int', 4],
      ['cache_bufsize', 'size_t', 8],
      ['cache_chunksize', 'size_t', 8],
      ['cache_buftotal', 'uint64_t', 8],
    ]),
    layout('kmem_slab_t', [
      ['slab_cache', 'struct kmem_cache *', 8],
      ['slab_base', 'void *', 8],
      ['slab_next', 'struct kmem_slab *', 8],
      ['slab_prev', 'struct kmem_slab *', 8],
      ['slab_head', 'struct kmem_bufctl *', 8],
      ['slab_refcnt', 'long', 8],
      ['slab_chunks', 'long', 8],
    ]),
    layout('kmem_bufctl_audit_t', [
      ['bc_next', 'struct kmem_bufctl *', 8],
      ['bc_addr', 'void *', 8],
      ['bc_slab', 'struct kmem_slab *', 8],
      ['bc_cache', 'kmem_cache_t *', 8],
      ['bc_timestamp', 'hrtime_t', 8],
      ['bc_thread', 'kthread_t *', 8],
      ['bc_lastlog', 'struct kmem_bufctl_audit *', 8],
      ['bc_contents', 'void *', 8],
      ['bc_depth', 'int', 4],
    ]),
  ];
}

/** The synthetic heap: caches, slabs, buffers and their audit bufctls. */
export function syntheticHeap(nBuffers: number): DumpModel {
  const rand = rng(0x2911);
  const bufsize = (c: number): number => 64 << c % 6;
  const caches = new TableBuilder('kmem_cache_t', {
    addr: 'u64',
    cache_name: 'str',
    cache_flags: 'i32',
    cache_bufsize: 'u64',
    cache_buftotal: 'u64',
  });
  for (let c = 0; c < CACHES; c++)
    caches.add({ addr: 0xffffff01c0000000n + BigInt(c * 4096), cache_name: `kmem_alloc_${bufsize(c)}_${c}`, cache_flags: 0x2f, cache_bufsize: bufsize(c), cache_buftotal: 0 });

  const nSlabs = Math.ceil(nBuffers / 8);
  const slabAddr = new BigUint64Array(nSlabs);
  const slabCache = new Uint32Array(nSlabs);
  for (let s = 0; s < nSlabs; s++) {
    slabAddr[s] = HEAP + BigInt(s) * 0x2000n;
    slabCache[s] = Math.floor(rand() * CACHES);
  }
  const addrs = new BigUint64Array(nBuffers);
  for (let i = 0; i < nBuffers; i++) addrs[i] = slabAddr[i >> 3]! + BigInt((i & 7) * bufsize(slabCache[i >> 3]!));

  const buffers = new TableBuilder('buffers', {
    addr: 'u64',
    cache_row: 'u32',
    state: 'u8',
    fill: 'u8',
    bufctl: 'u64',
    ptr_offs: { list: 'u32' },
    ptr_vals: { list: 'u64' },
  });
  const offs: number[][] = [[], [0], [0, 16]];
  for (let i = 0; i < nBuffers; i++) {
    const k = rand() < 0.35 ? 0 : rand() < 0.54 ? 1 : 2; // about 0.95 pointers per buffer
    const vals = k === 0 ? [] : k === 1 ? [addrs[(rand() * nBuffers) | 0]!] : [addrs[(rand() * nBuffers) | 0]!, addrs[(rand() * nBuffers) | 0]!];
    buffers.add({
      addr: addrs[i]!,
      cache_row: slabCache[i >> 3]!,
      state: (rand() * 3) | 0,
      fill: (rand() * 3) | 0,
      bufctl: AUDIT + BigInt(i * 128),
      ptr_offs: offs[k]!,
      ptr_vals: vals,
    });
  }
  return { header: header(), types: types(), tables: [caches.build(), slabs(slabAddr, slabCache, rand), buffers.build(), audit(addrs, slabAddr, rand)] };
}

function slabs(addr: BigUint64Array, cache: Uint32Array, rand: () => number): Table {
  const n = addr.length;
  const u64 = (): BigUint64Array => new BigUint64Array(n);
  const sc = u64();
  const next = u64();
  const prev = u64();
  const head = u64();
  const refcnt = u64();
  const chunks = u64();
  for (let s = 0; s < n; s++) {
    sc[s] = 0xffffff01c0000000n + BigInt(cache[s]! * 4096);
    next[s] = addr[(s + 1) % n]!;
    prev[s] = addr[(s + n - 1) % n]!;
    head[s] = rand() < 0.5 ? 0n : addr[s]!;
    refcnt[s] = BigInt((rand() * 9) | 0);
    chunks[s] = 8n;
  }
  return {
    name: 'kmem_slab_t',
    rowCount: n,
    columns: {
      addr: { kind: 'u64', values: addr },
      slab_cache: { kind: 'u64', values: sc },
      slab_base: { kind: 'u64', values: addr.slice() },
      slab_next: { kind: 'u64', values: next },
      slab_prev: { kind: 'u64', values: prev },
      slab_head: { kind: 'u64', values: head },
      slab_refcnt: { kind: 'u64', values: refcnt },
      slab_chunks: { kind: 'u64', values: chunks },
    },
  };
}

function audit(bufs: BigUint64Array, slabAddr: BigUint64Array, rand: () => number): Table {
  const n = bufs.length;
  const u64 = (): BigUint64Array => new BigUint64Array(n);
  const [addr, next, slab, cache, thread, lastlog, contents] = [u64(), u64(), u64(), u64(), u64(), u64(), u64()];
  const ts = new BigInt64Array(n);
  const depth = new Int32Array(n);
  let t = 1_000_000_000n;
  for (let i = 0; i < n; i++) {
    addr[i] = AUDIT + BigInt(i * 128);
    next[i] = rand() < 0.9 ? 0n : AUDIT + BigInt(((rand() * n) | 0) * 128);
    slab[i] = slabAddr[i >> 3]!;
    cache[i] = 0xffffff01c0000000n + BigInt(((rand() * CACHES) | 0) * 4096);
    t += BigInt((rand() * 5000) | 0);
    ts[i] = t;
    thread[i] = 0xffffff01e8000000n + BigInt(((rand() * 200) | 0) * 0x400);
    lastlog[i] = 0xffffff0300000000n + BigInt(i * 64);
    contents[i] = rand() < 0.8 ? 0n : 0xffffff0400000000n + BigInt(i * 256);
    depth[i] = 5 + ((rand() * 10) | 0);
  }
  const col = (values: BigUint64Array) => ({ kind: 'u64' as const, values });
  return {
    name: 'kmem_bufctl_audit_t',
    rowCount: n,
    columns: {
      addr: col(addr),
      bc_next: col(next),
      bc_addr: col(bufs.slice()),
      bc_slab: col(slab),
      bc_cache: col(cache),
      bc_timestamp: { kind: 'i64', values: ts },
      bc_thread: col(thread),
      bc_lastlog: col(lastlog),
      bc_contents: col(contents),
      bc_depth: { kind: 'i32', values: depth },
    },
  };
}

function rawBytes(m: DumpModel): number {
  let sum = 0;
  for (const t of m.tables)
    for (const c of Object.values(t.columns)) {
      if (c.kind === 'str') sum += c.values.length * 4;
      else if (c.kind === 'list') sum += c.offsets.byteLength + c.values.byteLength;
      else sum += c.values.byteLength;
    }
  return sum;
}

/** Build, encode, write and read back a heap of `nBuffers` buffers, timing each phase. */
export function benchDumpCodec(nBuffers: number): DumpBench {
  const file = path.join(os.tmpdir(), `mddb-bench-${process.pid}.dump`);
  try {
    let t0 = performance.now();
    const model = syntheticHeap(nBuffers);
    const buildMs = performance.now() - t0;
    t0 = performance.now();
    const bytes = encodeDump(model).length;
    const encodeMs = performance.now() - t0;
    t0 = performance.now();
    writeDump(file, model, { force: true });
    const writeMs = performance.now() - t0;
    t0 = performance.now();
    const back = readDump(file);
    const readMs = performance.now() - t0;
    if (back.tables.length !== model.tables.length) throw new Error('bench: read back a different dump');
    return { buildMs, encodeMs, writeMs, readMs, bytes, rawBytes: rawBytes(model), peakRssMb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv[2] ?? 1_000_000);
  const r = benchDumpCodec(n);
  const ms = (x: number): string => `${x.toFixed(0)} ms`;
  process.stdout.write(
    `buffers ${n}: build ${ms(r.buildMs)}, encode ${ms(r.encodeMs)}, write ${ms(r.writeMs)}, read ${ms(r.readMs)}; ` +
      `${(r.bytes / 1e6).toFixed(1)} MB (raw ${(r.rawBytes / 1e6).toFixed(1)} MB), peak RSS ${r.peakRssMb.toFixed(0)} MB\n`,
  );
}
