/*
 * End to end: the load alone makes uma_zone_slab() loop on slabrefzone's
 * recursion guard in the unfixed kernel; the fix lets the stress complete;
 * a stock kernel hangs; runs are deterministic.
 */
import { describe, expect, it } from 'vitest';
import { simulate, type RunReport } from '../../../src/sim/scenario/run.js';
import { encodeDump } from '../../../src/dump/codec.js';
import type { FreebsdSystem } from '../../../src/sim/freebsd/system.js';
import type { KThread } from '../../../src/sim/machine/thread.js';

const run = (seed: number, fixes: string[] = [], sets: Array<[string, string]> = []): RunReport =>
  simulate('freebsd-2004-uma-looping', { seed, fixes, sets });
const names = (t: KThread): string[] => [...t.frames].reverse().map((f) => f.fn.name);

describe('freebsd-2004-uma-looping', () => {
  const panics = [1, 2, 2004].map((s) => run(s));

  it('panics with "uma_zone_slab is looping" from the Packet init path, with a header allocation asleep', () => {
    for (const r of panics) {
      expect(r.outcome).toBe('panic');
      expect(r.consoleLine).toBe('panic: uma_zone_slab is looping');
      const sys = r.sys as FreebsdSystem;
      const { u, mb } = sys;
      const pt = sys.k.panicked!.thread;
      const fr = [...pt.frames].reverse();
      const st = names(pt);
      const i = st.indexOf('panic');
      expect(st.slice(i + 1, i + 2)).toEqual(['uma_zone_slab']);
      expect(['uma_zalloc_bucket', 'uma_zalloc_internal']).toContain(st[i + 2]);
      expect(st[i + 3]).toBe('uma_zalloc_arg');
      expect(fr[i + 3]!.args[0]).toBe(mb.zone_clust.addr);
      expect(st[i + 4]).toBe('mb_init_pack');
      expect(['uma_zalloc_bucket', 'uma_zalloc_internal']).toContain(st[i + 5]);
      expect(st[i + 6]).toBe('uma_zalloc_arg');
      expect(fr[i + 6]!.args[0]).toBe(mb.zone_pack.addr);
      expect(st[i + 7]).toBe('m_getcl');
      expect(st).toContain('sosend');
      // somebody sleeps in vmwait (or zonelimit) inside slab_zalloc of the slab-header zone, whose keg is
      // marked; once pages come back it wakes, only to block on Giant, which the looping thread holds
      const hz = u.slabrefzone;
      const sleeper = sys.k.threads.find(
        (t) => ['vmwait', 'zonelimit', 'Giant'].includes(t.wmesg ?? '') && t.frames.some((f) => f.fn.name === 'vm_wait' || f.fn.name === 'msleep') && t.frames.some((f) => f.fn.name === 'slab_zalloc' && f.args[0] === hz.addr),
      );
      expect(sleeper).toBeDefined();
      expect(hz.keg.uk_recurse).toBeGreaterThan(0);
      expect(sys.giant.owner).toBe(pt);
      expect(r.model.header.panic?.message).toBe('uma_zone_slab is looping');
      expect(r.model.header.os).toBe('freebsd');
      expect(r.model.header.pointerSize).toBe(4);
    }
  });

  it('prints its backtrace from inside kdb_backtrace, before the kdb_enter call that bt shows: the two return addresses in panic keep that order', () => {
    const r = panics[0]!;
    const sys = r.sys as FreebsdSystem;
    const msg = sys.k.msgbuf.map((l) => l.text);
    const i = msg.indexOf('KDB: stack backtrace:');
    expect(msg[i + 1]).toMatch(/^kdb_backtrace\(\) at kdb_backtrace\+0x[1-9a-f][0-9a-f]*$/);
    const inTrace = Number.parseInt(/^panic\(.*\) at panic\+0x([0-9a-f]+)$/.exec(msg[i + 2]!)![1]!, 16);
    const pt = sys.k.panicked!.thread;
    const fr = [...pt.frames].reverse();
    expect(fr[0]!.fn.name).toBe('kdb_enter');
    expect(fr[1]!.fn.name).toBe('panic');
    expect(fr[1]!.pcOff).toBeGreaterThan(inTrace);
    // and it ends where the thread entered the kernel, as ddb's bt does: the system call from its trapframe
    const enter = msg.indexOf('KDB: enter: panic');
    expect(msg[enter - 2]).toMatch(/^Xint0x80_syscall\(\) at Xint0x80_syscall\+0x[0-9a-f]+$/);
    expect(msg[enter - 1]).toMatch(/^--- syscall \(133, FreeBSD ELF32, sendto\), eip = 0x[0-9a-f]+, esp = 0x[0-9a-f]+, ebp = 0x[0-9a-f]+ ---$/);
  });

  it('completes with the fix', () => {
    for (const s of [1, 2004]) {
      const r = run(s, ['slabzone-exempt']);
      expect(r.outcome).toBe('completed');
      expect((r.sys as FreebsdSystem).k.panicked).toBeNull();
      expect(r.stopReason).toMatch(/every load process finished/);
      // every packet and cluster the stress allocated it freed: a zone's allocations and frees
      // (its own and its per-CPU caches') balance once no consumer holds an item
      const { mb } = r.sys as FreebsdSystem;
      for (const z of [mb.zone_pack, mb.zone_clust]) {
        const allocs = z.uz_allocs + z.uz_cpu.reduce((a, c) => a + c.uc_allocs, 0);
        const frees = z.uz_frees + z.uz_cpu.reduce((a, c) => a + c.uc_frees, 0);
        expect(allocs, z.uz_name).toBeGreaterThan(0);
        expect(allocs - frees, z.uz_name).toBe(0);
      }
    }
  });

  it('hangs on a stock kernel, and the watchdog breaks into the debugger', () => {
    const r = run(2004, [], [['kernel.uma_loop_panic', '0']]);
    expect(r.outcome).toBe('hang');
    expect(r.model.header.panic).toBeNull();
    expect(r.model.header.dumpKind).toBe('live');
    expect(r.model.header.entry?.reason).toBe('watchdog');
    expect(r.consoleLine).toBe('KDB: enter: watchdog timeout');
    expect((r.sys as FreebsdSystem).u.slabrefzone.keg.uk_recurse).toBeGreaterThan(0);
    // the clock interrupt's path sits on the looping thread: hardclock -> watchdog_fire -> kdb_enter over uma_zone_slab
    const sys = r.sys as FreebsdSystem;
    const t = sys.k.threads.find((x) => sys.k.hex(x.addr) === r.model.header.entry!.thread)!;
    expect(names(t).slice(0, 8)).toEqual(['kdb_enter', 'watchdog_fire', 'hardclock', 'clkintr', 'intr_execute_handlers', 'lapic_handle_intr', 'Xapic_isr1', 'uma_zone_slab']);
    expect(r.model.tables.find((t) => t.name === 'msgbuf')!.columns['text']!.values as string[]).not.toContain('panic: uma_zone_slab is looping');
  });

  it('is deterministic: the same seed gives a byte-identical dump', () => {
    const a = encodeDump(run(2004).model);
    const b = encodeDump(run(2004).model);
    expect(a.equals(b)).toBe(true);
  });
});
