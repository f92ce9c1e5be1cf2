/*
 * The in-use/total bars of `::kmastat -G` and `::vmem -G`, and the colour
 * used when the front end has colour on (a terminal, no NO_COLOR): plain
 * characters, so piped output and NO_COLOR get the same picture uncoloured.
 */
export const SGR_ALERT = '\x1b[1;31m';
export const SGR_BAR = '\x1b[32m';
export const SGR_RESET = '\x1b[0m';

export const BAR_WIDTH = 10;

/** `used` of `total` as a bar and a percentage: "######.... 62%"; an empty total is an empty bar. */
export function usageBar(used: bigint | number, total: bigint | number, width = BAR_WIDTH): string {
  const u = Number(used);
  const t = Number(total);
  const frac = t > 0 ? Math.min(1, Math.max(0, u / t)) : 0;
  const fill = Math.round(frac * width);
  return `${'#'.repeat(fill)}${'.'.repeat(width - fill)} ${String(Math.round(frac * 100)).padStart(3)}%`;
}

/** The bar with its filled part coloured. */
export function colourBar(bar: string): string {
  const n = bar.indexOf('.') < 0 ? bar.indexOf(' ') : bar.indexOf('.');
  return n <= 0 ? bar : SGR_BAR + bar.slice(0, n) + SGR_RESET + bar.slice(n);
}

/** A number's text highlighted when it is not zero (a non-zero alloc fail). */
export function alertIfNonZero(s: string, v: bigint | number): string {
  return Number(v) !== 0 ? SGR_ALERT + s + SGR_RESET : s;
}
