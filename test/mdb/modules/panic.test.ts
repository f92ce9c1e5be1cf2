import { beforeAll, describe, expect, it } from 'vitest';
import { builtinModules } from '../../../src/mdb/modules/index.js';
import { DUMP_PATH_KEY, panicModule, releaseAndVersion, secondsSinceBoot } from '../../../src/mdb/modules/panic/index.js';
import { createSession, type MdbSession } from '../../../src/mdb/session.js';
import { simulate } from '../../../src/sim/scenario/run.js';
import { PANIC_MSG, T, json, out, threadSession } from './thread-fixture.js';

const h = (v: bigint) => v.toString(16);

describe('registration', () => {
  it('::status, ::msgbuf and ::panicinfo are loaded and documented', () => {
    expect(builtinModules).toContain(panicModule);
    expect(panicModule.dcmds.map((d) => d.name)).toEqual(['status', 'msgbuf', 'panicinfo']);
    for (const d of panicModule.dcmds) expect(d.help).toContain('EXAMPLES');
  });
});

describe('::status', () => {
  it('names the dump, the OS release and version, the panic message and the content', async () => {
    const s = threadSession();
    const lines = (await out(s, '::status')).split('\n');
    expect(lines[0]).toMatch(/^debugging crash dump (vmcore\.0 )?\(64-bit\) from myhost$/);
    expect(lines.slice(1)).toEqual([
      'operating system: 5.11 illumos-1a2b3c4d (i86pc)',
      `panic message: ${PANIC_MSG}`,
      'dump content: kernel pages only',
      '',
    ]);
    const r = await json(s, '::status');
    expect(r.data).toMatchObject({ bits: 64, hostname: 'myhost', release: '5.11', platform: 'i86pc', dumpKind: 'panic' });
    expect(r.data.panic).toEqual({ message: PANIC_MSG, thread: `0x${h(T.panic)}`, cpu: 1 });
  });
  it('names the dump file when the session passes its path on', async () => {
    const s = threadSession();
    s.state.cache.set(DUMP_PATH_KEY, 'vmcore.0');
    expect((await out(s, '::status')).split('\n')[0]).toBe('debugging crash dump vmcore.0 (64-bit) from myhost');
  });
  it('says a live dump has no panic instead of printing a panic message', async () => {
    const t = await out(threadSession({ panic: false }), '::status');
    expect(t).not.toContain('panic message');
    expect(t).toContain('live dump: taken from a running system (savecore -L); there was no panic\n');
  });
  it('splits utsname into release and version', () => {
    expect(releaseAndVersion('SunOS 5.11 illumos-2012.10 DEBUG')).toEqual(['5.11', 'illumos-2012.10 DEBUG']);
    expect(releaseAndVersion('5.11 x')).toEqual(['5.11', 'x']);
  });
  it('takes no address', async () => {
    expect((await threadSession().execute('1::status')).usage).toBe(true);
  });
});

describe('::msgbuf', () => {
  const s = threadSession();
  it('prints the console lines oldest first under MESSAGE', async () => {
    expect(await out(s, '::msgbuf')).toBe(`MESSAGE\nNOTICE: foo0: device attached\npanic[cpu1]/thread=${h(T.panic)}: ${PANIC_MSG}\n`);
    const r = await json(s, '::msgbuf');
    expect(r.rows.map((x: { message: string }) => x.message)).toHaveLength(2);
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
  beforeAll(() => {
    const report = simulate('illumos-2911', { sets: [], fixes: [] });
    message = report.model.header.panic!.message;
    s = createSession(report.model, 'dumps/illumos-2911.dump');
    live = createSession(simulate('illumos-2911', { sets: [['stop.max_time_s', '2']], fixes: [] }).model, 'live.dump');
  });
  it('::status and ::panicinfo agree with the kernel panic string; ::msgbuf ends with the panic line', async () => {
    expect(message).toMatch(/^assertion failed: /);
    expect(await out(s, '::status')).toContain(`panic message: ${message}\n`);
    expect(await out(s, '::status')).toContain('operating system: 5.11 illumos-2012.10 DEBUG (i86pc)\n');
    const pi = await json(s, '::panicinfo');
    expect(pi.data.message).toBe(message);
    const mb = (await out(s, '::msgbuf')).trimEnd().split('\n');
    expect(mb[mb.length - 1]).toBe(`panic[cpu${pi.data.cpu}]/thread=${pi.data.thread.slice(2)}: ${message}`);
  });
  it('a short run is a live dump: no panic anywhere', async () => {
    expect(await out(live, '::status')).toContain('live dump');
    expect((await live.execute('::panicinfo')).ok).toBe(false);
    expect((await live.execute('$c')).ok).toBe(false);
    expect((await json(live, '::stacks')).data.groups.every((g: { state: string }) => g.state !== 'PANIC')).toBe(true);
  });
});
