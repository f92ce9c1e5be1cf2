/*
 * KList (list_t over simulated kernel memory): whatever the sequence of
 * list_insert_tail() and list_remove(), the words written into the buffers
 * and the head are a well-formed circular list of exactly the members, in
 * order, so a conservative scan of the dump reaches each member from the head.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KList } from '../../../../src/sim/illumos/kern/klist.js';
import { loadPtr } from '../../../../src/sim/illumos/kmem/contents.js';
import type { Buf } from '../../../../src/sim/illumos/kmem/types.js';

const buf = (addr: number): Buf => ({ addr, ptrs: null }) as unknown as Buf;

describe('KList', () => {
  it('keeps the written links a circular list of exactly its members, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(15)), { maxLength: 80 }), fc.constantFrom(0, 0x10, 0x28), (ops, nodeOff) => {
        const head = buf(0x1000);
        const headAt = head.addr + 0x10;
        const bufs = Array.from({ length: 16 }, (_, i) => buf(0x2000 + i * 0x100));
        const l = new KList(head, headAt, nodeOff);
        const model: Buf[] = [];
        for (const [ins, i] of ops) {
          const b = bufs[i]!;
          if (ins) {
            l.insertTail(b);
            if (!model.includes(b)) model.push(b);
          } else {
            l.remove(b);
            const j = model.indexOf(b);
            if (j >= 0) model.splice(j, 1);
            expect(loadPtr(b, nodeOff)).toBe(0);
          }
        }
        expect(l.items()).toEqual(model);
        // forward from the head through list_next, back through list_prev
        const byNode = new Map(bufs.map((b) => [b.addr + nodeOff, b]));
        const fwd: Buf[] = [];
        for (let at = loadPtr(head, 0x10); at !== headAt; at = loadPtr(byNode.get(at)!, nodeOff)) fwd.push(byNode.get(at)!);
        expect(fwd).toEqual(model);
        const back: Buf[] = [];
        for (let at = loadPtr(head, 0x18); at !== headAt; at = loadPtr(byNode.get(at)!, nodeOff + 8)) back.push(byNode.get(at)!);
        expect(back).toEqual([...model].reverse());
      }),
      { numRuns: 300 },
    );
  });

  it('an empty list points at itself, as list_create() leaves it', () => {
    const head = buf(0x1000);
    const l = new KList(head, 0x1010, 0);
    expect([loadPtr(head, 0x10), loadPtr(head, 0x18)]).toEqual([0x1010, 0x1010]);
    expect([l.headNext, l.headPrev]).toEqual([0x1010, 0x1010]);
  });
});
