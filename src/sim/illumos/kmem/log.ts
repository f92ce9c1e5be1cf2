/*
 * kmem's logs (kmem_transaction_log, kmem_failure_log, kmem_slab_log): bounded
 * rings of records, newest kept. The dump carries them merged in the `txlog`
 * table; ::kmem_log and later time-travel commands read them.
 */
import type { Kva } from '../../machine/platform.js';

export interface LogRecord {
  time: number;
  log: number;
  event: number;
  thread: Kva;
  cpu: number;
  cache: number;
  addr: Kva;
  bufctl: Kva;
  kmflag: number;
  stack: number;
}

export class KmemLog {
  private ring: LogRecord[] = [];
  private head = 0;
  /** total records ever logged (the ring keeps the newest `capacity`) */
  count = 0;
  constructor(readonly name: string, readonly capacity: number) {}

  /** kmem_log_enter() */
  enter(r: LogRecord): number {
    if (this.ring.length < this.capacity) this.ring.push(r);
    else {
      this.ring[this.head] = r;
      this.head = (this.head + 1) % this.capacity;
    }
    return this.count++;
  }

  /** records, oldest first */
  records(): LogRecord[] {
    return this.ring.length < this.capacity ? this.ring.slice() : [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }
}
