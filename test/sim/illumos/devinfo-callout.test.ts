/*
 * Issue #9, the rest of it: the device tree the attach path builds
 * (::prtconf, ::devinfo and their walkers), the callouts the timed sleeps
 * arm (::callout and its walkers), mdb's usage errors for every illumos
 * dcmd, and the caches anon_init() and the timeouts create. Each expectation
 * is checked against the simulated kernel's own state.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/sim/scenario/run.js';
import { createSession } from '../../../src/mdb/session.js';
import { toAddr } from '../../../src/sim/machine/platform.js';
import { DS_READY, NAME_TO_MAJOR, type DevInfo } from '../../../src/sim/illumos/io/devinfo.js';
import { CALLOUT_BUCKETS, CALLOUT_ID_FREE, CALLOUT_LIST_FLAG_HRESTIME, CALLOUT_LIST_FLAG_QUEUED, calloutState, clhash, idhash } from '../../../src/sim/illumos/kern/callout.js';
import { illumosModules } from '../../../src/mdb/modules/illumos/index.js';

const r = simulate('illumos-2911', { sets: [], fixes: [] });
const sys = r.sys as unknown as import('../../../src/sim/illumos/system.js').IllumosSystem;
const k = sys.k;
const A = (kva: number): bigint => toAddr(k.p, kva);
const hex = (kva: number): string => A(kva).toString(16);
const s = createSession(r.model, 'x.dump');
const run = async (cmd: string): Promise<string> => {
  const res = await s.execute(cmd);
  if (!res.ok) throw new Error(`'${cmd}' failed: ${res.errors.join(' / ')}`);
  return res.output;
};

describe('the device tree (devcfg.c, genunix devinfo.c)', () => {
  const tree = sys.devs;
  const depth = (n: DevInfo): number => (n.parent ? depth(n.parent) + 1 : 0);
  const preorder = (n: DevInfo): DevInfo[] => [n, ...n.children.flatMap(preorder)];

  it('the attach path builds root → pseudo, pci → vioblk → blkdev, every node DS_READY with its driver', () => {
    expect(tree.top.names.binding).toBe('i86pc');
    expect(tree.top.instance).toBe(-1);
    expect(tree.top.children.map((c) => c.names.node)).toEqual(['pseudo', 'pci']);
    const pci = tree.top.children[1]!;
    expect(pci.children.map((c) => c.names.node)).toEqual(sys.disks.map(() => 'pci1af4,2'));
    pci.children.forEach((v, i) => {
      expect(v.instance).toBe(i);
      expect(NAME_TO_MAJOR[v.major]).toBe('vioblk');
      expect(v.driverData).toBe(sys.disks[i]!.addr);
      const b = v.children[0]!;
      expect(NAME_TO_MAJOR[b.major]).toBe('blkdev');
      // bd_attach(): the bd_t's d_dip is the blkdev node, whose driver data is the bd_t
      expect(sys.bds[i]!.dip).toBe(b.addr);
      expect(b.driverData).toBe(sys.bds[i]!.addr);
      // ZFS opened the disk
      expect(b.ref).toBe(1);
    });
    for (const n of tree.nodes) expect(n.nodeState).toBe(DS_READY);
    // devi_next: a driver's nodes in attach order from dn_head
    const vio = tree.devnames[NAME_TO_MAJOR.indexOf('vioblk')]!;
    expect(vio.head).toBe(pci.children[0]);
    expect(vio.instance).toBe(sys.disks.length);
  });

  it('::prtconf prints the tree as the kernel linked it, indented four per level', async () => {
    const out = (await run('::prtconf')).split('\n').filter(Boolean);
    expect(out[0]).toBe('DEVINFO          NAME');
    const want = preorder(tree.top).map((n) => {
      const inst = n.instance >= 0 ? `, instance #${n.instance}` : '';
      return `${' '.repeat(4 * depth(n))}${hex(n.addr)} ${n.names.binding}${inst} (driver name: ${NAME_TO_MAJOR[n.major]})`;
    });
    expect(out.slice(1)).toEqual(want);
  });

  it('-p prints the parents of a node, -c its subtree, both from the node given', async () => {
    const pci = tree.top.children[1]!;
    const v0 = pci.children[0]!;
    const b0 = v0.children[0]!;
    const p = (await run(`${hex(b0.addr)}::prtconf -p`)).split('\n').filter(Boolean);
    expect(p.slice(1).map((l) => l.trim().split(' ')[0])).toEqual([tree.top, pci, v0, b0].map((n) => hex(n.addr)));
    const c = (await run(`${hex(pci.addr)}::prtconf -c`)).split('\n').filter(Boolean);
    expect(c.slice(1).map((l) => l.trim().split(' ')[0])).toEqual(preorder(pci).map((n) => hex(n.addr)));
    expect(c[1]!.startsWith(hex(pci.addr))).toBe(true);
    expect(c[2]!.startsWith('    ')).toBe(true);
  });

  it('the walkers follow devi_child/devi_sibling/devi_parent as mdb does', async () => {
    const b0 = tree.top.children[1]!.children[0]!.children[0]!;
    const lines = (t: string) => t.split('\n').filter(Boolean).map((l) => BigInt(l));
    expect(lines(await run('::walk devinfo'))).toEqual(preorder(tree.top).map((n) => A(n.addr)));
    expect(lines(await run(`${hex(b0.addr)}::walk devinfo_parents`))).toEqual([tree.top, b0.parent!.parent!, b0.parent!, b0].map((n) => A(n.addr)));
    expect(lines(await run(`${hex(b0.addr)}::walk devinfo`))).toEqual([tree.top, b0.parent!.parent!, b0.parent!, b0].map((n) => A(n.addr)));
  });

  it('::devinfo -s prints the summary: major, open count, node@unit, state, instance, flags', async () => {
    const b0 = tree.top.children[1]!.children[0]!.children[0]!;
    const out = (await run(`${hex(b0.addr)}::devinfo -s`)).split('\n');
    expect(out[0]).toMatch(/^DEVINFO +MAJ +REFCNT NODENAME +NODESTATE$/);
    expect(out[3]!.split(/ +/)).toEqual([hex(b0.addr), String(b0.major), '1', 'blkdev@0', 'DS_READY']);
    expect(out[4]!.trim().split(/ +/)).toEqual(['0', '0', 'blkdev', '<>']);
    const pci = tree.top.children[1]!;
    expect((await run(`${hex(pci.addr)}::devinfo -s`)).split('\n')[5]).toMatch(/<MADE_CHILDREN,ATTACHED_CHILDREN>$/);
    // its usage string says an address is required (":[-qs]")
    const res = await s.execute('::devinfo');
    expect(res.errors).toEqual(['Usage: address::devinfo [-qs]', "mdb: try '::help devinfo' for more information"]);
  });

  it('bd_t::print d_dip leads to the blkdev node', async () => {
    const bd = sys.bds[0]!;
    expect((await run(`${hex(bd.addr)}::print bd_t d_dip | ::devinfo -q`)).trim()).toBe(`${hex(bd.dip)} blkdev, instance #0 (driver name: blkdev)`);
  });
});

describe('callouts (callout.c, genunix ::callout)', () => {
  const st = calloutState(k)!;

  it('callout_init() sizes the ID layout from max_ncpus and gives every online CPU its tables', () => {
    // fanout bits for 4 CPUs: 2, plus the type bit
    expect(st.bits).toBe(1 + Math.ceil(Math.log2(k.cfg.ncpus)));
    expect(st.tables).toHaveLength(2 * k.cfg.ncpus);
    for (const t of st.tables) {
      expect(t.heap).not.toBe(0);
      expect(t.cyclic).not.toBe(0);
      expect(t.idhash).not.toBeNull();
      // the boot CPU's heap is CALLOUT_CHUNK; callout_mp_init() sizes the others from physmem
      expect(t.heapMax).toBe(t.index < 2 ? 256 : 1024);
    }
  });

  it('CALLOUT_CLHASH and CALLOUT_IDHASH fold as sys/callo.h does', () => {
    expect(clhash(0)).toBe(0);
    expect(clhash(0x1ff)).toBe(0x1ff);
    // (x ^ x>>9 ^ x>>18 ^ x>>27) & 511
    expect(clhash(0x200)).toBe(1);
    expect(clhash(0x12345678)).toBe(Number((0x12345678n ^ (0x12345678n >> 9n) ^ (0x12345678n >> 18n) ^ (0x12345678n >> 27n)) & 511n));
    expect(idhash(st, 0x17ffffff0n)).toBe(Number((0x17ffffff0n >> BigInt(st.bits)) & BigInt(CALLOUT_BUCKETS - 1)));
  });

  it('every thread asleep in nanosleep has its cv_wakeup callout pending, on the callout queue, hrestime-based', async () => {
    // nanosleep's hires callouts are on the callout queue; cv_timedwait()'s on the list hash
    const queued = st.tables.flatMap((t) => t.queue.flatMap((l) => l.callouts.map((c) => ({ t, l, c }))));
    const hashed = st.tables.flatMap((t) => [...t.lists.values()].flatMap((ls) => ls.flatMap((l) => l.callouts.map((c) => ({ t, l, c })))));
    const pending = [...queued, ...hashed];
    const sleepers = k.threads.filter((t) => t.wchan !== 0 && t.frames.some((f) => f.fn.name === 'nanosleep'));
    expect(sleepers.length).toBeGreaterThan(0);
    expect(new Set(pending.filter((p) => p.c.func.name === 'cv_wakeup').map((p) => p.c.arg))).toEqual(new Set(sleepers.map((t) => t.addr)));
    expect(hashed.every((p) => p.c.func.name === 'setrun')).toBe(true);
    for (const p of pending) expect(p.c.xid & CALLOUT_ID_FREE).toBe(0n);
    for (const p of queued) {
      expect(p.l.flags & (CALLOUT_LIST_FLAG_QUEUED | CALLOUT_LIST_FLAG_HRESTIME)).toBe(CALLOUT_LIST_FLAG_QUEUED | CALLOUT_LIST_FLAG_HRESTIME);
      // the ID names its table
      expect(Number(p.c.xid & ((1n << BigInt(st.bits)) - 1n))).toBe(p.t.index);
    }
    const out = (await run('::callout')).split('\n').filter(Boolean);
    expect(out[0]).toBe('SEQ T EXP            XHAL XID              FUNC(ARG)');
    const rows = out.slice(1).map((l) => l.split(/ +/));
    expect(rows.map((x) => x[x.length - 1]).sort()).toEqual(pending.map((p) => `${p.c.func.name}(${hex(p.c.arg)})`).sort());
    for (const x of rows) {
      expect(x[1]).toBe('R');
      // the hires callouts are hrestime-based (XHAL 'H'); cv_timedwait()'s are not
      if (x[x.length - 1]!.startsWith('cv_wakeup(')) expect(x[3]).toBe('H');
    }
    // -f and -p filter by function and argument; -n leaves the realtime callouts out
    const one = pending[0]!;
    expect((await run(`::callout -p ${hex(one.c.arg)}`)).split('\n').filter(Boolean)).toHaveLength(2);
    const setruns = pending.filter((p) => p.c.func.name === 'setrun').length;
    // the header prints with the first callout shown
    expect((await run('::callout -f setrun')).split('\n').filter(Boolean).length).toBe(setruns === 0 ? 0 : 1 + setruns);
    expect(await run('::callout -n')).toBe('');
  });

  it('freed callouts are on ct_free with CALLOUT_ID_FREE; -F walks them; -A | ::print reads them', async () => {
    const free = st.tables.flatMap((t) => {
      const xs = [];
      for (let c = t.free; c; c = c.freeNext) xs.push(c);
      return xs;
    });
    expect(free.length).toBeGreaterThan(0);
    for (const c of free) expect(c.xid & CALLOUT_ID_FREE).toBe(CALLOUT_ID_FREE);
    expect((await run('::callout -F')).split('\n').filter(Boolean).length).toBe(1 + free.length);
    const addrs = (await run('::callout -A')).split('\n').filter(Boolean);
    const first = st.tables.flatMap((t) => t.queue.flatMap((l) => l.callouts))[0]!;
    expect(addrs).toContain(hex(first.addr));
    expect((await run(`${hex(first.addr)}::print callout_t c_func`)).trim()).toBe(`c_func = ${first.func.name}`);
  });

  it('::callout -T prints the tables; the walkers go table by table and along the chains', async () => {
    const t = (await run('::callout -T')).split('\n').filter(Boolean);
    expect(t[0]).toBe('SEQ T FREE             LFREE            CYCLIC           HEAP');
    expect(t.slice(1).map((l) => l.split(/ +/)[5])).toEqual(st.tables.map((x) => hex(x.heap)));
    expect((await run('::walk callout_table')).split('\n').filter(Boolean).map((l) => BigInt(l))).toEqual(st.tables.map((x) => A(x.addr)));
    const q = st.tables.find((x) => x.queue.length > 0)!;
    expect((await run(`${hex(q.queue[0]!.addr)}::walk callout_list`)).split('\n').filter(Boolean).map((l) => BigInt(l))).toEqual(q.queue.map((l) => A(l.addr)));
    expect((await s.execute('::walk callout_list')).errors).toEqual(["mdb: callout list doesn't support global walk"]);
  });

  it('conflicting options are usage errors printed as ::callout prints them', async () => {
    const res = await s.execute('::callout -t 5 -a 4');
    expect(res.usage).toBe(true);
    expect(res.errors[0]).toBe('-t and -a|b are mutually exclusive');
    expect(res.errors[1]).toMatch(/^Usage: \[address\]::callout /);
  });
});

describe("mdb's usage errors, for every illumos dcmd (mdb_getopts, mdb_dcmd_usage)", () => {
  it("an illegal option prints the warning, Usage: and the ::help line, and fails", async () => {
    const names = illumosModules.flatMap((m) => m.dcmds.map((d) => d.name));
    expect(names).toEqual(expect.arrayContaining(['kmastat', 'prtconf', 'devinfo', 'callout']));
    for (const name of names) {
      const res = await s.execute(`::${name} -@`);
      expect(res.ok, name).toBe(false);
      expect(res.usage, name).toBe(true);
      expect(res.errors[0], name).toBe('mdb: illegal option -- @');
      expect(res.errors[1], name).toMatch(new RegExp(`^Usage: (\\[address\\]::|address::)?${name}\\b`));
      expect(res.errors[2], name).toBe(`mdb: try '::help ${name}' for more information`);
    }
  });
});

describe('the caches the stacks imply (item 14)', () => {
  it('exist, created by their subsystems in boot order', async () => {
    const names = k.cfg && sys.km.caches.map((c) => c.cache_name);
    for (const n of ['anon_cache', 'anonmap_cache', 'kmem_defrag_cache', 'kmem_move_cache', 'arc_buf_t', 'zio_link_cache', 'callout_cachebabecafe', 'callout_lcachebabecafe', 'cyclic_id_cache'])
      expect(names, n).toContain(n);
    const at = (n: string) => names.indexOf(n);
    expect(at('thread_cache')).toBeLessThan(at('anon_cache'));
    expect(at('anon_cache')).toBeLessThan(at('anonmap_cache'));
    expect(at('kmem_move_cache')).toBeLessThan(at('cyclic_id_cache'));
    expect(at('cyclic_id_cache')).toBeLessThan(at('callout_cachebabecafe'));
    expect(at('callout_lcachebabecafe')).toBeLessThan(at('rootnex_dmahdl'));
    const kmastat = await run('::kmastat');
    expect(kmastat).toMatch(/^anon_cache +48 /m);
    expect(kmastat).toMatch(/^callout_cachebabecafe +80 /m);
    expect(kmastat).toMatch(/^callout_lcachebabecafe +48 /m);
  });
});
