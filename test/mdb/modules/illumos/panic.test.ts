import { beforeAll, describe, expect, it } from 'vitest';
import { builtinModules } from '../../../../src/mdb/modules/index.js';
import { TABLE_MSGBUF } from '../../../../src/dump/format.js';
import { panicModule, secondsSinceBoot } from '../../../../src/mdb/modules/illumos/panic/index.js';
import { createSession, type MdbSession } from '../../../../src/mdb/session.js';
import { simulate } from '../../../../src/sim/scenario/run.js';
import { PANIC_MSG, T, json, out, threadSession } from './thread-fixture.js';

const h = (v: bigint) => v.toString(16);

describe('registration', () => {
  it('::msgbuf and ::panicinfo are loaded as genunix dcmds and documented (::status is the kvm target\'s)', () => {
    expect(builtinModules).toContain(panicModule);
    expect(panicModule.name).toBe('genunix');
    expect(panicModule.dcmds.map((d) => d.name)).toEqual(['msgbuf', 'panicinfo']);
    for (const d of panicModule.dcmds) expect(d.help).toContain('EXAMPLES');
  });
});

describe('::msgbuf', () => {
  const s = threadSession();
  it('prints the console lines oldest first under MESSAGE', async () => {
    expect(await out(s, '::msgbuf')).toBe(`MESSAGE\nNOTICE: foo0: device attached\npanic[cpu1]/thread=${h(T.panic)}: ${PANIC_MSG}\n`);
    const r = await json(s, '::msgbuf');
    expect(r.data.map((x: { message: string }) => x.message)).toEqual(['NOTICE: foo0: device attached', `panic[cpu1]/thread=${h(T.panic)}: ${PANIC_MSG}`]);
    expect(r.data[0].timestamp).toBe('0x12a05f200');
  });
  it('-v adds when each line was logged, in seconds since boot', async () => {
    const lines = (await out(s, '::msgbuf -v')).split('\n');
    expect(lines[0]).toBe('           TIMESTAMP           LOGCTL MESSAGE');
    expect(lines[1]).toBe('         5.000000000                - NOTICE: foo0: device attached');
    expect(secondsSinceBoot(167_762_348_158n)).toBe('167.762348158');
  });
});

describe('::panicinfo', () => {
  it('prints cpu, thread and message under 16-wide labels', async () => {
    const s = threadSession();
    expect(await out(s, '::panicinfo')).toBe(`             cpu                1\n          thread ${h(T.panic)}\n         message ${PANIC_MSG}\n`);
    expect((await json(s, '::panicinfo')).data).toEqual({ cpu: 1, thread: `0x${h(T.panic)}`, message: PANIC_MSG, registers: [] });
  });
  it('refuses a live dump in one line', async () => {
    expect((await threadSession({ panic: false }).execute('::panicinfo')).errors).toEqual(['mdb: panicinfo: no panic recorded: this is a live dump (savecore -L)']);
  });
});

describe('the first commands on the simulated illumos-2911 panic', () => {
  let s: MdbSession;
  let live: MdbSession;
  let message: string;
  let report: ReturnType<typeof simulate>;
  beforeAll(() => {
    report = simulate('illumos-2911', { sets: [], fixes: [] });
    message = report.model.header.panic!.message;
    s = createSession(report.model, 'dumps/illumos-2911.dump');
    live = createSession(simulate('illumos-2911', { sets: [['stop.max_time_s', '2']], fixes: [] }).model, 'live.dump');
  });
  it('::status and ::panicinfo agree with the kernel panic string; ::msgbuf holds the panic line', async () => {
    expect(message).toMatch(/^assertion failed: /);
    expect(await out(s, '::status')).toContain(`panic message: ${message}\n`);
    expect(await out(s, '::status')).toContain('operating system: 5.11 illumos-2012.10 DEBUG (i86pc)\n');
    const pi = await json(s, '::panicinfo');
    expect(pi.data.message).toBe(message);
    const mb = (await out(s, '::msgbuf')).split('\n');
    expect(mb).toContain(`panic[cpu${pi.data.cpu}]/thread=${pi.data.thread.slice(2)}: ${message}`);
  });
  it('::msgbuf prints every row of the message buffer as it was logged, nothing added or left out', async () => {
    const t = report.model.tables.find((x) => x.name === TABLE_MSGBUF)!;
    const text = t.columns['text']!.values as string[];
    const time = t.columns['timestamp']!.values as BigInt64Array;
    expect(text.length).toBeGreaterThan(1);
    expect(await out(s, '::msgbuf')).toBe(['MESSAGE', ...text.map((l) => l.replace(/^\r/, ''))].map((l) => l + '\n').join(''));
    const v = (await out(s, '::msgbuf -v')).split('\n').slice(1, -1);
    expect(v).toEqual(text.map((l, i) => `${secondsSinceBoot(time[i]!).padStart(20)} ${'-'.padStart(16)} ${l.replace(/^\r/, '')}`));
  });
  it('a short run is a live dump: no panic anywhere', async () => {
    // kt_status_dcmd() prints the dump header's (empty) panic string for a live dump, and no other line
    expect(await out(live, '::status')).toMatch(/^panic message: $/m);
    expect(await out(live, '::status')).not.toContain('live dump');
    expect((await live.execute('::panicinfo')).ok).toBe(false);
    expect((await live.execute('$c')).ok).toBe(false);
    expect((await json(live, '::stacks')).data.groups.every((g: { state: string }) => g.state !== 'PANIC')).toBe(true);
  });
});
