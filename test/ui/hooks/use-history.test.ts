import { describe, expect, it } from 'vitest';
import { emptyHistory, historyLine, historyReducer, type HistoryState } from '../../../src/ui/hooks/use-history.js';

const withEntries = (...entries: string[]): HistoryState => ({ ...emptyHistory, entries });

describe('historyReducer', () => {
  it('adds lines but not blanks or immediate repeats', () => {
    let s = emptyHistory;
    for (const l of ['::status', '  ', '::status', '::kmastat', '::status']) s = historyReducer(s, { type: 'add', line: l });
    expect(s.entries).toEqual(['::status', '::kmastat', '::status']);
  });

  it('caps the number of entries, dropping the oldest', () => {
    let s = emptyHistory;
    for (let i = 0; i < 5; i++) s = historyReducer(s, { type: 'add', line: `c${i}` }, 3);
    expect(s.entries).toEqual(['c2', 'c3', 'c4']);
  });

  it('up walks back from the newest, saving the draft; down returns it', () => {
    let s = withEntries('a', 'b', 'c');
    s = historyReducer(s, { type: 'up', current: 'draft' });
    expect(historyLine(s)).toBe('c');
    s = historyReducer(s, { type: 'up', current: 'ignored' });
    expect(historyLine(s)).toBe('b');
    s = historyReducer(s, { type: 'up', current: '' });
    s = historyReducer(s, { type: 'up', current: '' });
    expect(historyLine(s)).toBe('a'); // stops at the oldest
    s = historyReducer(s, { type: 'down' });
    s = historyReducer(s, { type: 'down' });
    expect(historyLine(s)).toBe('c');
    s = historyReducer(s, { type: 'down' });
    expect(s.index).toBe(-1);
    expect(historyLine(s)).toBe('draft');
  });

  it('ignores up with no history and down when not browsing', () => {
    expect(historyReducer(emptyHistory, { type: 'up', current: 'x' })).toBe(emptyHistory);
    const s = withEntries('a');
    expect(historyReducer(s, { type: 'down' })).toBe(s);
  });

  it('adding a line ends browsing', () => {
    let s = historyReducer(withEntries('a', 'b'), { type: 'up', current: 'x' });
    s = historyReducer(s, { type: 'add', line: 'b2' });
    expect(s.index).toBe(-1);
    expect(s.draft).toBe('');
  });
});
