import { describe, expect, it } from 'vitest';
import { lockFlags, LOCK_CLASS_MTX_SLEEP, LOCK_CLASS_MTX_SPIN, mtxLockWord, propagatedPriorities } from '../../../src/sim/freebsd/kern/mutex.js';
import type { KThread } from '../../../src/sim/machine/thread.js';

describe('struct mtx as a FreeBSD dump writes it', () => {
  it('mtx_lock: MTX_UNOWNED without an owner, else the owner with MTX_CONTESTED (2) and MTX_RECURSED (1)', () => {
    expect(mtxLockWord(null, true, true)).toBe(4n);
    expect(mtxLockWord(0xc1402500n, false, false)).toBe(0xc1402500n);
    expect(mtxLockWord(0xc1402500n, true, false)).toBe(0xc1402502n);
    expect(mtxLockWord(0xc1402500n, true, true)).toBe(0xc1402503n);
  });

  it('lo_flags: LO_INITIALIZED, the lock class index at bit 24, LO_RECURSABLE for MTX_RECURSE', () => {
    expect(lockFlags(LOCK_CLASS_MTX_SPIN, false)).toBe(0x00010000);
    expect(lockFlags(LOCK_CLASS_MTX_SLEEP, true)).toBe(0x01090000);
  });

  it('propagate_priority(): an owner runs at the best priority of the threads blocked behind it, along the chain', () => {
    // threads are only keys here: a name and a priority
    const mk = (name: string): KThread => ({ name }) as unknown as KThread;
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map(mk) as [KThread, KThread, KThread, KThread, KThread];
    const own = new Map([[a, 180], [b, 150], [c, 76], [d, 68], [e, 200]]);
    // c (76) waits on a lock b holds, b waits on one a holds; d (68) waits on one c holds; e holds nothing anyone wants
    const waitsFor = new Map<KThread, KThread>([[c, b], [b, a], [d, c]]);
    const pri = propagatedPriorities([a, b, c, d, e], (t) => own.get(t)!, (t) => waitsFor.get(t));
    expect([a, b, c, d, e].map((t) => pri.get(t))).toEqual([68, 68, 68, 68, 200]);
    // a waiter of worse priority lends nothing
    const pri2 = propagatedPriorities([a, e], (t) => own.get(t)!, (t) => (t === e ? a : undefined));
    expect(pri2.get(a)).toBe(180);
    // a cycle (which the kernel would panic on) still ends
    const cyc = new Map<KThread, KThread>([[a, b], [b, a]]);
    const pri3 = propagatedPriorities([a, b], (t) => own.get(t)!, (t) => cyc.get(t));
    expect([pri3.get(a), pri3.get(b)]).toEqual([150, 150]);
  });
});
