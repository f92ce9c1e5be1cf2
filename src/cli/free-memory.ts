/*
 * The free-memory picture's data, read back from a dump: the run's event
 * log (the free_memory table, dump/format.ts) and the thresholds the
 * kernel's own variables hold in the dump's memory (illumos lotsfree,
 * throttlefree, pageout_reserve as vm_pageout.c's setupclock() set them;
 * FreeBSD the vmmeter's v_free_target and v_free_min), from the dump's
 * tables alone (no memory index is built: a million-buffer dump answers at
 * once). `mddb simulate` draws from the dump it made, so the picture is
 * what the dump records.
 */
import type { DumpModel } from '../dump/format.js';
import { TABLE_FREE_MEMORY, TABLE_GLOBALS, TABLE_SYMBOLS } from '../dump/format.js';
import { DumpError } from '../dump/errors.js';
import { num, str, u64 } from '../dump/access.js';
import type { FreeMemoryRecord } from '../sim/machine/free-samples.js';

/** the most rows the run loop keeps (free-samples.ts MAX_SAMPLES), with room to spare */
const MAX_ROWS = 4096;

/** A kernel global's value: its symbol's address, and the globals row at that address. */
function globalValue(model: DumpModel, name: string): number {
  const syms = model.tables.find((x) => x.name === TABLE_SYMBOLS);
  const globals = model.tables.find((x) => x.name === TABLE_GLOBALS);
  if (syms && globals) {
    for (let r = 0; r < syms.rowCount; r++) {
      if (str(syms, 'name', r) !== name) continue;
      const addr = u64(syms, 'addr', r);
      for (let g = 0; g < globals.rowCount; g++) if (u64(globals, 'addr', g) === addr) return num(globals, 'value', g);
    }
  }
  throw new DumpError(`the dump has no global '${name}' for the free-memory picture`, undefined, 'read');
}

/** A member of the dump's one struct vmmeter (FreeBSD's cnt / vm_cnt). */
function vmmeter(model: DumpModel, member: string): number {
  const t = model.tables.find((x) => x.name === 'struct vmmeter');
  if (!t || t.rowCount < 1 || !Object.prototype.hasOwnProperty.call(t.columns, member)) throw new DumpError(`the dump's vmmeter has no ${member} for the free-memory picture`, undefined, 'read');
  return num(t, member, 0);
}

/** The dump's free-memory record, or null when the dump has none (older dumps, or dumps not from mddb simulate). */
export function freeMemoryFromDump(model: DumpModel): FreeMemoryRecord | null {
  const t = model.tables.find((x) => x.name === TABLE_FREE_MEMORY);
  if (!t) return null;
  if (t.rowCount > MAX_ROWS) throw new DumpError(`free_memory has ${t.rowCount} rows, more than the ${MAX_ROWS} a run keeps`, undefined, 'read');
  const samples: Array<[number, number]> = [];
  let intervalNs = 0;
  for (let r = 0; r < t.rowCount; r++) {
    const start = num(t, 'start', r);
    const length = num(t, 'length', r);
    if (r === 0) intervalNs = length;
    if (length <= 0 || length !== intervalNs) throw new DumpError(`free_memory row ${r} has interval length ${length}, not ${intervalNs}`, undefined, 'read');
    if (r > 0 && start <= samples[r - 1]![0]) throw new DumpError(`free_memory row ${r} starts at ${start}, not after the row before`, undefined, 'read');
    samples.push([start, num(t, 'free', r)]);
  }
  const thresholds: Array<[string, number]> =
    model.header.os === 'illumos'
      ? ['lotsfree', 'throttlefree', 'pageout_reserve'].map((n) => [n, globalValue(model, n)])
      : ['v_free_target', 'v_free_min'].map((n) => [n, vmmeter(model, n)]);
  return { samples, intervalNs, thresholds };
}
