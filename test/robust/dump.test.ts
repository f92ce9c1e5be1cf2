// Issue #13: a hostile dump is refused by validation, values read from
// memory are checked before they size anything, and only a regular file is
// read as a dump.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DumpError } from '../../src/dump/errors.js';
import { decodeDump } from '../../src/dump/codec.js';
import { readDump } from '../../src/dump/read.js';
import { assemble } from '../../src/dump/sections.js';
import { createSession } from '../../src/mdb/session.js';
import { MemoryError } from '../../src/mdb/errors.js';
import { explode, fixCrc, json, jsonBytes } from '../dump/fixtures.js';

const SAMPLE = fs.readFileSync('dumps/illumos-2911.dump');

/** The sample with one JSON section (header, types or tables) changed and everything recomputed. */
function mutate(section: 'header' | 'types' | 'tables', f: (v: any) => void): Uint8Array {
  const secs = explode(SAMPLE);
  const s = secs.find((x) => x.name === section)!;
  const v = json(s.raw);
  f(v);
  s.raw = jsonBytes(v);
  return fixCrc(assemble(secs, 1));
}

function refused(b: Uint8Array): string {
  try {
    decodeDump(b, 'x.dump', { eager: true });
  } catch (e) {
    expect(e).toBeInstanceOf(DumpError);
    const m = (e as Error).message;
    expect(m).not.toContain('\n');
    return m;
  }
  throw new Error('the dump was accepted');
}

describe('a hostile dump is refused by validation', () => {
  const cache = (t: any[]): any => t.find((x) => x.name === 'kmem_cache_t');
  it('kmem_cache_t of 2^40 bytes', () => {
    expect(refused(mutate('types', (t) => (cache(t).size = 2 ** 40)))).toMatch(/type 'kmem_cache_t' has size 1099511627776, larger than any kernel structure/);
  });
  it('a member offset past the struct', () => {
    expect(refused(mutate('types', (t) => (cache(t).members[1].offset = 2 ** 40)))).toMatch(/ends past the struct/);
  });
  it('an array member with more elements than bytes', () => {
    expect(refused(mutate('types', (t) => (cache(t).members.find((m: any) => /\[\d+\]/.test(m.type)).type = 'char [4294967296]')))).toMatch(
      /has 4294967296 elements in \d+ bytes/,
    );
    expect(refused(mutate('types', (t) => (cache(t).members[0].type = `char ${'[99999]'.repeat(8)}`)))).toMatch(/too many elements|bad C type/);
  });
  it('header counts the debugger sizes tables by', () => {
    expect(refused(mutate('header', (h) => (h.ncpus = 2 ** 40)))).toMatch(/'ncpus' is 1099511627776, more than any kernel supports/);
    expect(refused(mutate('header', (h) => (h.pagesize = 3)))).toMatch(/'pagesize' is 3, expected a power of two/);
    expect(refused(mutate('header', (h) => (h.physmem = 2 ** 50)))).toMatch(/'physmem'/);
    expect(refused(mutate('header', (h) => (h.panic.cpu = 7)))).toMatch(/panic field 'cpu' is 7, the dump has \d+ CPUs/);
  });
  it('a table whose row count no column backs', () => {
    expect(refused(mutate('tables', (c) => c.push({ name: 'strings2', rowCount: 4_000_000_000, columns: [] })))).toMatch(/has 4000000000 rows and no columns|bad row count/);
    expect(refused(mutate('tables', (c) => c.push({ name: 'strings2', rowCount: 1000, columns: [] })))).toMatch(/has 1000 rows and no columns/);
  });
});

describe('values read from memory are checked before they size anything', () => {
  it('::kmem_slabs on an address that is not a cache names the field', async () => {
    const s = createSession(readDump('dumps/illumos-2911.dump'), 'illumos-2911.dump');
    const r = await s.execute('0xffffff01c0064120::kmem_slabs -v');
    expect(r.errors).toEqual(['mdb: kmem_cache at ffffff01c0064120 has invalid cache_maxchunks ffffff01c0a94aa0']);
  });

  it('::findleaks on a dump whose buffers table names rows its address column lacks (a fuzz case)', async () => {
    const { loadSample, mutate } = await import('../../src/tools/fuzz-gen.js');
    const bytes = mutate(loadSample('dumps/illumos-leak-fixed.dump'), { kind: 'json', section: 2, pick: 376023615, value: 'x' });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-leaky-')), 'mut.dump');
    fs.writeFileSync(file, bytes);
    try {
      const r = await createSession(readDump(file), file).execute('::findleaks');
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatch(/^mdb: kmem buffers table: row \d+ has no address/);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  // The lists below are followed through pointers read from memory. The
  // fuzz found heap words that chain for 100,000 steps (::prtconf, 3 s) or
  // forever (::callout on a buffer that is not a callout table): pointers
  // are made to chain here by making every pointer read return one.
  function withPointers(f: (a: bigint) => bigint) {
    const s = createSession(readDump('dumps/illumos-2911.dump'), 'illumos-2911.dump');
    const t = s.target as unknown as { readPtr: (a: bigint) => bigint; readInto: (a: bigint, out: Uint8Array) => Uint8Array };
    t.readPtr = f;
    // a struct read whole (mdb_vread) fails, so the dcmds read each pointer member alone, through f
    t.readInto = (a, out) => {
      throw new MemoryError(a, out.length);
    };
    return s;
  }
  const HEAP = 0xffffff01c0100000n;
  it('::prtconf stops on devi_parent links that loop', async () => {
    const r = await withPointers((a) => a & ~0xfffn).execute(`${HEAP.toString(16)}::prtconf`);
    expect(r.errors).toEqual([`mdb: ${HEAP.toString(16)} is not in a device tree: devi_parent links loop at ${HEAP.toString(16)}`]);
  });
  it('::prtconf stops on a devi_parent chain deeper than any device tree', async () => {
    const r = await withPointers((a) => (a & ~0xfffn) + 0x1000n).execute(`${HEAP.toString(16)}::prtconf -p`);
    expect(r.errors).toEqual([`mdb: ${HEAP.toString(16)} is not in a device tree: more than 512 devi_parent levels`]);
  });
  it('::prtconf -c stops on devi_child links that come back', async () => {
    const r = await withPointers((a) => a & ~0xfffn).execute(`${HEAP.toString(16)}::prtconf -c`);
    expect(r.errors).toEqual([`mdb: ${HEAP.toString(16)} is not in a device tree: the walk comes back to ${HEAP.toString(16)}`]);
  });
  it('::callout stops on a hash chain that loops', async () => {
    const r = await withPointers((a) => a & ~0xfffn).execute(`${HEAP.toString(16)}::callout -d -i`);
    expect(r.errors).toEqual([`mdb: the chain at ${HEAP.toString(16)} loops back to ${HEAP.toString(16)}: not a callout list`]);
  });
  it('the callout walkers stop on a chain that loops', async () => {
    const r = await withPointers((a) => a & ~0xfffn).execute(`${HEAP.toString(16)}::walk callouts_byid`);
    expect(r.errors).toEqual([`mdb: the chain at ${HEAP.toString(16)} loops back to ${HEAP.toString(16)}: not a callout list`]);
  });
});

describe('only a regular file is read, and no further than its header says', () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-files-'));
  const msg = (p: string): string => {
    try {
      readDump(p);
    } catch (e) {
      expect(e).toBeInstanceOf(DumpError);
      return (e as Error).message;
    }
    throw new Error('opened');
  };
  it('/dev/zero is a character device', () => {
    expect(msg('/dev/zero')).toBe('cannot open /dev/zero: a character device, not a dump file');
  });
  it('a FIFO with no writer is refused at once', () => {
    const f = path.join(d, 'fifo');
    execFileSync('mkfifo', [f]);
    expect(msg(f)).toBe(`cannot open ${f}: a FIFO, not a dump file`);
  });
  it('a directory', () => {
    expect(msg(d)).toBe(`cannot open ${d}: a directory, not a dump file`);
  });
  it('bytes after the declared end are refused from the prefix alone', () => {
    const f = path.join(d, 'long.dump');
    fs.writeFileSync(f, Buffer.concat([SAMPLE, Buffer.alloc(1000)]));
    expect(msg(f)).toMatch(/1000 unexpected bytes after the end of the dump/);
    const g = path.join(d, 'zeros.dump');
    fs.writeFileSync(g, Buffer.alloc(100_000));
    expect(msg(g)).toMatch(/bad magic/);
  });
});

describe('target reads are bounded', () => {
  it('a read larger than any object is an mdb error, not an allocation', async () => {
    const { Target } = await import('../../src/mdb/target.js');
    const { MdbError } = await import('../../src/mdb/errors.js');
    const t = new Target(readDump('dumps/illumos-2911.dump'));
    expect(() => t.readBytes(0xffffff01c0064120n, 2 ** 31)).toThrow(MdbError);
    expect(() => t.readBytes(0xffffff01c0064120n, 2 ** 31)).toThrow(/more than a read may ask/);
  });
});
