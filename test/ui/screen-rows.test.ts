import { describe, expect, it } from 'vitest';
import { displayLine, splitLines, toScreenRows } from '../../src/ui/screen-rows.js';

describe('screen rows', () => {
  it('splits newline-terminated text without a trailing empty row', () => {
    expect(splitLines('a\nb\n')).toEqual(['a', 'b']);
    expect(splitLines('a\n\nb')).toEqual(['a', '', 'b']);
    expect(splitLines('')).toEqual([]);
  });

  it('cuts a long line at the terminal width, like autowrap', () => {
    expect(toScreenRows('abcdefghij\nxy\n', 4)).toEqual(['abcd', 'efgh', 'ij', 'xy']);
  });

  it('expands tabs to 8-column stops', () => {
    expect(displayLine('ab\tc')).toBe('ab      c');
    expect(displayLine('\tx')).toBe('        x');
  });

  it('shows control characters (ESC included) in caret form', () => {
    expect(displayLine('a\x1b[2Jb\x07')).toBe('a^[[2Jb^G');
    expect(displayLine('crlf\r')).toBe('crlf');
  });
});
