/*
 * The fuzz suite's inputs and checks (issue #13), shared by the property
 * tests in `npm test` (test/robust/fuzz.test.ts, small runs) and `npm run
 * fuzz` (src/tools/fuzz.ts, full size, in bounded child processes).
 *
 * Four properties:
 *   - command lines, arbitrary and grammar-shaped, over both grammars (mdb
 *     on every dump, ddb on the FreeBSD ones), and every registered dcmd with
 *     arbitrary addresses, options and counts: each command returns or fails
 *     in one line, and never with "internal error";
 *   - mutated dumps (truncated, flipped bytes and mutated JSON fields or
 *     column bytes behind a recomputed CRC): each opens or fails with one
 *     DumpError line, and one that opens answers a few commands cleanly;
 *   - scenario text and --set/--fix strings: each loads or fails with one
 *     ScenarioError whose lines are `path:line:col: message` (YAML and
 *     schema problems) or `--set ...:` / `unknown fix`.
 * A failure is a string (what went wrong); a property returns undefined when
 * the case is clean.
 */
import fs from 'node:fs';
import fc from 'fast-check';
import { decodeDump, encodeDump, MIN_CHUNK_ROWS } from '../dump/codec.js';
import { readDump } from '../dump/read.js';
import { DumpError } from '../dump/errors.js';
import type { DumpModel } from '../dump/format.js';
import { assemble } from '../dump/sections.js';
import { createSession, type MdbSession } from '../mdb/session.js';
import { ddbPhrases } from '../mdb/parse/ddb.js';
import { applySets, checkFixes, parseScenario, resolveScenario, ScenarioError } from '../sim/scenario/load.js';
import zlib from 'node:zlib';

// ---- command lines ---------------------------------------------------------

/** What the generators know about one dump: names and addresses to draw from. */
export interface Vocabulary {
  dcmds: Array<{ name: string; flags: string[]; valued: string[] }>;
  walkers: string[];
  symbols: string[];
  types: string[];
  members: string[];
  addrs: string[];
  ddb: Array<{ phrase: string; modifiers: string[] }>;
}

/**
 * Dcmds slower than the in-process properties can afford per call (over a
 * second on the sample dumps): ::kmalog reads and sorts every audit record
 * on each call. `npm test` leaves them out; `npm run fuzz` runs them and
 * reports what exceeds its time limit.
 */
export const SLOW_DCMDS = ['kmalog'];

export function vocabulary(model: DumpModel, s: MdbSession, skip: readonly string[] = []): Vocabulary {
  const dcmds = s.registry.dcmdNames().filter(([name]) => !skip.includes(name)).map(([name, d]) => {
    const opts = Object.entries(d.options ?? {});
    return { name, flags: opts.filter(([, o]) => o.kind === 'flag').map(([k]) => k), valued: opts.filter(([, o]) => o.kind !== 'flag').map(([k]) => k) };
  });
  const syms = s.target.symbols.byAddr;
  const pick = <T>(a: readonly T[], n: number): T[] => (a.length <= n ? [...a] : Array.from({ length: n }, (_, i) => a[Math.floor((i * a.length) / n)]!));
  const addrs = new Set<string>();
  for (const sy of pick(syms, 40)) addrs.add(sy.addr.toString(16));
  for (const t of model.tables) {
    const c = t.columns['addr'];
    if (c && c.kind === 'u64' && t.rowCount > 0) for (const i of [0, t.rowCount >> 1, t.rowCount - 1]) addrs.add((c.values as BigUint64Array)[i]!.toString(16));
  }
  const members = new Set<string>();
  for (const t of pick(model.types, 30)) for (const m of t.members.slice(0, 4)) members.add(m.name);
  return {
    dcmds,
    walkers: s.registry.walkers().map((w) => w.name).filter((w) => !skip.includes(w)),
    symbols: pick(syms, 40).map((x) => x.name),
    types: model.types.map((t) => t.name).slice(0, 60),
    members: [...members],
    addrs: [...addrs],
    ddb: model.header.os === 'freebsd' ? ddbPhrases(s.registry).filter(({ node }) => !skip.includes(node.dcmd?.name ?? '')).map(({ phrase, node }) => ({ phrase, modifiers: Object.keys(node.spec?.modifiers ?? {}) })) : [],
  };
}

const NUMBERS = ['0', '1', '8', '10', '0t10', '0x10', '0i101', '0o17', 'ffffffffffffffff', '0t18446744073709551615', '7fffffffffffffff', '100000000', 'deadbeef', 'baddcafe', '0t4096'];
const PROTO = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'];
const OPS = ['+', '-', '*', '%', '#', '&', '|', '^', '<<', '>>', '==', '!='];
const FORMATS = ['X', 'J', 'K', 'p', 'P', 'a', 's', 'S', 'c', 'C', 'B', 'b', 'd', 'D', 'e', 'E', 'x', 'u', 'U', 'o', 'O', 'q', 'Q', 'h', 'H', 'n', 't', 'r', 'Y', 'y', 'f', 'F', 'I', 'i', '+', '-', '^', 'v', 'w', 'W', 'Z', 'z', 'k'];

/** An mdb expression from the vocabulary, nesting at most `depth` levels. */
function expr(v: Vocabulary, depth = 2): fc.Arbitrary<string> {
  const leaf = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...v.addrs, ...NUMBERS) },
    { weight: 2, arbitrary: fc.constantFrom(...v.symbols, ...PROTO) },
    { weight: 1, arbitrary: fc.constantFrom('.', '&', '+', '^', '<.', '<0', '<9', '<nosuch', `<${PROTO[0]}`) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((n) => `0x${n.toString(16)}`) },
  );
  if (depth <= 0) return leaf;
  const sub = expr(v, depth - 1);
  return fc.oneof(
    { weight: 5, arbitrary: leaf },
    { weight: 1, arbitrary: fc.tuple(sub, fc.constantFrom(...OPS), sub).map(([a, o, b]) => `${a}${o}${b}`) },
    { weight: 1, arbitrary: sub.map((a) => `(${a})`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('-', '~', '#', '*', '%'), sub).map(([o, a]) => `${o}${a}`) },
  );
}

/** A count for `addr,count`: mostly small, sometimes at or past the caps. */
const count = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 16 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('0t100', '0x100', 'ffffffffffffffff', '0t1048577', '0', '-1') },
);

/** One invocation of a registered dcmd with arbitrary address, count, options and arguments. */
export function dcmdLine(v: Vocabulary): fc.Arbitrary<string> {
  const d = fc.constantFrom(...v.dcmds);
  const word = fc.oneof(fc.constantFrom(...v.types, ...v.members, ...v.walkers, ...v.symbols, ...PROTO, ...NUMBERS, ...v.addrs), fc.string({ maxLength: 8 }).filter((s) => !/[|!;\n\r"'`$]/.test(s)));
  return fc
    .tuple(d, fc.option(expr(v, 1)), fc.option(count), fc.array(fc.boolean(), { maxLength: 4 }), fc.array(word, { maxLength: 3 }), fc.nat(), fc.nat())
    .map(([dc, addr, cnt, useFlags, args, a, b]) => {
      const opts: string[] = [];
      dc.flags.forEach((f, i) => {
        if (useFlags[i % Math.max(1, useFlags.length)] && (a >> i) & 1) opts.push(`-${f}`);
      });
      if (dc.valued.length > 0 && b % 3 === 0) opts.push(`-${dc.valued[b % dc.valued.length]!}`, args[0] ?? NUMBERS[b % NUMBERS.length]!);
      if (b % 11 === 1) opts.push('-Q');
      const prefix = `${addr ?? ''}${cnt ? `,${cnt}` : ''}`;
      return `${prefix}::${dc.name} ${[...opts, ...args.slice(opts.length > 0 ? 1 : 0)].join(' ')}`.trimEnd();
    });
}

/** A pipeline stage or verb in mdb's grammar. */
function mdbCommand(v: Vocabulary): fc.Arbitrary<string> {
  const fmt = fc.array(fc.tuple(fc.option(fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), fc.constantFrom('0t65536', '0t65537', '99999999'))), fc.constantFrom(...FORMATS)), { minLength: 1, maxLength: 3 }).map((items) => items.map(([c, l]) => `${c ?? ''}${l}`).join(''));
  return fc.oneof(
    { weight: 4, arbitrary: dcmdLine(v) },
    { weight: 2, arbitrary: fc.tuple(expr(v), fc.option(fc.integer({ min: 1, max: 8 })), fc.constantFrom('/', '=', '?', '\\'), fmt).map(([a, c, sp, f]) => `${a}${c ? `,${c}` : ''}${sp}${f}`) },
    { weight: 1, arbitrary: fc.tuple(expr(v), fc.constantFrom(...v.walkers, ...PROTO)).map(([a, w]) => `${a}::walk ${w}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...v.walkers), dcmdLine(v)).map(([w, d]) => `::walk ${w} | ${d.replace(/^[^:]*::/, '::')}`) },
    { weight: 1, arbitrary: fc.tuple(expr(v), fc.constantFrom(...v.types, ...PROTO), fc.option(fc.constantFrom(...v.members, ...PROTO))).map(([a, t, m]) => `${a}::print ${t}${m ? ` ${m}` : ''}`) },
    { weight: 1, arbitrary: fc.constantFrom(...v.types, ...PROTO).map((t) => `::sizeof ${t}`) },
    { weight: 1, arbitrary: expr(v, 3).map((e) => `${e}=J`) },
    { weight: 1, arbitrary: fc.tuple(expr(v), fc.constantFrom('x', 'y', ...PROTO)).map(([e, n]) => `${e}>${n}`) },
  );
}

/** Pieces of mdb syntax, joined at random: mostly nonsense, which must fail cleanly. */
const PIECES = ['::', ':', '$', '$<', '$[', ']', '(', ')', '|', ';', ',', '/', '\\', '?', '=', '>', '<', '!', '"', "'", '`', ' ', '-', '~', '#', '*', '%', '&', '+', '^', '.', '0t', '0x', '\t', 'X', 'K', 's'];

export function mdbLine(v: Vocabulary): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(mdbCommand(v), { minLength: 1, maxLength: 2 }).map((a) => a.join('; ')) },
    { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom(...PIECES, ...NUMBERS, ...v.walkers.slice(0, 10), ...v.dcmds.slice(0, 30).map((d) => d.name))), { maxLength: 12 }).map((a) => a.join('')) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  );
}

/** A ddb command: a phrase, modifiers, an address and a count, or nonsense. */
export function ddbLine(v: Vocabulary): fc.Arbitrary<string> {
  if (v.ddb.length === 0) return fc.constant('show');
  const cmd = fc
    .tuple(fc.constantFrom(...v.ddb), fc.nat(), fc.option(expr(v, 1)), fc.option(count), fc.boolean())
    .map(([d, k, a, c, abbrev]) => {
      const words = d.phrase.split(' ').map((w) => (abbrev && w.length > 2 ? w.slice(0, 2 + (k % (w.length - 1))) : w));
      const mods = d.modifiers.length > 0 && k % 3 === 0 ? `/${d.modifiers.filter((_, i) => (k >> i) & 1).join('')}` : k % 7 === 1 ? '/q' : '';
      return `${words.join(' ')}${mods}${a ? ` ${a}` : ''}${c ? `,${c}` : ''}`;
    });
  const examine = fc
    .tuple(fc.constantFrom('x', 'examine', 'p', 'print'), fc.constantFrom('', '/x', '/gx', '/bx', '/s', '/a', '/i', '/lz', '/hd', '/q', '/c', '/gu'), expr(v, 2), fc.option(count))
    .map(([c, m, a, n]) => `${c}${m} ${a}${n ? `,${n}` : ''}`);
  return fc.oneof(
    { weight: 5, arbitrary: cmd },
    { weight: 2, arbitrary: examine },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...PIECES, 'show', 'sh', 'x', 'bt', 'ps', 'uma', 'all', ...NUMBERS, ...PROTO), { maxLength: 8 }).map((a) => a.join(' ')) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  );
}

/** Checks one executed line; returns the problem, or undefined when it was clean. */
export function checkExec(r: { output: string; errors: string[] }): string | undefined {
  for (const e of r.errors) {
    if (e.includes('internal error')) return `internal error: ${e}`;
    if (e.includes('\n')) return `error of more than one line: ${JSON.stringify(e)}`;
    if (e.trim() === '') return 'an empty error line';
  }
  if (typeof r.output !== 'string') return 'output is not text';
  return undefined;
}

/**
 * Runs one line and checks it. `ms` is the CPU time it took (user +
 * system), not the wall clock, so that a busy machine does not turn a quick
 * command into a "slow" one: the property is about the work a line asks
 * for. The output is counted as it streams, not kept (a loop can print
 * gigabytes, as the CLI would, piece by piece); `bytes` is its size.
 */
export async function runLine(s: MdbSession, line: string, limitMs: number): Promise<{ problem?: string; ms: number; wallMs: number; bytes: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let bytes = 0;
  const r = await s.execute(line, { signal: AbortSignal.timeout(limitMs), onOutput: (t) => void (bytes += t.length) });
  const c = process.cpuUsage(c0);
  const ms = (c.user + c.system) / 1000;
  const wallMs = performance.now() - t0;
  const p = checkExec(r);
  return p === undefined ? { ms, wallMs, bytes } : { problem: p, ms, wallMs, bytes };
}

/**
 * A line is slow (counted as a hang) when its CPU time passes SLOW_MS plus
 * what printing its output accounts for at OUTPUT_BYTES_PER_MS: a command
 * that prints 100 MB is not hung at 2 s, one that prints nothing is at 1.
 */
export const SLOW_MS = 1000;
export const OUTPUT_BYTES_PER_MS = 10_000;
export function isSlow(r: { ms: number; bytes: number }): boolean {
  return r.ms > SLOW_MS + r.bytes / OUTPUT_BYTES_PER_MS;
}

// ---- dumps -----------------------------------------------------------------

/** A sample dump and its sections, exploded once so mutations are cheap. */
export interface DumpSample {
  path: string;
  bytes: Buffer;
  sections: Array<{ name: string; raw: Uint8Array; segment?: boolean }>;
}

export function loadSample(path: string): DumpSample {
  return sampleOf(path, fs.readFileSync(path));
}

function sampleOf(path: string, bytes: Buffer): DumpSample {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(24, true);
  const sections: DumpSample['sections'] = [];
  let at = 32;
  for (let i = 0; i < n; i++) {
    const len = dv.getUint16(at + 26, true);
    const off = Number(dv.getBigUint64(at, true));
    const stored = Number(dv.getBigUint64(at + 8, true));
    const codec = dv.getUint8(at + 24);
    const name = bytes.subarray(at + 28, at + 28 + len).toString('utf8');
    const b = bytes.subarray(off, off + stored);
    // codec 2 (format 2): a chunk of a column, a deflate segment without a final block; it stays one
    if (codec === 2) sections.push({ name, raw: new Uint8Array(zlib.inflateRawSync(b, { finishFlush: zlib.constants.Z_SYNC_FLUSH })), segment: true });
    else sections.push({ name, raw: new Uint8Array(codec === 1 ? zlib.inflateRawSync(b) : b) });
    at += 28 + len;
  }
  return { path, bytes, sections };
}

/** The dump at `path` written again with chunks of MIN_CHUNK_ROWS rows (its big tables chunked), as a sample. */
export function chunkedSample(path: string): DumpSample {
  const bytes = encodeDump(readDump(path, { eager: true }), { chunkRows: MIN_CHUNK_ROWS });
  return sampleOf(`${path} (chunks of ${MIN_CHUNK_ROWS} rows)`, bytes);
}

/** How a dump is damaged. */
export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; flips: Array<[number, number]> }
  | { kind: 'json'; section: 0 | 1 | 2; pick: number; value: unknown }
  | { kind: 'column'; section: number; flips: Array<[number, number]> };

const INTERESTING: unknown[] = [0, -1, 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, 1e300, 0.5, '', 'x', '__proto__', 'constructor', 'char [4294967296]', 'a'.repeat(300), null, true, [], {}, 0xbaddcafe];

export function mutation(): fc.Arbitrary<Mutation> {
  const flips = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 });
  return fc.oneof(
    fc.nat().map((at): Mutation => ({ kind: 'truncate', at })),
    flips.map((f): Mutation => ({ kind: 'flip', flips: f })),
    fc.tuple(fc.constantFrom(0 as const, 1 as const, 2 as const), fc.nat(), fc.constantFrom(...INTERESTING)).map(([section, pick, value]): Mutation => ({ kind: 'json', section, pick, value })),
    fc.tuple(fc.nat(), flips).map(([section, f]): Mutation => ({ kind: 'column', section, flips: f })),
  );
}

/** Every (object, key) slot of a JSON value, in a fixed order. */
function slots(v: unknown, out: Array<[Record<string, unknown> | unknown[], string | number]> = []): typeof out {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), slots(x, out)));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) out.push([v as Record<string, unknown>, k]), slots((v as Record<string, unknown>)[k], out);
  return out;
}

const fixCrc = (b: Buffer): Buffer => {
  b.writeUInt32LE(zlib.crc32(b.subarray(24)), 12);
  return b;
};

/** The sample's bytes with the mutation applied (a CRC recomputed, except for truncation). */
export function mutate(d: DumpSample, m: Mutation): Buffer {
  switch (m.kind) {
    case 'truncate':
      return d.bytes.subarray(0, m.at % d.bytes.length);
    case 'flip': {
      const b = Buffer.from(d.bytes);
      for (const [at, x] of m.flips) b[at % b.length]! ^= x;
      return fixCrc(b);
    }
    case 'json': {
      const secs = d.sections.map((s) => ({ name: s.name, raw: s.raw, segment: s.segment }));
      const v = JSON.parse(Buffer.from(secs[m.section]!.raw).toString('utf8')) as unknown;
      const all = slots(v);
      if (all.length > 0) {
        const [obj, key] = all[m.pick % all.length]!;
        if (m.pick % 13 === 0 && !Array.isArray(obj)) delete (obj as Record<string, unknown>)[key as string];
        else (obj as Record<string | number, unknown>)[key] = structuredClone(m.value);
      }
      secs[m.section] = { name: secs[m.section]!.name, raw: Buffer.from(JSON.stringify(v), 'utf8'), segment: undefined };
      return assemble(secs, 1);
    }
    case 'column': {
      const secs = d.sections.map((s) => ({ name: s.name, raw: s.raw, segment: s.segment }));
      const i = 3 + (m.section % Math.max(1, secs.length - 3));
      const raw = Buffer.from(secs[i]!.raw);
      for (const [at, x] of m.flips) if (raw.length > 0) raw[at % raw.length]! ^= x;
      secs[i] = { name: secs[i]!.name, raw, segment: secs[i]!.segment };
      return assemble(secs, 1);
    }
  }
}

/** Commands a damaged dump that opened must still answer cleanly. */
export const DUMP_COMMANDS: Record<string, string[]> = {
  illumos: ['::status', '::kmastat', '::walk kmem_cache | ::kmem_cache', '::stacks', '::msgbuf', '::cpuinfo', '::vmem', '::kmem_slabs', '::findleaks', '::panicinfo', '$c', '::ps', '::whatis ffffff01c0064120'],
  freebsd: ['::status', 'show uma', 'show panic', 'bt', 'ps', 'show vmem', 'show all procs', 'show pcpu', 'x/gx kmem_map,4', 'show msgbuf', 'show thread', 'show malloc'],
};

/** Opens mutated bytes and, if they open, runs the commands; returns the problem or undefined. */
export async function checkDump(bytes: Uint8Array, limitMs: number): Promise<string | undefined> {
  let model: DumpModel;
  try {
    model = decodeDump(bytes, 'fuzz.dump');
  } catch (e) {
    if (!(e instanceof DumpError)) return `open threw ${(e as Error)?.name}: ${(e as Error)?.message}`;
    if (e.message.includes('\n')) return `DumpError of more than one line: ${JSON.stringify(e.message)}`;
    return undefined;
  }
  let s: MdbSession;
  try {
    s = createSession(model, 'fuzz.dump');
  } catch (e) {
    return `createSession threw ${(e as Error)?.name}: ${(e as Error)?.message}`;
  }
  for (const line of DUMP_COMMANDS[model.header.os] ?? []) {
    const r = await runLine(s, line, limitMs);
    if (r.problem) return `${line}: ${r.problem}`;
  }
  return undefined;
}

// ---- scenarios -------------------------------------------------------------

const BASE = (() => {
  try {
    return resolveScenario('illumos-2911').text;
  } catch {
    return 'name: x\ntitle: t\nos: illumos\n';
  }
})();

const KEYS = ['name', 'title', 'os', 'seed', 'era', 'kernel', 'ncpus', 'debug', 'hostname', 'fixes', 'stop', 'max_ops', 'disks', 'count', ...PROTO];
const VALUES = ['1', '0', '-1', 'true', 'yes', 'illumos', 'freebsd', '2020', '1e999', '~', 'null', '[]', '{}', '&a x', '*a', '!!str 1', '!foo x', '"x', "'y'", '0x10', '.inf', '9999999999999999999999'];

/** Scenario text: the built-in one with lines added, replaced or cut, or YAML made of pieces. */
export function scenarioText(): fc.Arbitrary<string> {
  const line = fc.tuple(fc.nat({ max: 3 }), fc.constantFrom(...KEYS), fc.constantFrom(...VALUES)).map(([ind, k, v]) => `${'  '.repeat(ind)}${k}: ${v}`);
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.nat(), line).map(([at, l]) => {
      const ls = BASE.split('\n');
      ls.splice(at % (ls.length + 1), 0, l);
      return ls.join('\n');
    }) },
    { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.nat({ max: 200 })).map(([at, n]) => BASE.slice(0, at % BASE.length) + BASE.slice((at % BASE.length) + n)) },
    { weight: 2, arbitrary: fc.array(line, { maxLength: 12 }).map((a) => a.join('\n')) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.constantFrom('---\n---\n', 'a: &a [1]\nb: [*a, *a]\n', '%YAML 1.1\n---\nx: 1\n', '? [a]\n: 1\n', 'x: 1\nx: 2\n', '\t\x00\x1b', '---\nname: x\n...\n---\n') },
  );
}

/** `--set key=value` pairs and `--fix` names. */
export function setAndFix(): fc.Arbitrary<{ sets: Array<[string, string]>; fixes: string[] }> {
  const key = fc.oneof(
    fc.constantFrom('kernel.ncpus', 'kernel.debug', 'kernel.hostname', 'seed', 'name', 'reader.threads', 'stop.max_ops', ...PROTO, ...PROTO.map((p) => `kernel.${p}`), ...PROTO.map((p) => `${p}.x`)),
    fc.string({ maxLength: 12 }),
  );
  const value = fc.oneof(fc.constantFrom(...VALUES, '1\n---\n2', 'x'.repeat(5000)), fc.string({ maxLength: 20 }));
  return fc.record({
    sets: fc.array(fc.tuple(key, value), { maxLength: 3 }),
    fixes: fc.array(fc.oneof(fc.constantFrom('679ac15', ...PROTO), fc.string({ maxLength: 8 })), { maxLength: 2 }),
  });
}

const POSITIONED = /^(\S.*):\d+:\d+: \S/;

/** Loads text with sets and fixes; returns the problem or undefined. */
export function checkScenario(text: string, sets: Array<[string, string]>, fixes: string[]): string | undefined {
  const file = 'fuzz/dir/s.yaml';
  try {
    const sc = parseScenario(text, file);
    const s2 = applySets(sc, sets);
    checkFixes(s2, fixes);
    return undefined;
  } catch (e) {
    if (!(e instanceof ScenarioError)) return `threw ${(e as Error)?.name}: ${(e as Error)?.message}`;
    for (const l of e.message.split('\n')) {
      if (l.startsWith(file)) {
        if (!POSITIONED.test(l) && !/^fuzz\/dir\/s\.yaml: \d+ bytes/.test(l)) return `unpositioned error: ${JSON.stringify(l)}`;
      } else if (!l.startsWith('--set ') && !l.startsWith('unknown fix ')) return `error not naming the file: ${JSON.stringify(l)}`;
    }
    return undefined;
  }
}
