import { beforeAll, describe, expect, it } from 'vitest';
import { BUFSTATE_ALLOC, FILL_DEADBEEF, FILL_ZERO, type DumpModel, type ListColumn, type Table } from '../../../../src/dump/format.js';
import { readDump } from '../../../../src/dump/read.js';
import { verifyOne } from '../../../../src/mdb/modules/illumos/kmem/kmem_verify.js';
import { createSession } from '../../../../src/mdb/session.js';
import { Target } from '../../../../src/mdb/target.js';

// kmem_alloc_320 on illumos-2911: flags 0x20f (AUDIT DEADBEEF REDZONE CONTENTS HASH), 320-byte buffers, buftag at 0x140
const CACHE = 0xffffff01c002d000n;
const BUFTAG = 0x140;

let model: DumpModel;
beforeAll(() => {
  model = readDump('dumps/illumos-2911.dump');
});

/** Buffers rows of the cache in a state, by address. */
function rowsOf(m: DumpModel, state: 'alloc' | 'free'): number[] {
  const t = m.tables.find((x) => x.name === 'buffers')!;
  const caches = m.tables.find((x) => x.name === 'kmem_cache_t')!;
  const crow = [...(caches.columns['addr']!.values as BigUint64Array)].indexOf(CACHE);
  const cr = t.columns['cache_row']!.values as ArrayLike<number>;
  const st = t.columns['state']!.values as ArrayLike<number>;
  const out: number[] = [];
  for (let i = 0; i < t.rowCount; i++) if (Number(cr[i]) === crow && (Number(st[i]) === BUFSTATE_ALLOC) === (state === 'alloc')) out.push(i);
  return out;
}

/** A copy of the model where buffers row `row` also holds `words` (offset -> value), and optionally another fill. */
function mutate(m: DumpModel, row: number, words: Array<[number, bigint]>, fill?: number): DumpModel {
  const tables = m.tables.map((t): Table => {
    if (t.name !== 'buffers') return t;
    const offs = t.columns['ptr_offs'] as ListColumn;
    const vals = t.columns['ptr_vals'] as ListColumn;
    const no: number[] = [];
    const nv: bigint[] = [];
    const oo = new Uint32Array(t.rowCount + 1);
    const vo = new Uint32Array(t.rowCount + 1);
    for (let r = 0; r < t.rowCount; r++) {
      for (let k = offs.offsets[r]!; k < offs.offsets[r + 1]!; k++) no.push(Number(offs.values[k]!));
      for (let k = vals.offsets[r]!; k < vals.offsets[r + 1]!; k++) nv.push(BigInt(vals.values[k]!));
      if (r === row)
        for (const [o, v] of words) {
          no.push(o);
          nv.push(v);
        }
      oo[r + 1] = no.length;
      vo[r + 1] = nv.length;
    }
    const fillCol = t.columns['fill']!;
    const f = Uint8Array.from(fillCol.values as Uint8Array);
    if (fill !== undefined) f[row] = fill;
    return {
      ...t,
      columns: {
        ...t.columns,
        fill: { kind: 'u8', values: f },
        ptr_offs: { kind: 'list', of: 'u32', offsets: oo, values: Uint32Array.from(no) },
        ptr_vals: { kind: 'list', of: 'u64', offsets: vo, values: BigUint64Array.from(nv) },
      },
    };
  });
  return { ...m, tables };
}

const addrOf = (m: DumpModel, row: number): bigint => (m.tables.find((x) => x.name === 'buffers')!.columns['addr']!.values as BigUint64Array)[row]!;
const bufctlOf = (m: DumpModel, row: number): bigint => (m.tables.find((x) => x.name === 'buffers')!.columns['bufctl']!.values as BigUint64Array)[row]!;

describe('::kmem_verify', () => {
  it('finds every cache of illumos-2911 clean', () => {
    const v = verifyOne(new Target(model), CACHE);
    expect(v.redzone).toBe(true);
    expect(v.findings).toEqual([]);
  });

  it('a write after free: the first word that is not 0xdeadbeef', () => {
    const row = rowsOf(model, 'free')[0]!;
    const m = mutate(model, row, [[0x20, 0xffffff01c0001234n], [0x28, 0xdeadbeefdeadbeefn]]);
    const buf = addrOf(m, row);
    expect(verifyOne(new Target(m), CACHE).findings).toEqual([{ kind: 'free-modified', buf, at: buf + 0x20n }]);
  });

  it('a free buffer that is not poisoned at all is corrupted at its first word', () => {
    const row = rowsOf(model, 'free')[0]!;
    const m = mutate(model, row, [], FILL_ZERO);
    const buf = addrOf(m, row);
    expect(verifyOne(new Target(m), CACHE).findings).toEqual([{ kind: 'free-modified', buf, at: buf }]);
    expect(FILL_DEADBEEF).not.toBe(FILL_ZERO);
  });

  it('an overrun into a free buffer\'s redzone, and a free buffer whose buftag says allocated', () => {
    const [r1, r2] = rowsOf(model, 'free');
    const m = mutate(mutate(model, r1!, [[BUFTAG, 0x4141414141414141n]]), r2!, [[BUFTAG + 16, bufctlOf(model, r2!) ^ 0xa110c8edn]]);
    expect(verifyOne(new Target(m), CACHE).findings).toEqual([
      { kind: 'free-redzone', buf: addrOf(m, r1!) },
      { kind: 'free-buftag', buf: addrOf(m, r2!) },
    ]);
  });

  it('an overrun past an allocated buffer: size encoding, signature, buftag', () => {
    const [a, b, c, d] = rowsOf(model, 'alloc');
    // 1: garbage over the redzone; 2: a valid kmem_alloc size encoding (251 * 0x10 + 1) with 0xbb at 0x10 but the
    // signature word overwritten; 3: bt_bxstat saying free; 4: a valid encoding and signature: clean
    const enc = (251n * 0x10n + 1n) << 32n;
    const m = mutate(
      mutate(
        mutate(mutate(model, a!, [[BUFTAG, 0x4141414141414141n]]), b!, [
          [BUFTAG, enc | 0x12345678n],
          [0x10, 0xbbn],
        ]),
        c!,
        [[BUFTAG + 16, bufctlOf(model, c!) ^ 0xf4eef4een]],
      ),
      d!,
      [
        [BUFTAG, enc | 0xfeedfacen],
        [0x10, 0xbbn],
      ],
    );
    expect(verifyOne(new Target(m), CACHE).findings).toEqual([
      { kind: 'size-encoding', buf: addrOf(m, a!) },
      { kind: 'redzone-signature', buf: addrOf(m, b!) },
      { kind: 'alloc-buftag', buf: addrOf(m, c!) },
    ]);
  });

  it('prints mdb\'s summary and per-buffer detail', async () => {
    const row = rowsOf(model, 'free')[0]!;
    const m = mutate(model, row, [[8, 0n + 0x1n]]);
    const s = createSession(m, 'x.dump');
    const all = await s.execute('::kmem_verify');
    expect(all.output.split('\n')[0]).toBe('Cache Name                      Addr             Cache Integrity');
    expect(all.output).toContain('\nkmem_alloc_320                  ffffff01c002d000 1 corrupt buffer\n');
    const one = await s.execute(`${CACHE.toString(16)}::kmem_verify`);
    const buf = addrOf(m, row);
    expect(one.output).toBe(`Summary for cache 'kmem_alloc_320'\n  buffer ${buf.toString(16)} (free) seems corrupted, at ${(buf + 8n).toString(16)}\n`);
    const none = await s.execute('ffffff01c0b79000::kmem_verify');
    expect(none.errors).toEqual(['mdb: cache ffffff01c0b79000 (zio_buf_32768) does not have redzone checking enabled']);
  });
});
