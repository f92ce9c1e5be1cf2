/*
 * --json: the same Results the text renderer prints, as JSON. The
 * conventions scripts rely on (documented in json-schema.json):
 *   - addresses, and flags or masks (a column with json: 'hex', or any key
 *     named like a flag word: flags, cflags, t_flag, uk_flags), are hex
 *     strings, "0xffffff01d6e2a008", "0x1c00": kernel addresses exceed 2^53;
 *   - counts, sizes and offsets are JSON numbers (COUNT_KEY names them);
 *   - names are camelCase, one name per quantity (bufSize, bufTotal, memInUse);
 *   - errors are objects, {"message": "mdb: ..."}.
 * Every bigint becomes a hex string; everything else is kept as is.
 */
import type { Result } from '../dcmd.js';

/**
 * Keys that name a count, a size or an offset: their bigints are JSON
 * numbers (they never reach 2^53), so `size` is a number whichever dcmd
 * gives it (::vmem_seg reads it as a 64-bit word, `show uma` computes it).
 */
export const COUNT_PATTERN = '^(size|bytes|free|offset|count|total|used|inuse|requests|sleeps|fails|[a-z][A-Za-z]*(Size|Count|Total|InUse|Free|Used|Offset|Fail|Fails))$';
const COUNT_KEY = new RegExp(COUNT_PATTERN);

/** Keys that name a flag word or mask: flag, flags, cflags, pflags, t_schedflag, uk_flags, cacheFlags. */
export const FLAG_PATTERN = '^(?:(?:[a-z][a-z0-9_]*)?flags?|[a-z][A-Za-z0-9]*Flags?)$';
const FLAG_KEY = new RegExp(FLAG_PATTERN);

/** True when `key` (a JSON key, or the last member of a ::print path) names a flag word, which --json gives as hex. */
export function isFlagKey(key: string): boolean {
  return FLAG_KEY.test(key);
}

/** A JSON-safe copy of v (bigint → "0x…", a count's bigint → number, functions dropped, typed arrays to arrays). */
export function toJson(v: unknown, depth = 0, key = ''): unknown {
  if (typeof v === 'number' && Number.isInteger(v) && FLAG_KEY.test(key)) return `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;
  if (typeof v === 'bigint') {
    if (FLAG_KEY.test(key)) return `0x${BigInt.asUintN(64, v).toString(16)}`;
    if (COUNT_KEY.test(key) && v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    return `0x${BigInt.asUintN(64, v).toString(16)}`;
  }
  if (v === null || typeof v !== 'object') return typeof v === 'function' || typeof v === 'symbol' ? undefined : v;
  if (depth > 32) return null;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<unknown>, (x) => toJson(x, depth + 1, key));
  if (Array.isArray(v)) return v.map((x) => toJson(x, depth + 1, key));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const j = toJson(x, depth + 1, k);
    if (j !== undefined) out[k] = j;
  }
  return out;
}

/** A row with the named number fields as hex strings (flags). */
function hexFields(row: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out = { ...row };
  for (const k of keys) {
    const v = out[k];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) out[k] = `0x${v.toString(16)}`;
    else if (typeof v === 'bigint') out[k] = v;
  }
  return out;
}

/** One Result as JSON: tables keep rows keyed by column; a text result gives only its typed data. */
export function resultJson(r: Result): unknown {
  switch (r.kind) {
    case 'table': {
      const hex = r.columns.filter((c) => c.json === 'hex').map((c) => c.key);
      const rows = hex.length === 0 ? r.rows : r.rows.map((row) => hexFields(row, hex));
      return toJson({ type: 'table', columns: r.columns.map((c) => ({ key: c.key, header: c.header })), rows });
    }
    case 'text':
      return toJson({ type: 'data', data: r.data ?? null });
    case 'addresses':
      return toJson({ type: 'addresses', addresses: r.addresses, ...(r.addressType ? { addressType: r.addressType } : {}) });
  }
}

/**
 * The version of the --json document's shape (render/json-schema.json):
 * raised when a field changes meaning or is removed, not when one is added.
 */
export const JSON_SCHEMA_VERSION = 2;

/** One command's record as --json and --jsonl print it: errors are objects with a message. */
export interface CommandRecordJson {
  command: string;
  ok: boolean;
  results: unknown[];
  errors: Array<{ message: string }>;
}

export function commandRecord(rec: { command: string; ok: boolean; results: unknown[]; errors: string[] }): CommandRecordJson {
  return { command: rec.command, ok: rec.ok, results: rec.results, errors: rec.errors.map((message) => ({ message })) };
}
