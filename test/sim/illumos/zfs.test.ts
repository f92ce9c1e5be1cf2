/*
 * The pool in the #2911 dump, as the zfs module reads it (issue #9, the
 * missing ::spa, ::vdev, ::zio): the spa_t is where spa_namespace_avl says,
 * the vdev tree's parent and child pointers agree, every zio's parent and
 * child links are mutual, each stalled zio's io_stall and io_children say
 * what its child list holds, and the zio that panicked is in the sync's tree
 * at the stage the pipeline left it.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/sim/scenario/run.js';
import { createSession } from '../../../src/mdb/session.js';
import { toAddr } from '../../../src/sim/machine/platform.js';
import { ZIO_STAGE } from '../../../src/sim/illumos/zfs/zio.js';

const r = simulate('illumos-2911', { sets: [], fixes: [] });
const A = (kva: number): bigint => toAddr(r.sys.k.p, kva);
const hex = (v: bigint): string => v.toString(16);
const s = createSession(r.model, 'x.dump');

async function run(cmd: string): Promise<string> {
  const res = await s.execute(cmd);
  if (!res.ok) throw new Error(`'${cmd}' failed: ${res.errors.join(' / ')}`);
  return res.output;
}

/** every result's `data` (a loop or a generator yields several) */
async function data<T>(cmd: string): Promise<T[]> {
  const res = await s.execute(cmd, { json: true });
  if (!res.ok) throw new Error(`'${cmd}' failed: ${res.errors.join(' / ')}`);
  const out: T[] = [];
  for (const rec of res.json) for (const x of (rec as { results: Array<{ data?: unknown; addresses?: string[] }> }).results) {
    if (Array.isArray(x.data)) out.push(...(x.data as T[]));
    else if (x.data !== undefined) out.push(x.data as T);
  }
  return out;
}

async function walk(cmd: string): Promise<string[]> {
  const res = await s.execute(cmd, { json: true });
  if (!res.ok) throw new Error(`'${cmd}' failed: ${res.errors.join(' / ')}`);
  return (res.json[0] as { results: Array<{ addresses: string[] }> }).results.flatMap((x) => x.addresses);
}

interface ZioRow {
  addr: string;
  depth: number;
  type: string;
  stage: string;
  waiter: string | null;
}

describe('the pool in the #2911 dump', () => {
  it('::walk spa finds the pool in spa_namespace_avl, and ::spa names it', async () => {
    const spa = A(r.sys.spa.addr);
    expect(await walk('::walk spa')).toEqual([`0x${hex(spa)}`]);
    // avl_root is the pool's spa_avl, avl_offset says where that is in a spa_t
    const root = BigInt(`0x${(await run('*spa_namespace_avl=K')).trim()}`);
    const off = BigInt(`0x${(await run('*(spa_namespace_avl+10)=K')).trim()}`);
    expect(off).toBe(BigInt(r.model.types.find((t) => t.name === 'spa_t')!.members.find((m) => m.name === 'spa_avl')!.offset));
    expect(root - off).toBe(spa);
    expect(await run('::spa')).toMatch(new RegExp(`^ADDR +STATE NAME +\\n${hex(spa)} +ACTIVE rpool\\n$`));
    expect(await run(`${hex(spa)}::print spa_t spa_root_vdev`)).toBe(`spa_root_vdev = 0x${hex(A(r.sys.spa.root.addr))}\n`);
  });

  it("the vdev tree's vdev_parent and vdev_child agree, and ::spa -v shows it from the root", async () => {
    const rows = await data<{ addr: string; depth: number; description: string; state: string }>('::spa -v');
    const vdevs = rows.find((x) => 'vdevs' in (x as object)) as unknown as { vdevs: Array<{ addr: string; depth: number; description: string; state: string }> };
    expect(vdevs.vdevs.map((v) => [v.depth, v.description, v.state])).toEqual([
      [0, 'root', 'HEALTHY'],
      [2, 'mirror', 'HEALTHY'],
      ...r.sys.spa.leaves.map((_, i) => [4, `/dev/dsk/c${i + 1}d0s0`, 'HEALTHY']),
    ]);
    // each vdev_child[i]'s vdev_parent is the vdev, and the counts agree with the pool's tree
    let links = 0;
    for (const v of vdevs.vdevs) {
      const a = v.addr.replace(/^0x/, '');
      const n = Number((await run(`${a}::print vdev_t vdev_children`)).match(/= (0x[0-9a-f]+|\d+)/)![1]);
      const off = r.model.types.find((t) => t.name === 'vdev_t')!.members.find((m) => m.name === 'vdev_child')!.offset;
      for (let i = 0; i < n; i++) {
        const c = (await run(`*(*(${a}+${off.toString(16)})+${(i * 8).toString(16)})=K`)).trim();
        expect((await run(`${c}::print vdev_t vdev_parent`)).trim()).toBe(`vdev_parent = 0x${a}`);
        links++;
      }
    }
    expect(links).toBe(1 + r.sys.spa.leaves.length);
  });

  it("every zio's parent and child links are mutual, and every zio is in some root's tree", async () => {
    const all = await walk('::walk zio');
    expect(all.length).toBe(r.sys.spa.zios.size);
    expect(all.length).toBeGreaterThan(0);
    for (const z of all) {
      const a = z.replace(/^0x/, '');
      for (const c of await data<ZioRow>(`${a}::zio -c`)) {
        const parents = await data<ZioRow>(`${c.addr.replace(/^0x/, '')}::zio -p`);
        expect(parents.map((p) => p.addr), `${c.addr} lists ${z} as a parent`).toContain(z);
      }
      for (const p of await data<ZioRow>(`${a}::zio -p`)) {
        const children = await data<ZioRow>(`${p.addr.replace(/^0x/, '')}::zio -c`);
        expect(children.map((c) => c.addr), `${p.addr} lists ${z} as a child`).toContain(z);
      }
    }
    const tree = await data<ZioRow>('::zio_state -r');
    expect(new Set(tree.map((x) => x.addr))).toEqual(new Set(all));
  });

  it("a stalled zio's io_stall points at its io_children count, which is what its child list holds", async () => {
    // the sample seed panics in a reader, whose prefetch has not stalled yet; seed 2 panics in
    // txg_sync's write, whose logical zios wait for their leaves
    const r2 = simulate('illumos-2911', { sets: [], fixes: [], seed: 2 });
    let stalled = 0;
    for (const rr of [r, r2]) {
      const ss = createSession(rr.model, 'x.dump');
      const q = async (cmd: string, json = false) => {
        const res = await ss.execute(cmd, json ? { json: true } : {});
        if (!res.ok) throw new Error(`'${cmd}' failed: ${res.errors.join(' / ')}`);
        return res;
      };
      for (const z of rr.sys.spa.zios) {
        const a = toAddr(rr.sys.k.p, z.addr).toString(16);
        const kids = (await q(`${a}::zio -c`, true)).json.flatMap((rec) => (rec as { results: Array<{ data?: unknown }> }).results.flatMap((x) => (Array.isArray(x.data) ? x.data : x.data === undefined ? [] : [x.data])));
        expect(Number((await q(`${a}::print zio_t io_child_count`)).output.match(/= (0x[0-9a-f]+|\d+)/)![1])).toBe(kids.length);
        if (!z.stalled) continue;
        stalled++;
        const stall = (await q(`${a}::print zio_t io_stall`)).output.match(/0x[0-9a-f]+/)![0];
        expect((await q(`${stall.slice(2)}/E`)).output.trim().split(/\s+/).pop()).toBe(String(kids.length));
        expect(z.stage).toBe(z.type === 0 ? ZIO_STAGE.CHECKSUM_VERIFY : ZIO_STAGE.VDEV_IO_START);
      }
    }
    expect(stalled).toBeGreaterThan(0);
  });

  it('the zio that panicked is a leaf at VDEV_IO_START in the tree of the sync the panicking thread runs', async () => {
    const t = r.sys.k.panicked!.thread;
    const f = t.frames.find((x) => x.fn.name === 'vdev_disk_io_start')!;
    const leaf = hex(A(f.args[0]!));
    const [self] = await data<ZioRow>(`${leaf}::zio`);
    expect(self).toMatchObject({ type: expect.stringMatching(/^(READ|WRITE)$/), stage: 'VDEV_IO_START' });
    // its parents up to a root: the logical zio waits for its leaves, stalled a stage early
    const [logical] = await data<ZioRow>(`${leaf}::zio -p`);
    expect(logical).toMatchObject({ type: self!.type, stage: 'VDEV_IO_START' });
    const vd = (await run(`${leaf}::print zio_t io_vd`)).match(/0x[0-9a-f]+/)![0];
    expect(r.sys.spa.leaves.map((l) => `0x${hex(A(l.addr))}`)).toContain(vd);
    const roots = await walk('::walk zio_root');
    const up = await data<ZioRow>(`${logical!.addr.slice(2)}::zio -p`);
    // a write's logical zio is dsl_pool_sync's root's child; a prefetch read is a root itself
    if (up.length) expect(roots).toContain(up[0]!.addr);
    else expect(roots).toContain(logical!.addr);
  });

  it('zio_cache and zio_link_cache hold objects of sizeof (zio_t) and sizeof (zio_link_t)', () => {
    const types = new Map(r.model.types.map((t) => [t.name, t]));
    for (const [cache, type] of [
      ['zio_cache', 'zio_t'],
      ['zio_link_cache', 'zio_link_t'],
    ] as const) {
      expect(r.sys.km.caches.find((c) => c.cache_name === cache)!.cache_bufsize, cache).toBe(types.get(type)!.size);
    }
    expect(types.get('zio_link_t')!.size).toBe(0x30);
    expect(types.get('blkptr_t')!.size).toBe(128);
  });
});
