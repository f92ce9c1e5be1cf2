/*
 * The forensics dcmds on a big dump, in a fresh process:
 *
 *   1. findLeaks (what ::findleaks runs: gather the candidates and the
 *      words, mark, sweep, coalesce), best of N runs;
 *   2. a minimal mark over the same graph, in the same run: sorted
 *      Float64Array extents, a CSR of words, a Uint8Array of marks and an
 *      Int32Array stack, nothing else (target: findLeaks <= 2x of it);
 *   3. ::kmem_verify over every cache (target <= 2 s for a million buffers).
 *
 *   node dist/tools/bench-leaks.js FILE [--runs N]
 *
 * tools/bench.ts runs it in a child process (benchLeaksInChild).
 */
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { readDump } from '../dump/read.js';
import { decodeDump, encodeDump } from '../dump/codec.js';
import type { DumpModel, ListColumn, Table } from '../dump/format.js';
import { buildLeakGraph, findLeaks, type MarkGraph } from '../mdb/modules/illumos/kmem/leaky.js';
import { verifyOne } from '../mdb/modules/illumos/kmem/kmem_verify.js';
import { Target } from '../mdb/target.js';

export interface LeaksBench {
  buffers: number;
  candidates: number;
  leaks: number;
  /** findLeaks, best run */
  findLeaksMs: number;
  /** buildLeakGraph alone (part of findLeaks) */
  graphMs: number;
  /** the minimal mark loop over that graph, best run */
  minimalMarkMs: number;
  /** the same marks as findLeaks' mark: a check that both loops did the same work */
  sameMarks: boolean;
  /** ::kmem_verify's work over every cache */
  verifyMs: number;
  corrupt: number;
  /** the same heap made reachable (linkedHeap): findLeaks and the minimal mark */
  linked: { leaks: number; findLeaksMs: number; minimalMarkMs: number; findLeaksCpuMs: number; minimalMarkCpuMs: number; sameMarks: boolean };
  /** ::kmem_verify's CPU time */
  verifyCpuMs: number;
}

/** The smallest mark one can write over the graph: no statistics, no callbacks. */
function minimalMark(g: MarkGraph): Uint8Array {
  const { start, limit, wordStart, words, roots } = g;
  const n = start.length;
  const marked = new Uint8Array(n);
  const stack = new Int32Array(n);
  let sp = 0;
  const lo0 = n > 0 ? start[0]! : 0;
  const hi0 = n > 0 ? limit[n - 1]! : 0;
  const push = (w: number): void => {
    if (w < lo0 || w >= hi0) return;
    let lo = 0;
    let hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (w < start[mid]!) hi = mid - 1;
      else if (w >= limit[mid]!) lo = mid + 1;
      else {
        if (!marked[mid]) {
          marked[mid] = 1;
          stack[sp++] = mid;
        }
        return;
      }
    }
  };
  for (let r = 0; r < roots.length; r++) {
    push(roots[r]!);
    while (sp > 0) {
      const b = stack[--sp]!;
      for (let k = wordStart[b]!, e = wordStart[b + 1]!; k < e; k++) push(words[k]!);
    }
  }
  return marked;
}

/**
 * The same heap with every candidate buffer reachable: a global points at
 * the lowest allocated buffer and each one's first word at the next, as a
 * kernel's lists would. The simulated workload keeps its objects in the
 * simulator only (nothing in the dump points at them), so on the bench dump
 * as written every buffer is a leak and the mark has nothing to follow;
 * this variant times a mark that follows a million pointers.
 */
export function linkedHeap(model: DumpModel): DumpModel {
  const target = new Target(model);
  const { graph, cand } = buildLeakGraph(target);
  const n = graph.start.length;
  const tables = model.tables.map((t): Table => {
    if (t.name === 'buffers') {
      const offs = t.columns['ptr_offs'] as ListColumn;
      const vals = t.columns['ptr_vals'] as ListColumn;
      const next = new Map<number, bigint>();
      for (let i = 0; i + 1 < n; i++) if (cand.ref[i]! >= 0) next.set(cand.ref[i]!, cand.rel.toBig(graph.start[i + 1]!));
      const oo = new Uint32Array(t.rowCount + 1);
      const vo = new Uint32Array(t.rowCount + 1);
      const no = new Uint32Array(offs.values.length + next.size);
      const nv = new BigUint64Array(vals.values.length + next.size);
      let k = 0;
      for (let r = 0; r < t.rowCount; r++) {
        const nx = next.get(r);
        if (nx !== undefined) {
          no[k] = 0;
          nv[k++] = nx;
        }
        for (let j = offs.offsets[r]!, v = vals.offsets[r]!; j < offs.offsets[r + 1]!; j++, v++) {
          no[k] = Number(offs.values[j]!);
          nv[k++] = BigInt(vals.values[v]!);
        }
        oo[r + 1] = k;
        vo[r + 1] = k;
      }
      return { ...t, columns: { ...t.columns, ptr_offs: { kind: 'list', of: 'u32', offsets: oo, values: no }, ptr_vals: { kind: 'list', of: 'u64', offsets: vo, values: nv } } };
    }
    if (t.name === 'globals' && n > 0) {
      // an existing pointer-sized global now holds the list head
      const size = t.columns['size']!.values as ArrayLike<number>;
      const value = (t.columns['value']!.values as BigUint64Array).slice();
      const i = Array.from({ length: t.rowCount }, (_, j) => j).find((j) => Number(size[j]) === 8 && value[j] === 0n) ?? 0;
      value[i] = cand.rel.toBig(graph.start[0]!);
      return { ...t, columns: { ...t.columns, value: { kind: 'u64', values: value } } };
    }
    return t;
  });
  // written and read back, as ::findleaks would meet such a heap in a dump (with the tables' address order)
  return decodeDump(encodeDump({ ...model, tables }), undefined, { eager: true });
}

/** CPU time (user + system) since c0, in ms: what a loaded machine's wall clock hides */
const cpuMs = (c0: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1000;
};

function timeLeaks(model: DumpModel, runs: number): { findLeaksMs: number; minimalMarkMs: number; findLeaksCpuMs: number; minimalMarkCpuMs: number; leaks: number; candidates: number; sameMarks: boolean; target: Target } {
  const target = new Target(model);
  target.memory.indexAll();
  let findLeaksMs = Infinity;
  let findLeaksCpuMs = Infinity;
  let leaks = 0;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    leaks = findLeaks(target).leakedBuffers.length;
    findLeaksMs = Math.min(findLeaksMs, performance.now() - t0);
    findLeaksCpuMs = Math.min(findLeaksCpuMs, cpuMs(c0));
  }
  const graph = buildLeakGraph(target).graph;
  let minimalMarkMs = Infinity;
  let minimalMarkCpuMs = Infinity;
  let marked: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    marked = minimalMark(graph);
    minimalMarkMs = Math.min(minimalMarkMs, performance.now() - t0);
    minimalMarkCpuMs = Math.min(minimalMarkCpuMs, cpuMs(c0));
  }
  const unmarked = marked.reduce((s, m) => s + (m ? 0 : 1), 0);
  return { findLeaksMs, minimalMarkMs, findLeaksCpuMs, minimalMarkCpuMs, leaks, candidates: graph.start.length, sameMarks: unmarked === leaks, target };
}

export function benchLeaks(file: string, runs = 3): LeaksBench {
  const model = readDump(file, { eager: true });
  const linked = timeLeaks(linkedHeap(model), runs);
  const target = new Target(model);
  target.memory.indexAll();
  const buffers = model.tables.find((t) => t.name === 'buffers')?.rowCount ?? 0;
  let findLeaksMs = Infinity;
  let leaks = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = findLeaks(target);
    findLeaksMs = Math.min(findLeaksMs, performance.now() - t0);
    leaks = r.leakedBuffers.length;
  }
  let graphMs = Infinity;
  let graph: MarkGraph | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    graph = buildLeakGraph(target).graph;
    graphMs = Math.min(graphMs, performance.now() - t0);
  }
  let minimalMarkMs = Infinity;
  let marked: Uint8Array | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    marked = minimalMark(graph!);
    minimalMarkMs = Math.min(minimalMarkMs, performance.now() - t0);
  }
  const unmarked = marked!.reduce((s, m) => s + (m ? 0 : 1), 0);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let corrupt = 0;
  const caches = model.tables.find((t) => t.name === 'kmem_cache_t')!.columns['addr']!.values as BigUint64Array;
  for (const c of caches) corrupt += verifyOne(target, c).findings.length;
  const verifyMs = performance.now() - t0;
  const verifyCpuMs = cpuMs(c0);
  return {
    buffers,
    candidates: graph!.start.length,
    leaks,
    findLeaksMs,
    graphMs,
    minimalMarkMs,
    sameMarks: unmarked === leaks,
    verifyMs,
    verifyCpuMs,
    corrupt,
    linked: {
      leaks: linked.leaks,
      findLeaksMs: linked.findLeaksMs,
      minimalMarkMs: linked.minimalMarkMs,
      findLeaksCpuMs: linked.findLeaksCpuMs,
      minimalMarkCpuMs: linked.minimalMarkCpuMs,
      sameMarks: linked.sameMarks,
    },
  };
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** benchLeaks in a fresh node process. */
export function benchLeaksInChild(file: string, runs = 3): LeaksBench {
  const r = spawnSync(process.execPath, [path.join(HERE, 'bench-leaks.js'), file, '--runs', String(runs)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`bench-leaks failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as LeaksBench;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: bench-leaks FILE [--runs N]\n');
    process.exit(2);
  }
  const ri = process.argv.indexOf('--runs');
  const runs = ri > 0 ? Math.max(1, Number(process.argv[ri + 1]) || 3) : 3;
  process.stdout.write(JSON.stringify(benchLeaks(file, runs)) + '\n');
}
