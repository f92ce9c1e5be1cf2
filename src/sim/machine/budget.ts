/*
 * The run loop's budgets, no kernel's own: dispatch until a panic, until
 * the load is done, until simulated time or the count of simulated calls
 * runs out, or until the load has made no progress for `hangNs` (the
 * watchdog: a kernel's run then breaks into its debugger). The checks run
 * every 64 dispatches, in this order, so a budget ends a run at the same
 * point whichever kernel runs.
 */
import type { Kernel } from './kernel.js';

export interface Budgets {
  maxTimeS: number;
  maxOps: number;
  hangS: number;
  /** the load has finished its work (every load thread returned) */
  done(): boolean;
  /** what to say when done() ends the run */
  doneReason: string;
  /** hrtime of the load's last progress */
  lastProgress(): number;
  onProgress?: (fraction: number) => void;
  /** called at each check with the simulated time (free-memory samples, free-samples.ts) */
  sample?: (now: number) => void;
}

export interface BudgetedRun {
  outcome: 'panic' | 'hang' | 'completed';
  /** why a completed run stopped */
  stopReason: string;
  /** done() ended it */
  done: boolean;
}

export function runWithBudgets(k: Kernel, b: Budgets): BudgetedRun {
  const maxNs = b.maxTimeS * 1e9;
  const hangNs = b.hangS * 1e9;
  let polls = 0;
  let hang = false;
  let done = false;
  let stopReason = '';
  const why = k.run(() => {
    if ((++polls & 63) !== 0) return false;
    b.sample?.(k.now);
    if (b.onProgress && (polls & 4095) === 0) b.onProgress(Math.max(k.now / maxNs, k.ops / b.maxOps));
    if (b.done()) {
      done = true;
      stopReason = b.doneReason;
      return true;
    }
    if (k.now >= maxNs) {
      stopReason = `simulated time budget of ${b.maxTimeS} s reached`;
      return true;
    }
    if (k.ops >= b.maxOps) {
      stopReason = `budget of ${b.maxOps} kernel function calls reached`;
      return true;
    }
    if (k.now - b.lastProgress() > hangNs) {
      hang = true;
      return true;
    }
    return false;
  });
  const outcome = why === 'panic' ? 'panic' : why === 'hang' || hang ? 'hang' : 'completed';
  if (outcome === 'completed' && !stopReason) stopReason = why === 'idle' ? 'every thread finished' : 'run ended';
  return { outcome, stopReason, done };
}
