import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendHistory, loadHistory, resolveHistoryPath } from '../../src/ui/history-file.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-hist-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('history file', () => {
  it('resolves explicit > MDDB_HISTORY > ~/.mddb_history, and empty disables', () => {
    expect(resolveHistoryPath('/x', { MDDB_HISTORY: '/y' }, '/home/u')).toBe('/x');
    expect(resolveHistoryPath(undefined, { MDDB_HISTORY: '/y' }, '/home/u')).toBe('/y');
    expect(resolveHistoryPath(undefined, {}, '/home/u')).toBe(path.join('/home/u', '.mddb_history'));
    expect(resolveHistoryPath(undefined, { MDDB_HISTORY: '' }, '/home/u')).toBeNull();
    expect(resolveHistoryPath('', {}, '/home/u')).toBeNull();
  });

  it('round-trips entries and treats a missing file as empty', () => {
    const file = path.join(dir, 'h');
    expect(loadHistory(file)).toEqual({ entries: [], error: null });
    expect(appendHistory(file, '::status')).toBeNull();
    expect(appendHistory(file, '::kmastat')).toBeNull();
    expect(loadHistory(file).entries).toEqual(['::status', '::kmastat']);
  });

  it('trims the file to the newest entries once it doubles', () => {
    const file = path.join(dir, 'h');
    for (let i = 0; i < 25; i++) appendHistory(file, `::echo ${i}`, 10);
    const entries = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(entries.length).toBeLessThanOrEqual(20);
    expect(entries[entries.length - 1]).toBe('::echo 24');
    expect(loadHistory(file, 10).entries).toHaveLength(10);
  });

  it('reports, never throws, when the file cannot be used', () => {
    const file = path.join(dir, 'no', 'such', 'dir', 'h');
    expect(appendHistory(file, '::status')).toMatch(/cannot write history file/);
    expect(loadHistory(dir).error).toMatch(/cannot read history file/); // a directory
  });
});
