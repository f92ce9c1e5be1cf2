/*
 * mddb simulate's picture (issue #10): free memory over simulated time against
 * the kernel's thresholds, the panic or hang marked; plain report when piped,
 * no colour under NO_COLOR.
 */
import { describe, expect, it } from 'vitest';
import { freeMemoryChart, columns } from '../../src/cli/free-chart.js';
import { runSimulate } from '../../src/cli/simulate.js';
import { FreeMemoryRecorder, MAX_SAMPLES } from '../../src/sim/machine/free-samples.js';

const rec = {
  samples: [[0, 1000], [1_000_000, 800], [2_000_000, 300], [3_000_000, 90], [4_000_000, 40]] as Array<[number, number]>,
  intervalNs: 1_000_000,
  thresholds: [['lotsfree', 500], ['throttlefree', 100], ['pageout_reserve', 50]] as Array<[string, number]>,
};

describe('the free-memory chart', () => {
  it('draws one column per slice, its lowest value, and marks the thresholds crossed and the panic', () => {
    expect(columns(rec, 5_000_000, 5)).toEqual([1000, 800, 300, 90, 40]);
    const s = freeMemoryChart(rec, 'panic', 5_000_000, { width: 10, color: false });
    const [spark, marks, legend] = s.split('\n');
    expect(spark).toMatch(/^free pages: {2}[▁-█]{10} ✗ panic at 0\.005000 s$/);
    expect(marks).toBe('thresholds:  ····LLTTPP');
    expect(legend).toContain('L below lotsfree 500, T below throttlefree 100, P below pageout_reserve 50');
    expect(s).not.toContain('\x1b[');
    // heights fall with free memory
    const bars = [...spark!.slice('free pages:  '.length, 'free pages:  '.length + 10)];
    expect(bars[0]! >= bars[9]!).toBe(true);
    expect(freeMemoryChart(rec, 'hang', 5_000_000, { width: 10, color: false })).toContain('■ hang at');
  });

  it('colours by threshold only when asked: green above, yellow between, red below the last', () => {
    const s = freeMemoryChart(rec, 'panic', 5_000_000, { width: 10, color: true });
    expect(s).toContain('\x1b[32m');
    expect(s).toContain('\x1b[33m');
    expect(s).toContain('\x1b[31m');
  });

  it('the recorder keeps the lowest value per interval and stays bounded', () => {
    let free = 100;
    const r = new FreeMemoryRecorder(() => free, []);
    for (let t = 0; t < 10_000_000_000; t += 100_000) {
      free = t === 5_000_000_000 ? 1 : 100;
      r.poll(t);
    }
    const out = r.record();
    expect(out.samples.length).toBeLessThanOrEqual(MAX_SAMPLES);
    expect(Math.min(...out.samples.map(([, v]) => v))).toBe(1);
  });
});

describe('mddb simulate on a terminal', () => {
  const capture = (tty: boolean) => {
    let text = '';
    const out = { isTTY: tty, columns: 100, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
    const err = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
    return { out, err, text: () => text };
  };
  it('prints the chart after the report on a terminal, and not when piped', () => {
    const old = process.env['NO_COLOR'];
    process.env['NO_COLOR'] = '1';
    try {
      const t = capture(true);
      expect(runSimulate({ scenario: 'freebsd-2004-uma-looping', sets: [], fixes: [], force: false, quiet: false }, t.out, t.err)).toBe(3);
      expect(t.text()).toMatch(/\nfree pages: {2}[▁-█]+ ✗ panic at \d+\.\d{6} s\nthresholds: {2}[·TM]+\n.*T below v_free_target \d+, M below v_free_min \d+\n$/);
      expect(t.text()).not.toContain('\x1b[');
      const p = capture(false);
      runSimulate({ scenario: 'freebsd-2004-uma-looping', sets: [], fixes: [], force: false, quiet: false }, p.out, p.err);
      expect(p.text()).not.toContain('free pages:');
      expect(t.text().startsWith(p.text())).toBe(true);
      // --json carries the same samples for a script
      const j = capture(true);
      runSimulate({ scenario: 'freebsd-2004-uma-looping', sets: [], fixes: [], force: false, quiet: false, json: true }, j.out, j.err);
      const rep = JSON.parse(j.text()) as { freeMemory: { thresholds: Record<string, number>; samples: Array<[number, number]> } };
      expect(Object.keys(rep.freeMemory.thresholds)).toEqual(['v_free_target', 'v_free_min']);
      expect(rep.freeMemory.samples.length).toBeGreaterThan(10);
      expect(j.text()).not.toContain('free pages:');
    } finally {
      if (old === undefined) delete process.env['NO_COLOR'];
      else process.env['NO_COLOR'] = old;
    }
  });
});

describe("the dump's free_memory event log", () => {
  it('holds what the run recorded, and the thresholds come from the kernel variables in the dump', async () => {
    const { readDump } = await import('../../src/dump/read.js');
    const { freeMemoryFromDump } = await import('../../src/cli/free-memory.js');
    const { simulate } = await import('../../src/sim/scenario/run.js');
    for (const [dump, scenario] of [
      ['dumps/illumos-2911.dump', 'illumos-2911'],
      ['dumps/freebsd-2004-uma-looping.dump', 'freebsd-2004-uma-looping'],
    ] as const) {
      const fromDump = freeMemoryFromDump(readDump(dump))!;
      const run = simulate(scenario, { sets: [], fixes: [], keepSystem: false }).freeMemory;
      expect(fromDump).toEqual(run);
      expect(fromDump.samples.length).toBeGreaterThan(10);
    }
  });

  it('a dump without one (older dumps) has no record; a disordered one is refused in one line', async () => {
    const { readDump } = await import('../../src/dump/read.js');
    const { freeMemoryFromDump } = await import('../../src/cli/free-memory.js');
    const { DumpError } = await import('../../src/dump/errors.js');
    const m = readDump('dumps/illumos-2911.dump');
    expect(freeMemoryFromDump({ ...m, tables: m.tables.filter((t) => t.name !== 'free_memory') })).toBeNull();
    const t = m.tables.find((x) => x.name === 'free_memory')!;
    const start = t.columns['start'] as { kind: string; values: BigInt64Array };
    start.values[1] = start.values[0]!;
    expect(() => freeMemoryFromDump(m)).toThrow(DumpError);
    expect(() => freeMemoryFromDump(m)).toThrow(/^cannot read dump: free_memory row 1 starts at \d+, not after the row before$/);
  });
});
