/*
 * The kernel's text: machine code for the simulated functions, so that a
 * frame's return address is the byte after a call instruction and `::dis`
 * shows real instructions.
 *
 * Two kinds of function:
 *
 *  - Written functions (defineText): their amd64 code is written out, after
 *    the real C source they model (the callers of the #2911 panic stack:
 *    bd_strategy, bd_xfer_alloc, bd_xfer_ctor, kmem_cache_alloc, assfail,
 *    thread_start). Their call-site offsets are read off the laid-out code:
 *    Kernel.enter() asks callSiteOffset(), which finds the call to the
 *    callee, so a stack can never disagree with the instructions. A caller
 *    with two calls to one function (bd_strategy's KM_NOSLEEP and KM_PUSHPAGE
 *    bd_xfer_alloc) tells them apart by the callee's arguments (`when`).
 *    The code may depend on the fixes the machine runs with (blkdev's
 *    679ac15 changes bd_xfer_ctor's compare).
 *
 *  - Every other function: call sites sit on a grid of 8-byte slots after a
 *    4-byte prologue (symbols.ts, callSiteOffset), and at dump time the code
 *    is generated around the return addresses the dump records: a direct
 *    call ends at every slot a recorded stack returns to; where two callees
 *    share a slot (the hash of caller and callee chose it for both) the call
 *    is an indirect one, as a call through a function pointer is; other
 *    slots hold ordinary moves. Generated code is a plausible body, not the
 *    function's real instructions.
 */
import { encode, insnLength, type Cond, type Insn, type Mem, type Reg } from './x86.js';
import type { FuncSym } from './symbols.js';

/** The fixes a machine runs with, by name ("679ac15"): written code may differ with them. */
export type TextVariant = ReadonlySet<string>;
export const NO_VARIANT: TextVariant = new Set();

/** One line of written code. */
export type CodeItem =
  | Exclude<Insn, { op: 'call' } | { op: 'calli' } | { op: 'jmp' } | { op: 'jcc' } | { op: 'lear' }>
  /** leaq <string>(%rip),%dst: the address of a kernel string constant (resolved when the text is encoded) */
  | { leaStr: string; dst: Reg }
  | { label: string }
  /** a short branch to a label (jmp without cc) */
  | { br: Cond | 'mp'; to: string }
  /** a direct call; `when` picks this site among several calls to one callee, by the callee's arguments */
  | { call: FuncSym; when?: (args: readonly number[]) => boolean }
  /** an indirect call (through a function pointer): the site of any callee no direct call names */
  | { callVia: Reg | Mem; when?: (args: readonly number[]) => boolean };

type Body = (v: TextVariant) => CodeItem[];

const written = new Map<FuncSym, Body>();

/** Declare the written code of `fn` (at module top level, next to its model). */
export function defineText(fn: FuncSym, body: Body): void {
  if (written.has(fn)) throw new Error(`text of ${fn.name} defined twice`);
  written.set(fn, body);
}

export function hasWrittenText(fn: FuncSym): boolean {
  return written.has(fn);
}

interface Site {
  /** the return offset: the byte after the call */
  off: number;
  callee: FuncSym | null;
  when: ((args: readonly number[]) => boolean) | undefined;
}

interface Layout {
  items: Array<{ off: number; item: CodeItem; long: boolean; idx: number }>;
  labels: Map<string, number>;
  sites: Site[];
  size: number;
}

const layouts = new Map<FuncSym, Map<string, Layout>>();
const variantKey = (v: TextVariant): string => [...v].sort().join(',');

function itemLength(it: CodeItem, long: boolean): number {
  if ('label' in it) return 0;
  if ('br' in it) return long ? (it.br === 'mp' ? 5 : 6) : 2;
  if ('call' in it) return 5;
  if ('callVia' in it) return insnLength({ op: 'calli', via: it.callVia });
  if ('leaStr' in it) return 7;
  return insnLength(it);
}

/**
 * The layout of a written function: every item's offset, its labels and its
 * call sites. The code must fill the symbol exactly (trailing bytes are
 * padded with nops, as the assembler aligns a function's cold tail); longer
 * code than the symbol is a bug in the written text.
 */
function layoutOf(fn: FuncSym, v: TextVariant): Layout {
  let byV = layouts.get(fn);
  if (!byV) layouts.set(fn, (byV = new Map()));
  const key = variantKey(v);
  const hit = byV.get(key);
  if (hit) return hit;
  const body = written.get(fn)!(v);
  // branch relaxation: every branch starts short; one whose label is out of
  // rel8 reach becomes long, and the layout is redone until nothing changes
  const long = new Set<number>();
  let items: Layout['items'] = [];
  let labels = new Map<string, number>();
  let sites: Site[] = [];
  let off = 0;
  for (let pass = 0; ; pass++) {
    if (pass > body.length + 1) throw new Error(`text of ${fn.name}: branches do not settle`);
    items = [];
    labels = new Map();
    sites = [];
    off = 0;
    body.forEach((it, idx) => {
      if ('label' in it) {
        if (labels.has(it.label)) throw new Error(`text of ${fn.name}: label ${it.label} twice`);
        labels.set(it.label, off);
        return;
      }
      items.push({ off, item: it, long: long.has(idx), idx });
      off += itemLength(it, long.has(idx));
      if ('call' in it) sites.push({ off, callee: it.call, when: it.when });
      else if ('callVia' in it) sites.push({ off, callee: null, when: it.when });
    });
    let grew = false;
    for (const x of items) {
      if (!('br' in x.item) || x.long) continue;
      const to = labels.get(x.item.to);
      if (to === undefined) throw new Error(`text of ${fn.name}: no label ${x.item.to}`);
      const rel = to - (x.off + 2);
      if (rel < -128 || rel > 127) {
        long.add(x.idx);
        grew = true;
      }
    }
    if (!grew) break;
  }
  if (off > fn.size) throw new Error(`text of ${fn.name} is ${off} bytes, longer than its symbol (${fn.size})`);
  while (off < fn.size) {
    items.push({ off, item: { op: 'nop' }, long: false, idx: -1 });
    off++;
  }
  const l: Layout = { items, labels, sites, size: off };
  byV.set(key, l);
  return l;
}

/**
 * The return offset of `caller`'s call to `callee` in written code: the
 * first direct call to it whose `when` accepts the arguments, else the first
 * indirect call that does. Undefined when `caller` has no written code.
 */
export function writtenCallSite(caller: FuncSym, callee: FuncSym, args: readonly number[], v: TextVariant): number | undefined {
  if (!written.has(caller)) return undefined;
  const l = layoutOf(caller, v);
  const ok = (s: Site): boolean => !s.when || s.when(args);
  const direct = l.sites.find((s) => s.callee === callee && ok(s));
  if (direct) return direct.off;
  const via = l.sites.find((s) => s.callee === null && ok(s));
  if (via) return via.off;
  throw new Error(`text of ${caller.name} has no call that reaches ${callee.name}`);
}

/** Offsets where generated code starts its call slots (after pushq %rbp; movq %rsp,%rbp) and their size. */
export const SLOT_BASE = 4;
export const SLOT = 8;
/** how many call slots a generated body of `size` bytes has (leaving room for leave; ret) */
export const slotCount = (size: number): number => Math.max(0, Math.floor((size - SLOT_BASE - 2) / SLOT));

/** Encode a written function at its address. */
function encodeWritten(fn: FuncSym, v: TextVariant, addrOf: (f: FuncSym) => bigint, strAddr: (s: string) => bigint): Uint8Array {
  const l = layoutOf(fn, v);
  const base = addrOf(fn);
  const out: number[] = [];
  for (const { off, item, long } of l.items) {
    const pc = base + BigInt(off);
    let insn: Insn;
    if ('call' in item) insn = { op: 'call', target: addrOf(item.call) };
    else if ('callVia' in item) insn = { op: 'calli', via: item.callVia };
    else if ('leaStr' in item) insn = { op: 'lear', target: strAddr(item.leaStr) || pc + 7n, dst: item.dst };
    else if ('br' in item) {
      const rel = l.labels.get(item.to)! - (off + itemLength(item, long));
      insn = item.br === 'mp' ? { op: 'jmp', rel, long } : { op: 'jcc', cc: item.br, rel, long };
    } else if ('label' in item) continue;
    else insn = item;
    out.push(...encode(insn, pc));
  }
  return Uint8Array.from(out);
}

/** Ordinary instructions of an exact length, for generated bodies (chosen by `h`). */
function filler(len: number, h: number): Insn[] {
  const two: Insn[] = [
    { op: 'alur', alu: 'xor', w: 32, src: 'rax', dst: 'rax' },
    { op: 'mov', w: 32, src: 'rax', dst: 'rsi' },
    { op: 'alur', alu: 'test', w: 32, src: 'rax', dst: 'rax' },
  ];
  const three: Insn[] = [
    { op: 'mov', w: 64, src: 'rbx', dst: 'rdi' },
    { op: 'mov', w: 64, src: 'rax', dst: 'rbx' },
    { op: 'mov', w: 64, src: 'r12', dst: 'rsi' },
    { op: 'alur', alu: 'test', w: 64, src: 'rax', dst: 'rax' },
  ];
  const four: Insn[] = [
    { op: 'load', w: 64, m: { base: 'rbx', disp: 0x10 }, dst: 'rdi' },
    { op: 'store', w: 64, src: 'rax', m: { base: 'rbx', disp: 0x18 } },
    { op: 'load', w: 64, m: { base: 'rbp', disp: -0x8 }, dst: 'rax' },
    { op: 'alui', alu: 'add', w: 64, imm: 1, dst: 'r12' },
  ];
  const pick = (a: Insn[], k: number): Insn => a[(h >>> k) % a.length]!;
  if (len <= 0) return [];
  if (len === 1) return [{ op: 'nop' }];
  if (len === 2) return [pick(two, 0)];
  if (len === 3) return [pick(three, 3)];
  if (len === 4) return [pick(four, 6)];
  if (len === 5) return [{ op: 'movi', w: 32, imm: (h >>> 9) & 1, dst: 'rsi' }];
  return [pick(three, 11), ...filler(len - 3, h >>> 3)];
}

/**
 * A generated body for `fn`: prologue, one slot per 8 bytes, each ending in
 * a call where `uses` (return offset -> callees; null for a pc that is only
 * a stopping point) asks for one, then leave; ret.
 */
function generate(fn: FuncSym, uses: ReadonlyMap<number, ReadonlySet<FuncSym | null>> | undefined, addrOf: (f: FuncSym) => bigint, hash: (s: string) => number): Uint8Array {
  const base = addrOf(fn);
  const n = slotCount(fn.size);
  const out: number[] = [];
  const emit = (i: Insn): void => void out.push(...encode(i, base + BigInt(out.length)));
  for (const [off] of uses ?? []) {
    if (off === 0) continue;
    if (n === 0 || off < SLOT_BASE + SLOT || off > SLOT_BASE + n * SLOT || (off - SLOT_BASE) % SLOT !== 0)
      throw new Error(`text of ${fn.name}: a recorded pc at +0x${off.toString(16)} is not on a call slot`);
  }
  emit({ op: 'push', r: 'rbp' });
  emit({ op: 'mov', w: 64, src: 'rsp', dst: 'rbp' });
  for (let k = 0; k < n; k++) {
    const end = SLOT_BASE + (k + 1) * SLOT;
    const h = hash(`${fn.name}#${k}`);
    const callees = [...(uses?.get(end) ?? [])].filter((c): c is FuncSym => c !== null);
    if (callees.length === 1) {
      filler(3, h).forEach(emit);
      emit({ op: 'call', target: addrOf(callees[0]!) });
    } else if (callees.length > 1) {
      emit({ op: 'load', w: 64, m: { base: 'rbx', disp: 0x8 * (1 + (h % 8)) }, dst: 'rax' });
      filler(2, h).forEach(emit);
      emit({ op: 'calli', via: 'rax' });
    } else filler(SLOT, h).forEach(emit);
  }
  filler(fn.size - out.length - 2, hash(fn.name)).forEach(emit);
  emit({ op: 'leave' });
  emit({ op: 'ret' });
  if (out.length !== fn.size) throw new Error(`text of ${fn.name}: generated ${out.length} bytes for a ${fn.size}-byte symbol`);
  return Uint8Array.from(out);
}

/**
 * The text of every function in `funcs`: written code where there is some,
 * generated code around the recorded return addresses elsewhere.
 */
export function assembleText(
  funcs: readonly FuncSym[],
  v: TextVariant,
  uses: ReadonlyMap<FuncSym, ReadonlyMap<number, ReadonlySet<FuncSym | null>>>,
  addrOf: (f: FuncSym) => bigint,
  hash: (s: string) => number,
  /** a kernel string constant's address (0n: none, then the lea points at the next instruction) */
  strAddr: (s: string) => bigint,
): Array<{ fn: FuncSym; bytes: Uint8Array }> {
  return funcs.map((fn) => ({ fn, bytes: written.has(fn) ? encodeWritten(fn, v, addrOf, strAddr) : generate(fn, uses.get(fn), addrOf, hash) }));
}
