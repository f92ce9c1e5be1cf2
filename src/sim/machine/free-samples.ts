/*
 * Free memory over simulated time, as the run loop sees it: at each budget
 * check (every 64 dispatches) the loop reads the kernel's free-page count
 * (illumos freemem, FreeBSD v_free_count) and keeps the lowest value of each
 * interval of simulated time, so a dip between two samples is not lost. The
 * intervals start at 1 ms; when MAX_SAMPLES are held, neighbours merge (the
 * lower value kept) and the interval doubles, so memory stays bounded
 * whatever the run's length, and the record is the same for the same
 * scenario and seed (it reads the simulated clock, never the wall clock).
 * `mddb simulate` draws it against the kernel's thresholds.
 */

import type { Table } from '../../dump/format.js';
import { TABLE_FREE_MEMORY } from '../../dump/format.js';
import { formatTable } from '../../dump/builder.js';

/** Samples kept before neighbours merge. */
export const MAX_SAMPLES = 512;

export interface FreeMemoryRecord {
  /** pages free at the start of each interval's lowest point: [interval start ns, lowest pages] */
  samples: Array<[number, number]>;
  /** the interval length in ns */
  intervalNs: number;
  /** the thresholds to draw, highest first: [kernel variable, pages] */
  thresholds: Array<[string, number]>;
}

export class FreeMemoryRecorder {
  private intervalNs = 1_000_000;
  private readonly samples: Array<[number, number]> = [];

  constructor(
    private readonly read: () => number,
    private readonly thresholds: Array<[string, number]>,
  ) {}

  /** Called by the run loop with the simulated time. */
  poll(now: number): void {
    const free = this.read();
    const start = Math.floor(now / this.intervalNs) * this.intervalNs;
    const last = this.samples[this.samples.length - 1];
    if (last && last[0] === start) {
      if (free < last[1]) last[1] = free;
      return;
    }
    this.samples.push([start, free]);
    if (this.samples.length > MAX_SAMPLES) this.merge();
  }

  /** Halves the samples: each pair of intervals becomes one twice as long, with the lower value. */
  private merge(): void {
    this.intervalNs *= 2;
    const merged: Array<[number, number]> = [];
    for (const [t, v] of this.samples) {
      const start = Math.floor(t / this.intervalNs) * this.intervalNs;
      const last = merged[merged.length - 1];
      if (last && last[0] === start) last[1] = Math.min(last[1], v);
      else merged.push([start, v]);
    }
    this.samples.length = 0;
    this.samples.push(...merged);
  }

  record(): FreeMemoryRecord {
    return { samples: this.samples.map(([t, v]) => [t, v]), intervalNs: this.intervalNs, thresholds: this.thresholds.map(([n, v]) => [n, v]) };
  }
}

/**
 * The record as the dump's free_memory table (dump/format.ts): the run's
 * event log of free memory, written with the kernel's memory so that the
 * picture can be drawn again from the dump alone.
 */
export function freeMemoryTable(rec: FreeMemoryRecord): Table {
  const t = formatTable(TABLE_FREE_MEMORY);
  for (const [start, free] of rec.samples) t.add({ start: BigInt(start), length: BigInt(rec.intervalNs), free: BigInt(free) });
  return t.build();
}
