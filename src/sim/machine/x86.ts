/*
 * A small amd64 encoder: the instruction subset the simulated kernel's text
 * is written in (function prologues and epilogues, moves between registers
 * and memory, compares, tests, short branches, direct and indirect calls).
 * Kernel-neutral: the illumos text (src/sim/illumos/kern/text.ts) and the
 * generated bodies of other functions (text.ts) are built from it.
 *
 * Every instruction's length depends only on its operands, never on where it
 * is placed: a call is always `e8 rel32` (5 bytes) and a branch is short
 * (2 bytes) or long (5 or 6) as its distance to its label asks, so a function's layout, and with it every
 * call's return offset, is known before any address is assigned. The
 * encodings are the ones the Intel SDM gives (REX.W for 64-bit operands,
 * REX.R/REX.B for %r8..%r15, a SIB byte for an %rsp/%r12 base, a disp8 for
 * an %rbp/%r13 base without displacement).
 */

export const REGS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;
export type Reg = (typeof REGS)[number];

/** disp(%base) */
export interface Mem {
  base: Reg;
  disp: number;
}

export type Width = 32 | 64;
/** ALU operations with an 8-bit sign-extended immediate (opcode 83 /n) */
export type AluImm = 'add' | 'or' | 'and' | 'sub' | 'cmp';
/** register-to-register/memory ALU operations (opcode byte) */
export type AluReg = 'add' | 'xor' | 'cmp' | 'test';
/** condition codes of the short Jcc (70+cc) */
export const CONDS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'] as const;
export type Cond = (typeof CONDS)[number];

export type Insn =
  | { op: 'push' | 'pop'; r: Reg }
  /** mov %src,%dst (89 /r) */
  | { op: 'mov'; w: Width; src: Reg; dst: Reg }
  /** mov disp(%base),%dst (8b /r) */
  | { op: 'load'; w: Width; m: Mem; dst: Reg }
  /** mov %src,disp(%base) (89 /r) */
  | { op: 'store'; w: Width; src: Reg; m: Mem }
  /** lea disp(%base),%dst (REX.W 8d /r) */
  | { op: 'lea'; m: Mem; dst: Reg }
  /** lea rel32(%rip),%dst (REX.W 8d /r, mod 00 r/m 101) to an absolute target */
  | { op: 'lear'; target: bigint; dst: Reg }
  /** movl $imm32,%dst32 (b8+r) or movq $simm32,%dst (REX.W c7 /0) */
  | { op: 'movi'; w: Width; imm: number; dst: Reg }
  /** add/or/and/sub/cmp $simm8, %dst or disp(%base) (83 /n ib) */
  | { op: 'alui'; alu: AluImm; w: Width; imm: number; dst: Reg | Mem }
  /** add/xor/cmp/test %src, %dst (01/31/39/85 /r) */
  | { op: 'alur'; alu: AluReg; w: Width; src: Reg; dst: Reg }
  /** call rel32 to an absolute target (e8) */
  | { op: 'call'; target: bigint }
  /** call *%r or call *disp(%base) (ff /2) */
  | { op: 'calli'; via: Reg | Mem }
  /** jmp rel8 (eb) / jcc rel8 (70+cc), or with `long` jmp rel32 (e9) / jcc rel32 (0f 80+cc); rel is from the end of the instruction */
  | { op: 'jmp'; rel: number; long?: boolean }
  | { op: 'jcc'; cc: Cond; rel: number; long?: boolean }
  | { op: 'ret' }
  | { op: 'leave' }
  | { op: 'nop' };

const regNum = (r: Reg): number => REGS.indexOf(r);
const isMem = (x: Reg | Mem): x is Mem => typeof x === 'object';

function rex(w: boolean, r: number, b: number): number[] {
  const v = 0x40 | (w ? 8 : 0) | (r & 8 ? 4 : 0) | (b & 8 ? 1 : 0);
  return v === 0x40 ? [] : [v];
}

function le32(v: number): number[] {
  const u = v >>> 0;
  return [u & 0xff, (u >>> 8) & 0xff, (u >>> 16) & 0xff, u >>> 24];
}

const fitsI8 = (v: number): boolean => Number.isInteger(v) && v >= -128 && v <= 127;
const fitsI32 = (v: number): boolean => Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff;

/** ModRM (+ SIB + displacement) for a register field and a register or memory operand */
function modrm(reg: number, rm: Reg | Mem): number[] {
  if (!isMem(rm)) return [0xc0 | ((reg & 7) << 3) | (regNum(rm) & 7)];
  const b = regNum(rm.base);
  if (!fitsI32(rm.disp)) throw new Error(`x86: displacement ${rm.disp} does not fit 32 bits`);
  const sib = (b & 7) === 4 ? [0x24] : [];
  if (rm.disp === 0 && (b & 7) !== 5) return [((reg & 7) << 3) | (b & 7), ...sib];
  if (fitsI8(rm.disp)) return [0x40 | ((reg & 7) << 3) | (b & 7), ...sib, rm.disp & 0xff];
  return [0x80 | ((reg & 7) << 3) | (b & 7), ...sib, ...le32(rm.disp)];
}

const ALU_IMM: Record<AluImm, number> = { add: 0, or: 1, and: 4, sub: 5, cmp: 7 };
const ALU_REG: Record<AluReg, number> = { add: 0x01, xor: 0x31, cmp: 0x39, test: 0x85 };

/** The bytes of one instruction at `pc` (the address matters only to a direct call). */
export function encode(i: Insn, pc: bigint): number[] {
  switch (i.op) {
    case 'push':
    case 'pop': {
      const n = regNum(i.r);
      return [...rex(false, 0, n), (i.op === 'push' ? 0x50 : 0x58) + (n & 7)];
    }
    case 'mov':
      return [...rex(i.w === 64, regNum(i.src), regNum(i.dst)), 0x89, ...modrm(regNum(i.src), i.dst)];
    case 'load':
      return [...rex(i.w === 64, regNum(i.dst), regNum(i.m.base)), 0x8b, ...modrm(regNum(i.dst), i.m)];
    case 'store':
      return [...rex(i.w === 64, regNum(i.src), regNum(i.m.base)), 0x89, ...modrm(regNum(i.src), i.m)];
    case 'lea':
      return [...rex(true, regNum(i.dst), regNum(i.m.base)), 0x8d, ...modrm(regNum(i.dst), i.m)];
    case 'lear': {
      const rel = i.target - (pc + 7n);
      if (rel < -0x80000000n || rel > 0x7fffffffn) throw new Error(`x86: lea target ${i.target.toString(16)} out of rel32 range of ${pc.toString(16)}`);
      return [...rex(true, regNum(i.dst), 0), 0x8d, ((regNum(i.dst) & 7) << 3) | 5, ...le32(Number(rel))];
    }
    case 'movi': {
      const n = regNum(i.dst);
      if (i.w === 32) {
        if (!Number.isInteger(i.imm) || i.imm < -0x80000000 || i.imm > 0xffffffff) throw new Error(`x86: immediate ${i.imm} does not fit 32 bits`);
        return [...rex(false, 0, n), 0xb8 + (n & 7), ...le32(i.imm)];
      }
      if (!fitsI32(i.imm)) throw new Error(`x86: immediate ${i.imm} does not fit a sign-extended 32 bits`);
      return [...rex(true, 0, n), 0xc7, ...modrm(0, i.dst), ...le32(i.imm)];
    }
    case 'alui': {
      if (!fitsI8(i.imm)) throw new Error(`x86: immediate ${i.imm} does not fit 8 bits`);
      const b = isMem(i.dst) ? regNum(i.dst.base) : regNum(i.dst);
      return [...rex(i.w === 64, 0, b), 0x83, ...modrm(ALU_IMM[i.alu], i.dst), i.imm & 0xff];
    }
    case 'alur':
      return [...rex(i.w === 64, regNum(i.src), regNum(i.dst)), ALU_REG[i.alu], ...modrm(regNum(i.src), i.dst)];
    case 'call': {
      const rel = i.target - (pc + 5n);
      if (rel < -0x80000000n || rel > 0x7fffffffn) throw new Error(`x86: call target ${i.target.toString(16)} out of rel32 range of ${pc.toString(16)}`);
      return [0xe8, ...le32(Number(rel))];
    }
    case 'calli': {
      const b = isMem(i.via) ? regNum(i.via.base) : regNum(i.via);
      return [...rex(false, 0, b), 0xff, ...modrm(2, i.via)];
    }
    case 'jmp':
    case 'jcc':
      if (i.long) {
        if (!fitsI32(i.rel)) throw new Error(`x86: branch of ${i.rel} bytes does not fit 32 bits`);
        return i.op === 'jmp' ? [0xe9, ...le32(i.rel)] : [0x0f, 0x80 + CONDS.indexOf(i.cc), ...le32(i.rel)];
      }
      if (!fitsI8(i.rel)) throw new Error(`x86: branch of ${i.rel} bytes does not fit a short jump`);
      return [i.op === 'jmp' ? 0xeb : 0x70 + CONDS.indexOf(i.cc), i.rel & 0xff];
    case 'ret':
      return [0xc3];
    case 'leave':
      return [0xc9];
    case 'nop':
      return [0x90];
  }
}

/** The length of an instruction: independent of where it sits (see the header). */
export function insnLength(i: Insn): number {
  return encode(i.op === 'call' ? { op: 'call', target: 0n } : i.op === 'lear' ? { ...i, target: 0n } : i, 0n).length;
}
