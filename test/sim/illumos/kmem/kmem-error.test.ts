/*
 * kmem_error()'s report for the corruptions the msgsys scenarios make (issue
 * #8), each on a buffer made to have it: a word changed in a freed buffer
 * (verify_pattern at the next allocation), a write past a kmem_alloc() size
 * (kmem_free's redzone byte) and a write over the buftag's redzone
 * (kmem_cache_free_debug). The lines are kmem.c's.
 */
import { describe, expect, it } from 'vitest';
import { kmemAlloc, kmemCacheAlloc, kmemCacheCreate, kmemCacheFree, kmemFree, KM_SLEEP, type Buf } from '../../../../src/sim/illumos/kmem/kmem.js';
import { KMEM_FREE_PATTERN, redzoneViolated, verifyFreePattern } from '../../../../src/sim/illumos/kmem/debug.js';
import { PanicStop } from '../../../../src/sim/machine/kernel.js';
import { bootKmem, now, stackNames } from './helpers.js';

const text = (m: ReturnType<typeof bootKmem>): string[] => m.k.msgbuf.map((l) => l.text);

describe('kmem_error report', () => {
  it('a write after free: modification occurred at offset, with the previous transaction', () => {
    const m = bootKmem();
    m.km.kmem_panic = 0;
    const cp = kmemCacheCreate(m.km, { name: 'uaf_test', bufsize: 56 });
    const b = now(kmemCacheAlloc(m.km, cp, KM_SLEEP))!;
    kmemCacheFree(m.km, cp, b.addr);
    expect(verifyFreePattern(cp, b)).toBeNull();
    (b.corrupt ??= []).push(0x28, KMEM_FREE_PATTERN & ~1n);
    expect(verifyFreePattern(cp, b)).toEqual({ off: 0x28, word: 0xdeadbeefdeadbeeen });
    // the next allocation takes the same round from the CPU's magazine and finds it
    const c = now(kmemCacheAlloc(m.km, cp, KM_SLEEP))!;
    expect(c.addr).not.toBe(b.addr);
    const t = text(m);
    const i = t.indexOf('kernel memory allocator: buffer modified after being freed');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(t[i + 1]).toBe('modification occurred at offset 0x28 (0xdeadbeefdeadbeef replaced by 0xdeadbeefdeadbeee)');
    expect(t[i + 2]).toBe(`buffer=${m.k.hex(b.addr)}  bufctl=${m.k.hex(b.bufctl)}  cache: uaf_test`);
    expect(t[i + 3]).toBe(`previous transaction on buffer ${m.k.hex(b.addr)}:`);
    expect(t[i + 4]).toMatch(new RegExp(`^thread=${m.k.hex(m.t0.addr)}  time=T-0\\.\\d{9}  slab=${m.k.hex(b.slab.addr)}  cache: uaf_test$`));
    expect(t[i + 5]).toMatch(/^kmem_cache_free_debug\+[0-9a-f]+$/);
  });

  it('a write past a kmem_alloc() size: kmem_free finds the redzone byte gone, and panics', () => {
    const m = bootKmem();
    const b = now(kmemAlloc(m.km, 40, KM_SLEEP)) as Buf;
    expect(b.allocSize).toBe(40);
    (b.corrupt ??= []).push(32, 0x1234);
    expect(redzoneViolated(b, 40)).toBe(false); // a word inside the 40 bytes
    (b.corrupt ??= []).push(40, 0x1234);
    expect(redzoneViolated(b, 40)).toBe(true);
    expect(() => kmemFree(m.km, b.addr, 40)).toThrow(PanicStop);
    expect(text(m)).toContain('kernel memory allocator: redzone violation: write past end of buffer');
    expect(m.k.panicked!.message).toBe('kernel heap corruption detected');
    expect(stackNames(m.t0).slice(0, 4)).toEqual(['vpanic', 'panic', 'kmem_error', 'kmem_free']);
  });

  it("a write over the buftag's redzone: kmem_cache_free_debug refuses the free", () => {
    const m = bootKmem();
    m.km.kmem_panic = 0;
    const cp = kmemCacheCreate(m.km, { name: 'rz_test', bufsize: 64 });
    const b = now(kmemCacheAlloc(m.km, cp, KM_SLEEP))!;
    (b.corrupt ??= []).push(cp.cache_buftag, 0x5a5a);
    kmemCacheFree(m.km, cp, b.addr);
    expect(text(m)).toContain('kernel memory allocator: redzone violation: write past end of buffer');
    // the free did not happen: the buffer is still allocated
    expect(cp.allocated.get(b.addr)).toBe(b);
  });
});
