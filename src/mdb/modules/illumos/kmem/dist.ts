/*
 * Text histograms for ::kmem_slabs -b/-B (mdb's dist.c): linear bucket
 * bounds, a header naming the label and count columns, and one bar of `@`
 * per bucket scaled to 50 characters.
 */

const NCHARS = 50;

/**
 * `buckets` bounds splitting [beg, end] evenly, plus end + 1 as the last
 * bound (models dist_linear()).
 */
export function distLinear(buckets: number, beg: number, end: number): number[] {
  const out: number[] = [];
  const span = end - beg + 1;
  for (let i = 0; i < buckets; i++) out.push(beg + Math.trunc((i * span) / buckets));
  out.push(end + 1);
  return out;
}

/** The header line: label right-aligned in `width`, the title in dashes, the count label. */
export function distHeader(label: string, width: number, countLabel: string): string {
  const title = ' Distribution ';
  const d = '-'.repeat(Math.trunc((NCHARS - title.length) / 2));
  return `${label.padStart(width)}  ${d}${title}${d} ${countLabel}\n`;
}

/** Bucket i: the counts from bounds[i] to bounds[i+1] - 1, as "range |@@@   n". */
export function distBucket(bounds: readonly number[], i: number, counts: readonly number[], total: number, width: number): string {
  const bb = bounds[i]!;
  const be = bounds[i + 1]! - 1;
  let n = 0;
  for (let b = bb; b <= be; b++) n += counts[b] ?? 0;
  const ats = Math.trunc((NCHARS * n) / (total === 0 ? 1 : total));
  const range = bb === be ? String(bb) : `${bb}-${be}`;
  return `${range.padStart(width)} |${'@'.repeat(ats)}${' '.repeat(NCHARS - ats)} ${n}\n`;
}
