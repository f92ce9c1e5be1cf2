/*
 * Loading a scenario: safe YAML (no aliases, unique keys, core schema), then
 * validation against schema.ts with errors that name the file, line and key;
 * then `--set` overrides and `--fix` choices, checked the same way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { ERA_DOC, FIXES_DOC, sectionsOf, TOP, type AnyScenario, type Field, type ScalarValue, type ScenarioOs } from './schema.js';

/** A scenario problem: one line, "file:line: key: what is wrong". */
export class ScenarioError extends Error {}

/** Built-in scenarios ship as YAML in src/sim/scenarios (also found from dist/). */
export function builtinDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // src/sim/scenario -> src/sim/scenarios; dist/sim/scenario -> src/sim/scenarios
  const candidates = [path.resolve(here, '../scenarios'), path.resolve(here, '../../../src/sim/scenarios')];
  for (const c of candidates) if (fs.existsSync(c) && fs.readdirSync(c).some((f) => f.endsWith('.yaml'))) return c;
  return candidates[1]!;
}

export function builtinNames(): string[] {
  const dir = builtinDir();
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** The largest scenario file read: the built-in ones are a few KB; a bigger file is refused before it is parsed. */
export const MAX_SCENARIO_BYTES = 1 << 20;
/** The longest `--set` value (the text after `=`). */
export const MAX_SET_BYTES = 4096;

/**
 * Resolve a scenario argument: a built-in name or a path to a YAML file.
 * `shown` is how messages name it: the path as the user typed it.
 */
export function resolveScenario(arg: string): { file: string; text: string; shown: string } {
  const looksLikePath = arg.includes('/') || arg.endsWith('.yaml') || arg.endsWith('.yml');
  const file = looksLikePath ? path.resolve(arg) : path.join(builtinDir(), `${arg}.yaml`);
  const shown = looksLikePath ? arg : path.basename(file);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    if (looksLikePath) throw new ScenarioError(`${arg}: no such scenario file`);
    throw new ScenarioError(`unknown scenario '${arg}' (built-in scenarios: ${builtinNames().join(', ') || 'none'})`);
  }
  if (!st.isFile()) throw new ScenarioError(`${shown}: ${st.isDirectory() ? 'is a directory' : 'not a regular file'}, not a scenario file`);
  if (st.size > MAX_SCENARIO_BYTES) throw new ScenarioError(`${shown}: ${st.size} bytes, larger than any scenario (${MAX_SCENARIO_BYTES} bytes)`);
  return { file, text: fs.readFileSync(file, 'utf8'), shown };
}

function checkValue(where: string, key: string, f: Field, v: unknown): ScalarValue {
  const bad = (what: string): never => {
    throw new ScenarioError(`${where}: ${key}: ${what}`);
  };
  switch (f.type) {
    case 'string':
      if (typeof v !== 'string') bad(`expected a string, got ${describe(v)}`);
      if (f.oneOf && !f.oneOf.includes(v as string)) bad(`expected one of ${f.oneOf.join(', ')}, got '${String(v)}'`);
      return v as string;
    case 'boolean':
      if (typeof v !== 'boolean') bad(`expected true or false, got ${describe(v)}`);
      return v as boolean;
    case 'int':
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v)) bad(`expected a number, got ${describe(v)}`);
      const n = v as number;
      if (f.type === 'int' && !Number.isInteger(n)) bad(`expected an integer, got ${n}`);
      if (f.min !== undefined && n < f.min) bad(`must be at least ${f.min}, got ${n}`);
      if (f.max !== undefined && n > f.max) bad(`must be at most ${f.max}, got ${n}`);
      return n;
    }
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

/** "line:col" of the key at keyPath (the deepest key found), 1-based. */
function posOf(doc: Document, lc: LineCounter, keyPath: string[]): string {
  let node: unknown = doc.contents;
  let pos = { line: 1, col: 1 };
  for (const k of keyPath) {
    if (!isMap(node)) break;
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === k);
    if (!pair) break;
    const kn = pair.key as Node;
    if (kn.range) pos = lc.linePos(kn.range[0]);
    node = pair.value;
  }
  return `${pos.line}:${pos.col}`;
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * One YAML text as a Document, refused unless it is a single document with
 * no errors, no warnings and no aliases. Each problem is `where:line:col:
 * message`, one line each, every one of them (yaml's own positions).
 */
function parseYaml(text: string, where: string, lc: LineCounter): Document {
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true, lineCounter: lc, strict: true });
  const lines: string[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    const at = e.linePos?.[0];
    const first = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const msg = e.code === 'DUPLICATE_KEY' ? 'duplicate key' : e.code === 'MULTIPLE_DOCS' ? 'more than one YAML document' : first;
    lines.push(`${where}:${at ? `${at.line}:${at.col}` : '1:1'}: ${msg}`);
  }
  // An alias could expand exponentially (a "billion laughs" document) and a
  // scenario has no use for one: refuse them where they stand, with their position.
  visit(doc, {
    Alias(_key, node) {
      const p = node.range ? lc.linePos(node.range[0]) : { line: 1, col: 1 };
      lines.push(`${where}:${p.line}:${p.col}: aliases (*${node.source}) are not allowed in a scenario`);
    },
  });
  if (lines.length > 0) throw new ScenarioError(lines.join('\n'));
  return doc;
}

/**
 * Parse and validate scenario text; `os` picks the sections that apply.
 * `file` names the scenario in messages, as the user gave it.
 */
export function parseScenario(text: string, file: string): AnyScenario {
  const base = file;
  if (text.length > MAX_SCENARIO_BYTES) throw new ScenarioError(`${base}: ${text.length} bytes, larger than any scenario (${MAX_SCENARIO_BYTES} bytes)`);
  const lc = new LineCounter();
  const doc = parseYaml(text, base, lc);
  let js: unknown;
  try {
    // no alias survives parseYaml; the limit is the yaml package's own guard, kept as a second line
    js = doc.toJS({ maxAliasCount: 0 });
  } catch (e) {
    throw new ScenarioError(`${base}:1:1: ${(e as Error).message.split('\n')[0]}`);
  }
  if (js === null || typeof js !== 'object' || Array.isArray(js)) throw new ScenarioError(`${base}:1:1: a scenario must be a mapping of keys`);
  const obj = js as Record<string, unknown>;
  const get = (k: string): unknown => (has(obj, k) ? obj[k] : undefined);
  const at = (...keys: string[]): string => `${base}:${posOf(doc, lc, keys)}`;
  const out: Record<string, unknown> = {};
  // an unknown os is reported by the TOP check below; until then read it as illumos
  const os: ScenarioOs = get('os') === 'freebsd' ? 'freebsd' : 'illumos';
  if (has(obj, 'era')) {
    if (os !== 'freebsd' || (obj['era'] !== 2004 && obj['era'] !== 2020)) throw new ScenarioError(`${at('era')}: era: expected 2004 or 2020 (${ERA_DOC})`);
  }
  const era = get('era') as number | undefined;
  const SECTIONS = sectionsOf(os, era);
  if (era !== undefined) out['era'] = era;
  for (const key of Object.keys(obj)) {
    if (!has(TOP, key) && !has(SECTIONS, key) && key !== 'fixes' && key !== 'era') {
      throw new ScenarioError(`${at(key)}: ${key}: unknown key (expected one of ${[...Object.keys(TOP), ...Object.keys(SECTIONS), 'fixes'].join(', ')})`);
    }
  }
  for (const [key, f] of Object.entries(TOP)) {
    if (!has(obj, key)) {
      if (f.default === undefined) throw new ScenarioError(`${base}:1:1: ${key}: missing (${f.doc})`);
      out[key] = f.default;
    } else out[key] = checkValue(at(key), key, f, obj[key]);
  }
  for (const [sec, s] of Object.entries(SECTIONS)) {
    const v = get(sec) ?? {};
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ScenarioError(`${at(sec)}: ${sec}: expected a mapping (${s.doc})`);
    const so: Record<string, unknown> = {};
    const vv = v as Record<string, unknown>;
    for (const k of Object.keys(vv)) {
      if (!has(s.fields, k)) throw new ScenarioError(`${at(sec, k)}: ${sec}.${k}: unknown key (expected one of ${Object.keys(s.fields).join(', ')})`);
    }
    for (const [k, f] of Object.entries(s.fields)) {
      if (!has(vv, k)) {
        if (f.default === undefined) throw new ScenarioError(`${at(sec)}: ${sec}.${k}: missing (${f.doc})`);
        so[k] = f.default;
      } else so[k] = checkValue(at(sec, k), `${sec}.${k}`, f, vv[k]);
    }
    out[sec] = so;
  }
  const fx = get('fixes') ?? {};
  if (typeof fx !== 'object' || fx === null || Array.isArray(fx)) throw new ScenarioError(`${at('fixes')}: fixes: expected a mapping (${FIXES_DOC})`);
  // null prototype: a fix is named by the scenario, and `--fix NAME` looks it up
  const fixes = Object.create(null) as Record<string, string>;
  for (const [name, d] of Object.entries(fx as Record<string, unknown>)) {
    if (!FIX_NAME.test(name)) throw new ScenarioError(`${at('fixes', name)}: fixes.${name}: a fix is named by letters, digits, '.', '_' or '-'`);
    if (typeof d !== 'string') throw new ScenarioError(`${at('fixes', name)}: fixes.${name}: expected a one-line description`);
    fixes[name] = d;
  }
  out['fixes'] = fixes;
  return out as unknown as AnyScenario;
}

/** A fix's name: the real change's name (a commit hash, a bug number, a word). */
const FIX_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Apply `--set a.b=value` overrides (the value is read as a YAML scalar). */
export function applySets<S extends AnyScenario>(sc: S, sets: Array<[string, string]>): S {
  const SECTIONS = sectionsOf(sc.os, (sc as { era?: number }).era);
  const copy = JSON.parse(JSON.stringify(sc)) as Record<string, Record<string, unknown> | unknown>;
  for (const [keyPath, raw] of sets) {
    const parts = keyPath.split('.');
    // control characters shown escaped: the message stays one line
    const shown = `${keyPath}=${raw}`.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    const where = `--set ${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}`;
    let f: Field | undefined;
    if (parts.length === 1 && has(TOP, parts[0]!)) f = TOP[parts[0]!];
    else if (parts.length === 2 && has(SECTIONS, parts[0]!) && has(SECTIONS[parts[0]!]!.fields, parts[1]!)) f = SECTIONS[parts[0]!]!.fields[parts[1]!];
    if (!f) throw new ScenarioError(`${where}: unknown key '${keyPath.length > 60 ? `${keyPath.slice(0, 57)}...` : keyPath}' (see 'mddb scenarios -v')`);
    if (raw.length > MAX_SET_BYTES) throw new ScenarioError(`${where}: the value is ${raw.length} characters, more than ${MAX_SET_BYTES}`);
    // one line of text: a newline would smuggle in a second YAML document or key
    if (/[\u0000-\u001f\u007f]/.test(raw)) throw new ScenarioError(`${where}: a --set value is one line of printable text`);
    let parsed: unknown;
    if (f.type === 'string') {
      // a string is the YAML string it spells ('a b', "x") or else the text as typed
      const doc = parseDocument(raw, { schema: 'core' });
      const js = doc.errors.length === 0 && doc.warnings.length === 0 && isScalar(doc.contents) ? doc.contents.value : undefined;
      parsed = typeof js === 'string' ? js : raw;
    } else {
      const doc = parseYaml(raw, `--set ${keyPath}`, new LineCounter());
      if (doc.contents !== null && !isScalar(doc.contents))
        throw new ScenarioError(`${where}: ${keyPath}: expected a single value, got a YAML ${isMap(doc.contents) ? 'mapping' : 'list'}`);
      parsed = doc.toJS({ maxAliasCount: 0 }) as unknown;
    }
    const v = checkValue(where, keyPath, f, parsed);
    if (parts.length === 1) copy[parts[0]!] = v;
    else (copy[parts[0]!] as Record<string, unknown>)[parts[1]!] = v;
  }
  return copy as unknown as S;
}

/** Check `--fix NAME` choices against the scenario's fixes. */
export function checkFixes(sc: AnyScenario, fixes: string[]): string[] {
  for (const f of fixes) {
    if (!has(sc.fixes, f)) {
      const known = Object.keys(sc.fixes);
      const name = f.length > 60 ? `${f.slice(0, 57)}...` : f;
      throw new ScenarioError(`unknown fix '${name}' for scenario ${sc.name} (known: ${known.length ? known.join(', ') : 'none'})`);
    }
  }
  return [...new Set(fixes)].sort();
}
