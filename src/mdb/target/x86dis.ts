/*
 * An amd64 disassembler for the instruction subset the simulated kernel's
 * text uses, printing AT&T syntax as illumos's libdisasm does
 * (common/dis/i386/dis_tables.c, dtrace_disx86_str()): the mnemonic with its
 * size suffix in "%-6s ", operands source first, immediates as $0x..,
 * displacements signed (-0x8(%rbp)), a relative target as +0x../-0x..
 * followed by a tab and <symbol+offset>, an immediate that is a small
 * negative number printed as such with its unsigned value after a tab.
 * Bytes outside the subset decode as libdisasm's failure does, one byte at a
 * time ("***ERROR--unknown op code***" in mdb).
 */

import { TABLE_TEXT } from '../../dump/format.js';
import type { Target } from '../target.js';

const R64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];
const CONDS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
/** libdisasm never prints these instructions' immediates as negative (isunsigned_op) */
const UNSIGNED_OPS = ['or', 'and', 'xor', 'test'];

export interface Decoded {
  /** instruction length in bytes */
  len: number;
  /** the text after the address, as libdisasm formats it */
  text: string;
  /** a direct call's or branch's target */
  target?: bigint;
  /** a call (direct or indirect) */
  call?: boolean;
}

/** The symbol lookup for operands: an address as mdb's %a prints it. */
export type Lookup = (addr: bigint) => string;

const hex = (v: bigint | number): string => `0x${BigInt(v).toString(16)}`;
const signedHex = (v: number): string => (v < 0 ? `-${hex(-v)}` : hex(v));

function i8(b: Uint8Array, at: number): number {
  const v = b[at]!;
  return v > 127 ? v - 256 : v;
}
function i32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) | 0;
}

const mnem = (m: string, ops: string): string => (ops ? `${m.padEnd(6)} ${ops}` : `${m.padEnd(6)} `);

interface ModRM {
  reg: number;
  /** register number when mod == 3 */
  rmReg: number | null;
  /** memory operand text */
  mem: string;
  len: number;
}

/** ModRM + SIB + displacement at b[at], with REX.R/REX.B; null when outside the subset. */
function modrm(b: Uint8Array, at: number, rexR: boolean, rexB: boolean): ModRM | null {
  if (at >= b.length) return null;
  const x = b[at]!;
  const mod = x >> 6;
  const reg = ((x >> 3) & 7) | (rexR ? 8 : 0);
  let rm = x & 7;
  if (mod === 3) return { reg, rmReg: rm | (rexB ? 8 : 0), mem: '', len: 1 };
  let len = 1;
  if (rm === 4) {
    // only the SIB of a plain %rsp/%r12 base (0x24)
    if (at + 1 >= b.length || b[at + 1] !== 0x24) return null;
    len++;
  } else if (rm === 5 && mod === 0) return null; // %rip-relative: handled by the caller (lea)
  rm |= rexB ? 8 : 0;
  let disp = 0;
  if (mod === 1) {
    if (at + len >= b.length) return null;
    disp = i8(b, at + len);
    len += 1;
  } else if (mod === 2) {
    if (at + len + 3 >= b.length) return null;
    disp = i32(b, at + len);
    len += 4;
  }
  const base = `(%${R64[rm]})`;
  return { reg, rmReg: null, mem: disp === 0 && mod === 0 ? base : `${signedHex(disp)}${base}`, len };
}

/**
 * One instruction at b[off] (pc is its address, for relative targets), or
 * null when the bytes run out or are outside the subset.
 */
export function decode(b: Uint8Array, off: number, pc: bigint, lookup: Lookup): Decoded | null {
  let p = off;
  let rex = 0;
  if (p < b.length && (b[p]! & 0xf0) === 0x40) rex = b[p++]!;
  if (p >= b.length) return null;
  const W = (rex & 8) !== 0;
  const R = (rex & 4) !== 0;
  const B = (rex & 1) !== 0;
  const op = b[p++]!;
  const reg = (n: number, w: boolean): string => `%${(w ? R64 : R32)[n]}`;
  const sfx = W ? 'q' : 'l';
  const done = (text: string, extra: Partial<Decoded> = {}): Decoded => ({ len: p - off, text, ...extra });
  const rel = (disp: number, m: string, call = false): Decoded => {
    const target = BigInt.asUintN(64, pc + BigInt(p - off) + BigInt(disp));
    return done(`${mnem(m, disp < 0 ? `-${hex(-disp)}` : `+${hex(disp)}`)}\t<${lookup(target)}>`, { target, ...(call ? { call } : {}) });
  };
  if (op >= 0x50 && op <= 0x57) return done(mnem('pushq', reg((op & 7) | (B ? 8 : 0), true)));
  if (op >= 0x58 && op <= 0x5f) return done(mnem('popq', reg((op & 7) | (B ? 8 : 0), true)));
  if (op >= 0xb8 && op <= 0xbf && !W) {
    if (p + 4 > b.length) return null;
    const imm = i32(b, p) >>> 0;
    p += 4;
    return done(mnem('movl', `$${hex(imm)},${reg((op & 7) | (B ? 8 : 0), false)}`));
  }
  switch (op) {
    case 0x89:
    case 0x8b:
    case 0x01:
    case 0x31:
    case 0x39:
    case 0x85: {
      const m = modrm(b, p, R, B);
      if (!m) return null;
      p += m.len;
      const name = op === 0x89 || op === 0x8b ? 'mov' : op === 0x01 ? 'add' : op === 0x31 ? 'xor' : op === 0x39 ? 'cmp' : 'test';
      const r = reg(m.reg, W);
      const rm = m.rmReg !== null ? reg(m.rmReg, W) : m.mem;
      return done(mnem(name + sfx, op === 0x8b ? `${rm},${r}` : `${r},${rm}`));
    }
    case 0x8d: {
      if (p < b.length && (b[p]! & 0xc7) === 0x05) {
        // lea disp32(%rip),%reg
        if (p + 5 > b.length) return null;
        const r = ((b[p]! >> 3) & 7) | (R ? 8 : 0);
        const disp = i32(b, p + 1);
        p += 5;
        const target = BigInt.asUintN(64, pc + BigInt(p - off) + BigInt(disp));
        return done(`${mnem('lea' + sfx, `${disp < 0 ? `-${hex(-disp)}` : `+${hex(disp)}`}(%rip),${reg(r, W)}`)}\t<${lookup(target)}>`, { target });
      }
      const m = modrm(b, p, R, B);
      if (!m || m.rmReg !== null) return null;
      p += m.len;
      return done(mnem('lea' + sfx, `${m.mem},${reg(m.reg, W)}`));
    }
    case 0xc7: {
      const m = modrm(b, p, R, B);
      if (!m || (m.reg & 7) !== 0 || p + m.len + 4 > b.length) return null;
      p += m.len;
      const imm = i32(b, p);
      p += 4;
      return done(immText('mov' + sfx, imm, W, m.rmReg !== null ? reg(m.rmReg, W) : m.mem, lookup));
    }
    case 0x83: {
      const m = modrm(b, p, R, B);
      if (!m || p + m.len >= b.length + 0) return null;
      const n = m.reg & 7;
      const name = ['add', 'or', null, null, 'and', 'sub', null, 'cmp'][n];
      if (!name) return null;
      p += m.len;
      if (p >= b.length) return null;
      const imm = i8(b, p);
      p += 1;
      return done(immText(name + sfx, imm, W, m.rmReg !== null ? reg(m.rmReg, W) : m.mem, lookup));
    }
    case 0xe8:
    case 0xe9: {
      if (p + 4 > b.length) return null;
      const disp = i32(b, p);
      p += 4;
      return rel(disp, op === 0xe8 ? 'call' : 'jmp', op === 0xe8);
    }
    case 0xeb: {
      if (p >= b.length) return null;
      const disp = i8(b, p);
      p += 1;
      return rel(disp, 'jmp');
    }
    case 0x0f: {
      if (p + 5 > b.length || (b[p]! & 0xf0) !== 0x80) return null;
      const cc = b[p]! & 0xf;
      const disp = i32(b, p + 1);
      p += 5;
      return rel(disp, 'j' + CONDS[cc]);
    }
    case 0xff: {
      const m = modrm(b, p, R, B);
      if (!m || (m.reg & 7) !== 2) return null;
      p += m.len;
      return done(mnem('call', `*${m.rmReg !== null ? reg(m.rmReg, true) : m.mem}`), { call: true });
    }
    case 0xc3:
      return done(mnem('ret', ''));
    case 0xc9:
      return done(mnem('leave', ''));
    case 0x90:
      return done(mnem('nop', ''));
  }
  if (op >= 0x70 && op <= 0x7f) {
    if (p >= b.length) return null;
    const disp = i8(b, p);
    p += 1;
    return rel(disp, 'j' + CONDS[op & 0xf]);
  }
  return null;
}

/**
 * An immediate operand as print_imm() shows it: $0x.., or for a small
 * negative value (down to -255) of an operation that is not unsigned
 * $-0x.. with its unsigned value in the operand size after a tab.
 */
function immText(m: string, imm: number, w: boolean, dst: string, lookup: Lookup): string {
  const unsigned = UNSIGNED_OPS.some((u) => m.startsWith(u));
  const mask = w ? (1n << 64n) - 1n : 0xffffffffn;
  const u = BigInt.asUintN(64, BigInt(imm)) & mask;
  if (imm < 0 && imm >= -255 && !unsigned) return `${mnem(m, `$-${hex(-imm)},${dst}`)}\t<${hex(u)}>`;
  // an immediate that is a symbol's address is annotated with it (libdisasm's tgt lookup)
  const sym = u === 0n ? '' : lookup(u);
  return `${mnem(m, `$${hex(u)},${dst}`)}${sym === '' || /^[0-9]/.test(sym) ? '' : `\t<${sym}>`}`;
}

/** What the debugger's disassembler needs of a target: the code object holding an address, and %a. */
export interface CodeSource {
  /** the function's code containing addr (its start and bytes), or undefined where the dump has none */
  codeAt(addr: bigint): { base: bigint; bytes: Uint8Array } | undefined;
  lookup: Lookup;
}

/** The target's text as the disassembler reads it: the `text` rows memory.ts maps. */
export function codeSource(t: Target): CodeSource {
  return {
    codeAt(addr) {
      const ref = t.memory.objectsAt(BigInt.asUintN(64, addr)).find((o) => o.table === TABLE_TEXT);
      return ref ? { base: ref.base, bytes: t.memory.read(ref.base, ref.size) } : undefined;
    },
    lookup: (a) => t.formatAddr(a),
  };
}

/** the longest amd64 instruction */
export const MAX_INSN = 15;

/**
 * The instruction at addr (mdb_dis_ins2str): undefined when no code is
 * there (mdb: "failed to read instruction at ..."); bytes outside the
 * subset read as one byte of "***ERROR--unknown op code***", as libdisasm's
 * failure does.
 */
export function insnAt(src: CodeSource, addr: bigint): Decoded | undefined {
  const c = src.codeAt(addr);
  if (!c) return undefined;
  const off = Number(addr - c.base);
  const end = Math.min(c.bytes.length, off + MAX_INSN);
  const d = decode(c.bytes.subarray(0, end), off, addr, src.lookup);
  return d ?? { len: 1, text: '***ERROR--unknown op code***' };
}

/**
 * The starts of the (at most) n instructions before addr (mdb_dis_previns):
 * decoded forward from the start of the code holding addr, so they are the
 * instructions the function really has.
 */
export function prevInsns(src: CodeSource, addr: bigint, n: number): bigint[] {
  const c = src.codeAt(addr);
  if (!c || n <= 0) return [];
  const starts: bigint[] = [];
  for (let pc = c.base; pc < addr; ) {
    const d = insnAt(src, pc);
    if (!d) break;
    starts.push(pc);
    pc += BigInt(d.len);
  }
  return starts.slice(-n);
}
