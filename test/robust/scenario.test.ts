// Issue #13: names from a scenario file, --set and --fix never reach
// Object.prototype; YAML is parsed with limits; every problem is one line
// `path:line:col: message` (or `--set ...:`), naming the path as given.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applySets, checkFixes, MAX_SCENARIO_BYTES, MAX_SET_BYTES, parseScenario, resolveScenario, ScenarioError } from '../../src/sim/scenario/load.js';

const base = resolveScenario('illumos-2911');
const sc = parseScenario(base.text, base.shown);

function err(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as Error).message;
  }
  throw new Error('expected a ScenarioError');
}

describe('--set and --fix names', () => {
  it.each(['__proto__.x', 'constructor.name', 'hasOwnProperty.x', 'toString', 'kernel.constructor', 'kernel.__proto__', 'constructor', '__proto__', 'kernel.toString', 'valueOf'])(
    '--set %s=1 is an unknown key',
    (key) => {
      expect(err(() => applySets(sc, [[key, '1']]))).toBe(`--set ${key}=1: unknown key '${key}' (see 'mddb scenarios -v')`);
    },
  );
  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])('--fix %s is an unknown fix', (name) => {
    expect(err(() => checkFixes(sc, [name]))).toBe(`unknown fix '${name}' for scenario illumos-2911 (known: 679ac15)`);
  });
  it('a --set value is one YAML scalar on one line', () => {
    expect(err(() => applySets(sc, [['kernel.ncpus', '1\n---\n2']]))).toBe('--set kernel.ncpus=1\\x0a---\\x0a2: a --set value is one line of printable text');
    expect(err(() => applySets(sc, [['kernel.ncpus', '{a: 1}']]))).toBe('--set kernel.ncpus={a: 1}: kernel.ncpus: expected a single value, got a YAML mapping');
    expect(err(() => applySets(sc, [['kernel.ncpus', '[1, 2]']]))).toMatch(/got a YAML list$/);
    expect(err(() => applySets(sc, [['kernel.ncpus', '*a']]))).toMatch(/^--set kernel\.ncpus:1:1: /);
    expect(err(() => applySets(sc, [['kernel.hostname', 'x'.repeat(MAX_SET_BYTES + 1)]]))).toMatch(/the value is 4097 characters, more than 4096$/);
    expect(applySets(sc, [['kernel.hostname', 'a: b']]).kernel.hostname).toBe('a: b');
    expect(applySets(sc, [['kernel.hostname', "'quoted'"]]).kernel.hostname).toBe('quoted');
  });
});

describe('scenario YAML', () => {
  const withKey = (line: string): string => `${base.text}\n${line}\n`;
  it.each(['__proto__: {x: 1}', 'constructor: 1', 'toString: x', 'hasOwnProperty: 1'])('a top-level key %s is refused with its position', (line) => {
    const key = line.split(':')[0]!;
    const n = withKey(line).split('\n').indexOf(line) + 1;
    expect(err(() => parseScenario(withKey(line), 'my/s.yaml'))).toMatch(new RegExp(`^my/s\\.yaml:${n}:1: ${key.replace(/_/g, '_')}: unknown key `));
  });
  it('a section key named after an Object property is refused', () => {
    const text = base.text.replace('  ncpus: 4', '  ncpus: 4\n  constructor: 1');
    expect(err(() => parseScenario(text, 's.yaml'))).toMatch(/^s\.yaml:\d+:3: kernel\.constructor: unknown key/);
    const t2 = base.text.replace('  ncpus: 4', '  ncpus: 4\n  __proto__: 1');
    expect(err(() => parseScenario(t2, 's.yaml'))).toMatch(/^s\.yaml:\d+:3: kernel\.__proto__: unknown key/);
  });
  it('a fix is a name the scenario declares, never a prototype property', () => {
    const s2 = parseScenario(base.text.replace(/fixes:\n/, 'fixes:\n  constructor: "x"\n'), 's.yaml');
    expect(Object.keys(s2.fixes)).toContain('constructor');
    expect(checkFixes(s2, ['constructor'])).toEqual(['constructor']);
    expect(err(() => checkFixes(s2, ['toString']))).toMatch(/^unknown fix 'toString'/);
    expect(err(() => parseScenario(base.text.replace(/fixes:\n/, 'fixes:\n  __proto__: "x"\n'), 's.yaml'))).toMatch(/^s\.yaml:\d+:3: fixes\.__proto__: a fix is named by/);
  });
  it('an alias bomb is refused at each alias, with line and column, before anything expands', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) bomb.push(`${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(9).fill(`*${'abcdefghij'[i - 1]}`).join(',')}]`);
    const m = err(() => parseScenario(bomb.join('\n'), 'bomb.yaml'));
    const lines = m.split('\n');
    expect(lines).toHaveLength(72);
    expect(lines[0]).toBe('bomb.yaml:2:8: aliases (*a) are not allowed in a scenario');
  });
  it('every YAML error is reported with path:line:col', () => {
    const m = err(() => parseScenario('name: x\nname: y\n  bad: [\n', 'dir/x.yaml'));
    for (const l of m.split('\n')) expect(l).toMatch(/^dir\/x\.yaml:\d+:\d+: \S/);
    expect(m.split('\n').length).toBeGreaterThan(1);
    expect(err(() => parseScenario('name: x\n---\nname: y\n', 'x.yaml'))).toBe('x.yaml:2:1: more than one YAML document');
    expect(err(() => parseScenario('name: !foo x\n', 'x.yaml'))).toMatch(/^x\.yaml:1:7: Unresolved tag: !foo/);
  });
  it('a scenario file is bounded before it is parsed, and must be a regular file', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mddb-sc-'));
    const big = path.join(d, 'big.yaml');
    fs.writeFileSync(big, `name: x\n${'#'.repeat(MAX_SCENARIO_BYTES)}\n`);
    expect(err(() => resolveScenario(big))).toBe(`${big}: ${MAX_SCENARIO_BYTES + 9} bytes, larger than any scenario (${MAX_SCENARIO_BYTES} bytes)`);
    expect(err(() => parseScenario('x'.repeat(MAX_SCENARIO_BYTES + 1), 'y.yaml'))).toMatch(/^y\.yaml: \d+ bytes, larger than any scenario/);
    fs.mkdirSync(path.join(d, 'dir.yaml'));
    expect(err(() => resolveScenario(path.join(d, 'dir.yaml')))).toMatch(/is a directory, not a scenario file$/);
    fs.rmSync(d, { recursive: true });
  });
});
