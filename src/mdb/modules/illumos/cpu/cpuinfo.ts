/*
 * ::cpuinfo — one line per CPU (genunix.c): id, cpu_t, flags, runnable
 * threads, base SPL, the running thread's priority, the preemption requests,
 * ticks since the last switch, and the running thread with its command.
 * -v draws the decoded flags, the interrupt threads by PIL and the run queue
 * beside and under each line, with mdb's ASCII connectors.
 */
import { defineDcmd, flag, table, text, type Column, type DcmdContext, type Row } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { bigCol, hx, lbolt, numCol, ptr0, threadIndex } from '../thread/helpers.js';
import { procInfo } from '../thread/procs.js';
import { cpuAddrs, cpuFlagNames, findCpu, interruptThreads, readCpu, runQueue, type CpuInfo } from './helpers.js';

/** One CPU's row: the values ::cpuinfo prints, before formatting. */
function cpuRow(ctx: DcmdContext, c: CpuInfo, now: bigint): Row {
  const target = ctx.target;
  const idx = threadIndex(target);
  const row = idx.rowOf(c.cpu_thread);
  const pri = row < 0 ? undefined : numCol(idx.table, 't_pri')(row);
  let proc: string;
  if (c.cpu_thread === c.cpu_idle_thread) proc = '(idle)';
  else if (c.cpu_thread === 0n) proc = '-';
  else proc = (row < 0 ? undefined : procInfo(target, bigCol(idx.table, 't_procp')(row)))?.comm ?? '?';
  return {
    id: c.cpu_id,
    addr: c.addr,
    flags: c.cpu_flags,
    nrun: c.disp_nrunnable,
    bspl: c.cpu_base_spl,
    pri: pri ?? null,
    rnrn: c.cpu_runrun ? 'yes' : 'no',
    krnrn: c.cpu_kprunrun ? 'yes' : 'no',
    switch: c.cpu_last_swtch !== 0n ? `t-${now - c.cpu_last_swtch}` : '-',
    thread: c.cpu_thread,
    comm: proc,
  };
}

function columns(ps: number): Column[] {
  return [
    { key: 'id', header: 'ID', width: 3, align: 'right' },
    { key: 'addr', header: 'ADDR', width: 'ptr', format: (v) => ptr0(v as bigint, ps) },
    { key: 'flags', header: 'FLG', width: 3, align: 'right', format: (v) => (Number(v) >>> 0).toString(16) },
    { key: 'nrun', header: 'NRUN', width: 4, align: 'right' },
    { key: 'bspl', header: 'BSPL', width: 4, align: 'right' },
    { key: 'pri', header: 'PRI', width: 3, align: 'right', format: (v) => (v === null ? '-' : String(v)) },
    { key: 'rnrn', header: 'RNRN', width: 4, align: 'right' },
    { key: 'krnrn', header: 'KRNRN', width: 5, align: 'right' },
    { key: 'switch', header: 'SWITCH', width: 6 },
    { key: 'thread', header: 'THREAD', width: 'ptr', format: (v) => ptr0(v as bigint, ps) },
    { key: 'comm', header: 'PROC' },
  ];
}

/** The CPU's line, then the flag, interrupt-thread and run-queue drawing, then a blank line. */
function verboseBlock(ctx: DcmdContext, c: CpuInfo, row: Row, cols: Column[]): string {
  const ps = ctx.pointerSize;
  const w = ps * 2;
  const thrDelt = 3 + w + 9;
  const flagDelt = 3 + w + 4;
  const flagWidth = 9;
  const cells = cols.map((col) => {
    const v = col.format ? col.format(row[col.key], row) : String(row[col.key]);
    const width = col.width === 'ptr' ? w : (col.width ?? 0);
    return col.align === 'right' ? v.padStart(width) : v.padEnd(width);
  });
  const header = cols.map((col) => (col.width === 'ptr' ? col.header.padEnd(w) : col.align === 'right' ? col.header.padStart(col.width as number) : col.header.padEnd((col.width as number) ?? 0)));
  const lines = [header.join(' '), cells.join(' ')];

  const flagLines: string[] = [];
  cpuFlagNames(c.cpu_flags).forEach((name, i) => {
    if (i === 0) flagLines.push(' '.repeat(flagDelt) + '|' + ' '.repeat(thrDelt - 1 - flagDelt));
    flagLines.push((' '.repeat(3 + w - flagWidth) + name.padStart(flagWidth) + ' ' + (i === 0 ? '<--+' : '')).padEnd(thrDelt));
  });
  let next = 0;
  const indent = (): string => flagLines[next++] ?? ' '.repeat(thrDelt);

  const runq = c.disp_nrunnable > 0 ? runQueue(ctx.target, c) : [];
  const bar = c.disp_nrunnable > 0 ? '|' : ' ';
  const intr = interruptThreads(ctx.target, c);
  if (intr.length > 0) {
    lines.push(`${indent()}${bar}    |`);
    lines.push(`${indent()}${bar}    +--> ${'PIL'.padStart(3)} THREAD`);
    for (const t of intr) lines.push(`${indent()}${bar}         ${String(t.pil).padStart(3)} ${ptr0(t.addr, ps)}`);
  }
  if (c.disp_nrunnable > 0) {
    lines.push(`${indent()}|`);
    lines.push(`${indent()}+-->  ${'PRI'.padStart(3)} ${'THREAD'.padEnd(w)} PROC`);
    for (const t of runq) lines.push(`${indent()}      ${String(t.pri).padStart(3)} ${ptr0(t.addr, ps)} ${t.comm}`);
  }
  while (next < flagLines.length) lines.push(flagLines[next++]!);
  return lines.map((l) => l.trimEnd() + '\n').join('') + '\n';
}

export default defineDcmd({
  name: 'cpuinfo',
  synopsis: '?[-v]',
  address: 'optional',
  summary: 'print CPU information',
  help: `Prints one line per CPU: its id and cpu_t, cpu_flags in hex, the number
of runnable threads on its dispatch queue, the base SPL, the priority of
the running thread, whether a user or kernel preemption is pending (RNRN,
KRNRN), clock ticks since it last switched threads (t-N), and the running
thread with its command, or (idle). An address selects one CPU, by cpu_t
address or by CPU id. -v also decodes the flags, lists the interrupt
threads the CPU is running, highest PIL first (only levels active in
cpu_intr_actv: an interrupt thread waiting for work is not shown), and
the threads waiting on its run queue.

EXAMPLES
  > ::cpuinfo
   ID ADDR             FLG NRUN BSPL PRI RNRN KRNRN SWITCH THREAD           PROC
    0 fffffffffbe01000  1b    0    0  -1   no    no t-0    fffffffffbe01480 (idle)
    1 fffffffffbe01b80  1b    0    0  -1   no    no t-0    fffffffffbe02000 (idle)
    2 fffffffffbe02700  1b    0    0  59   no    no t-0    ffffff01c0aa1120 ld
    3 fffffffffbe03280  1b    0    0  -1   no    no t-0    fffffffffbe03700 (idle)
  > 3::cpuinfo -v
   ID ADDR             FLG NRUN BSPL PRI RNRN KRNRN SWITCH THREAD           PROC
    3 fffffffffbe03280  1b    0    0  -1   no    no t-0    fffffffffbe03700 (idle)
                         |
              RUNNING <--+
                READY
               EXISTS
               ENABLE`,
  options: { v: flag('decode flags; list interrupt threads and the run queue') },
  input: 'cpu_t',
  run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const target = ctx.target;
    let cpus: bigint[];
    if (addr === undefined) cpus = [...cpuAddrs(target)];
    else {
      const c = findCpu(target, addr);
      if (c === undefined) throw new DcmdError(`${hx(addr)} is neither a valid CPU ID nor a valid cpu_t address`);
      cpus = [c];
    }
    const now = lbolt(target);
    const infos = cpus.map((a) => readCpu(target, a));
    const rows = infos.map((c) => cpuRow(ctx, c, now));
    const cols = columns(ctx.pointerSize);
    if (!opts.v) return table(cols, rows, { addresses: cpus, addressType: 'cpu_t' });
    const out = infos.map((c, i) => verboseBlock(ctx, c, rows[i]!, cols)).join('');
    return text(out, {
      data: infos.map((c, i) => ({
        ...rows[i],
        flagNames: cpuFlagNames(c.cpu_flags).join('|'),
        interruptThreads: interruptThreads(target, c).map((t) => ({ pil: t.pil, thread: t.addr })),
        runQueue: c.disp_nrunnable > 0 ? runQueue(target, c).map((t) => ({ pri: t.pri, thread: t.addr, comm: t.comm })) : [],
      })),
      addresses: cpus,
      addressType: 'cpu_t',
    });
  },
});
