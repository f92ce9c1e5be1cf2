/*
 * Interned stacks: audit bufctls and the transaction log record the caller's
 * stack (getpcstack() in the kernel, KMEM_STACK_DEPTH deep). Many records share
 * a stack, so each distinct stack is kept once and referred to by index, as the
 * dump's `stacks` table stores them.
 */
import type { Frame } from './thread.js';
import type { Kva } from './platform.js';

export class StackTable {
  /** pcs of each stack, innermost first */
  readonly stacks: Kva[][] = [];
  private byHash = new Map<number, number[]>();

  /** getpcstack(): the pcs of `frames` (innermost first, at most depth), interned. */
  capture(frames: readonly Frame[], depth: number): number {
    const n = Math.min(depth, frames.length - 1);
    let h = 0x811c9dc5;
    for (let i = 0; i < n; i++) {
      const f = frames[frames.length - 1 - i]!;
      h = Math.imul(h ^ (f.fn.addr + f.pcOff), 0x01000193) >>> 0;
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    }
    const bucket = this.byHash.get(h);
    if (bucket) {
      for (const id of bucket) {
        const s = this.stacks[id]!;
        if (s.length !== n) continue;
        let same = true;
        for (let i = 0; i < n && same; i++) {
          const f = frames[frames.length - 1 - i]!;
          if (s[i] !== f.fn.addr + f.pcOff) same = false;
        }
        if (same) return id;
      }
    }
    const pcs: Kva[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const f = frames[frames.length - 1 - i]!;
      pcs[i] = f.fn.addr + f.pcOff;
    }
    const id = this.stacks.push(pcs) - 1;
    if (bucket) bucket.push(id);
    else this.byHash.set(h, [id]);
    return id;
  }
}
