/*
 * ::memstat's invariants on every illumos sample dump: the page counts by
 * identity sum to physmem, the free pages it walks (cachelist and freelist)
 * are the dump's freemem, the Kernel and ZFS File Data pages are at least
 * what segkmem's arenas imported (every byte imported through segkmem_alloc
 * or segkmem_zio_alloc has a page), and the walkers agree with the summary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDump } from '../../../../src/dump/read.js';
import { createSession } from '../../../../src/mdb/session.js';
import { Target } from '../../../../src/mdb/target.js';
import { REPO_ROOT } from '../../../../src/tools/golden.js';
import { readVmem, vmemPrefix } from '../../../../src/mdb/modules/illumos/vmem/helpers.js';

const DUMPS = fs
  .readdirSync(path.join(REPO_ROOT, 'dumps'))
  .filter((f) => f.startsWith('illumos-') && f.endsWith('.dump'))
  .sort();

interface Memstat {
  pagesize: number;
  physmem: number;
  kernel: number;
  zfsFileData: number;
  anon: number;
  execAndLibs: number;
  pageCache: number;
  cachelist: number;
  freelist: number;
  rows: Array<{ name: string; pages: number }>;
}

describe.each(DUMPS)('%s', (file) => {
  const model = readDump(path.join(REPO_ROOT, 'dumps', file));
  const target = new Target(model);
  const s = createSession(model, file);
  const read = (name: string): bigint => target.readU64(target.symbolAddr(name));

  it('sums to physmem, and its free pages are freemem', async () => {
    const res = await s.execute('::memstat', { json: true });
    expect(res.ok).toBe(true);
    const m = (res.json[0] as { results: Array<{ data: Memstat }> }).results[0]!.data;
    const parts = m.kernel + m.zfsFileData + m.anon + m.execAndLibs + m.pageCache + m.cachelist + m.freelist;
    expect(parts).toBe(m.physmem);
    expect(BigInt(m.physmem)).toBe(read('physmem'));
    expect(BigInt(m.cachelist + m.freelist)).toBe(read('freemem'));
    expect(m.rows.filter((r) => r.name !== 'Total').reduce((a, r) => a + r.pages, 0)).toBe(m.physmem);
  });

  it("has at least a page for every byte segkmem's arenas imported", async () => {
    const res = await s.execute('::memstat', { json: true });
    const m = (res.json[0] as { results: Array<{ data: Memstat }> }).results[0]!.data;
    const fn = (name: string): bigint => target.symbolAddr(name);
    const kvpImports = new Set([fn('segkmem_alloc'), fn('segkmem_alloc_permanent'), fn('hat_memload_alloc')]);
    const zio = target.lookupSymbol('segkmem_zio_alloc')?.addr;
    const off = BigInt(target.types.resolve(target.types.get('vmem_t')!, 'vm_source_alloc').offset);
    let kvpBytes = 0n;
    let zvpBytes = 0n;
    for (const n of vmemPrefix(target)) {
      const afunc = target.readPtr(n.addr + off);
      const v = readVmem(target, n.addr);
      if (kvpImports.has(afunc)) kvpBytes += v.mem_import;
      else if (afunc === zio) zvpBytes += v.mem_import;
    }
    expect(kvpBytes).toBeGreaterThan(0n);
    expect(BigInt(m.kernel * m.pagesize)).toBeGreaterThanOrEqual(kvpBytes);
    expect(BigInt(m.zfsFileData * m.pagesize)).toBeGreaterThanOrEqual(zvpBytes);
  });

  it('walks as many pages as it counts', async () => {
    const count = async (cmd: string): Promise<number> => {
      const res = await s.execute(cmd, { json: true });
      expect(res.ok).toBe(true);
      return (res.json[0] as { results: Array<{ addresses: string[] }> }).results.flatMap((x) => x.addresses).length;
    };
    const res = await s.execute('::memstat', { json: true });
    const m = (res.json[0] as { results: Array<{ data: Memstat }> }).results[0]!.data;
    expect(await count('::walk allpages')).toBe(m.physmem);
    expect(await count('::walk page')).toBe(m.physmem - m.freelist);
    expect(await count('kvp::walk page')).toBe(m.kernel);
  });
});
