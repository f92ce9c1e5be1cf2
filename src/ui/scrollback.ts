/*
 * What has been printed: items for ink's <Static>, each a few chunks of text.
 *
 * Static hands each item to the terminal once and then forgets it, so it sits
 * in the terminal's own scrollback (native scrolling, selection and copy) and
 * costs nothing in later frames. Each chunk is one <Text> holding many rows
 * joined by '\n': ink's layout costs ~0.07 ms per row (measured here with
 * ink 6.8: 1 000 rows ≈ 70 ms, 20 000 rows ≈ 2 s), so rows are never
 * separate elements, and a block larger than RAW_WRITE_ROWS bypasses layout
 * altogether (see use-scrollback.ts).
 */

export type Tone = 'plain' | 'echo' | 'error' | 'note' | 'header';

export interface ScrollChunk {
  readonly tone: Tone;
  /** rows joined by '\n', already fitted to the screen */
  readonly text: string;
}

export interface ScrollItem {
  readonly id: number;
  readonly chunks: readonly ScrollChunk[];
}

/**
 * Rows above which printing goes straight to stdout instead of through
 * <Static>: at ~0.07 ms a row, 400 rows is a ~30 ms frame, inside the 50 ms
 * budget. Only the pager's `c` (print the rest) can produce more, since
 * anything longer than a screen is paged.
 */
export const RAW_WRITE_ROWS = 400;
