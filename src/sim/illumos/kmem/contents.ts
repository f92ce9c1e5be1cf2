/*
 * What a client stores in a buffer, as far as the dump needs it: the kernel
 * pointers it holds, by offset. ::findleaks scans these conservatively and
 * ::print reads them back as members.
 */
import type { Kva } from '../../machine/platform.js';
import type { Buf } from './types.js';

/** Store a pointer-sized word holding a kernel pointer (0 clears it). */
export function storePtr(b: Buf, offset: number, value: Kva): void {
  const p = b.ptrs ?? (b.ptrs = []);
  for (let i = 0; i < p.length; i += 2) {
    if (p[i] === offset) {
      if (value === 0) p.splice(i, 2);
      else p[i + 1] = value;
      return;
    }
  }
  if (value !== 0) p.push(offset, value);
}

/** Read back a stored pointer (0 if none). */
export function loadPtr(b: Buf, offset: number): Kva {
  const p = b.ptrs;
  if (!p) return 0;
  for (let i = 0; i < p.length; i += 2) if (p[i] === offset) return p[i + 1]!;
  return 0;
}
