// The kvm target's dcmds (::status, $c/::stack, $C/::stackregs, $r/::regs),
// which mdb registers under the built-in module mdb_kvm. The backtraces are
// tested with the thread module's helpers in thread.test.ts.
import { describe, expect, it } from 'vitest';
import { builtinModules } from '../../../src/mdb/modules/index.js';
import { kvmModule, releaseAndVersion } from '../../../src/mdb/modules/kvm/index.js';
import { DUMP_PATH_KEY } from '../../../src/mdb/modules/illumos/panic/index.js';
import { PANIC_MSG, T, json, out, threadSession } from './illumos/thread-fixture.js';

const h = (v: bigint) => v.toString(16);

describe('registration', () => {
  it('the kvm target module holds ::status, ::stack, ::stackregs and ::regs, each documented', async () => {
    expect(builtinModules).toContain(kvmModule);
    expect(kvmModule.name).toBe('mdb_kvm');
    expect(kvmModule.dcmds.map((d) => d.name)).toEqual(['status', 'stack', 'stackregs', 'regs']);
    for (const d of kvmModule.dcmds) expect(d.help).toContain('EXAMPLES');
    const s = threadSession();
    for (const name of ['status', 'stack', 'stackregs', 'regs']) expect(s.registry.moduleOf(name)).toBe('mdb_kvm');
    expect(await out(s, '::help $c')).toContain('  Module: mdb_kvm\n');
  });
});

describe('::status', () => {
  it('names the dump, the OS release and version, the panic message and the content', async () => {
    const s = threadSession();
    const lines = (await out(s, '::status')).split('\n');
    expect(lines[0]).toMatch(/^debugging crash dump (vmcore\.0 )?\(64-bit\) from myhost$/);
    expect(lines.slice(1)).toEqual([
      'operating system: 5.11 illumos-1a2b3c4d (i86pc)',
      // kt_status_dcmd(): the dump header's image uuid, "(not set)" when the OS image had none
      'image uuid: (not set)',
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
  it("prints a live dump's empty panic message, as kt_status_dcmd() prints the dump header's", async () => {
    const t = await out(threadSession({ panic: false }), '::status');
    expect(t).toContain('\npanic message: \n');
    expect(t).not.toContain('live dump');
  });
  it('splits utsname into release and version', () => {
    expect(releaseAndVersion('SunOS 5.11 illumos-2012.10 DEBUG')).toEqual(['5.11', 'illumos-2012.10 DEBUG']);
    expect(releaseAndVersion('5.11 x')).toEqual(['5.11', 'x']);
  });
  it('takes no address', async () => {
    expect((await threadSession().execute('1::status')).usage).toBe(true);
  });
});

describe('$r (::regs)', () => {
  it('fails in one line: the dump saves no registers, and nothing is made up', async () => {
    const s = threadSession();
    for (const line of ['$r', '::regs']) {
      const r = await s.execute(line);
      expect(r.ok).toBe(false);
      expect(r.output).toBe('');
      expect(r.errors).toEqual(['mdb: no register set available for thread: this dump saves no registers']);
    }
  });
  it('takes no address and no argument (a usage error, as kt_regs)', async () => {
    const s = threadSession();
    expect((await s.execute('1::regs')).usage).toBe(true);
    expect((await s.execute('::regs x')).usage).toBe(true);
  });
});
