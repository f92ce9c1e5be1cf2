import { describe, expect, it } from 'vitest';
import { CACHE0, CACHE1, FOO0, FOO_STRIDE, FUNCS, KMEM_FLAGS, NULL_CACHE, PANIC_TEXT } from '../support/dump-builder.js';
import { fakeSession, out, run } from '../support/mdb-session.js';

const h = (v: bigint) => v.toString(16);
const FOO1 = FOO0 + FOO_STRIDE;

describe('::print', () => {
  it('prints a struct: hex integers, strings, symbols, nested structs indented by 4', async () => {
    expect(await out(`${h(CACHE0)}::print kmem_cache_t`)).toBe(
      [
        '{',
        `    cache_next = 0x${h(CACHE1)}`,
        '    cache_name = [ "kmem_alloc_32" ]',
        '    cache_bufsize = 0x20',
        '    cache_flags = 0x20f',
        '    cache_debug = 1 (B_TRUE)',
        '    cache_constructor = bd_xfer_ctor',
        '    cache_full = {',
        '        ml_list = 0',
        '        ml_total = 5',
        '        ml_min = 0',
        '    }',
        `    cache_stack = [ 0x${h(FUNCS.kmem_cache_alloc + 0x9cn)}, 0x${h(FUNCS.assfail + 0x7en)}, 0, 0 ]`,
        `    cache_hint = 0x${h(PANIC_TEXT)} "assertion failed: foo"`,
        "    cache_c = 'A'",
        '    cache_delta = 0xfffffffd',
        '}',
        '',
      ].join('\n'),
    );
  });
  it('shows types with -t (no space after a pointer star) and addresses with -a', async () => {
    expect(await out(`${h(FOO0)}::print -ta foo_t`)).toBe(
      [
        `${h(FOO0)} foo_t {`,
        `    ${h(FOO0)} struct foo *foo_next = 0x${h(FOO1)}`,
        `    ${h(FOO0 + 8n)} uint32_t foo_value = 0x100`,
        `    ${h(FOO0 + 0xcn)} int16_t foo_count = 0`,
        `    ${h(FOO0 + 0xen)} char [16] foo_name = [ "alpha" ]`,
        `    ${h(FOO0 + 0x20n)} kmem_cache_t *foo_cache = 0x${h(CACHE1)}`,
        '}',
        '',
      ].join('\n'),
    );
  });
  it('prints decimal with -d (mdb %#d: a 0t prefix, even on negative numbers)', async () => {
    const t = await out(`${h(FOO1)}::print -d foo_t foo_value foo_count`);
    expect(t).toBe('foo_value = 0t512\nfoo_count = -0t1\n');
    expect(await out(`${h(FOO0)}::print -d foo_t foo_count`)).toBe('foo_count = 0\n');
    expect(await out(`${h(CACHE0)}::print -d kmem_cache_t cache_delta cache_bufsize`)).toBe('cache_delta = -0t3\ncache_bufsize = 0t32\n');
  });
  it('prints chosen members, with . [i] and -> paths', async () => {
    expect(await out(`${h(FOO0)}::print foo_t foo_name foo_next->foo_name foo_cache->cache_name`)).toBe(
      'foo_name = [ "alpha" ]\nfoo_next->foo_name = [ "beta" ]\nfoo_cache->cache_name = [ "foo_cache" ]\n',
    );
    expect(await out(`${h(CACHE0)}::print kmem_cache_t cache_full.ml_total cache_stack[1]`)).toBe(`cache_full.ml_total = 5\ncache_stack[1] = 0x${h(FUNCS.assfail + 0x7en)}\n`);
    expect(await out(`${h(CACHE0)}::print -t kmem_cache_t cache_full`)).toBe('kmem_maglist_t cache_full = {\n    void *ml_list = 0\n    uint64_t ml_total = 5\n    uint64_t ml_min = 0\n}\n');
    expect(await out(`${h(CACHE0)}::print kmem_cache_t $[8]`)).toBe('cache_name = [ "kmem_alloc_32" ]\n');
    expect(await out('kmem_null_cache::print struct kmem_cache cache_name')).toBe('cache_name = [ "kmem_null_cache" ]\n');
  });
  it('prints a layout without values when there is no address', async () => {
    expect(await out('::print -t foo_t')).toBe('foo_t {\n    struct foo *foo_next\n    uint32_t foo_value\n    int16_t foo_count\n    char [16] foo_name\n    kmem_cache_t *foo_cache\n}\n');
  });
  it('infers the type from a typed walk or from the object at the address', async () => {
    expect(await out('::walk foo | ::print')).toBe(await out('::walk foo | ::print foo_t'));
    expect(await out(`${h(FOO1)}::print foo_t foo_value`)).toBe('foo_value = 0x200\n');
    expect(await out(`${h(NULL_CACHE)}::print`)).toContain('cache_name = [ "kmem_null_cache" ]');
    expect((await run(`${h(FOO0 + 8n)}::print`)).errors).toEqual([`mdb: no symbol information for 0x${h(FOO0 + 8n)}`]);
    expect((await run('::print')).usage).toBe(true);
  });
  it('limits arrays with -l and refuses bad members', async () => {
    expect(await out(`${h(CACHE0)}::print -l 2 kmem_cache_t cache_stack`)).toBe(`cache_stack = [ 0x${h(FUNCS.kmem_cache_alloc + 0x9cn)}, 0x${h(FUNCS.assfail + 0x7en)}, ... ]\n`);
    expect((await run(`${h(FOO0)}::print foo_t nope`)).errors).toEqual(['mdb: failed to find member nope of foo_t: unknown member name']);
    expect((await run(`${h(FOO0)}::print foo_t foo_value->x`)).errors).toEqual(['mdb: uint32_t is not a pointer type']);
  });
  it('passes values or addresses down a pipe', async () => {
    const M = ' '.repeat(16);
    expect(await out('::walk foo | ::print foo_t foo_next | ::eval .=J')).toBe(`${M}${h(FOO1)} \n${M}${h(FOO1 + FOO_STRIDE)} \n${M}${'0'.padEnd(16)}\n`);
    expect(await out('::walk foo | ::print -a foo_t foo_value | ::eval .=J')).toContain(h(FOO0 + 8n));
    expect(await out('::walk foo | ::print foo_t foo_name | ::eval .=J')).toContain(h(FOO0 + 0xen));
  });
  it('leaves dot past the object, so addr,n::print walks an array', async () => {
    const s = fakeSession();
    await out(`${h(FOO0)}::print foo_t`, s);
    expect(await out('.=J', s)).toBe(`                ${h(FOO0 + 0x28n)} \n`);
  });
});

describe('::sizeof, ::offsetof, ::nm', () => {
  it('prints sizes and offsets as mdb does', async () => {
    expect(await out('::sizeof kmem_cache_t')).toBe('sizeof (kmem_cache_t) = 0x88\n');
    expect(await out('::sizeof struct foo')).toBe('sizeof (struct foo) = 0x28\n');
    expect(await out('::sizeof foo_t *')).toBe('sizeof (foo_t *) = 8\n');
    expect(await out('::sizeof uint16_t')).toBe('sizeof (uint16_t) = 2\n');
    expect((await run('::sizeof nope_t')).errors).toEqual(['mdb: failed to look up type nope_t: unknown type name']);
    expect(await out('::offsetof kmem_cache_t cache_bufsize')).toBe('offsetof (kmem_cache_t, cache_bufsize) = 0x28, sizeof (...->cache_bufsize) = 8\n');
    expect(await out('::offsetof foo_t foo_name')).toBe('offsetof (foo_t, foo_name) = 0xe, sizeof (...->foo_name) = 0x10\n');
    expect((await run('::offsetof foo_t')).usage).toBe(true);
  });
  it('lists symbols in mdb columns, one symbol with an address, fields with -f', async () => {
    const all = await out('::nm');
    const lines = all.trimEnd().split('\n');
    expect(lines[0]).toBe('Value              Size               Type  Bind  Other Shndx    Name');
    expect(lines).toContain(`0x${h(KMEM_FLAGS)}|0x0000000000000004|OBJT |GLOB |0x0  |3       |kmem_flags`);
    expect(lines).toContain(`0x${h(FUNCS.bd_xfer_ctor)}|0x0000000000000080|FUNC |GLOB |0x0  |1       |bd_xfer_ctor`);
    expect(await out('kmem_flags+2::nm -h')).toBe(`0x${h(KMEM_FLAGS)}|0x0000000000000004|OBJT |GLOB |0x0  |3       |kmem_flags\n`);
    expect(await out('kmem_flags::nm -f sz -h')).toBe('0x0000000000000004\n');
    expect(await out('::nm -h -t func -n -f name')).toBe('assfail\nbd_xfer_ctor\nkmem_cache_alloc\n');
    expect(await out('::nm -h -f name blkdev')).toBe('bd_xfer_ctor\n');
    expect(await out('kmem_flags::nm -d -h -f val,sz')).toBe(`${BigInt.asUintN(64, KMEM_FLAGS).toString(10).padEnd(20)}|4\n`);
    expect((await run('::nm -f bogus')).usage).toBe(true);
  });
});
