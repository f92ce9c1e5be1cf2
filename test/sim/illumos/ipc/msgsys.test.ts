/*
 * The msgsys scenarios by mechanism (issue #8): the EFAULT path of
 * msg_copyout() strands a hold and leaks messages, unless fixed; the write
 * after free and the snaplist overrun are each caught by DEBUG kmem's checks,
 * which print kmem_error()'s report and panic; runs are deterministic.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../../../src/sim/scenario/run.js';
import { encodeDump } from '../../../../src/dump/index.js';
import { msgLeaks } from '../../../../src/sim/illumos/ipc/msg.js';
import type { IllumosSystem } from '../../../../src/sim/illumos/system.js';

const short: Array<[string, string]> = [['operator.dump_at_s', '6']];
const consoleOf = (r: ReturnType<typeof simulate>): string[] => (r.sys as IllumosSystem).k.msgbuf.map((l) => l.text);

describe('illumos-leak: msg_copyout() returns EFAULT holding a reference', () => {
  const bad = simulate('illumos-leak', { sets: short, fixes: [] });
  const good = simulate('illumos-leak', { sets: short, fixes: ['msg-copyout-efault'] });

  it('leaks headers and texts only through the stranded hold; the fix leaks nothing', () => {
    const ms = (bad.sys as IllumosSystem).msg!;
    expect(ms.stats.efault).toBeGreaterThan(0);
    const leaks = msgLeaks(ms);
    expect(leaks.length).toBeGreaterThan(0);
    const hdrs = leaks.filter((l) => l.reason.startsWith('struct msg'));
    expect(hdrs.length * 2).toBe(leaks.length);
    for (const h of hdrs) expect(h.reason).toMatch(/EFAULT without msg_rele/);
    const fixed = (good.sys as IllumosSystem).msg!;
    expect(fixed.stats.efault).toBeGreaterThan(0);
    expect(msgLeaks(fixed)).toEqual([]);
  });

  it('counts each msgsys call as a system call in the run report', () => {
    const ms = (bad.sys as IllumosSystem).msg!;
    const calls = ms.stats.sent + ms.stats.received + ms.stats.snaps + ms.stats.rmids;
    expect(bad.syscalls).toBeGreaterThanOrEqual(calls);
    expect(bad.syscalls).toBeGreaterThan(0);
  });

  it('writes the ground truth in the dump, apart from kernel memory', () => {
    const t = bad.model.tables.find((x) => x.name === 'leak_truth')!;
    expect(t.rowCount).toBe(msgLeaks((bad.sys as IllumosSystem).msg!).length);
    expect(good.model.tables.find((x) => x.name === 'leak_truth')!.rowCount).toBe(0);
    // the operator's reboot -d: uadmin(A_DUMP) panics on purpose
    expect(bad.model.header.dumpKind).toBe('panic');
    expect(bad.model.header.panic!.message).toBe('forced crash dump initiated at user request');
    expect(bad.sys.k.msgbuf.some((l) => /genunix:kadmin\+/.test(l.text))).toBe(true);
  });

  it('is deterministic: the same seed gives a byte-identical dump', () => {
    const again = simulate('illumos-leak', { sets: short, fixes: [] });
    expect(Buffer.compare(encodeDump(again.model), encodeDump(bad.model))).toBe(0);
  });
});

describe('illumos-corruption: kmem_error() finds each modelled corruption', () => {
  it('msgsnap overruns its snaplist: kmem_free finds the redzone broken', () => {
    // the write after free fixed, so the overrun is the one bug left to find
    const r = simulate('illumos-corruption', { sets: [], fixes: ['msg-copyout-order'] });
    expect(r.outcome).toBe('panic');
    const c = consoleOf(r);
    const i = c.indexOf('kernel memory allocator: redzone violation: write past end of buffer');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(c[i + 1]).toMatch(/^buffer=[0-9a-f]+  bufctl=[0-9a-f]+  cache: kmem_alloc_\d+$/);
    expect(c[i + 2]).toMatch(/^previous transaction on buffer [0-9a-f]+:$/);
    expect(c[i + 3]).toMatch(/^thread=[0-9a-f]+  time=T-\d+\.\d{9}  slab=[0-9a-f]+  cache: kmem_alloc_\d+$/);
    // the allocation's stack runs through msgsnap (its offset is the kernel text's: kern/text.ts, machine/text.ts)
    expect(c.slice(i + 4, i + 12).some((l) => /^msgsnap\+[0-9a-f]+$/.test(l))).toBe(true);
    expect(r.model.header.panic!.message).toBe('kernel heap corruption detected');
  });

  it('unfixed, the first corruption the checks find is reported, once, and the kernel panics on it', () => {
    const r = simulate('illumos-corruption', { sets: [], fixes: [] });
    expect(r.outcome).toBe('panic');
    expect(r.model.header.panic!.message).toBe('kernel heap corruption detected');
    const found = consoleOf(r).filter((l) => l.startsWith('kernel memory allocator: '));
    // with the scenario's seed (and the boot's layout since init, the process tree and the
    // rooted pool, soft state and DNLC) an allocation meets the write after free before
    // kmem_free() meets the overrun; which comes first is the interleaving's, not a rule
    expect(found).toEqual(['kernel memory allocator: buffer modified after being freed']);
  });

  it('msg_copyout writes msg_flags after msg_rele freed it: kmem_cache_alloc_debug finds the poison changed', () => {
    const r = simulate('illumos-corruption', { sets: [], fixes: ['msgsnap-count'] });
    expect(r.outcome).toBe('panic');
    const c = consoleOf(r);
    const i = c.indexOf('kernel memory allocator: buffer modified after being freed');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(c[i + 1]).toBe('modification occurred at offset 0x28 (0xdeadbeefdeadbeef replaced by 0xdeadbeefdeadbeee)');
    expect(c[i + 2]).toMatch(/cache: kmem_alloc_56$/);
    // the previous transaction is the free by msg_rele() from msg_copyout()
    expect(c.slice(i + 5, i + 14).some((l) => l.startsWith('msg_copyout+'))).toBe(true);
  });

  it('with both fixes the load runs to the end', () => {
    const r = simulate('illumos-corruption', { sets: [['stop.max_time_s', '8']], fixes: ['msg-copyout-order', 'msgsnap-count'] });
    expect(r.outcome).toBe('completed');
    expect(consoleOf(r).some((l) => l.startsWith('kernel memory allocator'))).toBe(false);
  });

  it.each([1, 2])('seed %i: the unfixed DEBUG kernel always ends in kmem_error; a non-DEBUG one notices nothing', (seed) => {
    const sets: Array<[string, string]> = [['stop.max_time_s', '10']];
    const r = simulate('illumos-corruption', { seed, sets, fixes: [] });
    expect(r.outcome).toBe('panic');
    expect(r.model.header.panic!.message).toBe('kernel heap corruption detected');
    expect(consoleOf(r).some((l) => l.startsWith('kernel memory allocator: '))).toBe(true);
    const nd = simulate('illumos-corruption', { seed, sets: [...sets, ['kernel.debug', 'false']], fixes: [] });
    expect(nd.outcome).toBe('completed');
  });
});

describe('illumos-leak across seeds', () => {
  it.each([1, 2])('seed %i: leaks without the fix, none with it', (seed) => {
    const bad = simulate('illumos-leak', { seed, sets: short, fixes: [] });
    expect(msgLeaks((bad.sys as IllumosSystem).msg!).length).toBeGreaterThan(0);
    const good = simulate('illumos-leak', { seed, sets: short, fixes: ['msg-copyout-efault'] });
    expect(msgLeaks((good.sys as IllumosSystem).msg!)).toEqual([]);
  });
});
