/*
 * How a simulated machine stops and what it logs, whatever the kernel: a
 * kernel's panic() records a PanicRecord and throws PanicStop out of the
 * running thread's generator, so no frame is popped and every stack stays as
 * it was; the dispatcher catches it. The console is the kernel's message
 * buffer, one line at a time with the hrtime it was logged at.
 */
import type { KThread } from './thread.js';

export class PanicStop extends Error {
  constructor() {
    super('kernel panic');
  }
}

export interface PanicRecord {
  message: string;
  thread: KThread;
  cpu: number;
  caller: string;
  time: number;
}

export interface MsgLine {
  time: number;
  text: string;
}
