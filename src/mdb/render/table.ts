/*
 * The one table renderer (drgn's print_table, sdb's Table): every dcmd that
 * returns rows is printed here, so column widths, header alignment and the
 * pointer-width rule (%?p is 16 columns on 64-bit, 8 on 32-bit) are decided
 * once. Trailing blanks are trimmed from each line.
 */
import type { Column, Row, TableResult } from '../dcmd.js';
import { hex } from './number.js';
import { SGR_ALERT, SGR_RESET, colourBar } from './bar.js';
import { visible } from './visible.js';

/** A cell's text: the column's format, else bigint as hex, number as decimal. */
export function cellText(c: Column, row: Row): string {
  const v = row[c.key];
  if (c.format) return c.format(v, row);
  if (v === undefined || v === null) return '';
  if (typeof v === 'bigint') return hex(v);
  return String(v);
}

function widthOf(c: Column, pointerSize: number): number {
  if (c.width === 'ptr') return pointerSize * 2;
  return c.width ?? 0;
}

function pad(s: string, w: number, align: 'left' | 'right'): string {
  return align === 'right' ? s.padStart(w) : s.padEnd(w);
}

/** The header line(s) of a table. */
export function renderHeader(t: TableResult, pointerSize: number): string {
  if (t.noHeader) return '';
  if (t.headerLines) return t.headerLines.map((l) => l.trimEnd() + '\n').join('');
  const sep = t.sep ?? ' ';
  const line = t.columns.map((c) => pad(c.header, widthOf(c, pointerSize), c.headerAlign ?? c.align ?? 'left')).join(sep);
  return line.trimEnd() + '\n';
}

/**
 * The rows of a table, one line each. With `color`, each cell is made
 * visible (render/visible.ts) and alert cells and bars are coloured: the
 * result is terminal-safe as it is.
 */
export function renderRows(t: TableResult, pointerSize: number, color = false): string {
  const sep = t.sep ?? ' ';
  let out = '';
  for (const row of t.rows) {
    if (!color) {
      out += t.columns.map((c) => pad(cellText(c, row), widthOf(c, pointerSize), c.align ?? 'left')).join(sep).trimEnd() + '\n';
      continue;
    }
    const cells = t.columns.map((c) => {
      const s = pad(visible(cellText(c, row)), widthOf(c, pointerSize), c.align ?? 'left');
      if (c.alert?.(row[c.key], row)) return SGR_ALERT + s + SGR_RESET;
      return c.bar ? colourBar(s) : s;
    });
    out += cells.join(sep).trimEnd() + '\n';
  }
  return out;
}

/** Header (when asked) and rows. */
export function renderTable(t: TableResult, pointerSize: number, header: boolean): string {
  return (header ? renderHeader(t, pointerSize) : '') + renderRows(t, pointerSize);
}
