/*
 * Loading a scenario: safe YAML (no aliases, unique keys, core schema), then
 * validation against schema.ts with errors that name the file, line and key;
 * then `--set` overrides and `--fix` choices, checked the same way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
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

/** Resolve a scenario argument: a built-in name or a path to a YAML file. */
export function resolveScenario(arg: string): { file: string; text: string } {
  const looksLikePath = arg.includes('/') || arg.endsWith('.yaml') || arg.endsWith('.yml');
  const file = looksLikePath ? path.resolve(arg) : path.join(builtinDir(), `${arg}.yaml`);
  if (!fs.existsSync(file)) {
    if (looksLikePath) throw new ScenarioError(`${arg}: no such scenario file`);
    throw new ScenarioError(`unknown scenario '${arg}' (built-in scenarios: ${builtinNames().join(', ') || 'none'})`);
  }
  return { file, text: fs.readFileSync(file, 'utf8') };
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

function lineOf(doc: Document, lc: LineCounter, keyPath: string[]): number {
  let node: unknown = doc.contents;
  let line = 1;
  for (const k of keyPath) {
    if (!isMap(node)) break;
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === k);
    if (!pair) break;
    const kn = pair.key as Node;
    if (kn.range) line = lc.linePos(kn.range[0]).line;
    node = pair.value;
  }
  return line;
}

/** Parse and validate scenario text; `os` picks the sections that apply. */
export function parseScenario(text: string, file: string): AnyScenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true, lineCounter: lc });
  const base = path.basename(file);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? 1;
    const first = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const msg = e.code === 'DUPLICATE_KEY' ? 'duplicate key' : first;
    throw new ScenarioError(`${base}:${line}: ${msg}`);
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 0 });
  } catch (e) {
    throw new ScenarioError(`${base}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (js === null || typeof js !== 'object' || Array.isArray(js)) throw new ScenarioError(`${base}:1: a scenario must be a mapping of keys`);
  const obj = js as Record<string, unknown>;
  const at = (...keys: string[]): string => `${base}:${lineOf(doc, lc, keys)}`;
  const out: Record<string, unknown> = {};
  // an unknown os is reported by the TOP check below; until then read it as illumos
  const os: ScenarioOs = obj['os'] === 'freebsd' ? 'freebsd' : 'illumos';
  if ('era' in obj) {
    if (os !== 'freebsd' || (obj['era'] !== 2004 && obj['era'] !== 2020)) throw new ScenarioError(`${at('era')}: era: expected 2004 or 2020 (${ERA_DOC})`);
  }
  const era = obj['era'] as number | undefined;
  const SECTIONS = sectionsOf(os, era);
  if (era !== undefined) out['era'] = era;
  for (const key of Object.keys(obj)) {
    if (!(key in TOP) && !(key in SECTIONS) && key !== 'fixes' && key !== 'era') {
      throw new ScenarioError(`${at(key)}: ${key}: unknown key (expected one of ${[...Object.keys(TOP), ...Object.keys(SECTIONS), 'fixes'].join(', ')})`);
    }
  }
  for (const [key, f] of Object.entries(TOP)) {
    if (!(key in obj)) {
      if (f.default === undefined) throw new ScenarioError(`${base}:1: ${key}: missing (${f.doc})`);
      out[key] = f.default;
    } else out[key] = checkValue(at(key), key, f, obj[key]);
  }
  for (const [sec, s] of Object.entries(SECTIONS)) {
    const v = obj[sec] ?? {};
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ScenarioError(`${at(sec)}: ${sec}: expected a mapping (${s.doc})`);
    const so: Record<string, unknown> = {};
    const vv = v as Record<string, unknown>;
    for (const k of Object.keys(vv)) {
      if (!(k in s.fields)) throw new ScenarioError(`${at(sec, k)}: ${sec}.${k}: unknown key (expected one of ${Object.keys(s.fields).join(', ')})`);
    }
    for (const [k, f] of Object.entries(s.fields)) {
      if (!(k in vv)) {
        if (f.default === undefined) throw new ScenarioError(`${at(sec)}: ${sec}.${k}: missing (${f.doc})`);
        so[k] = f.default;
      } else so[k] = checkValue(at(sec, k), `${sec}.${k}`, f, vv[k]);
    }
    out[sec] = so;
  }
  const fx = obj['fixes'] ?? {};
  if (typeof fx !== 'object' || fx === null || Array.isArray(fx)) throw new ScenarioError(`${at('fixes')}: fixes: expected a mapping (${FIXES_DOC})`);
  const fixes: Record<string, string> = {};
  for (const [name, d] of Object.entries(fx as Record<string, unknown>)) {
    if (typeof d !== 'string') throw new ScenarioError(`${at('fixes', name)}: fixes.${name}: expected a one-line description`);
    fixes[String(name)] = d;
  }
  out['fixes'] = fixes;
  return out as unknown as AnyScenario;
}

/** Apply `--set a.b=value` overrides (the value is read as a YAML scalar). */
export function applySets<S extends AnyScenario>(sc: S, sets: Array<[string, string]>): S {
  const SECTIONS = sectionsOf(sc.os, (sc as { era?: number }).era);
  const copy = JSON.parse(JSON.stringify(sc)) as Record<string, Record<string, unknown> | unknown>;
  for (const [keyPath, raw] of sets) {
    const parts = keyPath.split('.');
    const where = `--set ${keyPath}=${raw}`;
    let f: Field | undefined;
    if (parts.length === 1) f = TOP[parts[0]!];
    else if (parts.length === 2) f = SECTIONS[parts[0]!]?.fields[parts[1]!];
    if (!f) throw new ScenarioError(`${where}: unknown key '${keyPath}' (see 'mddb scenarios -v')`);
    const parsed = parseDocument(raw, { schema: 'core' }).toJS() as unknown;
    const v = checkValue(where, keyPath, f, f.type === 'string' && typeof parsed !== 'string' ? raw : parsed);
    if (parts.length === 1) copy[parts[0]!] = v;
    else (copy[parts[0]!] as Record<string, unknown>)[parts[1]!] = v;
  }
  return copy as unknown as S;
}

/** Check `--fix NAME` choices against the scenario's fixes. */
export function checkFixes(sc: AnyScenario, fixes: string[]): string[] {
  for (const f of fixes) {
    if (!(f in sc.fixes)) {
      const known = Object.keys(sc.fixes);
      throw new ScenarioError(`unknown fix '${f}' for scenario ${sc.name} (known: ${known.length ? known.join(', ') : 'none'})`);
    }
  }
  return [...new Set(fixes)].sort();
}
