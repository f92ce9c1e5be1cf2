/*
 * buf(9S) I/O requests: bioerror() and biodone() (uts/common/os/bio.c).
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';

const biodoneFn = func('genunix', 'biodone', 0xb0);

/** b_flags (sys/buf.h) */
export const B_BUSY = 0x1;
export const B_READ = 0x40;
export const B_WRITE = 0x100;
export const B_NOCACHE = 0x8000;
export const B_FAILFAST = 0x1000000;

export interface Bio {
  /** address of the buf_t */
  addr: Kva;
  /** b_flags */
  flags: number;
  /** b_lblkno */
  blkno: number;
  /** b_bcount (and b_bufsize) */
  bcount: number;
  /** b_un.b_addr: the data (the zio's buffer) */
  data: Kva;
  /** b_iodone's symbol (vdev_disk_io_intr) */
  iodoneFn: Kva;
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
