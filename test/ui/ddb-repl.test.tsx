// The REPL over a real session in ddb syntax (a FreeBSD dump): the db>
// prompt, an empty line repeating the last command, Tab completing ddb words.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { KEY, renderApp, tick } from './app-harness.js';
import { freebsdSession } from '../mdb/modules/freebsd/fixture.js';
import type { FakeSession } from './fake-session.js';

afterEach(() => {
  cleanup();
});

const app = () => renderApp({ session: freebsdSession() as unknown as FakeSession });

describe('<App> in ddb syntax', () => {
  it('shows the db> prompt and runs ddb commands', async () => {
    const a = app();
    await tick();
    expect(a.lastLine()).toBe('db>');
    await a.run('show panic');
    await a.waitFor(() => a.frame().includes('panic: uma_zone_slab is looping'));
    expect(a.frame()).toContain('db> show panic\npanic: uma_zone_slab is looping');
  });

  it('repeats the last command on an empty line', async () => {
    const a = app();
    await a.run('show panic');
    await a.waitFor(() => a.frame().includes('panic: uma'));
    await a.run('');
    await a.waitFor(() => a.frame().includes('db>\npanic: uma_zone_slab is looping'));
  });

  it('completes ddb words with Tab', async () => {
    const a = app();
    await a.type('sh', KEY.tab);
    expect(a.lastLine()).toBe('db> show');
    await a.type('pa', KEY.tab);
    expect(a.lastLine()).toBe('db> show panic');
  });
});
