/*
 * What an illumos engineer checks in the #2911 dump against kmem.c (issue
 * #9): kmem's own caches' flags and sizes, the firewall layout of
 * rootnex_dmahdl, the DEBUG logs and the linkage kept in memory. Each is a
 * property of the simulated kernel and of the dump it writes.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/sim/scenario/run.js';
import { createSession } from '../../../src/mdb/session.js';
import { toAddr } from '../../../src/sim/machine/platform.js';

const r = simulate('illumos-2911', { sets: [], fixes: [] });
const km = r.sys.km;
const cache = (name: string) => km.caches.find((c) => c.cache_name === name)!;
const fnAt = (pc: number) => r.sys.k.sym.funcs.find((f) => pc >= f.addr && pc < f.addr + f.size)?.name;

/** caches whose objects have a type in the dump */
const TYPED: ReadonlyArray<[RegExp, string]> = [
  [/^kmem_slab_cache$/, 'kmem_slab_t'],
  [/^kmem_bufctl_cache$/, 'kmem_bufctl_t'],
  [/^kmem_bufctl_audit_cache$/, 'kmem_bufctl_audit_t'],
  [/^thread_cache$/, 'kthread_t'],
  [/^blkdev\d+_xfer$/, 'bd_xfer_impl_t'],
];

describe('illumos #2911 dump fidelity', () => {
  it('every cache whose objects have a CTF type has bufsize == sizeof (item 6)', () => {
    const types = new Map(r.model.types.map((t) => [t.name, t]));
    let checked = 0;
    for (const cp of km.caches) {
      const t = TYPED.find(([re]) => re.test(cp.cache_name))?.[1];
      if (!t) continue;
      expect(cp.cache_bufsize, `${cp.cache_name} vs sizeof (${t})`).toBe(types.get(t)!.size);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
    expect(types.get('kmem_bufctl_audit_t')!.size).toBe(192);
    expect(types.get('kmem_slab_t')!.size).toBe(72);
    expect(types.get('kthread_t')!.members.some((m) => m.name === 't_stkbase')).toBe(true);
  });

  it('KMC_NOHASH caches are DEADBEEF|REDZONE only (0006), created magazines first (items 5, 14)', () => {
    for (const name of ['kmem_slab_cache', 'kmem_bufctl_audit_cache', 'kmem_magazine_15']) expect(cache(name).cache_flags).toBe(0x6);
    expect(cache('blkdev0_xfer').cache_flags).toBe(0x20f);
    expect(km.caches[0]!.cache_name).toBe('kmem_magazine_1');
  });

  it('rootnex_dmahdl is laid out for kmem_firewall: one handle per page, ending at the page end (item 3)', () => {
    const cp = cache('rootnex_dmahdl');
    expect(cp.cache_arena).toBe(r.sys.arenas.kmem_firewall);
    expect(cp.cache_slabsize).toBe(Math.ceil(cp.cache_chunksize / 4096) * 4096);
    expect(cp.cache_maxchunks).toBe(1);
    expect(cp.cache_mincolor).toBe(cp.cache_slabsize - cp.cache_chunksize);
    expect(cp.cache_maxcolor).toBe(cp.cache_mincolor);
    for (const sp of cp.complete) {
      expect(sp.chunks).toBe(1);
      expect(sp.base + cp.cache_chunksize).toBe(sp.base - sp.color + cp.cache_slabsize);
    }
  });

  it('kmem_init made the DEBUG logs in the kmem_log arena, and the failure log holds the handle failures (item 2)', () => {
    expect(r.sys.arenas.kmem_log.kstat.vk_mem_inuse).toBeGreaterThan(0);
    for (const lp of [km.transactionLog, km.contentLog, km.failureLog, km.slabLog]) expect(lp.enabled, lp.name).toBe(true);
    const fails = km.failureLog.records().filter((x) => km.caches[x.cache]!.cache_name === 'rootnex_dmahdl');
    expect(fails.length).toBeGreaterThan(0);
    const names = km.stacks.stacks[fails[0]!.stack]!.map(fnAt);
    expect(names[0]).toBe('kmem_slab_create');
    expect(names).toContain('bd_xfer_ctor');
    // an audited buffer's bc_lastlog is its record in the transaction log
    // the most recently audited buffer: older ones' log slots may have been reused since
    const b = km.caches.flatMap((c) => (c.cache_flags & 0x1 ? [...c.allocated.values()] : [])).reduce((x, y) => (y.audTime > x.audTime ? y : x));
    expect(km.transactionLog.slots.get(b.audLastlog)).toMatchObject({ addr: b.addr, thread: b.audThread });
  });

  it('ZFS buffers: above zio_buf_debug_limit KMC_NODEBUG, file data on zfs_file_data_buf, txg_sync compresses into zio_buf_* (item 4)', () => {
    for (const size of [32768, 65536, 131072]) {
      const meta = cache(`zio_buf_${size}`);
      const data = cache(`zio_data_buf_${size}`);
      expect(meta.cache_cflags).toBe(0x20000); // KMC_NODEBUG
      expect(meta.cache_flags & 0x16f).toBe(0); // no debug flags
      expect(meta.cache_arena).toBe(r.sys.arenas.kmem_default);
      expect(data.cache_cflags).toBe(0x30000); // KMC_NODEBUG|KMC_NOTOUCH
      expect(data.cache_arena.name).toBe('zfs_file_data_buf');
      expect(data.cache_arena.source?.name).toBe('zfs_file_data');
    }
    expect(r.sys.tx.zbufCaches.map((c) => c.cache_name)).toEqual(['zio_buf_32768', 'zio_buf_65536', 'zio_buf_131072']);
    expect(r.sys.zfs.arc.dataCache.cache_name).toBe('zio_data_buf_131072');
  });

  it("the kmem_alloc caches are kmem.c's kmem_alloc_sizes[] and kmem_big_alloc_sizes[] (item 14)", () => {
    const names = km.allocCaches.map((c) => c.cache_bufsize);
    expect(names).not.toContain(5376);
    expect(names).not.toContain(6144);
    expect(names).not.toContain(1024);
    expect(names.slice(-18)).toEqual([4096, 8192, 12288, ...Array.from({ length: 15 }, (_, i) => (i + 2) * 8192)]);
    expect(cache('kmem_alloc_8192').cache_align).toBe(4096);
    // zio_add_child() links every child zio to its parent with a zio_link_t
    expect(cache('zio_link_cache').cache_bufsize).toBe(48);
    expect(cache('zio_link_cache').cache_slab_alloc + cache('zio_link_cache').cache_cpu.reduce((a, c) => a + c.cc_alloc, 0)).toBeGreaterThan(0);
  });

  it('threads wait where illumos waits: page_create_wait under page_create_va, taskq_thread_wait, pageout on p_cv (item 13)', () => {
    const names = (t: { frames: Array<{ fn: { name: string }; hidden?: boolean }> }) => t.frames.filter((f) => !f.hidden).map((f) => f.fn.name);
    for (const t of r.sys.k.threads) {
      const n = names(t);
      const i = n.indexOf('page_create_throttle');
      if (i > 0) expect(n[i - 1]).toBe('page_create_wait');
      if (n.includes('page_create_va')) expect(n[n.indexOf('page_create_va') + 1]).toBe('page_create_wait');
    }
    const taskq = r.sys.k.threads.find((t) => t.startFn.name === 'taskq_thread')!;
    expect(names(taskq)).toContain('taskq_thread_wait');
    const pageout = r.sys.k.threads.find((t) => t.proc.comm === 'pageout')!;
    if (pageout.wchan !== 0) expect(pageout.wchan).toBe(r.sys.vm.pageoutCv);
    expect(r.sys.ps.pageoutCv).toBe(r.sys.vm.pageoutCv);
    const off = r.sys.vm.pageoutCv - pageout.proc.addr;
    expect(off).toBe(r.model.types.find((t) => t.name === 'proc_t')!.members.find((m) => m.name === 'p_cv')!.offset);
    expect(r.sys.k.sym.objects.some((o) => o.name === 'proc_pageout_cv')).toBe(false);
  });

  it('audit stacks start at the audit call site, with an offset (item 12)', () => {
    const rec = km.transactionLog.records().at(-1)!;
    const pc = km.stacks.stacks[rec.stack]![0]!;
    const f = r.sys.k.sym.funcs.find((x) => pc >= x.addr && pc < x.addr + x.size)!;
    expect(pc).toBeGreaterThan(f.addr);
  });

  it("an interrupt's handler runs under amd64's av_dispatch_autovect, on a thread made by thread_create_intr (item 12)", () => {
    const names = new Set<string>();
    let underHandler = 0;
    for (const st of km.stacks.stacks) {
      const fns = [...st].map((pc) => fnAt(pc));
      for (const n of fns) if (n) names.add(n);
      const h = fns.indexOf('vioblk_int_handler');
      if (h >= 0) {
        expect(fns.slice(h + 1, h + 4)).toEqual(['av_dispatch_autovect', 'dispatch_hardint', 'switch_sp_and_call']);
        underHandler++;
      }
    }
    expect(underHandler).toBeGreaterThan(0);
    // i386's intr_thread is no amd64 illumos function
    expect(names.has('intr_thread')).toBe(false);
    expect(r.sys.k.sym.funcs.some((f) => f.name === 'intr_thread')).toBe(false);
    expect(r.sys.k.threads.filter((t) => t.intr).every((t) => t.startFn.name === 'thread_create_intr')).toBe(true);
  });
});

describe('the dump keeps lists and trees in memory (item 7)', () => {
  const s = createSession(r.model, 'x.dump');
  const run = async (cmd: string): Promise<string> => {
    const res = await s.execute(cmd);
    if (!res.ok) throw new Error(`'${cmd}' failed: ${res.errors.join(' / ')}`);
    return res.output;
  };
  const A = (kva: number): bigint => toAddr(r.sys.k.p, kva);
  const bd = cache('blkdev0_xfer');
  const addr = A(bd.addr).toString(16);

  it('::print -t kmem_cache_t shows cache_cpu[] as ::print of the member does', async () => {
    const whole = await run(`${addr}::print -t kmem_cache_t`);
    const cc = bd.cache_cpu[0]!;
    expect(whole).toContain(`uint64_t cc_alloc = 0x${cc.cc_alloc.toString(16)}`);
    expect(whole).toMatch(/kmem_magtype_t \*cache_magtype = 0xf/);
  });

  it('the kmem_slab walker follows cache_complete_slabs and the partial AVL tree', async () => {
    const walked = (await run(`${addr}::walk kmem_slab`)).trim().split('\n').map((l) => BigInt(l));
    const want = [...bd.complete, ...partialInOrder()].map((sp) => A(sp.addr));
    expect(new Set(walked)).toEqual(new Set(want));
    expect(walked.length).toBe(bd.complete.size + bd.npartial);
  });

  it('::kmalog fail shows rootnex_dmahdl slab failures under bd_xfer_ctor', async () => {
    const out = await run('::kmalog fail');
    expect(out).toMatch(/^\nT-0\.000000000 {2}addr=0 {2}rootnex_dmahdl\n\t kmem_slab_create\+0x[0-9a-f]+\n/);
    expect(out).toContain('\t bd_xfer_ctor+0x');
  });

  it("the panicking bd_t holds vioblk's DMA attributes, real queues, and the buf vdev_disk_io_start set up (item 1)", async () => {
    const t = r.sys.k.panicked!.thread;
    const bx = t.frames.find((x) => x.fn.name === 'bd_xfer_alloc')!;
    const bdAddr = A(bx.args[0]!).toString(16);
    const bd = await run(`${bdAddr}::print bd_t d_use_dma d_dma.dma_attr_addr_hi d_dma.dma_attr_sgllen d_dma.dma_attr_maxxfer d_runq.list_head.list_next`);
    expect(bd).toContain('d_use_dma = 1 (B_TRUE)');
    expect(bd).toContain('d_dma.dma_attr_addr_hi = 0xffffffffffffffff');
    expect(bd).toContain('d_dma.dma_attr_sgllen = 0x7e');
    expect(bd).toContain('d_dma.dma_attr_maxxfer = 0x7e000');
    // the run queue's first node is an xfer's i_linkage, whose i_bd is this bd_t
    const first = BigInt(/list_next = (0x[0-9a-f]+)/.exec(bd)![1]!);
    const sim = r.sys.bds.find((b) => A(b.addr).toString(16) === bdAddr)!;
    if (sim.runq.length) expect(first).toBe(A(sim.runq[0]!.addr) + 0x48n);
    const bp = A(bx.args[1]!).toString(16);
    const buf = await run(`${bp}::print buf_t b_flags b_bcount b_iodone`);
    expect(buf).toMatch(/b_flags = 0x10081[04]1\nb_bcount = 0x(8000|10000|20000)\n|b_flags = 0x1008041\nb_bcount = 0x20000\n/);
    expect(buf).toContain('b_iodone = vdev_disk_io_intr');
    expect(buf).not.toContain('baddcafe');
  });

  it("::whatis names a thread's stack and no types; the audit record is not indented (item 8)", async () => {
    const t = r.sys.k.panicked!.thread;
    const sp = A(t.frames[t.frames.length - 1]!.fp);
    const th = A(t.addr).toString(16);
    expect(await run(`${sp.toString(16)}::whatis`)).toBe(`${sp.toString(16)} is in thread ${th}'s stack\n`);
    expect(await run(`${A(t.stkBase).toString(16)}::whatis`)).toBe(`${A(t.stkBase).toString(16)} is in thread ${th}'s stack (below sp)\n`);
    const leaf = A(r.sys.spa.leaves[0]!.addr).toString(16);
    expect(await run(`${leaf}::whatis`)).not.toMatch(/is a vdev_t/);
  });

  it('::panicinfo and $r show the registers vpanic saved (item 11)', async () => {
    const t = r.sys.k.panicked!.thread;
    const sp = A(t.frames[t.frames.length - 1]!.fp).toString(16);
    const vp = A(r.sys.k.sym.funcs.find((f) => f.name === 'vpanic')!.addr).toString(16);
    const info = await run('::panicinfo');
    expect(info).toContain(`             rip ${vp}\n`);
    expect(info).toContain(`             rsp ${sp}\n`);
    expect(info).toMatch(/ {13}rcx {14}a26\n/); // assfail's line number, left in %rcx
    const regs = await run('$r');
    expect(regs).toContain(`%rip = 0x${vp} vpanic\n`);
    expect(regs).toContain('  status=<of,df,IF,tf,sf,ZF,af,PF,cf>\n');
  });

  function partialInOrder() {
    return bd.partial.flatMap((s) => (s ? [...s] : []));
  }
});
