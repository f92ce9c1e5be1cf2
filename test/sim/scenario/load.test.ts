import { describe, expect, it } from 'vitest';
import { applySets, checkFixes, parseScenario, resolveScenario, ScenarioError } from '../../../src/sim/scenario/load.js';

const base = resolveScenario('illumos-2911');

function err(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    const m = (e as Error).message;
    expect(m.split('\n')).toHaveLength(1);
    return m;
  }
  throw new Error('expected a ScenarioError');
}

describe('scenario files', () => {
  it('the built-in scenario parses with every section filled', () => {
    const sc = parseScenario(base.text, base.file);
    expect(sc.name).toBe('illumos-2911');
    expect(sc.kernel.debug).toBe(true);
    expect(Object.keys(sc.fixes)).toEqual(['679ac15']);
    expect(sc.stop.max_time_s).toBeGreaterThan(0);
  });

  it('names file (as given), line, column and key for an unknown key', () => {
    const text = base.text.replace('  ncpus: 4', '  ncpus: 4\n  nccpus: 2');
    const line = text.split('\n').findIndex((l) => l.includes('nccpus')) + 1;
    expect(err(() => parseScenario(text, '/x/my.yaml'))).toBe(
      `/x/my.yaml:${line}:3: kernel.nccpus: unknown key (expected one of platform, version, hostname, debug, ncpus, physmem_mb)`,
    );
  });

  it('rejects a value of the wrong type with its line', () => {
    const text = base.text.replace('debug: true', 'debug: yes');
    const line = text.split('\n').findIndex((l) => l.includes('debug: yes')) + 1;
    expect(err(() => parseScenario(text, 'a.yaml'))).toBe(`a.yaml:${line}:3: kernel.debug: expected true or false, got 'yes'`);
  });

  it('rejects out-of-range numbers, duplicate keys and aliases', () => {
    expect(err(() => parseScenario(base.text.replace('ncpus: 4', 'ncpus: 0'), 'a.yaml'))).toMatch(/kernel\.ncpus: must be at least 1, got 0$/);
    expect(err(() => parseScenario(base.text.replace('  ncpus: 4', '  ncpus: 4\n  ncpus: 2'), 'a.yaml'))).toMatch(/^a\.yaml:\d+:\d+: duplicate key$/);
    expect(err(() => parseScenario('name: &a x\ntitle: *a\nos: illumos\n', 'a.yaml'))).toBe('a.yaml:2:8: aliases (*a) are not allowed in a scenario');
    expect(err(() => parseScenario('- 1\n- 2\n', 'a.yaml'))).toBe('a.yaml:1:1: a scenario must be a mapping of keys');
  });

  it('--set overrides any value and checks it', () => {
    const sc = parseScenario(base.text, base.file);
    const s2 = applySets(sc, [['kernel.debug', 'false'], ['reader.threads', '3'], ['kernel.hostname', 'box']]);
    expect(s2.kernel.debug).toBe(false);
    expect(s2.reader.threads).toBe(3);
    expect(s2.kernel.hostname).toBe('box');
    expect(sc.kernel.debug).toBe(true);
    expect(err(() => applySets(sc, [['kernel.bogus', '1']]))).toBe("--set kernel.bogus=1: unknown key 'kernel.bogus' (see 'mddb scenarios -v')");
    expect(err(() => applySets(sc, [['kernel.ncpus', 'many']]))).toBe("--set kernel.ncpus=many: kernel.ncpus: expected a number, got 'many'");
  });

  it('knows its fixes and no others', () => {
    const sc = parseScenario(base.text, base.file);
    expect(checkFixes(sc, ['679ac15', '679ac15'])).toEqual(['679ac15']);
    expect(err(() => checkFixes(sc, ['abc']))).toBe("unknown fix 'abc' for scenario illumos-2911 (known: 679ac15)");
  });

  it('unknown scenarios and missing files are one line', () => {
    expect(err(() => resolveScenario('nope'))).toBe("unknown scenario 'nope' (built-in scenarios: freebsd-2004-uma-looping, freebsd-248008-btalloc, illumos-2911, illumos-corruption, illumos-leak)");
    expect(err(() => resolveScenario('./missing.yaml'))).toBe('./missing.yaml: no such scenario file');
  });
});
