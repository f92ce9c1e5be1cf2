import { describe, expect, it } from 'vitest';
import { lockFlags, LOCK_CLASS_MTX_SLEEP, LOCK_CLASS_MTX_SPIN, mtxLockWord } from '../../../src/sim/freebsd/kern/mutex.js';

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
});
