import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeDump } from '../../src/dump/codec.js';
import { DumpError } from '../../src/dump/errors.js';
import type { DumpModel } from '../../src/dump/format.js';
import { readDump } from '../../src/dump/read.js';
import { tempPathFor, writeDump } from '../../src/dump/write.js';
import { sampleModel } from './fixtures.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-dump-test-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function thrown(fn: () => unknown): DumpError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DumpError);
    expect((e as Error).message).not.toMatch(/\n/);
    return e as DumpError;
  }
  throw new Error('expected a DumpError');
}

describe('readDump on paths that are not dump files', () => {
  it('refuses a directory, a FIFO and a character device in one line, without reading them', () => {
    expect(thrown(() => readDump(dir)).message).toBe(`cannot open ${dir}: a directory, not a dump file`);
    const fifo = path.join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    // a FIFO with no writer would block a plain read forever
    expect(thrown(() => readDump(fifo)).message).toBe(`cannot open ${fifo}: a FIFO, not a dump file`);
    expect(thrown(() => readDump('/dev/zero')).message).toBe('cannot open /dev/zero: a character device, not a dump file');
  });
});

describe('writeDump', () => {
  it('writes a file readDump reads back equal, leaving no temp file', () => {
    const p = path.join(dir, 'a.dump');
    writeDump(p, sampleModel());
    expect(readDump(p)).toEqual(sampleModel());
    expect(fs.readdirSync(dir)).toEqual(['a.dump']);
    expect(fs.readFileSync(p).equals(encodeDump(sampleModel()))).toBe(true);
  });

  it('refuses to replace an existing file without force, and leaves it untouched', () => {
    const p = path.join(dir, 'a.dump');
    fs.writeFileSync(p, 'precious');
    expect(thrown(() => writeDump(p, sampleModel())).message).toBe(
      `cannot write ${p}: file exists (use --force to replace it)`,
    );
    expect(fs.readFileSync(p, 'utf8')).toBe('precious');
    expect(fs.readdirSync(dir)).toEqual(['a.dump']);
  });

  it('replaces an existing file with force', () => {
    const p = path.join(dir, 'a.dump');
    writeDump(p, sampleModel(1));
    writeDump(p, sampleModel(2), { force: true });
    expect(readDump(p)).toEqual(sampleModel(2));
    expect(fs.readdirSync(dir)).toEqual(['a.dump']);
  });

  it('fails with one line and leaves nothing when the directory is missing', () => {
    const p = path.join(dir, 'nope', 'a.dump');
    expect(thrown(() => writeDump(p, sampleModel())).message).toBe(
      `cannot write ${p}: directory ${path.join(dir, 'nope')} does not exist`,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('removes its temp file when the final rename fails, keeping the old target', () => {
    const p = path.join(dir, 'target');
    fs.mkdirSync(p); // a directory is in the way: rename(2) onto it fails
    fs.writeFileSync(path.join(p, 'keep'), 'x');
    const err = thrown(() => writeDump(p, sampleModel(), { force: true }));
    expect(err.message).toMatch(new RegExp(`^cannot write ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(fs.readdirSync(dir)).toEqual(['target']);
    expect(fs.readdirSync(p)).toEqual(['keep']);
  });

  it('replaces a stale temp file left by a crashed writer with our pid', () => {
    const p = path.join(dir, 'a.dump');
    fs.writeFileSync(tempPathFor(p), 'half a dump');
    writeDump(p, sampleModel());
    expect(fs.readdirSync(dir)).toEqual(['a.dump']);
    expect(tempPathFor(p)).toBe(path.join(dir, `.a.dump.${process.pid}.tmp`));
  });

  it('refuses an invalid model before touching the file system', () => {
    const p = path.join(dir, 'bad.dump');
    const m = sampleModel();
    (m.header as any).pointerSize = 3;
    expect(thrown(() => writeDump(p, m)).message).toBe(
      `cannot write ${p}: header field 'pointerSize' is 3, expected one of 4, 8`,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('readDump', () => {
  it('never modifies the file (bytes and mtime unchanged)', () => {
    const p = path.join(dir, 'a.dump');
    writeDump(p, sampleModel(4));
    const past = new Date('2020-01-02T03:04:05Z');
    fs.utimesSync(p, past, past);
    const before = fs.readFileSync(p);
    const m: DumpModel = readDump(p);
    // even mutating the returned model must not reach the file
    const addr = m.tables[0]!.columns.addr!.values as BigUint64Array;
    addr[0] = 0n;
    const st = fs.statSync(p);
    expect(st.mtime.getTime()).toBe(past.getTime());
    expect(fs.readFileSync(p).equals(before)).toBe(true);
  });

  it('turns file-system errors into one-line DumpErrors', () => {
    const missing = path.join(dir, 'missing.dump');
    expect(thrown(() => readDump(missing)).message).toBe(`cannot open ${missing}: no such file or directory`);
    expect(thrown(() => readDump(dir)).message).toBe(`cannot open ${dir}: a directory, not a dump file`);
  });

  it('names the file in format errors', () => {
    const p = path.join(dir, 'x.dump');
    fs.writeFileSync(p, 'ELF\x7f not a dump at all');
    expect(thrown(() => readDump(p)).message).toBe(`cannot open ${p}: bad magic (not an mddb dump)`);
    const bytes = encodeDump(sampleModel());
    fs.writeFileSync(p, bytes.subarray(0, bytes.length - 5));
    expect(thrown(() => readDump(p)).message).toMatch(new RegExp(`^cannot open .*x\\.dump: truncated: `));
  });
});
