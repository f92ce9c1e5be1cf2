/*
 * The --json schema (src/mdb/render/json-schema.json) is current, and the
 * --json document of every golden case validates against it: the shape
 * scripts rely on is checked on everything the goldens run.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScript } from '../../src/cli/script.js';
import { openScriptSession } from '../../src/cli/script-session.js';
import { COUNT_PATTERN, FLAG_PATTERN, commandRecord, JSON_SCHEMA_VERSION } from '../../src/mdb/render/json.js';
import type { CommandJson } from '../../src/mdb/session.js';
import { DumpCache, caseId, dumpArg, findGoldenCases } from '../../src/tools/golden.js';
import { SCHEMA_FILE, schemaText } from '../../src/tools/json-schema.js';

type Schema = Record<string, unknown>;
const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as Schema;

/** The subset of JSON Schema 2020-12 the schema uses; returns the first violation, or null. */
function violation(s: Schema, v: unknown, at: string): string | null {
  if (typeof s['$ref'] === 'string') {
    const name = (s['$ref'] as string).replace('#/$defs/', '');
    return violation((schema['$defs'] as Record<string, Schema>)[name]!, v, at);
  }
  if ('const' in s && v !== s['const']) return `${at}: expected ${JSON.stringify(s['const'])}`;
  const type = s['type'];
  if (type !== undefined) {
    const actual = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' && Number.isInteger(v) ? 'integer' : typeof v;
    const ok = type === actual || (type === 'number' && actual === 'integer');
    if (!ok) return `${at}: expected ${String(type)}, got ${actual}`;
  }
  if (typeof s['pattern'] === 'string' && typeof v === 'string' && !new RegExp(s['pattern'] as string).test(v)) return `${at}: ${JSON.stringify(v)} does not match ${String(s['pattern'])}`;
  for (const k of ['oneOf', 'anyOf'] as const) {
    const alts = s[k] as Schema[] | undefined;
    if (alts) {
      const errs = alts.map((a) => violation(a, v, at));
      const n = errs.filter((e) => e === null).length;
      if (k === 'oneOf' ? n !== 1 : n === 0) return `${at}: ${k} matched ${n} (${errs.filter(Boolean).join('; ')})`;
    }
  }
  if (Array.isArray(v) && s['items']) {
    for (let i = 0; i < v.length; i++) {
      const e = violation(s['items'] as Schema, v[i], `${at}[${i}]`);
      if (e) return e;
    }
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    for (const r of (s['required'] as string[] | undefined) ?? []) if (!(Object.hasOwn(o, r))) return `${at}: missing ${r}`;
    const props = (s['properties'] as Record<string, Schema> | undefined) ?? {};
    const pats = Object.entries((s['patternProperties'] as Record<string, Schema> | undefined) ?? {});
    for (const [k, x] of Object.entries(o)) {
      if (Object.hasOwn(props, k)) {
        const e = violation(props[k]!, x, `${at}.${k}`);
        if (e) return e;
      } else if (s['additionalProperties'] === false) return `${at}: unexpected property ${k}`;
      for (const [p, ps] of pats) {
        if (!new RegExp(p).test(k)) continue;
        const e = violation(ps, x, `${at}.${k}`);
        if (e) return e;
      }
    }
  }
  return null;
}

describe('the --json schema', () => {
  it('is current (npm run json-schema writes it)', () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaText());
  });

  it('refuses what it should: a bare error string, a decimal address', () => {
    const bad = { schemaVersion: JSON_SCHEMA_VERSION, dump: 'x', commands: [{ command: 'c', ok: false, results: [], errors: ['mdb: x'] }] };
    expect(violation(schema, bad, '$')).toMatch(/errors\[0\]: expected object/);
    const dec = { schemaVersion: JSON_SCHEMA_VERSION, dump: 'x', commands: [{ command: 'c', ok: true, results: [{ type: 'addresses', addresses: ['123'] }], errors: [] }] };
    expect(violation(schema, dec, '$')).toMatch(/does not match/);
  });

  const dumps = new DumpCache();
  it.each(findGoldenCases().map((c) => [caseId(c), c] as const))('validates the --json output of %s', async (_id, c) => {
    const session = openScriptSession(dumps.model(c.dump), dumpArg(c.dump), undefined, c.syntax);
    const commands: unknown[] = [];
    for await (const { result } of runScript(session, fs.readFileSync(c.script, 'utf8'), { json: true })) {
      for (const rec of result.json as CommandJson[]) commands.push(commandRecord(rec));
    }
    // through JSON text, as a script reads it
    const doc = JSON.parse(JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, dump: dumpArg(c.dump), commands })) as unknown;
    expect(violation(schema, doc, '$')).toBeNull();
    // one representation per quantity, at any depth of any result: sizes, offsets and counts are
    // numbers, flag words hex strings, and no result is text (a dcmd's --json is its typed data)
    const wrong: string[] = [];
    const count = new RegExp(COUNT_PATTERN);
    const flagKey = new RegExp(FLAG_PATTERN);
    const walk = (v: unknown, key: string): void => {
      if (Array.isArray(v)) v.forEach((x) => walk(x, key));
      else if (v !== null && typeof v === 'object') {
        if ((v as { type?: unknown }).type === 'text') wrong.push('a text result');
        for (const [k, x] of Object.entries(v)) walk(x, k);
      } else if (typeof v === 'string' && count.test(key)) wrong.push(`${key}=${v}`);
      else if (typeof v === 'number' && flagKey.test(key)) wrong.push(`${key}=${v}`);
    };
    walk(doc, '');
    expect(wrong).toEqual([]);
  });
});
