/*
 * End to end: the kernel build over NFS on i386 after r358097 hangs with
 * threads asleep in pause("btalloc") under vmem_bt_alloc, the btag keg below
 * its reserve and without UMA_ZONE_NOFREE; the same load on amd64
 * (UMA_MD_SMALL_ALLOC) does not hang; runs are deterministic and the dump
 * is a valid 2020 FreeBSD dump.
 */
import { describe, expect, it } from 'vitest';
import { simulate, type RunReport } from '../../../src/sim/scenario/run.js';
import { decodeDump, encodeDump } from '../../../src/dump/codec.js';
import type { Freebsd2020System } from '../../../src/sim/freebsd/system2020.js';
import type { KThread } from '../../../src/sim/machine/thread.js';
import { UMA_ZONE_NOFREE } from '../../../src/sim/freebsd/uma2020/uma.js';

/** a seed whose unfixed i386 run hangs (see the outcome matrix in the report) */
const HANG_SEED = 5;
const run = (seed: number, fixes: string[] = [], sets: Array<[string, string]> = []): RunReport =>
  simulate('freebsd-248008-btalloc', { seed, fixes, sets });
const names = (t: KThread): string[] => [...t.frames].reverse().filter((f) => !f.hidden).map((f) => f.fn.name);

describe('freebsd-248008-btalloc', () => {
  const hung = run(HANG_SEED);

  it('hangs on unfixed i386: no panic, the operator breaks in, many threads in pause("btalloc")', () => {
    expect(hung.outcome).toBe('hang');
    expect(hung.consoleLine).toBe('KDB: enter: Break to debugger');
    const h = hung.model.header;
    expect(h.dumpKind).toBe('live');
    expect(h.panic).toBeNull();
    expect(h.entry?.reason).toBe('break');
    const sys = hung.sys as Freebsd2020System;
    const bt = sys.k.threads.filter((t) => t.wmesg === 'btalloc' && t.state === 1);
    expect(bt.length).toBeGreaterThanOrEqual(2);
    for (const t of bt) {
      const st = names(t);
      expect(st.slice(0, 7)).toEqual(['mi_switch', 'sleepq_timedwait', '_sleep', 'pause_sbt', 'vmem_bt_alloc', 'keg_alloc_slab', 'keg_fetch_slab']);
      expect(st[7]).toBe('zone_import');
      expect(['zone_alloc_bucket', 'zone_alloc_item']).toContain(st[8]);
      expect(st.slice(9, 14)).toEqual(['uma_zalloc_arg', 'bt_fill', 'vmem_xalloc', 'vmem_alloc', 'kmem_malloc_domain']);
      expect(st).toContain('kmem_malloc');
      expect(st).toContain('malloc');
      expect(st[st.length - 1]).toBe('syscall');
      // uma_zalloc_arg's first argument is the btag zone
      const fr = [...t.frames].reverse().filter((f) => !f.hidden);
      expect(fr[9]!.args[0]).toBe(sys.btZone.addr);
    }
  });

  it('leaves the btag keg below uk_reserve, without UMA_ZONE_NOFREE, uk_allocf vmem_bt_alloc', () => {
    const sys = hung.sys as Freebsd2020System;
    const keg = sys.btZone.keg;
    expect(keg.reserve).toBe(2 * 4 * sys.k.cfg.ncpus);
    expect(keg.ud_free_items).toBeLessThan(keg.reserve);
    expect(keg.flags & UMA_ZONE_NOFREE).toBe(0);
    expect(keg.allocf).toBe('vmem_bt_alloc');
    expect(sys.km.domain_arena.vm_nfreetags).toBeLessThan(4);
  });

  it('does not hang on amd64 (UMA_MD_SMALL_ALLOC), nor with the final fixes', () => {
    const a = run(HANG_SEED, [], [['kernel.platform', 'amd64']]);
    expect(a.outcome).toBe('completed');
    expect((a.sys as Freebsd2020System).btZone.keg.allocf).toBe('uma_small_alloc');
    expect(a.model.header.platform).toBe('amd64');
    const f = run(HANG_SEED, ['r368236']);
    expect(f.outcome).toBe('completed');
  });

  it('is deterministic: the same seed gives a byte-identical dump, which decodes', () => {
    const again = run(HANG_SEED);
    const a = encodeDump(hung.model);
    const b = encodeDump(again.model);
    expect(Buffer.compare(a, b)).toBe(0);
    const m = decodeDump(a);
    const names = m.tables.map((t) => t.name);
    for (const t of ['struct vmem', 'struct vmem_btag', 'struct uma_keg', 'struct uma_zone', 'struct uma_slab', 'struct thread', 'frames']) expect(names).toContain(t);
  });
});
