// The FreeBSD modules on the fixture dump (fixture.ts), in both grammars.
import { describe, expect, it } from 'vitest';
import type { DumpModel } from '../../../../src/dump/format.js';
import { readDump } from '../../../../src/dump/read.js';
import { simulate } from '../../../../src/sim/scenario/run.js';
import { createSession } from '../../../../src/mdb/session.js';
import { DOLLAR_VERBS } from '../../../../src/mdb/verbs.js';
import { RLOCK, SQLOCK, TD as TD2020, freebsd2020Session } from './fixture2020.js';
import { BUCKET, CLUST_DATA, KEG, MBUF_DATA, PROC, SLAB, TD, ZONE, freebsdDump, freebsdSession, out } from './fixture.js';

const hx = (v: bigint) => v.toString(16);

describe('session syntax', () => {
  it('defaults to ddb on a FreeBSD dump and mdb on illumos; --syntax overrides', () => {
    expect(freebsdSession().syntax).toBe('ddb');
    expect(freebsdSession().prompt()).toBe('db> ');
    expect(freebsdSession(true, 'mdb').prompt()).toBe('> ');
    const m = { ...freebsdDump(), header: { ...freebsdDump().header, os: 'illumos' as const } };
    expect(createSession(m, 'x').syntax).toBe('mdb');
  });

  it('repeats the last command on an empty line in ddb, and does nothing at first', async () => {
    const s = freebsdSession();
    expect((await s.execute('')).output).toBe('');
    const a = await out(s, 'show panic');
    expect(await out(s, '')).toBe(a);
    expect(await out(s, '   ')).toBe(a);
  });

  it("repeats x at 'next' in the format it kept, and a command that took an address as typed bare (db_command)", async () => {
    const s = freebsdSession();
    const words = async (l: string): Promise<string> => (await out(s, l)).trim();
    expect(await words(`x/x ${hx(KEG.mbuf)},2`)).toMatch(new RegExp(`^0x${hx(KEG.mbuf)}:`));
    // the empty line goes on after the two words x printed, one word, still in hex
    expect(await words('')).toMatch(new RegExp(`^0x${hx(KEG.mbuf + 8n)}:\\s+[0-9a-f]+$`));
    expect(await words('')).toMatch(new RegExp(`^0x${hx(KEG.mbuf + 12n)}:`));
    // x without modifiers keeps db_examine_format
    expect(await words(`x ${hx(KEG.mbuf)}`)).toBe(await words(`x/x ${hx(KEG.mbuf)}`));
    // bt TID, repeated, is bt of the current thread (no address, count 1)
    const cur = await out(s, 'bt');
    await out(s, `bt ${hx(TD.vmwait)}`);
    expect(await out(s, '')).toBe(cur);
    // a line that names no command is not remembered: the empty line still repeats bt
    expect((await s.execute('frobnicate')).ok).toBe(false);
    expect(await out(s, '')).toBe(cur);
  });

  it('words a line that starts with no word, and a comma with no count, as db_command() does', async () => {
    expect((await freebsdSession().execute('123')).errors).toEqual(['Unrecognized input; use "help" to list available commands']);
    expect((await freebsdSession().execute('bt 22,')).errors).toEqual(['Count missing']);
  });

  it('says No such command without a prefix, and fails the line', async () => {
    const r = await freebsdSession().execute('frobnicate');
    expect(r).toMatchObject({ ok: false, errors: ['No such command; use "help" to list available commands'], output: '' });
    expect((await freebsdSession().execute('sh thr')).errors).toEqual(['Ambiguous']);
  });

  it("words an unknown symbol as db_expr.c does in ddb, and as mdb does in mdb's grammar", async () => {
    const r = await freebsdSession(true, 'ddb').execute('bt nosuchsym');
    expect(r).toMatchObject({ ok: false, errors: ["Symbol 'nosuchsym' not found"], output: '' });
    expect((await freebsdSession(true, 'mdb').execute('nosuchsym::print')).errors).toEqual(['mdb: failed to dereference symbol: unknown symbol name']);
  });

  it("words a read of unmapped memory as db_get_value() does in ddb, and as mdb does in mdb's grammar", async () => {
    const r = await freebsdSession(true, 'ddb').execute('x/x 0xdead0,2');
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual(['*** error reading from address dead0 ***']);
    expect((await freebsdSession(true, 'mdb').execute('0xdead0/X')).errors).toEqual(['mdb: failed to read data from target: no mapping for address']);
  });

  it("wraps an address at the kernel's word in ddb (db_expr_t is a long): x -1 on i386 is 0xffffffff", async () => {
    const r = await freebsd2020Session('ddb').execute('x -1');
    expect(r.errors).toEqual(['*** error reading from address ffffffff ***']);
    expect(r.output).toMatch(/^0xffffffff:/);
    // mdb's arithmetic stays 64-bit
    expect((await freebsd2020Session('mdb').execute('-1/X')).errors).toEqual(['mdb: failed to read data from target: no mapping for address']);
  });

  it('lists a table as db_cmd_list() does: 16-column names, four a line, then those with subcommands', async () => {
    const s = freebsdSession();
    const o = await out(s, 'show');
    expect(o.split('\n')[0]).toBe('Subcommand required; available subcommands:');
    // four 16-column names a line; the console drops the last one's padding
    expect(o.split('\n')[1]).toMatch(/^(\S+ +){3}\S+$/);
    expect(o.split('\n')[1]!.search(/\S+$/)).toBe(48);
    expect(o).toContain('\nThe following have subcommands; append "help" to list (e.g. "show help"):\n');
    const all = await out(s, 'show all help');
    expect(all.startsWith('Subcommand required')).toBe(false);
    expect(all.split('\n')[0]!.trim().split(/\s+/)).toEqual([...all.split('\n')[0]!.trim().split(/\s+/)].sort());
    expect((await s.execute('help show')).output).toMatch(/^Command list:\n/);
  });

  it('show turnstile finds no turnstile where the dump has none, in one line', async () => {
    const r = await freebsdSession().execute('show turnstile Giant');
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([expect.stringMatching(/^Unable to locate a turnstile via 0x[0-9a-f]+$/)]);
  });

  it("show lock prints a mutex as db_show_lock() and db_show_mtx() do: class, name, flags, state, owner", async () => {
    const s = createSession(readDump('dumps/freebsd-2004-uma-looping.dump'), 'dumps/freebsd-2004-uma-looping.dump', undefined, { syntax: 'ddb' });
    expect(await out(s, 'show lock Giant')).toBe(' class: sleep mutex\n name: Giant\n flags: {DEF, RECURSE}\n state: {OWNED, CONTESTED}\n owner: 0xc1402500 (tid 100019, pid 19, "tcp")\n');
    // an exact command wins over the longer one it abbreviates
    expect(await out(s, 'show lock')).toBe('');
    expect((await s.execute('show lockc 100022')).output).toMatch(/^thread 100022 .* blocked on lock /);
    const bad = await s.execute('show lock 0x1234');
    expect(bad).toMatchObject({ ok: false, output: '', errors: ['no lock at 0x1234: the dump has no struct mtx there'] });
    const spin = await freebsd2020Session('ddb').execute(`show lock 0x${SQLOCK.toString(16)}`);
    expect(spin.output).toBe(' class: spin mutex\n name: sleepq chain\n flags: {SPIN}\n state: {UNOWNED}\n');
    const rec = await freebsd2020Session('ddb').execute(`show lock 0x${RLOCK.toString(16)}`);
    expect(rec.output).toBe(` class: sleep mutex\n name: btalloc\n flags: {DEF, RECURSE}\n state: {OWNED, CONTESTED, RECURSED}\n owner: 0x${TD2020.pipe.toString(16)} (tid 100120, pid 800, "pipe")\n recursed: 2\n`);
    const j = await freebsd2020Session('mdb').execute(`0x${SQLOCK.toString(16)}::lock`, { json: true });
    expect((j.json[0] as { results: Array<{ data: unknown }> }).results[0]!.data).toMatchObject({ class: 'spin mutex', name: 'sleepq chain', flags: ['SPIN'], state: ['UNOWNED'] });
    expect((j.json[0] as { results: Array<{ data: object }> }).results[0]!.data).not.toHaveProperty('owner');
  });

  it('completes ddb words', () => {
    const s = freebsdSession();
    expect(s.complete('sh')).toEqual(['show']);
    expect(s.complete('show al')).toEqual(['all', 'allchains', 'allpcpu', 'allvmem', 'allvmemdump']);
    expect(s.complete('show all ')).toEqual(['chains', 'pcpu', 'procs', 'trace', 'vmem', 'vmemdump']);
    expect(s.complete('x')).toEqual(['x']);
  });

  it('lists the ddb commands with help', async () => {
    const o = await out(freebsdSession(), 'help');
    expect(o).toMatch(/^Command list:\n/);
    expect(o).toMatch(/^show uma\[\/i\] +print UMA zone statistics \(::uma\)$/m);
    expect(o).toMatch(/^bt \[tid\|pid\|addr\]\[,count\] /m);
  });
});

describe('show uma', () => {
  it("prints the 2004 layout, largest memory first, Free counting buckets and the primary zone's keg", async () => {
    expect(await out(freebsdSession(), 'show uma')).toBe(
      [
        '              Zone   Size    Used    Free    Requests',
        '         MbufClust   2048     200       0         200',
        '            Packet    256      50       5         200',
        '              Mbuf    256      15       7        1005',
        '     UMA RCntSlabs     60      60       0         100',
        '',
      ].join('\n'),
    );
  });

  it('prints CSV with /i, and the same as ::uma -i in mdb syntax', async () => {
    const csv = await out(freebsdSession(), 'show uma/i');
    expect(csv.split('\n')[0]).toBe('Zone,Size,Used,Free,Requests');
    expect(csv).toContain('Packet,256,50,5,200\n');
    expect(await out(freebsdSession(true, 'mdb'), '::uma -i')).toBe(csv);
  });

  it('gives structured results for --json', async () => {
    const r = await freebsdSession().execute('show uma', { json: true });
    const rec = r.json[0] as { command: string; results: Array<{ data: Array<{ zone: string; free: bigint }> }> };
    expect(rec.command).toBe('show uma');
    expect(JSON.stringify(rec.results[0], (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toContain('"zone":"Packet"');
  });
});

describe('traces', () => {
  it('bt traces the panic thread in the 2004 i386 layout', async () => {
    const o = await out(freebsdSession(), 'bt');
    expect(o.split('\n').slice(0, 3)).toEqual([
      `Tracing pid 1234 tid 100045 td 0x${hx(TD.loop)}`,
      `uma_zone_slab(${hx(ZONE.clust)},2,0,c0a1b2c4) at uma_zone_slab+0x10e`,
      `uma_zalloc_internal(${hx(ZONE.clust)},0,2) at uma_zalloc_internal+0x3c`,
    ]);
  });

  it('bt on a hang dump traces the thread the debugger was entered on', async () => {
    const s = freebsdSession(false);
    expect((await out(s, 'bt')).split('\n')[0]).toBe(`Tracing pid 1234 tid 100045 td 0x${hx(TD.loop)}`);
    expect(await out(s, 'show panic')).toBe('panicstr not set\n');
  });

  it('bt takes a tid, pid or thread address, and a frame count', async () => {
    const s = freebsdSession();
    const byTid = await out(s, 'bt 100046,2');
    expect(byTid.split('\n')).toEqual([`Tracing pid 530 tid 100046 td 0x${hx(TD.vmwait)}`, 'mi_switch(1,0) at mi_switch+0x1a0', 'msleep(c0a00130,0,4,c0b00200,0) at msleep+0x2f3', '']);
    expect((await out(s, `where ${hx(TD.giant)}`)).split('\n')[0]).toBe(`Tracing pid 530 tid 100047 td 0x${hx(TD.giant)}`);
    expect((await out(s, 'trace 1234')).split('\n')[0]).toBe(`Tracing pid 1234 tid 100045 td 0x${hx(TD.loop)}`);
    expect((await s.execute('bt 999')).errors).toEqual(['Thread 999 not found']);
    expect((await freebsdSession(true, 'mdb').execute('999::trace')).errors).toEqual(['mdb: Thread 999 not found']);
  });

  it('alltrace traces every thread with its command', async () => {
    const o = await out(freebsdSession(), 'show all trace');
    expect(o.match(/^Tracing command /gm)).toHaveLength(6);
    expect(o).toContain('\nTracing command nfsd pid 530 tid 100046 td 0xc1f3a300\n');
  });

  it('show threads prints each thread with its top frame', async () => {
    expect(await out(freebsdSession(), 'show threads')).toContain(`  100045 (0x${hx(TD.loop)}) (stack 0xc8014000)  uma_zone_slab(c1001400,2,0,c0a1b2c4) at uma_zone_slab+0x10e\n`);
  });
});

describe('ps and show thread/proc', () => {
  it('prints ps with wmesg, lock and CPU columns and bracketed kernel processes', async () => {
    expect(await out(freebsdSession(), 'ps')).toBe(
      [
        // db_ps.c on 32 bits: "wchan" and 7 blanks in the header, the wchan as "%p  ", "(threaded)" padded to the cmd column
        '  pid  ppid  pgrp   uid  state   wmesg   wchan       cmd',
        ' 1234     0  1230  1001  R+      CPU 0               mbuftest',
        '  530     0   530     0  L       (threaded)          nfsd',
        '100046                   D       vmwait  0xc0a00130  nfsd',
        '100047                   L      *Giant   0xc1e00040  nfsd',
        '   11     0     0     0  RL      (threaded)          [idle]',
        '100003                   CanRun                      [idle]',
        '100004                   Run     CPU 1               [idle]',
        '    0     0     0     0  DL      sched   0xc0a3a000  [swapper]',
        '',
      ].join('\n'),
    );
    expect(await out(freebsdSession(), 'show all procs')).toBe(await out(freebsdSession(true, 'mdb'), '::ps'));
  });

  it('show thread prints the lock a blocked thread waits on', async () => {
    expect(await out(freebsdSession(), 'show thread 100047')).toBe(
      [
        `Thread 100047 at 0x${hx(TD.giant)}:`,
        ` proc (pid 530): 0x${hx(PROC.nfsd)}`,
        ' name: nfsd',
        ' pcb: 0xc8011d60',
        ' stack: 0xc8010000-0xc8011fff',
        ' flags: 0  pflags: 0',
        ' state: INHIBITED: {LOCK}',
        ' lock: Giant  turnstile: 0xc1e00040',
        ' priority: 20',
        '',
      ].join('\n'),
    );
    const t = await out(freebsdSession(), 'show thread 100046');
    expect(t).toContain(' state: INHIBITED: {SLEEPING}\n wmesg: vmwait  wchan: 0xc0a00130\n');
    expect(await out(freebsdSession(), 'show thread')).toContain(' state: RUNNING (CPU 0)\n');
  });

  it('show proc prints the process and its threads', async () => {
    const o = await out(freebsdSession(), 'show proc 530');
    // db_show_proc(): groups from cr_groups, ABI from p_sysent, p_args with each NUL as a space (the trailing one never reaches the console)
    expect(o.split('\n').slice(0, 7)).toEqual([`Process 530 (nfsd) at 0x${hx(PROC.nfsd)}:`, ' state: NORMAL', ' uid: 0  gids: 0', ` parent: pid 0 at 0x${hx(PROC.swapper)}`, ' ABI: FreeBSD ELF32', ' arguments: nfsd -u -t', ' threads: 2']);
    expect(o).toContain('100047                   L      *Giant   0xc1e00040  nfsd\n');
  });

  it('show proc reads 2004 inline cr_groups, and gives a kernel process the null ABI and no arguments', async () => {
    expect((await out(freebsdSession(), 'show proc 1234')).split('\n').slice(2, 5)).toEqual([' uid: 1001  gids: 1001, 1001, 0', ` parent: pid 0 at 0x${hx(PROC.swapper)}`, ' ABI: FreeBSD ELF32']);
    const k = (await out(freebsdSession(), 'show proc 0')).split('\n');
    expect(k.slice(1, 5)).toEqual([' state: NORMAL', ' uid: 0  gids: 0', ' ABI: null', ' threads: 1']);
  });

  it('show thread on a 2020 kernel adds the sleep deadline, the uptime at the dump, the container lock and the last switches, its tick delta taken in 32 bits', async () => {
    const o = await out(freebsd2020Session('ddb'), 'show thread 100120');
    expect(o).toMatch(/ wmesg: btalloc  wchan: 0x[0-9a-f]+ sleeptimo 7fffffff\. 8000000000000000 \(curr 384\. 0\)\n priority: 120\n/);
    expect(o).toContain(` container lock: sleepq chain (0x${SQLOCK.toString(16)})\n`);
    expect(o).toContain(' last voluntary switch: 1296 ms ago\n');
    expect(o).not.toContain('involuntary');
    expect(o).toContain(' flags: 0  pflags: 0\n');
  });

  it('show proc follows 2020 cr_groups to cr_smallgroups', async () => {
    const o = (await out(freebsd2020Session('ddb'), 'show proc 801')).split('\n');
    expect(o[2]).toBe(' uid: 1001  gids: 1001, 1001, 0');
    expect(o[5]).toBe(' arguments: sh -c ./pipe');
  });

  it('ps/a adds each process\'s arguments as dump_args() prints them, and --json gives them as argv', async () => {
    const lines = (await out(freebsdSession(), 'ps/a')).split('\n');
    expect(lines.find((l) => l.includes('(threaded)') && l.includes('nfsd'))).toMatch(/ nfsd nfsd -u -t$/);
    expect(lines.find((l) => l.includes('[swapper]'))).toMatch(/\[swapper\]$/);
    const r = await freebsdSession(true, 'mdb').execute('::ps -a', { json: true });
    const rec = r.json[0] as { results: Array<{ data: Array<{ pid: number; args: string[] | null }> }> };
    const procs = rec.results[0]!.data;
    expect(procs.find((p) => p.pid === 530)!.args).toEqual(['nfsd', '-u', '-t']);
    expect(procs.find((p) => p.pid === 0)!.args).toBeNull();
  });
});

describe('pcpu, panic, msgbuf', () => {
  it('show pcpu shows the current CPU, show allpcpu all of them', async () => {
    const s = freebsdSession();
    expect(await out(s, 'show pcpu')).toBe(
      ['cpuid        = 0', `curthread    = 0x${hx(TD.loop)}: pid 1234 tid 100045 "mbuftest"`, 'curpcb       = 0xc8015d60', 'fpcurthread  = none', `idlethread   = 0x${hx(TD.idle0)}: tid 100003 "idle"`, ''].join('\n'),
    );
    expect(await out(s, 'show pcpu 1')).toContain('cpuid        = 1\n');
    expect((await out(s, 'show allpcpu')).match(/^cpuid/gm)).toHaveLength(2);
  });

  it('show panic and show msgbuf', async () => {
    const s = freebsdSession();
    expect(await out(s, 'show panic')).toBe('panic: uma_zone_slab is looping\n');
    expect(await out(s, 'show msgbuf')).toBe('Copyright (c) 1992-2004 The FreeBSD Project.\npanic: uma_zone_slab is looping\n');
  });

  it('p prints values with ddb widths', async () => {
    const s = freebsdSession();
    expect(await out(s, 'p 0t10')).toBe('       a\n');
    expect(await out(s, 'p/d 10')).toBe('         16\n');
  });

  it('x examines memory through the format verbs', async () => {
    expect(await out(freebsdSession(), `x/lx ${hx(ZONE.mbuf)},1`)).toMatch(/^0xc1001000:\s+c0b00100/);
  });
});

describe('mdb syntax on a FreeBSD dump', () => {
  const m = () => freebsdSession(true, 'mdb');

  it('::uma_zone and ::uma_keg', async () => {
    const z = await out(m(), '::uma_zone');
    expect(z.split('\n')[0]).toBe('ADDR     NAME                 SIZE     USED     FREE   REQUESTS  FAILS');
    expect(z).toContain('c1001400 MbufClust            2048      200        0        200      7\n');
    const k = await out(m(), '::uma_keg');
    expect(k).toMatch(/^c1000100 MbufClust\s+2048\s+2048\s+2\s+1\s+100\/512\s+0\s+1 OFFPAGE\|REFCNT\s+UMA RCntSlabs\s+page_alloc$/m);
    expect(k).toMatch(/^c1000200 UMA RCntSlabs\s+60\s+64\s+60\s+1\s+1\/0\s+0\s+1 INTERNAL\s+-\s+page_alloc$/m);
    expect(await out(m(), '*zone_clust::print struct uma_zone uz_keg | ::uma_keg')).toContain('c1000100 MbufClust');
  });

  it('the walkers', async () => {
    expect(await out(m(), '::walk uma_zone')).toBe([ZONE.mbuf, ZONE.pack, ZONE.clust, ZONE.rcnt].map((a) => `0x${hx(a)}\n`).join(''));
    expect(await out(m(), `${hx(KEG.mbuf)}::walk uma_zone`)).toBe(`0x${hx(ZONE.mbuf)}\n0x${hx(ZONE.pack)}\n`);
    expect(await out(m(), '::walk uma_keg')).toBe([KEG.mbuf, KEG.clust, KEG.rcnt].map((a) => `0x${hx(a)}\n`).join(''));
    expect(await out(m(), `${hx(KEG.clust)}::walk uma_slab`)).toBe(`0x${hx(SLAB.clust)}\n`);
    expect((await out(m(), '::walk uma_slab')).split('\n')).toHaveLength(4);
    expect(await out(m(), `${hx(ZONE.pack)}::walk uma_bucket`)).toBe(`0x${hx(BUCKET.packCpu0)}\n0x${hx(BUCKET.packFull)}\n`);
    expect((await out(m(), '::walk uma_bucket')).split('\n')).toHaveLength(5);
    expect(await out(m(), `${hx(PROC.nfsd)}::walk thread`)).toBe(`0x${hx(TD.vmwait)}\n0x${hx(TD.giant)}\n`);
    expect((await out(m(), '::walk proc')).split('\n')).toHaveLength(5);
  });

  it('::print takes a type name with a space, with the address before or after', async () => {
    expect(await out(m(), `${hx(KEG.clust)}::print struct uma_keg uk_recurse`)).toBe('uk_recurse = 1\n');
    expect(await out(m(), `::print struct uma_keg ${hx(KEG.clust)} uk_flags`)).toBe('uk_flags = 0x408\n');
    expect(await out(m(), '*slabrefzone::print struct uma_zone uz_keg | ::print struct uma_keg uk_recurse uk_flags')).toBe('uk_recurse = 1\nuk_flags = 0x20000000\n');
    expect(await out(m(), '::print struct uma_keg')).toContain('uk_recurse');
  });

  it('::whatis tells an item from its slab, keg and state, and stacks and structs', async () => {
    const w = (a: bigint) => out(m(), `${hx(a)}::whatis`);
    expect(await w(CLUST_DATA + 0x900n)).toBe('c3000900 is c3000800+100, allocated from MbufClust\'s keg c1000100, slab c1ff0000\n');
    expect(await w(MBUF_DATA + 0x200n)).toBe("c2000200 is free from Mbuf's keg c1000000, slab c2000f00\n");
    expect(await w(MBUF_DATA + 0x900n)).toBe("c2000900 is free from Mbuf's keg c1000000, slab c2000f00, cached in Packet's bucket c1002040\n");
    expect(await w(SLAB.clust)).toBe("c1ff0000 is allocated from UMA RCntSlabs's keg c1000200, slab c1ff0f80: a struct uma_slab_refcnt of MbufClust's keg\n");
    expect(await w(0xc8014010n)).toBe("c8014010 is c8014000+10, in thread c1f3a180's stack (pid 1234 tid 100045)\n");
    expect(await w(TD.loop + 8n)).toBe('c1f3a188 is c1f3a180+8, a struct thread (pid 1234 tid 100045 "mbuftest")\n');
  });

  it('$c, ::stack, ::findstack, ::stacks, ::status and ::msgbuf', async () => {
    expect((await out(m(), '$c')).split('\n')[0]).toBe('uma_zone_slab+0x10e(c1001400, 2, 0, c0a1b2c4)');
    expect((await out(freebsdSession(false, 'mdb'), '::stack')).split('\n')[0]).toBe('uma_zone_slab+0x10e(c1001400, 2, 0, c0a1b2c4)');
    expect((await out(m(), `${hx(TD.giant)}::findstack`)).split('\n')[0]).toBe('stack pointer for thread c1f3a480 (pid 530 tid 100047 "nfsd"): c8011c00');
    const st = await out(m(), '::stacks -c slab_zalloc');
    expect(st.split('\n').slice(0, 2)).toEqual(['THREAD   STATE  WMESG    COUNT', 'c1f3a300 D      vmwait       1']);
    expect(await out(m(), '::status')).toContain('panic message: uma_zone_slab is looping\n');
    expect(await out(freebsdSession(false, 'mdb'), '::status')).toContain('hang: no panic; the debugger was entered (break) on CPU 0, thread c1f3a180');
    expect(await out(m(), '::msgbuf')).toContain('panic: uma_zone_slab is looping\n');
  });

  it('every FreeBSD dcmd has help with EXAMPLES that name it', async () => {
    const s = m();
    for (const [n, d] of s.registry.dcmdNames()) {
      expect(d.help, n).toMatch(/^EXAMPLES$/m);
      const r = await s.execute(`::help ${d.name}`);
      expect(r.errors, n).toEqual([]);
    }
  });
});

describe('more', () => {
  it('acttrace traces only the threads on a CPU', async () => {
    const o = await out(freebsdSession(), 'acttrace');
    expect(o.match(/^Tracing command .*$/gm)).toEqual([`Tracing command mbuftest pid 1234 tid 100045 td 0x${hx(TD.loop)} (CPU 0)`, `Tracing command idle pid 11 tid 100004 td 0x${hx(TD.idle1)} (CPU 1)`]);
  });

  it('traces a 64-bit dump as func() at func+0xoff/frame 0x...', async () => {
    const { freebsdTypeDefs } = await import('../../../../src/dump/types/freebsd/index.js');
    const m = freebsdDump(true);
    const s = createSession({ ...m, header: { ...m.header, pointerSize: 8, isa: 'amd64', platform: 'amd64' }, types: freebsdTypeDefs(8, 2) }, 'x');
    expect((await out(s, 'bt 100046,2')).split('\n')).toEqual([`Tracing pid 530 tid 100046 td 0x${hx(TD.vmwait)}`, 'mi_switch() at mi_switch+0x1a0/frame 0xc800dc00', 'msleep() at msleep+0x2f3/frame 0xc800dc30', '']);
  });

  it('every dcmd of a FreeBSD ddb session has a summary, EXAMPLES invoking it in mdb form, and a matching synopsis', () => {
    const s = freebsdSession();
    const dcmds = [...new Map(s.registry.dcmdNames().map(([, d]) => [d.name, d])).values()];
    const bad: string[] = [];
    for (const d of dcmds) {
      if (!/^[a-z][^\n]*[^.\s]$/.test(d.summary)) bad.push(`${d.name}: summary`);
      const ex = d.help.split('\n').flatMap((l) => /^\s*> (.+)$/.exec(l)?.[1] ?? []);
      if (!/^EXAMPLES$/m.test(d.help) || !ex.some((l) => new RegExp(`::${d.name}(?![\\w\`])`).test(l) || Object.entries(DOLLAR_VERBS).some(([verb, v]) => v.name === d.name && l.includes(verb)))) bad.push(`${d.name}: examples`);
      const flags = [...d.synopsis.matchAll(/(?:^|[\s[|?:])-([A-Za-z]+)/g)].map((m) => m[1]!).join('');
      for (const letter of Object.keys(d.options)) if (!flags.includes(letter)) bad.push(`${d.name} -${letter}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('lock chains', () => {
  it('show lockchain follows Giant to its owner, running on a CPU', async () => {
    expect(await out(freebsdSession(true, 'ddb'), 'show lockchain 100047')).toBe(
      ['thread 100047 (pid 530, nfsd) blocked on lock 0xc0a00200 (sleep mutex) "Giant"', 'thread 100045 (pid 1234, mbuftest) running on CPU 0', ''].join('\n'),
    );
    expect(await out(freebsdSession(true, 'mdb'), `${hx(TD.giant)}::sleepchain`)).toBe(await out(freebsdSession(true, 'ddb'), 'show sleepchain 100047'));
  });

  it('show allchains prints a chain for every thread blocked on a lock or asleep, in allproc order', async () => {
    const s = freebsdSession(true, 'ddb');
    const o = await out(s, 'show allchains');
    expect(await out(s, 'show all chains')).toBe(o);
    expect(o).toBe(
      [
        'chain 1:',
        ' thread 100046 (pid 530, nfsd) sleeping on 0xc0a00130 "vmwait"',
        'chain 2:',
        ' thread 100047 (pid 530, nfsd) blocked on lock 0xc0a00200 (sleep mutex) "Giant"',
        ' thread 100045 (pid 1234, mbuftest) running on CPU 0',
        'chain 3:',
        ' thread 0 (pid 0, swapper) sleeping on 0xc0a3a000 "sched"',
        '',
      ].join('\n'),
    );
  });
});

describe('::stacks on the PR 248008 dump', () => {
  const session = () => createSession(readDump('dumps/freebsd-248008-btalloc.dump'), 'dumps/freebsd-248008-btalloc.dump', undefined, { syntax: 'mdb' });

  it('groups identical stacks whatever CPU each thread runs on: the idle threads, both running, are one group', async () => {
    // the amd64 build is done and both CPUs idle (on the i386 hang dump CPU 1 runs a compiler)
    const amd64 = createSession(readDump('dumps/freebsd-248008-btalloc-amd64.dump'), 'dumps/freebsd-248008-btalloc-amd64.dump', undefined, { syntax: 'mdb' });
    const st = await out(amd64, '::stacks -a -c sched_idletd');
    expect(st).toBe(
      [
        'THREAD           STATE  WMESG    COUNT',
        'ffffffff81a01480 Run    CPU *        2',
        'ffffffff81a02000',
        '                 sched_idletd+0xc1',
        '                 fork_exit+0x55',
        '',
        '',
      ].join('\n'),
    );
    const r = await amd64.execute('::stacks -c sched_idletd', { json: true });
    const data = (JSON.parse(JSON.stringify(r.json)) as Array<{ results: Array<{ data: Array<Record<string, unknown>> }> }>)[0]!.results[0]!.data;
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ count: 2, wmesg: 'CPU *', wmesgs: ['CPU 0', 'CPU 1'] });
  });

  it('-v first says how many unique stacks and threads there are, as illumos -v does', async () => {
    const all = await out(session(), '::stacks -v');
    const first = all.split('\n')[0]!;
    expect(first).toMatch(/^stacks: \d+ unique stacks \/ \d+ threads$/);
    const groups = all.split('\n').filter((l) => /^c[0-9a-f]{7} /.test(l));
    const threads = groups.reduce((n, l) => n + Number(l.trim().split(/\s+/).at(-1)), 0);
    expect(first).toBe(`stacks: ${groups.length} unique stacks / ${threads} threads`);
    // the counts are of every thread, whatever -c keeps
    expect((await out(session(), '::stacks -v -c sched_idletd')).split('\n')[0]).toBe(first);
  });
});

describe('bt on i386, by era (db_print_stack_entry)', () => {
  it("2020: each frame ends with /frame 0x..., as 13's i386 db_trace.c prints it; 2004: it does not", async () => {
    const s2020 = createSession(readDump('dumps/freebsd-248008-btalloc.dump'), 'dumps/freebsd-248008-btalloc.dump', undefined, { syntax: 'ddb' });
    // make, asleep in wait4
    const make = /^\s*(\d+)\s+\d+\s+\d+\s+\d+\s+\S+\s+wait\s+0x[0-9a-f]+\s+make$/m.exec(await out(s2020, 'ps'));
    expect(make).not.toBeNull();
    const bt = (await out(s2020, `bt ${make![1]}`)).trimEnd().split('\n');
    expect(bt[0]).toMatch(new RegExp(`^Tracing pid ${make![1]} tid \\d+ td 0x[0-9a-f]+$`));
    expect(bt[1]).toMatch(/^mi_switch\(104\) at mi_switch\+0x[0-9a-f]+\/frame 0x[0-9a-f]+$/);
    // the last line is the system call the trace ends in (db_nextframe's SYSCALL line), not a frame
    expect(bt.at(-1)).toMatch(/^--- syscall \(7, FreeBSD ELF32, sys_wait4\), eip = 0x[0-9a-f]+, esp = 0x[0-9a-f]+, ebp = 0x[0-9a-f]+ ---$/);
    for (const l of bt.slice(1, -1)) expect(l).toMatch(/^\w+\([0-9a-f,]*\) at \w+\+0x[0-9a-f]+\/frame 0x[0-9a-f]+$/);
    expect(bt.slice(1, -1).map((l) => l.split('(')[0])).toEqual(['mi_switch', 'sleepq_wait_sig', '_sleep', 'kern_wait6', 'kern_wait', 'sys_wait4', 'syscall', 'Xint0x80_syscall']);
    const s2004 = createSession(readDump('dumps/freebsd-2004-uma-looping.dump'), 'dumps/freebsd-2004-uma-looping.dump', undefined, { syntax: 'ddb' });
    const bt04 = (await out(s2004, 'bt')).trimEnd().split('\n');
    expect(bt04[1]).toBe('kdb_enter(c0b1c540) at kdb_enter+0x21');
    for (const l of bt04.slice(1)) expect(l).not.toContain('/frame');
  });
});

describe('::whatis on a 2020 dump: UMA items by zone, keg, slab and state', () => {
  // every address is read from the dump, as a user would find it: the zone from vmem_bt_zone, its
  // buckets with ::walk uma_bucket, a keg's slabs with ::walk uma_slab. The dump is a live one
  // taken 15 s into a lighter build (4 CPUs, make -j8, fewer objects held), when the CPUs' buckets
  // hold tags; the scenario's own build keeps free pages short, so buckets are mostly disabled
  const LIGHT: Array<[string, string]> = [
    ['kernel.ncpus', '4'],
    ['build.jobs', '8'],
    ['build.held', '200'],
    ['build.anon_mb', '64'],
    ['stop.max_time_s', '15'],
  ];
  let model: DumpModel | undefined;
  const session = () => {
    model ??= simulate('freebsd-248008-btalloc', { seed: 248008, sets: LIGHT, fixes: [], keepSystem: false }).model;
    return createSession(model, 'freebsd-248008-btalloc, a lighter build, at 15 s', undefined, { syntax: 'mdb' });
  };
  const q = async (line: string): Promise<string> => (await out(session(), line)).trimEnd();
  const w = (a: bigint): Promise<string> => q(`${a.toString(16)}::whatis`);
  const member = async (addr: bigint, type: string, m: string): Promise<bigint> => BigInt(/= (0x[0-9a-f]+|\d+)$/.exec(await q(`${addr.toString(16)}::print ${type} ${m}`))![1]!);
  const hex = (a: bigint): string => a.toString(16);
  const big = (x: string): bigint => BigInt(x.startsWith('0x') ? x : `0x${x}`);
  const kegNamed = async (name: string): Promise<bigint> => {
    const l = (await q('::uma_keg')).split('\n').find((x) => x.split(/\s{2,}|\s(?=\d)/)[0]!.replace(/^\S+ /, '') === name);
    return big(l!.split(' ')[0]!);
  };
  const slabsOf = async (keg: bigint): Promise<bigint[]> => (await q(`${hex(keg)}::walk uma_slab`)).split('\n').filter(Boolean).map(big);

  it('places an item by its on-page slab (uk_pgoff below the header) and says which CPU bucket caches it', async () => {
    const zone = BigInt('0x' + /([0-9a-f]+)\s*$/.exec(await q('vmem_bt_zone/X'))![1]);
    const keg = await member(zone, 'struct uma_zone', 'uz_keg');
    const bucket = await member(zone, 'struct uma_zone', 'uz_cpu[0].uc_allocbucket.ucb_bucket');
    expect(bucket).not.toBe(0n);
    const item = await member(bucket, 'struct uma_bucket', 'ub_bucket[0]');
    const line = await w(item);
    const m = new RegExp(`^${hex(item)} is free from vmem btag's keg ${hex(keg)}, slab ([0-9a-f]+), cached in vmem btag's CPU 0 alloc bucket ${hex(bucket)}$`).exec(line);
    expect(m, line).not.toBeNull();
    const slab = BigInt('0x' + m![1]);
    expect(await slabsOf(keg)).toContain(slab);
    // the items lie uk_pgoff below their header
    expect(item).toBeLessThan(slab);
    expect(slab - item).toBeLessThanOrEqual(await member(keg, 'struct uma_keg', 'uk_pgoff'));
    expect(await w(item + 0x10n)).toBe(`${hex(item + 0x10n)} is ${hex(item)}+10, free from vmem btag's keg ${hex(keg)}, slab ${hex(slab)}, cached in vmem btag's CPU 0 alloc bucket ${hex(bucket)}`);
    // the bucket is itself an item of its bucket zone
    expect(await w(bucket)).toMatch(new RegExp(`^${hex(bucket)} is allocated from \\d+ Bucket's keg [0-9a-f]+, slab [0-9a-f]+: a struct uma_bucket$`));
  });

  it('tells free in the slab from allocated, names the struct an allocated item holds, and the slab header', async () => {
    // a boundary tag on kernel_arena's segment list is an allocated btag item
    const arena = BigInt('0x' + /([0-9a-f]+)\s*$/.exec(await q('kernel_arena/X'))![1]);
    const tag = big((await q(`${hex(arena)}::walk vmem_btag`)).split('\n')[0]!);
    expect(await w(tag)).toMatch(new RegExp(`^${hex(tag)} is allocated from vmem btag's keg [0-9a-f]+, slab [0-9a-f]+: a struct vmem_btag$`));
    const keg = await kegNamed('malloc-16');
    const slab = (await slabsOf(keg))[0]!;
    expect(await w(slab + 4n)).toBe(`${hex(slab + 4n)} is ${hex(slab)}+4, a struct uma_slab of malloc-16's keg`);
  });

  it("agrees with the slabs' free counts: a slab's us_freecount items are free in it, the rest allocated or cached", async () => {
    for (const name of ['malloc-16', 'vmem btag']) {
      const keg = await kegNamed(name);
      const [ipers, rsize, pgoff] = [await member(keg, 'struct uma_keg', 'uk_ipers'), await member(keg, 'struct uma_keg', 'uk_rsize'), await member(keg, 'struct uma_keg', 'uk_pgoff')];
      const slab = (await slabsOf(keg))[0]!;
      const s = session();
      const lines: string[] = [];
      for (let i = 0n; i < ipers; i++) lines.push((await out(s, `${hex(slab - pgoff + i * rsize)}::whatis`)).trimEnd());
      expect(lines.every((l) => l.includes(`from ${name}'s keg ${hex(keg)}, slab ${hex(slab)}`))).toBe(true);
      expect(lines.filter((l) => / free from .*slab [0-9a-f]+$/.test(l))).toHaveLength(Number(await member(slab, 'struct uma_slab', 'us_freecount')));
    }
  });

  it('-a reports every source: the item, then the vmem segment its slab lies in; a function is in the text', async () => {
    const zone = BigInt('0x' + /([0-9a-f]+)\s*$/.exec(await q('vmem_bt_zone/X'))![1]);
    const bucket = await member(zone, 'struct uma_zone', 'uz_cpu[0].uc_allocbucket.ucb_bucket');
    const one = (await q(`${hex(bucket)}::whatis`)).split('\n');
    const every = (await q(`${hex(bucket)}::whatis -a`)).split('\n');
    expect(one).toHaveLength(1);
    expect(every[0]).toBe(one[0]);
    // the bucket's page is a busy segment; "base+off, " unless the bucket is the first thing on it
    expect(every.at(-1)).toMatch(new RegExp(`^${hex(bucket)} is (?:[0-9a-f]+\\+[0-9a-f]+, )?allocated in vmem arena 'kernel arena dom' \\(boundary tag [0-9a-f]+\\), imported from 'kernel arena'$`));
    expect(await q('uma_reclaim::whatis')).toMatch(/ is uma_reclaim, in kernel\S*'s text$/);
    expect(await q('vmem_bt_zone::whatis')).toMatch(/ is vmem_bt_zone, in kernel\S*'s data$/);
  });

  it('gives --json typed fields, not only the line: keg, slab, state, the bucket caching it; arena and tag', async () => {
    const zone = BigInt('0x' + /([0-9a-f]+)\s*$/.exec(await q('vmem_bt_zone/X'))![1]);
    const bucket = await member(zone, 'struct uma_zone', 'uz_cpu[0].uc_allocbucket.ucb_bucket');
    const item = await member(bucket, 'struct uma_bucket', 'ub_bucket[0]');
    const r = await session().execute(`${hex(item)}::whatis -a`, { json: true });
    const recs = JSON.parse(JSON.stringify(r.json)) as Array<{ results: Array<{ data: Array<Record<string, unknown>> }> }>;
    const hits = recs[0]!.results[0]!.data;
    // one answer a source: the slab's item once (not again as a bucket's), then the vmem segment
    expect(hits.map((h) => h['kind'])).toEqual(['item', 'vmem']);
    const [it0, seg] = hits;
    expect(it0).toMatchObject({ kind: 'item', kegName: 'vmem btag', state: 'free', cachedIn: { zone: 'vmem btag', place: 'CPU 0 alloc bucket', bucket: `0x${hex(bucket)}` } });
    expect(it0!['keg']).toBe(`0x${hex(await member(zone, 'struct uma_zone', 'uz_keg'))}`);
    expect(it0!['slab']).toMatch(/^0x[0-9a-f]+$/);
    expect(seg).toMatchObject({ kind: 'vmem', arena: 'kernel arena dom', state: 'allocated', importedFrom: ['kernel arena'] });
    const sym = await session().execute('uma_reclaim::whatis', { json: true });
    const symRec = (JSON.parse(JSON.stringify(sym.json)) as typeof recs)[0]!.results[0]!.data as unknown as Record<string, unknown>;
    expect(symRec).toMatchObject({ kind: 'symbol', name: 'uma_reclaim', segment: 'text' });
  });

  it("places an OFFPAGE keg's item through its struct uma_hash_slab (uhs_data)", async () => {
    const keg = await kegNamed('malloc-4096');
    // UMA_ZFLAG_OFFPAGE (0x200000) in 2020's uma_int.h
    expect((await member(keg, 'struct uma_keg', 'uk_flags')) & 0x200000n).toBe(0x200000n);
    const slab = (await slabsOf(keg))[0]!;
    const data = await member(slab, 'struct uma_hash_slab', 'uhs_data');
    // off the page: the header is not in the slab's memory
    expect(slab < data || slab >= data + 4096n).toBe(true);
    expect(await w(data + 8n)).toMatch(new RegExp(`^${hex(data + 8n)} is ${hex(data)}\\+8, (free|allocated) from malloc-4096's keg ${hex(keg)}, slab ${hex(slab)}`));
  });
});

describe('::whatis on the 2020 fixture: an item no slab holds, known by its bucket', () => {
  it("says which zone's bucket caches it", async () => {
    const s = freebsd2020Session('mdb');
    expect(await out(s, 'c7000100::whatis')).toBe("c7000100 is free from mbuf's keg c1e00200, cached in mbuf's bucket cache c1e02000 (no slab of the dump holds it)\n");
    expect(await out(s, 'c7001210::whatis')).toBe("c7001210 is c7001200+10, free from mbuf's keg c1e00200, cached in mbuf's CPU 1 alloc bucket c1e02100 (no slab of the dump holds it)\n");
  });
});

describe("leaving ddb's grammar", () => {
  it('quit ends the session, as $q does in mdb', async () => {
    const s = createSession(readDump('dumps/freebsd-248008-btalloc.dump'), 'dumps/freebsd-248008-btalloc.dump', undefined, { syntax: 'ddb' });
    const r = await s.execute('quit');
    expect(r.errors).toEqual([]);
    expect(r.quit).toBe(true);
  });
});
