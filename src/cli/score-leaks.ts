/*
 * `mddb score-leaks DUMP`: how well ::findleaks does against what really
 * leaked. The simulator writes its ground truth in the dump's `leak_truth`
 * table (src/dump/format.ts), apart from kernel memory; this command is the
 * only reader of it. It runs the same findLeaks() as ::findleaks, then gives
 * precision and recall and, for every false positive and every missed leak,
 * what the dump shows about why.
 *
 * A dump without a leak_truth table comes from a scenario that models no
 * leak: its truth is "nothing leaked", so anything reported is a false
 * positive.
 */
import { readDump } from '../dump/read.js';
import { DumpError } from '../dump/errors.js';
import {
  BUFSTATE_ALLOC,
  NO_ROW,
  TABLE_BUFFERS,
  TABLE_FRAMES,
  TABLE_GLOBALS,
  TABLE_LEAK_TRUTH,
  type Column,
  type DumpModel,
  type Table,
} from '../dump/format.js';
import { Target } from '../mdb/target.js';
import { findLeaks } from '../mdb/modules/illumos/kmem/leaky.js';

export interface ScoredBuffer {
  addr: bigint;
  cache: string;
  size: number;
  /** the modelled bug (missed leaks: from the truth), or '' */
  reason: string;
  /** what the dump shows about why findleaks got it wrong */
  why: string;
}

export interface LeakScore {
  /** the dump has a leak_truth table */
  hasTruth: boolean;
  truth: number;
  reported: number;
  truePositives: number;
  /** TP / reported; 1 when nothing was reported */
  precision: number;
  /** TP / truth; 1 when nothing leaked */
  recall: number;
  falsePositives: ScoredBuffer[];
  missed: ScoredBuffer[];
}

function scalar(t: Table | undefined, name: string): ArrayLike<number | bigint> | undefined {
  const c: Column | undefined = t?.columns[name];
  return c && c.kind !== 'str' && c.kind !== 'list' ? c.values : undefined;
}

/** Who in the dump still holds a word pointing into [addr, addr + size), and how. */
function referrers(model: DumpModel, addr: bigint, size: bigint): string[] {
  const out: string[] = [];
  const end = addr + size;
  const hit = (v: bigint): boolean => v >= addr && v < end;
  const bufs = model.tables.find((t) => t.name === TABLE_BUFFERS);
  const offs = bufs?.columns['ptr_offs'];
  const vals = bufs?.columns['ptr_vals'];
  const baddr = scalar(bufs, 'addr');
  const state = scalar(bufs, 'state');
  if (bufs && offs?.kind === 'list' && vals?.kind === 'list' && baddr && state) {
    for (let i = 0; i < bufs.rowCount && out.length < 4; i++) {
      const vb = vals.offsets[i]!;
      for (let j = offs.offsets[i]!; j < offs.offsets[i + 1]!; j++) {
        const v = BigInt(vals.values[vb + (j - offs.offsets[i]!)]!);
        if (!hit(v)) continue;
        const off = Number(offs.values[j]!);
        const where = `buffer ${BigInt(baddr[i]!).toString(16)}+${off.toString(16)}`;
        if (Number(state[i]!) !== BUFSTATE_ALLOC) out.push(`${where} (a free buffer: a conservative scan does not read it)`);
        else if (off % 8 !== 0) out.push(`${where} (a non-aligned word: the scan reads aligned words only)`);
        else out.push(`${where} (an allocated buffer)`);
      }
    }
  }
  const g = model.tables.find((t) => t.name === TABLE_GLOBALS);
  const gv = scalar(g, 'value');
  const ga = scalar(g, 'addr');
  if (g && gv && ga) for (let i = 0; i < g.rowCount; i++) if (hit(BigInt(gv[i]!))) out.push(`global at ${BigInt(ga[i]!).toString(16)}`);
  const fr = model.tables.find((t) => t.name === TABLE_FRAMES);
  const locals = fr?.columns['locals'];
  if (fr && locals?.kind === 'list') {
    for (let i = 0; i < fr.rowCount; i++) {
      for (let j = locals.offsets[i]!; j < locals.offsets[i + 1]!; j++) if (hit(BigInt(locals.values[j]!))) out.push(`a local of stack frame row ${i}`);
    }
  }
  return out;
}

/** Score findLeaks() on a dump against its leak_truth table. */
export function scoreLeaks(model: DumpModel): LeakScore {
  const target = new Target(model);
  const result = findLeaks(target);
  const caches = model.tables.find((t) => t.name === 'kmem_cache_t');
  const cacheNames = caches?.columns['cache_name'];
  const cacheAddr = scalar(caches, 'addr');
  const nameOfRow = (r: number): string => (cacheNames?.kind === 'str' && r !== NO_ROW ? cacheNames.values[r] ?? '?' : 'kmem_oversize');
  const truthTable = model.tables.find((t) => t.name === TABLE_LEAK_TRUTH);
  const truth = new Map<bigint, { cache: string; size: number; reason: string }>();
  if (truthTable) {
    const a = scalar(truthTable, 'addr')!;
    const cr = scalar(truthTable, 'cache_row')!;
    const sz = scalar(truthTable, 'size')!;
    const rs = truthTable.columns['reason'];
    for (let i = 0; i < truthTable.rowCount; i++) {
      truth.set(BigInt(a[i]!), { cache: nameOfRow(Number(cr[i]!)), size: Number(sz[i]!), reason: rs?.kind === 'str' ? rs.values[i]! : '' });
    }
  }
  const reported = new Set(result.leakedBuffers);
  // the cache of a reported buffer, from the findleaks groups
  const reportedCache = new Map<bigint, { cache: string; size: number }>();
  for (const gr of result.groups) {
    for (const l of gr.members) {
      let name = 'kmem_oversize';
      if (cacheAddr && l.cache !== 0n) {
        for (let r = 0; r < (caches?.rowCount ?? 0); r++) if (BigInt(cacheAddr[r]!) === l.cache) name = nameOfRow(r);
      }
      reportedCache.set(l.bufaddr, { cache: name, size: Number(l.size) });
    }
  }
  let tp = 0;
  const falsePositives: ScoredBuffer[] = [];
  for (const a of [...reported].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) {
    if (truth.has(a)) {
      tp++;
      continue;
    }
    const c = reportedCache.get(a) ?? { cache: '?', size: 0 };
    const refs = referrers(model, a, BigInt(Math.max(c.size, 1)));
    const why = refs.length
      ? `referenced only from ${refs.join('; ')}`
      : 'no word in the dump points into it: its owner keeps the pointer outside the memory the dump models';
    falsePositives.push({ addr: a, cache: c.cache, size: c.size, reason: '', why });
  }
  const missed: ScoredBuffer[] = [];
  for (const [a, t] of [...truth].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    if (reported.has(a)) continue;
    const refs = referrers(model, a, BigInt(Math.max(t.size, 1)));
    const why = refs.length ? `still referenced from ${refs.join('; ')}` : 'findleaks did not gather it as a candidate';
    missed.push({ addr: a, cache: t.cache, size: t.size, reason: t.reason, why });
  }
  const nrep = reported.size;
  return {
    hasTruth: truthTable !== undefined,
    truth: truth.size,
    reported: nrep,
    truePositives: tp,
    precision: nrep === 0 ? 1 : tp / nrep,
    recall: truth.size === 0 ? 1 : tp / truth.size,
    falsePositives,
    missed,
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function renderScore(path: string, s: LeakScore): string {
  const lines: string[] = [];
  lines.push(`dump:        ${path}`);
  lines.push(
    `truth:       ${s.truth} leaked buffer${s.truth === 1 ? '' : 's'}${s.hasTruth ? '' : ' (no leak_truth section: the scenario models no leak)'}`,
  );
  lines.push(`findleaks:   ${s.reported} leaked buffer${s.reported === 1 ? '' : 's'} reported`);
  lines.push(`precision:   ${pct(s.precision)} (${s.truePositives}/${s.reported})`);
  lines.push(`recall:      ${pct(s.recall)} (${s.truePositives}/${s.truth})`);
  const show = (title: string, xs: ScoredBuffer[]): void => {
    if (xs.length === 0) return;
    lines.push(`${title} (${xs.length}):`);
    for (const x of xs.slice(0, 20)) {
      lines.push(`  ${x.addr.toString(16)} ${x.cache} (${x.size} bytes)${x.reason ? `: ${x.reason}` : ''}`);
      lines.push(`    why: ${x.why}`);
    }
    if (xs.length > 20) lines.push(`  ... and ${xs.length - 20} more (--json lists them all)`);
  };
  show('false positives', s.falsePositives);
  show('missed leaks', s.missed);
  return lines.join('\n') + '\n';
}

/** The subcommand: 0 when scored, 2 when the dump cannot be read or is not an illumos dump. */
export function runScoreLeaks(path: string, json: boolean, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  let model: DumpModel;
  try {
    model = readDump(path);
  } catch (e) {
    if (e instanceof DumpError) {
      err.write(`mddb: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (model.header.os !== 'illumos') {
    err.write(`mddb: score-leaks: ${path} is a ${model.header.os} dump; ::findleaks and the leak truth are illumos's\n`);
    return 2;
  }
  let s: LeakScore;
  try {
    s = scoreLeaks(model);
  } catch (e) {
    err.write(`mddb: score-leaks: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  if (json) {
    const hex = (x: ScoredBuffer): Record<string, unknown> => ({ ...x, addr: x.addr.toString(16) });
    out.write(JSON.stringify({ ...s, falsePositives: s.falsePositives.map(hex), missed: s.missed.map(hex) }, null, 2) + '\n');
  } else out.write(renderScore(path, s));
  return 0;
}
