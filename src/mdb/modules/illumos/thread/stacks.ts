/*
 * ::stacks — every thread grouped by state, sync object and stack
 * (genunix findstack.c). Each group prints one thread, its state and sync
 * object type, how many threads share the stack, then the stack. The
 * grouping of all threads is kept for the session (-f rebuilds it). With an
 * address, the thread is a representative: the groups holding it print in
 * full. Piped into, the groups are made of the piped threads only. Piped out,
 * it passes on the address of every thread of every group it would print.
 */
import { addresses, defineDcmd, flag, str, text, type DcmdContext } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { evaluate } from '../../../eval.js';
import { parseExpression } from '../../../parse/parser.js';
import { hx, sobjOpsOf, sobjTypeName, threadIndex, threadStateName, threadStateValue } from './helpers.js';
import { FAIL_STACKNOTFOUND, groupStacks, moduleExists, stackHasCaller, stackInModule, type StackGroup } from './stack-groups.js';

const CACHE_KEY = 'thread.stacks';
/** a -t/-T value meaning the panic thread */
const TSTATE_PANIC = -2;
/** a -s/-S value meaning any sync object */
const SOBJ_ALL = 1n;

interface Filters {
  caller?: bigint;
  exclCaller?: bigint;
  module?: string;
  exclModule?: string;
  tstate?: number;
  exclTstate?: number;
  sobj?: bigint;
  exclSobj?: bigint;
  interesting: boolean;
}

/** -c/-C take an expression, as mdb evaluates them ("kmem_cache_alloc", "swtch+0x75"). */
function evalCaller(ctx: DcmdContext, s: string): bigint {
  try {
    return evaluate(parseExpression(s, ctx.radix), { target: ctx.target, dot: 0n, incr: 0n, lastDot: 0n, vars: ctx.vars });
  } catch {
    throw new DcmdError(`stacks: evaluation of "${s}" failed`);
  }
}

function tstateOf(s: string): number {
  if (s.toLowerCase() === 'panic') return TSTATE_PANIC;
  const v = threadStateValue(s);
  if (v === undefined) throw new UsageError(`stacks: tstate "${s}" not recognized`);
  return v;
}

function sobjOf(ctx: DcmdContext, s: string): bigint {
  if (s.toLowerCase() === 'all') return SOBJ_ALL;
  try {
    return sobjOpsOf(ctx.target, s);
  } catch (e) {
    throw new UsageError(`stacks: ${(e as Error).message}`);
  }
}

function keep(ctx: DcmdContext, g: StackGroup, f: Filters): boolean {
  const t = ctx.target;
  if (f.caller !== undefined && !stackHasCaller(t, g, f.caller)) return false;
  if (f.exclCaller !== undefined && stackHasCaller(t, g, f.exclCaller)) return false;
  if (f.module !== undefined && !stackInModule(t, g, f.module)) return false;
  if (f.exclModule !== undefined && stackInModule(t, g, f.exclModule)) return false;
  if (f.tstate !== undefined) {
    if (f.tstate === TSTATE_PANIC ? !g.panic : g.panic || g.state !== f.tstate) return false;
  }
  if (f.exclTstate !== undefined) {
    if (f.exclTstate === TSTATE_PANIC ? g.panic : !g.panic && g.state === f.exclTstate) return false;
  }
  if (f.sobj === SOBJ_ALL ? g.sobjOps === 0n : f.sobj !== undefined && f.sobj !== g.sobjOps) return false;
  // -i keeps the panic stack whatever it sleeps on
  if (!(f.interesting && g.panic)) {
    if (f.exclSobj === SOBJ_ALL ? g.sobjOps !== 0n : f.exclSobj !== undefined && f.exclSobj === g.sobjOps) return false;
  }
  return true;
}

/** The whole-system grouping, built once per session unless -f asks again. */
function allGroups(ctx: DcmdContext, force: boolean): StackGroup[] {
  const hit = ctx.cache.get(CACHE_KEY) as StackGroup[] | undefined;
  if (hit && !force) return hit;
  const groups = groupStacks(ctx.target);
  ctx.cache.set(CACHE_KEY, groups);
  return groups;
}

/**
 * The piped threads all at once, when the engine offers them (mdb_get_pipe);
 * otherwise each call sees its own thread, and each prints as its own group.
 */
function pipeInput(ctx: DcmdContext, addr: bigint): bigint[] | undefined {
  const all = (ctx as DcmdContext & { pipeInput?: readonly bigint[] }).pipeInput;
  if (!ctx.piped) return undefined;
  if (all !== undefined) return ctx.first ? [...all] : [];
  return [addr];
}

export default defineDcmd({
  name: 'stacks',
  pipeAll: true,
  synopsis: '?[-afiv] [-c func] [-C func] [-m module] [-M module] [-s sobj | -S sobj] [-t state | -T state]',
  address: 'optional',
  summary: 'print unique kernel thread stacks',
  help: `Groups every thread by thread state, synchronisation object type and
stack, and prints one line per group: a representative thread, its state
(FREE SLEEP RUN ONPROC ZOMB STOPPED WAIT, or PANIC for the panic thread),
its sync object type (MUTEX RWLOCK CV SEMA USER USER_PI SHUTTLE or <NONE>)
and the number of threads, then the shared stack. Larger groups come first;
the panic stack comes last. With an address, the groups holding that thread
are printed; with piped input, only the piped threads are grouped. When
piped out, the addresses of all threads of the printed groups are passed on.

-i is short for -S CV -T FREE. -c and -C take a function (any pc inside it
matches) or an exact pc (func+0xoff); -s and -S take ALL for any sync object.

EXAMPLES
  > ::stacks
  THREAD           STATE    SOBJ                COUNT
  ffffff01c0a94aa0 SLEEP    CV                      7
                   swtch+0x14c
                   cv_timedwait_sig_hires+0x244
                   cv_waituntil_sig+0x54
                   nanosleep+0x114
                   sys_syscall+0x114

  fffffffffbe01480 ONPROC   <NONE>                  3
                   idle+0xc
                   thread_start+8

  ...
  > ::stacks -c kmem_cache_alloc
  THREAD           STATE    SOBJ                COUNT
  ffffff01c0a94560 SLEEP    CV                      2
                   swtch+0x14c
                   cv_wait+0xc
                   page_create_throttle+0x84
  ...
  > ::stacks -m blkdev | ::findstack -v
  stack pointer for thread ffffff01c0aa1120 (ld/1): ffffff0008b7bf90
  [ ffffff0008b7bf90 vpanic() ]
  ...`,
  options: {
    a: flag('list every thread of each group'),
    f: flag('rebuild the cached grouping'),
    i: flag('only interesting stacks: same as -S CV -T FREE'),
    v: flag('report how many unique stacks and threads were found'),
    c: str('func', 'only stacks containing func'),
    C: str('func', 'only stacks not containing func'),
    m: str('module', 'only stacks with a frame in module'),
    M: str('module', 'only stacks without a frame in module'),
    s: str('sobj', 'only threads blocked on that sync object type (or ALL)'),
    S: str('sobj', 'only threads not blocked on it'),
    t: str('state', 'only threads in that state (or PANIC)'),
    T: str('state', 'only threads not in that state'),
  },
  input: 'kthread_t',
  async run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const target = ctx.target;
    const idx = threadIndex(target);
    if (opts.i && (opts.s !== undefined || opts.S !== undefined || opts.t !== undefined || opts.T !== undefined))
      throw new UsageError('stacks: -i is incompatible with -[sStT]');
    const f: Filters = { interesting: opts.i };
    if (opts.c !== undefined) f.caller = evalCaller(ctx, opts.c);
    if (opts.C !== undefined) f.exclCaller = evalCaller(ctx, opts.C);
    for (const [k, m] of [['module', opts.m], ['exclModule', opts.M]] as const) {
      if (m === undefined) continue;
      if (!moduleExists(target, m)) throw new DcmdError(`stacks: module "${m}" is unknown`);
      f[k] = m;
    }
    const sobj = opts.i ? undefined : opts.s;
    const exclSobj = opts.i ? 'CV' : opts.S;
    if (sobj !== undefined) f.sobj = sobjOf(ctx, sobj);
    if (exclSobj !== undefined) f.exclSobj = sobjOf(ctx, exclSobj);
    if (f.sobj !== undefined && f.exclSobj !== undefined) throw new UsageError('stacks: only one of -s and -S can be specified');
    const tstate = opts.i ? undefined : opts.t;
    const exclTstate = opts.i ? 'FREE' : opts.T;
    if (tstate !== undefined) f.tstate = tstateOf(tstate);
    if (exclTstate !== undefined) f.exclTstate = tstateOf(exclTstate);
    if (f.tstate !== undefined && f.exclTstate !== undefined) throw new UsageError('stacks: only one of -t and -T can be specified');

    await ctx.poll();
    let groups: StackGroup[];
    const piped = addr === undefined ? undefined : pipeInput(ctx, addr);
    if (piped !== undefined) {
      if (piped.length === 0) return undefined;
      const rows: number[] = [];
      for (const a of new Set(piped)) {
        const r = idx.rowOf(a);
        if (r < 0) throw new DcmdError(`stacks: ${hx(a)} not in thread list`);
        rows.push(r);
      }
      groups = groupStacks(target, rows.sort((x, y) => x - y));
    } else {
      groups = allGroups(ctx, opts.f);
      if (addr !== undefined) {
        groups = groups.filter((g) => g.threads.includes(addr));
        if (groups.length === 0) throw new DcmdError(`stacks: ${hx(addr)} not in thread list`);
      }
    }
    const shown = groups.filter((g) => keep(ctx, g, f));
    if (ctx.pipedInto) return addresses(shown.flatMap((g) => g.threads), 'kthread_t');
    const threads = shown.reduce((n, g) => n + g.rows.length, 0);
    const verbose = opts.v ? `stacks: ${groups.length} unique stacks / ${groups.reduce((n, g) => n + g.rows.length, 0)} threads\n` : '';
    const header = ctx.first || !ctx.loop;
    return text(verbose + renderGroups(ctx, shown, opts.a, header), {
      data: {
        groups: shown.map((g) => ({
          thread: g.threads[0]!,
          stateName: stateText(g),
          sobj: sobjText(ctx, g),
          count: g.rows.length,
          threads: g.threads,
          stack: g.pcs.map((pc) => ctx.target.formatAddr(pc)),
          ...(g.failed ? { failed: 'no consistent stack found' } : {}),
          ...(g.overflow ? { truncated: true } : {}),
        })),
        threadCount: threads,
      },
    });
  },
});

const stateText = (g: StackGroup): string => (g.panic ? 'PANIC' : threadStateName(g.state).toUpperCase());
const sobjText = (ctx: DcmdContext, g: StackGroup): string => sobjTypeName(ctx.target, g.sobjOps).toUpperCase();

/** The groups as mdb prints them: a header (again before each group with -a), the member line(s), the frames, a blank line. */
export function renderGroups(ctx: DcmdContext, groups: StackGroup[], all: boolean, header: boolean): string {
  const w = ctx.pointerSize * 2;
  const pad = ' '.repeat(w);
  const head = `${'THREAD'.padEnd(w)} ${'STATE'.padEnd(8)} ${'SOBJ'.padEnd(w)} ${'COUNT'.padStart(8)}\n`;
  let out = '';
  let printed = !header;
  for (const g of groups) {
    if (all || !printed) {
      out += head;
      printed = true;
    }
    const st = stateText(g).padEnd(8);
    const so = sobjText(ctx, g).padEnd(w);
    const members = all ? g.threads : g.threads.slice(0, 1);
    members.forEach((t, i) => {
      const count = i === 0 ? String(g.rows.length) : '-';
      out += `${hx(t).padEnd(w)} ${st} ${so} ${count.padStart(8)}\n`;
    });
    if (g.failed === FAIL_STACKNOTFOUND) out += `${pad} <no consistent stack found>\n`;
    for (const pc of g.pcs) out += `${pad} ${ctx.target.formatAddr(pc)}\n`;
    if (g.overflow) out += `${pad} ... truncated ...\n`;
    out += '\n';
  }
  return out;
}
