import { describe, expect, it } from 'vitest';
import { BufTable } from '../../../../src/sim/illumos/kmem/buftable.js';
import type { Buf } from '../../../../src/sim/illumos/kmem/types.js';

describe('BufTable (a cache\'s allocated buffers by address)', () => {
  it('answers get/has/set/delete/size as a Map does, through growth and backward-shift deletes', () => {
    const t = new BufTable();
    const m = new Map<number, Buf>();
    let x = 12345;
    const rnd = (n: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x % n;
    };
    // addresses above 2^32 and clustered (the probe runs wrap and collide)
    const addrOf = (i: number): number => 0x181c0000000 + (i % 3000) * 64 + (i % 7 === 0 ? 0x1_0000_0000 : 0);
    const bad: string[] = [];
    for (let op = 0; op < 60_000 && bad.length < 5; op++) {
      const a = addrOf(rnd(9000));
      if (rnd(3) === 0) {
        if (t.delete(a) !== m.delete(a)) bad.push(`delete ${a} at op ${op}`);
      } else {
        const b = { addr: a } as Buf;
        t.set(a, b);
        m.set(a, b);
      }
      if (op % 5000 === 0) {
        if (t.size !== m.size) bad.push(`size at op ${op}`);
        for (const [k, v] of m) if (t.get(k) !== v) bad.push(`get ${k} at op ${op}`);
      }
      const q = addrOf(rnd(9000));
      if (t.has(q) !== m.has(q) || t.get(q) !== m.get(q)) bad.push(`lookup ${q} at op ${op}`);
    }
    expect(bad).toEqual([]);
    expect(t.size).toBe(m.size);
    expect(new Map(t)).toEqual(m);
    expect([...t.keys()].sort((a, b) => a - b)).toEqual([...m.keys()].sort((a, b) => a - b));
  });
});
