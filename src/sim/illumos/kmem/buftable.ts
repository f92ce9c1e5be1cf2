/*
 * A cache's allocated buffers by address (what kmem's hash table holds for a
 * KMF_HASH cache; the simulator keeps it for every cache). A Map keyed by
 * Kva boxed every address above 2^31 as a heap number that lived as long as
 * the buffer was allocated, so a heap of a million buffers kept the garbage
 * collector busy; here the addresses are in a Float64Array, open addressing
 * with linear probing and backward-shift deletion (no tombstones).
 *
 * The Map methods the simulator and its tests use are here; iteration is in
 * table order, not insertion order (nothing in the simulator iterates it).
 */
import type { Kva } from '../../machine/platform.js';
import type { Buf } from './types.js';

const TWO32 = 0x1_0000_0000;

function hash(k: Kva): number {
  const hi = Math.floor(k / TWO32);
  const lo = k - hi * TWO32;
  let h = Math.imul((lo | 0) ^ Math.imul(hi | 0, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class BufTable implements Iterable<[Kva, Buf]> {
  private keysArr = new Float64Array(16);
  private vals: Array<Buf | undefined> = new Array<Buf | undefined>(16).fill(undefined);
  private mask = 15;
  size = 0;

  private slot(k: Kva): number {
    const mask = this.mask;
    let i = hash(k) & mask;
    for (;;) {
      const v = this.vals[i];
      if (v === undefined || this.keysArr[i] === k) return i;
      i = (i + 1) & mask;
    }
  }

  get(k: Kva): Buf | undefined {
    return this.vals[this.slot(k)];
  }

  has(k: Kva): boolean {
    return this.vals[this.slot(k)] !== undefined;
  }

  set(k: Kva, b: Buf): this {
    let i = this.slot(k);
    if (this.vals[i] === undefined) {
      if ((this.size + 1) * 2 > this.mask + 1) {
        this.grow();
        i = this.slot(k);
      }
      this.size++;
      this.keysArr[i] = k;
    }
    this.vals[i] = b;
    return this;
  }

  delete(k: Kva): boolean {
    const mask = this.mask;
    let i = this.slot(k);
    if (this.vals[i] === undefined) return false;
    this.size--;
    // backward-shift: move later entries of the probe run into the hole
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = this.vals[j];
      if (v === undefined) break;
      const home = hash(this.keysArr[j]!) & mask;
      // the entry at j may move to i if its home is not cyclically in (i, j]
      if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
        this.keysArr[i] = this.keysArr[j]!;
        this.vals[i] = v;
        i = j;
      }
    }
    this.vals[i] = undefined;
    this.keysArr[i] = 0;
    return true;
  }

  private grow(): void {
    const oldK = this.keysArr;
    const oldV = this.vals;
    const cap = (this.mask + 1) * 2;
    this.keysArr = new Float64Array(cap);
    this.vals = new Array<Buf | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
    for (let i = 0; i < oldV.length; i++) {
      const v = oldV[i];
      if (v === undefined) continue;
      let j = hash(oldK[i]!) & this.mask;
      while (this.vals[j] !== undefined) j = (j + 1) & this.mask;
      this.keysArr[j] = oldK[i]!;
      this.vals[j] = v;
    }
  }

  *entries(): IterableIterator<[Kva, Buf]> {
    for (let i = 0; i < this.vals.length; i++) {
      const v = this.vals[i];
      if (v !== undefined) yield [this.keysArr[i]!, v];
    }
  }

  *keys(): IterableIterator<Kva> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<Buf> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): IterableIterator<[Kva, Buf]> {
    return this.entries();
  }
}
