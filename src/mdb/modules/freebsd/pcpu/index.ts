/*
 * Per-CPU data (sys/pcpu.h) as ddb's `show pcpu` and `show allpcpu` print
 * it: each CPU's id, current thread, pcb, FPU owner and idle thread.
 */
import { defineDcmd, text, type DcmdContext, type Module } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { readPanic } from '../../illumos/panic/helpers.js';
import { hex2dec, px, structRows } from '../struct.js';
import { procOf, readFbThread, threadName, threadRows } from '../thread/helpers.js';

export const PCPU = 'struct pcpu';

/** The CPU ddb is on: the panic CPU, or the CPU the debugger was entered on, else 0. */
export function currentCpu(ctx: DcmdContext): number {
  const p = readPanic(ctx.target);
  if (p && p.cpu >= 0) return p.cpu;
  return ctx.target.header.entry?.cpu ?? 0;
}

function threadDesc(ctx: DcmdContext, td: bigint, withPid: boolean): string {
  if (td === 0n) return 'none';
  const r = threadRows(ctx.target).rowOf(td);
  if (r < 0) return px(td);
  const t = readFbThread(ctx.target, r);
  const p = procOf(ctx.target, t);
  // subr_pcpu.c prints td_name (a 2004 thread has none: its process's p_comm)
  const name = threadName(t, p);
  return withPid ? `${px(td)}: pid ${p?.pid ?? -1} tid ${t.tid} "${name}"` : `${px(td)}: tid ${t.tid} "${name}"`;
}

function pcpuLines(ctx: DcmdContext, row: number): { lines: string[]; data: Record<string, unknown> } {
  const pc = structRows(ctx.target, PCPU);
  const cur = pc.get(row, 'pc_curthread');
  const idle = pc.get(row, 'pc_idlethread');
  const fpcur = pc.get(row, 'pc_fpcurthread');
  const pcb = pc.get(row, 'pc_curpcb');
  const cpuid = pc.num(row, 'pc_cpuid');
  const lines = [
    `cpuid        = ${cpuid}`,
    `curthread    = ${threadDesc(ctx, cur, true)}`,
    `curpcb       = ${px(pcb)}`,
    `fpcurthread  = ${threadDesc(ctx, fpcur, true)}`,
    `idlethread   = ${threadDesc(ctx, idle, false)}`,
  ];
  return { lines, data: { pcpu: pc.addr(row), cpuid, curthread: cur, curpcb: pcb, fpcurthread: fpcur, idlethread: idle } };
}

function cpuRow(ctx: DcmdContext, cpu: number): number {
  const pc = structRows(ctx.target, PCPU);
  if (pc.count === 0) throw new DcmdError("couldn't find struct pcpu table: this dump has no per-CPU data");
  for (let r = 0; r < pc.count; r++) if (pc.num(r, 'pc_cpuid') === cpu) return r;
  throw new DcmdError(`CPU ${cpu} not found`);
}

export const showPcpu = defineDcmd({
  name: 'pcpu',
  synopsis: '?',
  address: 'optional',
  summary: "print a CPU's per-CPU data as ddb does",
  help: `Prints one CPU's struct pcpu as ddb's "show pcpu" does: cpuid, the
current thread with its pid, tid and command, the current pcb, the thread
owning the FPU, and the idle thread. Without an address, the CPU ddb is
on: the one that panicked, or on a hang the one the debugger was entered
on. The address is a CPU id (ddb reads it in hex and rereads it as
decimal). In ddb syntax: show pcpu [cpu].

EXAMPLES
  > ::pcpu
  cpuid        = 1
  curthread    = 0xc1402500: pid 19 tid 100019 "tcp"
  ...`,
  options: {},
  ddb: { words: ['show pcpu'], synopsis: '[cpu]' },
  run(ctx, addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const cpu = addr === undefined ? currentCpu(ctx) : hex2dec(addr);
    const { lines, data } = pcpuLines(ctx, cpuRow(ctx, cpu));
    return text(lines.map((l) => l + '\n').join(''), { data });
  },
});

export const showAllPcpu = defineDcmd({
  name: 'allpcpu',
  synopsis: '',
  address: 'none',
  summary: "print every CPU's per-CPU data as ddb does",
  help: `Prints "Current CPU: N" (the CPU ddb is on, as ::pcpu picks it) and a
blank line, then ::pcpu for every CPU in cpuid order, a blank line after
each, as db_show_cpu_all() does. In ddb syntax: show all pcpu, or its alias
show allpcpu.

EXAMPLES
  > ::allpcpu
  Current CPU: 1

  cpuid        = 0
  curthread    = 0xc0b01480: pid 11 tid 100000 "idle: cpu0"
  ...`,
  options: {},
  ddb: { words: ['show all pcpu', 'show allpcpu'] },
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const pc = structRows(ctx.target, PCPU);
    if (pc.count === 0) throw new DcmdError("couldn't find struct pcpu table: this dump has no per-CPU data");
    const out: string[] = [`Current CPU: ${currentCpu(ctx)}`, ''];
    const data = [];
    for (let r = 0; r < pc.count; r++) {
      const x = pcpuLines(ctx, r);
      out.push(...x.lines, '');
      data.push(x.data);
    }
    return text(out.map((l) => l + '\n').join(''), { data });
  },
});

export const pcpuModule: Module = { name: 'pcpu', dcmds: [showPcpu, showAllPcpu], walkers: [] };
