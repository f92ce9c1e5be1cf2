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

  it('keeps SGR colour sequences when colour is on, and they take no width', () => {
    const red = '\x1b[1;31m';
    const reset = '\x1b[0m';
    expect(displayLine(`a${red}7${reset}\tb`, true)).toBe(`a${red}7${reset}      b`);
    // other escapes are still shown, colour on or off
    expect(displayLine('a\x1b[2Jb\x1b]0;title\x07', true)).toBe('a^[[2Jb^[]0;title^G');
    expect(displayLine(`${red}x${reset}`)).toBe('^[[1;31mx^[[0m');
    // 6 visible columns in 4-column rows: the colour is closed and reopened at the cut
    expect(toScreenRows(`ab${red}cdef${reset}\n`, 4, true)).toEqual([`ab${red}cd${reset}`, `${red}ef${reset}`]);
    expect(toScreenRows(`${red}abcd${reset}\n`, 4, true)).toEqual([`${red}abcd${reset}`]);
  });
});
