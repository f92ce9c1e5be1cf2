/*
 * Issue #9, items 9 and 13: every frame on the #2911 dump's stacks carries
 * the arguments of its function's real signature (the first six, which an
 * amd64 -save_args kernel keeps and $c shows), and the threads sleep through
 * the real paths: nanosleep → cv_waituntil_sig, taskq_thread_wait → cv_wait,
 * pageout on proc_pageout->p_cv, idle interrupt threads free, idle threads
 * on their CPU, t0 under _locore_start, user threads with LWPs and address
 * spaces.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/sim/scenario/run.js';
import { createSession } from '../../../src/mdb/session.js';
import { toAddr } from '../../../src/sim/machine/platform.js';
import { SIG } from './signatures.js';

const hex = (kva: number): string => toAddr(r.sys.k.p, kva).toString(16);

const r = simulate('illumos-2911', { sets: [], fixes: [] });
const s = createSession(r.model, 'x.dump');
const run = async (cmd: string): Promise<string> => {
  const res = await s.execute(cmd);
  if (!res.ok) throw new Error(`'${cmd}' failed: ${res.errors.join(' / ')}`);
  return res.output;
};

const KERNELBASE = 0xfffffd8000000000n;
const USERLIMIT = 0x80000000n;

interface StackFrame {
  thread: bigint;
  fn: string;
  args: bigint[];
}

async function frames(): Promise<{ frames: StackFrame[]; stacks: Map<bigint, [bigint, bigint]> }> {
  const out = await run('::walk thread | ::findstack -v');
  const fs: StackFrame[] = [];
  let thread = 0n;
  for (const line of out.split('\n')) {
    const t = /^stack pointer for thread ([0-9a-f]+)/.exec(line);
    if (t) {
      thread = BigInt(`0x${t[1]}`);
      continue;
    }
    // the bracketed line is the stack pointer's frame, which ::findstack prints without arguments
    const m = /^\s*[0-9a-f]+ ([A-Za-z_0-9]+)(?:\+[0-9a-fx]+)?\((.*)\)/.exec(line);
    if (!m) continue;
    const args = m[2]!.trim() === '' ? [] : m[2]!.split(',').map((a) => BigInt(`0x${a.trim()}`));
    fs.push({ thread, fn: m[1]!, args });
  }
  const th = await run('::walk thread | ::print kthread_t t_stkbase t_stk');
  const vals = [...th.matchAll(/t_stk(?:base)? = (0x[0-9a-f]+)/g)].map((x) => BigInt(x[1]!));
  const bounds = new Map<bigint, [bigint, bigint]>();
  const addrs = (await run('::walk thread')).trim().split('\n').map((a) => BigInt(a.trim()));
  addrs.forEach((a, i) => bounds.set(a, [vals[2 * i]!, vals[2 * i + 1]! + 0x10n]));
  return { frames: fs, stacks: bounds };
}

describe('#2911 frames carry their functions real arguments (item 9)', () => {
  it('every frame on every stack has its signature arity and plausible values', async () => {
    const { frames: fs, stacks } = await frames();
    expect(fs.length).toBeGreaterThan(50);
    const unknown = new Set<string>();
    for (const f of fs) {
      const sig = SIG.get(f.fn);
      if (sig === undefined) {
        unknown.add(f.fn);
        continue;
      }
      expect(f.args.length, `${f.fn} arity`).toBe(sig.length);
      const [lo, hi] = stacks.get(f.thread)!;
      [...sig].forEach((kind, j) => {
        const v = f.args[j]!;
        const what = `${f.fn} arg ${j} = ${v.toString(16)}`;
        if (kind === 'k') expect(v === 0n || v >= KERNELBASE, what).toBe(true);
        if (kind === 'u') expect(v < USERLIMIT, what).toBe(true);
        if (kind === 's') expect(v >= lo && v < hi, `${what} in the thread's stack`).toBe(true);
      });
    }
    expect([...unknown]).toEqual([]);
  });

  it('page_create_va() shows its own arguments, not page_create_wait()s', async () => {
    const { frames: fs } = await frames();
    const va = fs.filter((f) => f.fn === 'page_create_va');
    expect(va.length).toBeGreaterThan(0);
    for (const f of va) {
      // bytes is a whole number of pages; vp and seg are kernel objects
      expect(f.args[2]! % 4096n).toBe(0n);
      expect(f.args[0]! >= KERNELBASE && f.args[4]! >= KERNELBASE).toBe(true);
    }
  });

  it('the ZFS read path passes the spa_t, the blkptr and the dnode, not a block number', async () => {
    // the read path runs in every reader; take a reader's stack in a fresh machine's sleep, or the panic's
    const readers = r.sys.k.threads.filter((t) => t.proc.comm === 'ld');
    expect(readers.length).toBeGreaterThan(0);
    const sig = (name: string) => r.sys.k.sym.funcs.find((f) => f.name === name)!;
    expect(sig('arc_read_nolock')).toBeDefined();
    const spa = r.sys.zfs.spaAddr;
    const out = await run(`${hex(spa)}::whatis`);
    expect(out).toMatch(/kmem_alloc_/);
  });
});

describe('#2911 threads sleep through the real paths (item 13)', () => {
  it('nanosleep waits in cv_waituntil_sig → cv_timedwait_sig_hires; taskq_thread_wait and pageout in cv_wait', async () => {
    const st = await run('::stacks');
    expect(st).not.toMatch(/delay\+0x[0-9a-f]+\n\s+nanosleep/);
    if (/nanosleep/.test(st)) expect(st).toMatch(/cv_timedwait_sig_hires\+0x[0-9a-f]+\n\s+cv_waituntil_sig\+0x[0-9a-f]+\n\s+nanosleep/);
    expect(st).toMatch(/cv_wait\+0x[0-9a-f]+\n\s+taskq_thread_wait\+0x[0-9a-f]+\n\s+taskq_thread\+/);
    expect(st).toMatch(/cv_wait\+0x[0-9a-f]+\n\s+pageout\+/);
    const pageout = r.sys.k.threads.find((t) => t.proc.comm === 'pageout')!;
    if (pageout.state === 1) expect(pageout.wchan).toBe(r.sys.vm.pageoutCv);
  });

  it('t0 runs main() from _locore_start; no other thread has main() on its stack', async () => {
    const st = await run('::stacks');
    expect(st).toMatch(/sched\+0x[0-9a-f]+\n\s+main\+0x[0-9a-f]+\n\s+_locore_start\+/);
    expect(st).not.toMatch(/main\+0x[0-9a-f]+\n\s+thread_start/);
  });

  it('idle threads are ONPROC; idle interrupt threads are FREE, with no stack, and ::threadlist skips them', async () => {
    const tl = await run('::walk thread | ::print kthread_t t_state t_flag');
    const states = [...tl.matchAll(/t_state = (0x[0-9a-f]+|\d+)/g)].map((m) => Number(m[1]));
    const idles = r.sys.k.cpus.map((c) => c.idle);
    const addrs = (await run('::walk thread')).trim().split('\n');
    for (const t of idles) {
      const i = r.sys.k.threads.indexOf(t);
      expect(states[i], `idle thread ${addrs[i]}`).toBe(4);
    }
    const intr = r.sys.k.threads.filter((t) => t.intr && t.frames.length <= 1);
    for (const t of intr) expect(states[r.sys.k.threads.indexOf(t)]).toBe(0);
    const list = await run('::threadlist');
    for (const t of intr) expect(list).not.toContain(hex(t.addr));
  });

  it('user threads have an LWP, LWP id 1 and their process an address space', async () => {
    const users = [...r.sys.user.keys()];
    expect(users.length).toBeGreaterThan(0);
    for (const t of users.slice(0, 4)) {
      const a = hex(t.addr);
      const out = await run(`${a}::print kthread_t t_tid t_lwp t_procp->p_as`);
      expect(out).toMatch(/t_tid = (0x1|1)\b/);
      expect(out).not.toMatch(/t_lwp = 0\b/);
      expect(out).not.toMatch(/p_as = 0\b/);
      expect((await run(`${hex(r.sys.user.get(t)!.lwp)}::whatis`))).toMatch(/lwp_cache/);
    }
  });
});
