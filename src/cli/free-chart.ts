/*
 * The picture `mddb simulate` prints on a terminal: free memory over the
 * run's simulated time as a sparkline, a line under it marking the columns
 * where free memory fell below each of the kernel's thresholds (illumos:
 * lotsfree, throttlefree, pageout_reserve; FreeBSD: v_free_target,
 * v_free_min), and the panic or hang marked at its end. Each column is the
 * lowest free count of its slice of time, so a dip is never averaged away;
 * heights are on a log scale, so the thresholds (a few per cent of memory)
 * are not all on the bottom row.
 * Colour (green above every threshold, yellow below the first, red below
 * the last) only when asked; piped output and NO_COLOR get no picture or
 * no colour (simulate.ts decides).
 */
import type { FreeMemoryRecord } from '../sim/machine/free-samples.js';

const BLOCKS = '▁▂▃▄▅▆▇█';
const GREEN = '\x1b[32m';
const YELLOW = '\x1b[33m';
const RED = '\x1b[31m';
const BOLD = '\x1b[1m';
const RESET = '\x1b[0m';

export interface ChartOptions {
  /** columns of the sparkline */
  width: number;
  color: boolean;
}

/** The threshold's marker letter: lotsfree L, throttlefree T, pageout_reserve P, v_free_target T, v_free_min M. */
function marker(name: string): string {
  return name.replace(/^v_free_/, '').charAt(0).toUpperCase();
}

/** The lowest free count of each of `width` equal slices of [0, endNs]; a slice without a sample keeps the one before. */
export function columns(rec: FreeMemoryRecord, endNs: number, width: number): number[] {
  const out: number[] = [];
  const span = Math.max(endNs, rec.intervalNs);
  let i = 0;
  let prev = rec.samples[0]?.[1] ?? 0;
  for (let c = 0; c < width; c++) {
    const to = ((c + 1) * span) / width;
    let low = Infinity;
    while (i < rec.samples.length && rec.samples[i]![0] < to) low = Math.min(low, rec.samples[i++]![1]);
    prev = low === Infinity ? prev : low;
    out.push(prev);
  }
  return out;
}

export function freeMemoryChart(rec: FreeMemoryRecord, outcome: 'panic' | 'hang' | 'completed', endNs: number, o: ChartOptions): string {
  if (rec.samples.length === 0) return '';
  const width = Math.max(8, Math.min(o.width, 120));
  const cols = columns(rec, endNs, width);
  const top = Math.max(...cols, ...rec.thresholds.map(([, v]) => v), 1);
  const paint = (s: string, c: string): string => (o.color ? c + s + RESET : s);
  // how many thresholds a value is below (0 = above them all)
  const depth = (v: number): number => rec.thresholds.filter(([, t]) => v < t).length;
  const shade = (d: number): string => (d === 0 ? GREEN : d === rec.thresholds.length ? RED : YELLOW);
  const level = (v: number): number => Math.min(BLOCKS.length - 1, Math.max(0, Math.round((Math.log1p(v) / Math.log1p(top)) * (BLOCKS.length - 1))));
  // one colour escape per run of columns of the same shade
  const line = (cells: Array<[string, string]>): string => {
    let s = '';
    let cur = '';
    for (const [ch, c] of cells) {
      if (o.color && c !== cur) s += (cur ? RESET : '') + c;
      cur = c;
      s += ch;
    }
    return o.color && cur ? s + RESET : s;
  };
  const spark = line(cols.map((v) => [BLOCKS[level(v)]!, shade(depth(v))]));
  const marks = line(cols.map((v) => {
    const d = depth(v);
    return [d === 0 ? '·' : marker(rec.thresholds[d - 1]![0]), shade(d)];
  }));
  const secs = (endNs / 1e9).toFixed(6);
  const end = outcome === 'panic' ? paint(`✗ panic at ${secs} s`, BOLD + RED) : outcome === 'hang' ? paint(`■ hang at ${secs} s`, BOLD + YELLOW) : `│ end at ${secs} s`;
  const low = Math.min(...cols);
  const legend = rec.thresholds.map(([n, v]) => `${marker(n)} below ${n} ${v}`).join(', ');
  return [
    `free pages:  ${spark} ${end}`,
    `thresholds:  ${marks}`,
    `             0 s .. ${secs} s, ${width} columns; highest ${Math.max(...cols)}, lowest ${low} pages; ${legend}`,
  ].join('\n') + '\n';
}
