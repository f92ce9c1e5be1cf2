// A small fake illumos crash dump, built in memory for the mdb engine tests
// (drgn's mock_program, sdb's mock target): a few symbols, two kmem caches,
// a linked list of foo_t objects inside kmem buffers, globals and a string.
// Layouts come from the dump layer's CtfBuilder (LP64), as the simulator's do.
import { LP64, CtfBuilder } from '../../src/dump/ctf.js';
import { TableBuilder } from '../../src/dump/builder.js';
import {
  FILL_BADDCAFE,
  FILL_DEADBEEF,
  FILL_ZERO,
  SYMKIND_FUNC,
  SYMKIND_OBJECT,
  type DumpHeader,
  type DumpModel,
  type Table,
} from '../../src/dump/format.js';

export const CACHE0 = 0xffffff01d6e2a008n; // kmem_alloc_32
export const CACHE1 = 0xffffff01d6e2c008n; // foo_cache
export const FOO0 = 0xffffff01e0000000n;
export const FOO_STRIDE = 0x40n;
export const FREED_FOO = FOO0 + 3n * FOO_STRIDE; // a freed, deadbeef'd foo_cache buffer
export const BUF32 = 0xffffff01e1000000n; // a kmem_alloc_32 buffer, never written (baddcafe)
export const KMEM_FLAGS = 0xfffffffffbc4a010n;
export const FOO_LIST = 0xfffffffffbc4a018n;
export const PANICSTR = 0xfffffffffbc4a020n;
export const PANIC_TEXT = 0xffffff01e2000000n;
export const NULL_CACHE = 0xfffffffffbc4b000n; // kmem_null_cache: a kmem_cache_t at a symbol
export const CAFE_SYM = 0xfffffffffbc4c000n; // a symbol whose name looks like a hex number
export const FUNCS = {
  kmem_cache_alloc: 0xfffffffffb8a6d20n,
  bd_xfer_ctor: 0xfffffffff7a1c000n,
  assfail: 0xfffffffffb85e0a0n,
};

export function fakeHeader(): DumpHeader {
  return {
    os: 'illumos',
    kernelVersion: 'SunOS 5.11 illumos-2012.10 DEBUG',
    platform: 'i86pc',
    isa: 'amd64',
    pointerSize: 8,
    hostname: 'testhost',
    debug: true,
    ncpus: 2,
    physmem: 262144,
    pagesize: 4096,
    dumpTime: '1000000000',
    dumpKind: 'panic',
    panic: { message: 'assertion failed: foo', thread: 'ffffff000f8bcc40', cpu: 1, caller: 'assfail' },
    outcome: 'panic',
    recipe: { scenario: 'test', scenarioText: 'name: test\n', seed: 1, set: [], fixes: [], mddbVersion: '0.1.0' },
  };
}

export function fakeTypes() {
  const ctf = new CtfBuilder(LP64);
  ctf.struct('kmem_maglist_t', 'struct kmem_maglist', [
    ['ml_list', 'void *'],
    ['ml_total', 'uint64_t'],
    ['ml_min', 'uint64_t'],
  ]);
  ctf.struct('kmem_cache_t', 'struct kmem_cache', [
    ['cache_next', 'struct kmem_cache *'],
    ['cache_name', 'char [32]'],
    ['cache_bufsize', 'size_t'],
    ['cache_flags', 'int'],
    ['cache_debug', 'boolean_t'],
    ['cache_constructor', 'int (*)(void *, void *, int)'],
    ['cache_full', 'kmem_maglist_t'],
    ['cache_stack', 'uint64_t [4]'],
    ['cache_hint', 'char *'],
    ['cache_c', 'char'],
    ['cache_delta', 'int32_t'],
  ]);
  ctf.struct('foo_t', 'struct foo', [
    ['foo_next', 'struct foo *'],
    ['foo_value', 'uint32_t'],
    ['foo_count', 'int16_t'],
    ['foo_name', 'char [16]'],
    ['foo_cache', 'kmem_cache_t *'],
  ]);
  return ctf.types();
}

function symbols(): Table {
  const t = new TableBuilder('symbols', { name: 'str', module: 'str', addr: 'u64', size: 'u64', kind: 'u8' });
  const add = (name: string, module: string, addr: bigint, size: bigint, kind: number) => t.add({ name, module, addr, size, kind });
  add('kmem_cache_alloc', 'genunix', FUNCS.kmem_cache_alloc, 0x200n, SYMKIND_FUNC);
  add('assfail', 'unix', FUNCS.assfail, 0x90n, SYMKIND_FUNC);
  add('bd_xfer_ctor', 'blkdev', FUNCS.bd_xfer_ctor, 0x80n, SYMKIND_FUNC);
  add('kmem_flags', 'genunix', KMEM_FLAGS, 4n, SYMKIND_OBJECT);
  add('foo_list', 'foo', FOO_LIST, 8n, SYMKIND_OBJECT);
  add('panicstr', 'genunix', PANICSTR, 8n, SYMKIND_OBJECT);
  add('kmem_null_cache', 'genunix', NULL_CACHE, 0x88n, SYMKIND_OBJECT);
  add('cafe', 'foo', CAFE_SYM, 8n, SYMKIND_OBJECT);
  return t.build();
}

/** The fake dump; `extraBuffers` appends that many zero-filled foo_cache buffers (for size tests). */
export function fakeDump(): DumpModel {
  const caches = new TableBuilder('kmem_cache_t', {
    addr: 'u64',
    cache_next: 'u64',
    cache_name: 'str',
    cache_bufsize: 'u64',
    cache_flags: 'u32',
    cache_debug: 'u32',
    cache_constructor: 'u64',
    'cache_full.ml_total': 'u64',
    cache_stack: { list: 'u64' },
    cache_hint: 'u64',
    cache_c: 'u8',
    cache_delta: 'i32',
  });
  caches.add({
    addr: CACHE0,
    cache_next: CACHE1,
    cache_name: 'kmem_alloc_32',
    cache_bufsize: 32,
    cache_flags: 0x20f,
    cache_debug: 1,
    cache_constructor: FUNCS.bd_xfer_ctor,
    'cache_full.ml_total': 5,
    cache_stack: [FUNCS.kmem_cache_alloc + 0x9cn, FUNCS.assfail + 0x7en],
    cache_hint: PANIC_TEXT,
    cache_c: 0x41,
    cache_delta: -3,
  });
  caches.add({ addr: CACHE1, cache_next: NULL_CACHE, cache_name: 'foo_cache', cache_bufsize: 64, cache_flags: 0 });
  caches.add({ addr: NULL_CACHE, cache_next: CACHE0, cache_name: 'kmem_null_cache', cache_bufsize: 0 });

  const foos = new TableBuilder('foo_t', { addr: 'u64', foo_next: 'u64', foo_value: 'u32', foo_count: 'i32', foo_name: 'str', foo_cache: 'u64' });
  const names = ['alpha', 'beta', 'gamma'];
  for (let i = 0; i < 3; i++) {
    const addr = FOO0 + BigInt(i) * FOO_STRIDE;
    foos.add({ addr, foo_next: i < 2 ? addr + FOO_STRIDE : 0n, foo_value: 0x100 * (i + 1), foo_count: -i, foo_name: names[i], foo_cache: CACHE1 });
  }

  const buffers = new TableBuilder('buffers', {
    addr: 'u64',
    cache_row: 'u32',
    state: 'u8',
    fill: 'u8',
    bufctl: 'u64',
    ptr_offs: { list: 'u32' },
    ptr_vals: { list: 'u64' },
  });
  for (let i = 0; i < 4; i++) buffers.add({ addr: FOO0 + BigInt(i) * FOO_STRIDE, cache_row: 1, state: i < 3 ? 0 : 2, fill: i < 3 ? FILL_ZERO : FILL_DEADBEEF });
  buffers.add({ addr: BUF32, cache_row: 0, state: 0, fill: FILL_BADDCAFE, ptr_offs: [8], ptr_vals: [CACHE0] });

  const globals = new TableBuilder('globals', { addr: 'u64', size: 'u8', value: 'u64' });
  globals.add({ addr: KMEM_FLAGS, size: 4, value: 0xf });
  globals.add({ addr: FOO_LIST, size: 8, value: FOO0 });
  globals.add({ addr: PANICSTR, size: 8, value: PANIC_TEXT });
  globals.add({ addr: CAFE_SYM, size: 8, value: 0x1234 });

  const strings = new TableBuilder('strings', { addr: 'u64', text: 'str' });
  strings.add({ addr: PANIC_TEXT, text: 'assertion failed: foo' });

  return {
    header: fakeHeader(),
    types: fakeTypes(),
    tables: [symbols(), caches.build(), foos.build(), buffers.build(), globals.build(), strings.build()],
  };
}
