/*
 * buf(9S) I/O requests: bioerror() and biodone() (uts/common/os/bio.c).
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';

const biodoneFn = func('genunix', 'biodone', 0xb0);

export interface Bio {
  /** address of the buf_t */
  addr: Kva;
  blkno: number;
  bcount: number;
  /** b_error */
  error: number;
  /** b_iodone: called at completion */
  iodone: (k: Kernel, bp: Bio) => void;
}

export function bioerror(bp: Bio, err: number): void {
  bp.error = err;
}

/** biodone(): mark the buf done and call its b_iodone */
export function biodone(k: Kernel, bp: Bio): void {
  const fr = k.enter(biodoneFn, 0b1, bp.addr);
  bp.iodone(k, bp);
  k.leave(fr);
}
