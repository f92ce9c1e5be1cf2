import { describe, expect, it } from 'vitest';
import { normalizeResult, safeComplete, safeExecute, safePrompt } from '../../src/ui/safe-session.js';
import { headerText } from '../../src/ui/header.js';
import { FakeSession } from './fake-session.js';
import type { DebugSession } from '../../src/mdb/api.js';

describe('guarded session calls', () => {
  it('turns garbage results into printable ones', () => {
    expect(normalizeResult(null).errors[0]).toMatch(/^mdb: internal error/);
    expect(normalizeResult({ output: 42, errors: 'x', quit: 'yes' })).toEqual({ output: '', errors: [], quit: false });
    expect(normalizeResult({ output: 'a\n', errors: ['e1\ne2'], quit: true })).toEqual({
      output: 'a\n',
      errors: ['e1', 'e2'],
      quit: true,
    });
  });

  it('catches a throwing execute', async () => {
    const r = await safeExecute(new FakeSession(), '::throw', { signal: new AbortController().signal });
    expect(r.errors).toEqual(['mdb: internal error: engine exploded']);
  });

  it('survives throwing prompt() and complete()', () => {
    const broken = {
      prompt: () => {
        throw new Error('x');
      },
      complete: () => {
        throw new Error('y');
      },
    } as unknown as DebugSession;
    expect(safePrompt(broken)).toBe('> ');
    expect(safeComplete(broken, '::')).toEqual([]);
  });

  it('builds the header from the session info', () => {
    expect(headerText(new FakeSession().info)).toBe(
      'mddb: dumps/fake.dump (host testhost, illumos 5.11) panic: kernel heap corruption detected',
    );
    expect(headerText({ path: 'x.dump', hostname: 'h', os: 'freebsd', kernelVersion: '', panic: null })).toBe(
      'mddb: x.dump (host h, freebsd) no panic (live dump)',
    );
    // the version names the OS already; a hang dump says where the debugger was entered
    expect(headerText({ path: 'h.dump', hostname: 'x4', os: 'freebsd', kernelVersion: 'FreeBSD 6.0-CURRENT #0', panic: null, entry: 'watchdog' })).toBe(
      'mddb: h.dump (host x4, FreeBSD 6.0-CURRENT #0) no panic (hang: the debugger was entered, watchdog)',
    );
  });
});
