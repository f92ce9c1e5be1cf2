/*
 * The kernel's text: the simulator's amd64 encoder against the debugger's
 * decoder (they share no code), written code's call sites, and the variant
 * a fix selects.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONDS, REGS, encode, insnLength, type Insn, type Mem, type Reg } from '../../src/sim/machine/x86.js';
import { decode } from '../../src/mdb/target/x86dis.js';
// the whole kernel's declarations (symbol sizes come from the modules that model each function)
import '../../src/sim/illumos/system.js';
import { callSiteOffset, lookupFunc } from '../../src/sim/machine/symbols.js';
import { assembleText } from '../../src/sim/machine/text.js';
import { KM_NOSLEEP, KM_PUSHPAGE } from '../../src/sim/illumos/kmem/flags.js';

const R64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];
const hex = (v: number | bigint): string => `0x${BigInt(v).toString(16)}`;
const sdisp = (d: number): string => (d < 0 ? `-${hex(-d)}` : hex(d));
// %rbp/%r13 have no displacement-free form: a zero disp8 is encoded and printed (0x0(%rbp))
const memText = (m: Mem): string => (m.disp === 0 && m.base !== 'rbp' && m.base !== 'r13' ? `(%${m.base})` : `${sdisp(m.disp)}(%${m.base})`);
const r = (x: Reg, w: 32 | 64): string => `%${(w === 64 ? R64 : R32)[REGS.indexOf(x)]}`;

const reg = fc.constantFrom(...REGS);
const width = fc.constantFrom<32 | 64>(32, 64);
const disp = fc.oneof(fc.constant(0), fc.integer({ min: -128, max: 127 }), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
const mem = fc.record({ base: reg, disp });
const pc = fc.bigInt({ min: 0xfffffffffb800000n, max: 0xfffffffffbffffffn });

/** an instruction of the subset and the AT&T text libdisasm prints for it (before any <symbol>) */
const insn: fc.Arbitrary<[Insn, (pc: bigint) => string]> = fc.oneof(
  fc.tuple(fc.constantFrom<'push' | 'pop'>('push', 'pop'), reg).map(([op, x]) => [{ op, r: x }, () => `${op}q`.padEnd(6) + ` ${r(x, 64)}`] as [Insn, (pc: bigint) => string]),
  fc.tuple(width, reg, reg).map(([w, s, d]) => [{ op: 'mov', w, src: s, dst: d }, () => `mov${w === 64 ? 'q' : 'l'}   ${r(s, w)},${r(d, w)}`] as [Insn, (pc: bigint) => string]),
  fc.tuple(width, mem, reg).map(([w, m, d]) => [{ op: 'load', w, m, dst: d }, () => `mov${w === 64 ? 'q' : 'l'}   ${memText(m)},${r(d, w)}`] as [Insn, (pc: bigint) => string]),
  fc.tuple(width, reg, mem).map(([w, s, m]) => [{ op: 'store', w, src: s, m }, () => `mov${w === 64 ? 'q' : 'l'}   ${r(s, w)},${memText(m)}`] as [Insn, (pc: bigint) => string]),
  fc.tuple(mem, reg).map(([m, d]) => [{ op: 'lea', m, dst: d }, () => `leaq   ${memText(m)},${r(d, 64)}`] as [Insn, (pc: bigint) => string]),
  fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), reg).map(([imm, d]) => [{ op: 'movi', w: 32, imm, dst: d }, () => `movl   $${hex(imm)},${r(d, 32)}`] as [Insn, (pc: bigint) => string]),
  fc
    .tuple(fc.constantFrom<'add' | 'xor' | 'cmp' | 'test'>('add', 'xor', 'cmp', 'test'), width, reg, reg)
    .map(([alu, w, s, d]) => [{ op: 'alur', alu, w, src: s, dst: d }, () => `${alu}${w === 64 ? 'q' : 'l'}`.padEnd(6) + ` ${r(s, w)},${r(d, w)}`] as [Insn, (pc: bigint) => string]),
  fc
    .tuple(fc.constantFrom<'add' | 'sub' | 'cmp'>('add', 'sub', 'cmp'), width, fc.integer({ min: 0, max: 127 }), fc.oneof(reg, mem))
    .map(([alu, w, imm, d]) => [{ op: 'alui', alu, w, imm, dst: d }, () => `${alu}${w === 64 ? 'q' : 'l'}   $${hex(imm)},${typeof d === 'string' ? r(d, w) : memText(d)}`] as [Insn, (pc: bigint) => string]),
  fc.tuple(fc.integer({ min: -0x7fff0000, max: 0x3000000 })).map(([rel]) => [{ op: 'call', target: 0n, rel } as unknown as Insn, (p: bigint) => `call   ${rel < 0 ? `-${hex(-rel)}` : `+${hex(rel)}`}`] as [Insn, (pc: bigint) => string]),
  fc.oneof(reg, mem).map((v) => [{ op: 'calli', via: v }, () => `call   *${typeof v === 'string' ? r(v, 64) : memText(v)}`] as [Insn, (pc: bigint) => string]),
  fc
    .tuple(fc.constantFrom(...CONDS), fc.integer({ min: -128, max: 127 }), fc.boolean())
    .map(([cc, rel, long]) => [{ op: 'jcc', cc, rel, long }, () => `j${cc}`.padEnd(6) + ` ${rel < 0 ? `-${hex(-rel)}` : `+${hex(rel)}`}`] as [Insn, (pc: bigint) => string]),
  fc.constantFrom<'ret' | 'leave' | 'nop'>('ret', 'leave', 'nop').map((op) => [{ op }, () => op.padEnd(6) + ' '] as [Insn, (pc: bigint) => string]),
);

describe('amd64 text: encoder and decoder', () => {
  it('decodes every encoded instruction of the subset to its length and AT&T text', () => {
    fc.assert(
      fc.property(insn, pc, ([i0, textOf], at) => {
        // a call's target is its pc plus its length plus the generated rel32
        const i: Insn = i0.op === 'call' ? { op: 'call', target: at + 5n + BigInt((i0 as unknown as { rel: number }).rel) } : i0;
        const bytes = Uint8Array.from(encode(i, at));
        expect(bytes.length).toBe(insnLength(i));
        const d = decode(bytes, 0, at, (a) => `T${a.toString(16)}`);
        expect(d).not.toBeNull();
        expect(d!.len).toBe(bytes.length);
        expect(d!.text.split('\t')[0]).toBe(textOf(at));
        if (i.op === 'call') {
          expect(d!.call).toBe(true);
          expect(d!.target).toBe(i.target);
          expect(d!.text.split('\t')[1]).toBe(`<T${i.target.toString(16)}>`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes a stream of instructions back to the same boundaries', () => {
    fc.assert(
      fc.property(fc.array(insn, { minLength: 1, maxLength: 30 }), pc, (list, at) => {
        const bytes: number[] = [];
        const starts: number[] = [];
        for (const [i] of list) {
          starts.push(bytes.length);
          bytes.push(...encode(i.op === 'call' ? { op: 'call', target: at } : i, at + BigInt(bytes.length)));
        }
        const b = Uint8Array.from(bytes);
        const got: number[] = [];
        for (let off = 0; off < b.length; ) {
          got.push(off);
          const d = decode(b, off, at + BigInt(off), (a) => hex(a));
          expect(d).not.toBeNull();
          off += d!.len;
        }
        expect(got).toEqual(starts);
      }),
    );
  });

  it('prints a small negative compare as libdisasm does, with its unsigned value', () => {
    const b = Uint8Array.from(encode({ op: 'alui', alu: 'cmp', w: 32, imm: -1, dst: 'rax' }, 0n));
    expect(decode(b, 0, 0n, hex)!.text).toBe('cmpl   $-0x1,%eax\t<0xffffffff>');
  });

  it('refuses what it cannot encode rather than emitting wrong bytes', () => {
    expect(() => encode({ op: 'jcc', cc: 'e', rel: 200 }, 0n)).toThrow('does not fit a short jump');
    expect(() => encode({ op: 'alui', alu: 'cmp', w: 32, imm: 300, dst: 'rax' }, 0n)).toThrow('does not fit 8 bits');
  });
});

describe('written text', () => {
  const bdStrategy = lookupFunc('bd_strategy', 'blkdev')!;
  const bdXferAlloc = lookupFunc('bd_xfer_alloc', 'blkdev')!;
  const bdXferCtor = lookupFunc('bd_xfer_ctor', 'blkdev')!;
  const kca = lookupFunc('kmem_cache_alloc')!;
  const addrOf = (f: { name: string }): bigint => 0xfffffffffb800000n + BigInt(f.name.length * 0x100);

  it("tells bd_strategy's two calls to bd_xfer_alloc apart by kmflag", () => {
    const nosleep = callSiteOffset(bdStrategy, bdXferAlloc, [0, 0, 0, KM_NOSLEEP]);
    const pushpage = callSiteOffset(bdStrategy, bdXferAlloc, [0, 0, 0, KM_PUSHPAGE]);
    expect(nosleep).toBeLessThan(pushpage);
    const [{ bytes }] = assembleText([bdStrategy], new Set(), new Map(), addrOf, () => 0, () => 0n);
    for (const off of [nosleep, pushpage]) {
      const d = decode(bytes!, off - 5, addrOf(bdStrategy) + BigInt(off - 5), hex)!;
      expect(d.call).toBe(true);
      expect(d.target).toBe(addrOf(bdXferAlloc));
    }
  });

  it('fills each written function exactly to its symbol size', () => {
    for (const f of [bdStrategy, bdXferAlloc, bdXferCtor, kca]) {
      for (const v of [new Set<string>(), new Set(['679ac15'])]) {
        const [{ bytes }] = assembleText([f], v, new Map(), addrOf, () => 0, () => 0n);
        expect(bytes!.length).toBe(f.size);
      }
    }
  });

  it("compares kmflag with KM_SLEEP alone before 679ac15, and KM_PUSHPAGE first with it", () => {
    const text = (v: Set<string>): string[] => {
      const [{ bytes }] = assembleText([bdXferCtor], v, new Map(), addrOf, () => 0, () => 0n);
      const out: string[] = [];
      for (let off = 0; off < bytes!.length; ) {
        const d = decode(bytes!, off, addrOf(bdXferCtor) + BigInt(off), hex)!;
        out.push(d.text);
        off += d.len;
      }
      return out.filter((t) => t.startsWith('cmpl'));
    };
    expect(text(new Set())).toEqual(['cmpl   $0x0,%edx']);
    expect(text(new Set(['679ac15']))).toEqual(['cmpl   $0x4,%edx', 'cmpl   $0x0,%edx']);
  });

  it('names the caller and callee when written code has no call for the callee', () => {
    expect(() => callSiteOffset(bdXferCtor, bdStrategy)).toThrow('text of bd_xfer_ctor has no call that reaches bd_strategy');
  });
});
