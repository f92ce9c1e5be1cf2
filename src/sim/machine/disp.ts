/*
 * The dispatcher (uts/common/disp/disp.c): which thread runs next, on which
 * CPU, and what happens to it when it blocks.
 *
 * Runnable threads wait on one run queue (priorities are recorded but not
 * used to order it); threads asleep with a timeout, or in delay(), also wait
 * on the timed list. run() takes one of the first few runnable threads, chosen
 * by the seeded PRNG, and runs its generator on a CPU until it yields a Block:
 * a preemption puts it back on the run queue, a sleep on its channel's sleep
 * queue. With nothing runnable, virtual time jumps to the earliest timed
 * wakeup; with nothing timed either, the run is over (idle, or hung if anyone
 * still sleeps).
 */
import type { Kernel } from './kernel.js';
import type { Kva } from './platform.js';
import { PanicStop } from './stop.js';
import { SleepQueues } from './sleepq.js';
import { type Block, type KThread, TS_ONPROC, TS_RUN, TS_SLEEP, TS_ZOMB } from './thread.js';

export class Dispatcher {
  private runq: KThread[] = [];
  private readonly sleepq = new SleepQueues();
  private timed: KThread[] = [];

  constructor(private readonly k: Kernel) {}

  /** models setbackdq(): t joins the back of the run queue */
  setbackdq(t: KThread): void {
    this.runq.push(t);
  }

  /** models setrun(): wake t (cancelling its timeout) and make it runnable */
  setrun(t: KThread): void {
    if (t.wakeAt >= 0) {
      const i = this.timed.indexOf(t);
      if (i >= 0) this.timed.splice(i, 1);
      t.wakeAt = -1;
    }
    t.state = TS_RUN;
    t.wchan = 0;
    t.sobj = null;
    if (t.wmesg !== undefined) t.wmesg = undefined;
    t.dispTime = this.k.now;
    this.runq.push(t);
  }

  /** models cv_broadcast(): wake every thread sleeping on `cv`. */
  cvBroadcast(cv: Kva): number {
    const q = this.sleepq.takeAll(cv);
    if (!q) return 0;
    for (const t of q) this.setrun(t);
    return q.length;
  }

  /** models cv_signal(): wake one thread sleeping on `cv`. */
  cvSignal(cv: Kva): void {
    const t = this.sleepq.takeOne(cv);
    if (t === undefined) return;
    this.setrun(t);
  }

  hasSleepers(cv: Kva): boolean {
    return this.sleepq.has(cv);
  }

  /**
   * Run until a panic, a hang, or a budget runs out. Returns why it stopped.
   * `shouldStop` is polled between dispatches (budgets, progress callbacks).
   */
  run(shouldStop: () => boolean): 'panic' | 'hang' | 'budget' | 'idle' {
    const k = this.k;
    for (;;) {
      if (k.panicked) return 'panic';
      if (shouldStop()) return 'budget';
      let t: KThread | undefined;
      // The clock interrupt: a sleep whose timeout has passed ends now, even
      // while other threads keep every CPU busy (a thread spinning on a CPU
      // does not stop callouts from firing). A personality without it fires
      // timeouts only when nothing is runnable (the illumos model, until its
      // sample dumps are re-derived with it).
      if (k.cfg.os.clockInterrupts && this.timed.length > 0 && this.runq.length > 0 && this.earliestWake() <= k.now) {
        this.wakeEarliest();
        continue;
      }
      if (this.runq.length > 0) {
        // Pick among the first few runnable threads so interleavings vary with the seed.
        const n = Math.min(this.runq.length, 3);
        const i = k.rng.below(n);
        t = this.runq.splice(i, 1)[0]!;
      } else if (this.timed.length > 0) {
        this.wakeEarliest();
        continue;
      } else {
        const asleep = k.threads.some((x) => x.state === TS_SLEEP);
        return asleep ? 'hang' : 'idle';
      }
      this.dispatch(t);
    }
  }

  private earliestWake(): number {
    let m = Infinity;
    for (const w of this.timed) if (w.wakeAt < m) m = w.wakeAt;
    return m;
  }

  /** The earliest timed sleeper's timeout fires: time moves to it if it is ahead, and the thread runs again. */
  private wakeEarliest(): void {
    const k = this.k;
    let best = 0;
    for (let i = 1; i < this.timed.length; i++) if (this.timed[i]!.wakeAt < this.timed[best]!.wakeAt) best = i;
    const w = this.timed.splice(best, 1)[0]!;
    if (w.wakeAt > k.now) k.now = w.wakeAt;
    w.wakeAt = -1;
    if (w.state === TS_SLEEP) {
      this.sleepq.unsleep(w);
      w.timedOut = true;
    }
    this.setrun(w);
  }

  /** models disp() and swtch(): run t on a CPU until it blocks, then file it where it blocked */
  private dispatch(t: KThread): void {
    const k = this.k;
    const cpu = t.boundCpu >= 0 ? t.boundCpu : k.rng.chance(0.7) ? t.cpu : k.rng.below(k.cpus.length);
    const c = k.cpus[cpu]!;
    c.idle.state = TS_RUN;
    c.thread = t;
    t.cpu = cpu;
    t.state = TS_ONPROC;
    t.dispTime = k.now;
    k.curthread = t;
    k.curcpu = cpu;
    let r: IteratorResult<Block, void>;
    try {
      r = t.gen!.next();
    } catch (e) {
      if (e instanceof PanicStop) return;
      throw e;
    }
    k.curthread = null;
    c.idle.state = TS_ONPROC;
    if (r.done) {
      t.state = TS_ZOMB;
      t.gen = null;
      c.thread = c.idle;
      return;
    }
    const b = r.value;
    c.thread = c.idle;
    switch (b.kind) {
      case 'preempt':
        t.involSwitchAt = k.now;
        t.state = TS_RUN;
        this.setbackdq(t);
        break;
      case 'sleep': {
        t.volSwitchAt = k.now;
        t.state = TS_SLEEP;
        t.wchan = b.wchan;
        t.sobj = b.sobj;
        if (b.wmesg !== undefined) t.wmesg = b.wmesg;
        this.sleepq.insert(t, b.wchan);
        if (b.timeoutNs !== undefined) {
          t.wakeAt = k.now + b.timeoutNs;
          this.timed.push(t);
        }
        break;
      }
    }
  }
}
