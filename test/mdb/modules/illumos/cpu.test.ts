import { beforeAll, describe, expect, it } from 'vitest';
import { cpuModule } from '../../../../src/mdb/modules/illumos/cpu/index.js';
import { cpuFlagNames } from '../../../../src/mdb/modules/illumos/cpu/helpers.js';
import { builtinModules } from '../../../../src/mdb/modules/index.js';
import { createSession, type MdbSession } from '../../../../src/mdb/session.js';
import { simulate } from '../../../../src/sim/scenario/run.js';
import { CPU0, CPU1, T, json, out, threadSession } from './thread-fixture.js';

const h = (v: bigint) => v.toString(16);
const HEADER = ' ID ADDR             FLG NRUN BSPL PRI RNRN KRNRN SWITCH THREAD           PROC';

describe('registration', () => {
  it('::cpuinfo, ::cpustack and the cpu walker are loaded and documented', () => {
    expect(builtinModules).toContain(cpuModule);
    expect(cpuModule.dcmds.map((d) => d.name)).toEqual(['cpuinfo', 'cpustack']);
    expect(cpuModule.walkers.map((w) => w.name)).toEqual(['cpu']);
    expect(cpuModule.dcmds[0]!.help).toContain('EXAMPLES');
  });
});

describe('the cpu walker', () => {
  it('yields each cpu_t in cpu_list order, typed for ::print', async () => {
    const s = threadSession();
    const r = await json(s, '::walk cpu');
    expect(r.addresses).toEqual([`0x${h(CPU0)}`, `0x${h(CPU1)}`]);
    expect(r.addressType).toBe('cpu_t');
    expect(await out(s, '::walk cpu | ::print cpu_t cpu_id')).toBe('cpu_id = 0\ncpu_id = 1\n');
  });
});

describe('::cpuinfo', () => {
  const s = threadSession();
  it('prints one row per CPU in mdb columns', async () => {
    expect(await out(s, '::cpuinfo')).toBe(
      [
        HEADER,
        '  0 fffffffffbc3f000  1b    0    0  -1   no    no t-0    fffffffffbc2fa80 (idle)',
        '  1 ffffff01d6fa3000  1f    1    0  60   no   yes -      ffffff000f8bcc40 fooadm',
        '',
      ].join('\n'),
    );
  });
  it('reads NRUN through cpu_disp, PRI from the running thread, PROC from its process', async () => {
    const r = await json(s, '::cpuinfo');
    expect(r.rows[1]).toMatchObject({ id: 1, addr: `0x${h(CPU1)}`, flags: '0x1f', nrun: 1, pri: 60, rnrn: 'no', krnrn: 'yes', switch: '-', thread: `0x${h(T.panic)}`, comm: 'fooadm' });
    expect(r.rows[0]).toMatchObject({ comm: '(idle)', pri: -1, switch: 't-0' });
  });
  it('an address selects a CPU by id or by cpu_t address', async () => {
    expect((await json(s, '1::cpuinfo')).rows.map((x: { id: number }) => x.id)).toEqual([1]);
    expect((await json(s, `${h(CPU0)}::cpuinfo`)).rows.map((x: { id: number }) => x.id)).toEqual([0]);
    expect((await s.execute('7::cpuinfo')).errors).toEqual(['mdb: 7 is neither a valid CPU ID nor a valid cpu_t address']);
  });
  it('-v decodes the flags beside the CPU and draws its run queue', async () => {
    const t = await out(s, '1::cpuinfo -v');
    expect(t).toBe(
      [
        HEADER,
        '  1 ffffff01d6fa3000  1f    1    0  60   no   yes -      ffffff000f8bcc40 fooadm',
        '                       |    |',
        '            RUNNING <--+    +-->  PRI THREAD           PROC',
        '              READY                59 ffffff01e1236000 fooadm',
        '           QUIESCED',
        '             EXISTS',
        '             ENABLE',
        '',
        '',
      ].join('\n'),
    );
    const r = await json(s, '::cpuinfo -v');
    expect(r.data[1].flagNames).toBe('RUNNING|READY|QUIESCED|EXISTS|ENABLE');
    expect(r.data[1].runQueue).toEqual([{ pri: 59, thread: `0x${h(T.runq)}`, comm: 'fooadm' }]);
    expect(r.data[0].runQueue).toEqual([]);
  });
  it('-v lists the interrupt threads of the levels active in cpu_intr_actv, not those waiting in the pool', async () => {
    const si = threadSession({ interrupts: true });
    const r = await json(si, '::cpuinfo -v');
    expect(r.data[1].interruptThreads).toEqual([{ pil: 5, thread: `0x${h(T.intr5)}` }]);
    expect(r.data[0].interruptThreads).toEqual([]);
    expect((await out(si, '1::cpuinfo -v')).split('\n').slice(2, 6)).toEqual([
      '                       |    |    |',
      '            RUNNING <--+    |    +--> PIL THREAD',
      `              READY         |           5 ${h(T.intr5)}`,
      '           QUIESCED         |',
    ]);
  });
  it('piped out it passes the cpu_t addresses', async () => {
    expect(await out(s, '::cpuinfo | ::print cpu_t cpu_flags')).toBe('cpu_flags = 0x1b\ncpu_flags = 0x1f\n');
  });
  it('decodes flag bits lowest first', () => {
    expect(cpuFlagNames(0x1b)).toEqual(['RUNNING', 'READY', 'EXISTS', 'ENABLE']);
    expect(cpuFlagNames(0x220)).toEqual(['OFFLINE', 'FAULTED']);
  });
});

describe('::cpuinfo on the simulated illumos-2911 panic', () => {
  let s: MdbSession;
  let panicCpu: number;
  beforeAll(() => {
    const report = simulate('illumos-2911', { sets: [], fixes: [] });
    s = createSession(report.model, 'illumos-2911.dump');
    panicCpu = report.model.header.panic!.cpu;
  });
  it('the panicking CPU runs the panic thread; the others their idle threads', async () => {
    const r = await json(s, '::cpuinfo');
    expect(r.rows).toHaveLength(4);
    const p = r.rows.find((x: { id: number }) => x.id === panicCpu);
    expect(p.thread).toBe(`0x${(await json(s, '::panicinfo')).data.thread.slice(2)}`);
    expect(p.comm).not.toBe('(idle)');
    expect(r.rows.filter((x: { comm: string }) => x.comm === '(idle)')).toHaveLength(3);
  });
  it('-v lists as many queued threads as NRUN says, and no interrupt thread: no CPU is servicing an interrupt', async () => {
    const r = await json(s, '::cpuinfo -v');
    for (const c of r.data) expect(c.runQueue).toHaveLength(c.nrun);
    for (const c of r.data) expect(c.interruptThreads).toEqual([]);
    expect(await out(s, '::cpuinfo -v')).not.toContain('PIL THREAD');
  });
});
