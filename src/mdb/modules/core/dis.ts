/*
 * ::dis — disassemble the kernel's text (cmd_dis() in mdb_cmds.c, with
 * libdisasm's amd64 output: target/x86dis.ts). The code is the dump's
 * `text` table (format.ts); a dump without it, or an address outside every
 * function's code, gives mdb's "failed to read instruction at ...".
 *
 * As in mdb: at a function's first address (given, or a symbol name as the
 * argument) the whole function is listed; at any other address, or with
 * -w, a window of -n instructions (10 by default) before the address, the
 * address itself (bold), and -n after; with -n and a function the listing
 * stops after n + 1 instructions. Each line is `%-#32a%8T%s`: the address as
 * symbol+offset with a colon, padded to 32 columns and the next tab stop;
 * -a prints raw addresses instead, -b both. Dot is left after the last
 * instruction.
 */
import { defineDcmd, flag, text, uint } from '../../dcmd.js';
import { MdbError, UsageError } from '../../errors.js';
import { SYMKIND_FUNC } from '../../../dump/format.js';
import { codeSource, insnAt, prevInsns } from '../../target/x86dis.js';

/** The most instructions one ::dis prints (a bound on -n from the command line). */
const MAX_COUNT = 100_000n;

/** Pad to `w` columns, then to the next multiple of 8 (%-32a%8T). */
function col(s: string, w: number, start = 0): string {
  let out = s.padEnd(w);
  while ((start + out.length) % 8 !== 0) out += ' ';
  return out;
}

interface Line {
  addr: bigint;
  symbol: string;
  text: string;
  target: boolean;
}

export default defineDcmd({
  name: 'dis',
  synopsis: '?[-abfw] [-n cnt] [addr]',
  address: 'optional',
  summary: 'disassemble near addr',
  help: `Disassembles the kernel's text (amd64, AT&T syntax). At the first
address of a function the whole function is listed; at any other address a
window of instructions around it, the address itself in bold. The address
may be given before the command, or as an argument (a symbol name or a
number). Functions the dump holds no code for cannot be disassembled.

-a prints raw addresses, -b raw addresses and symbols, -w forces the window,
-n sets the number of instructions (in the window, before and after the
address), -f reads the object file (the dump has only the one text).

EXAMPLES
  > bd_xfer_ctor::dis -n 9
  bd_xfer_ctor:                   pushq  %rbp
  bd_xfer_ctor+1:                 movq   %rsp,%rbp
  bd_xfer_ctor+4:                 pushq  %r13
  bd_xfer_ctor+6:                 pushq  %r12
  bd_xfer_ctor+8:                 pushq  %rbx
  bd_xfer_ctor+9:                 movq   %rdi,%rbx
  bd_xfer_ctor+0xc:               movq   %rsi,%r12
  bd_xfer_ctor+0xf:               xorl   %r13d,%r13d
  bd_xfer_ctor+0x12:              cmpl   $0x0,%edx
  bd_xfer_ctor+0x15:              jne    +0x6	<bd_xfer_ctor+0x1d>
  > bd_strategy+0x40::dis -n 2
  bd_strategy+0x38:               movq   %r12,%rdi
  bd_strategy+0x3b:               call   +0xc0	<bd_xfer_alloc>
  bd_strategy+0x40:               testq  %rax,%rax
  bd_strategy+0x43:               je     +0x14	<bd_strategy+0x59>
  bd_strategy+0x45:               movq   %rax,%rsi`,
  options: {
    a: flag('print raw addresses'),
    b: flag('print raw addresses and symbols'),
    f: flag('read from the object file (the same text in a dump)'),
    w: flag('print a window around the address'),
    n: uint('cnt', 'the number of instructions'),
  },
  *run(ctx, addr, opts, args) {
    const t = ctx.target;
    if (args.length > 1) throw new UsageError();
    let a = addr ?? ctx.dot;
    if (args.length === 1) {
      const arg = args[0]!;
      if (typeof arg === 'string') {
        if (arg.startsWith('-')) throw new UsageError();
        if (/^[0-9]/.test(arg)) a = ctx.evalExpr(arg);
        else {
          const s = t.lookupSymbol(arg);
          if (!s) throw new MdbError(`symbol '${arg}' not found`);
          a = s.addr;
        }
      } else a = arg;
    }
    a = BigInt.asUintN(64, a);
    let window = opts.w;
    let end = 0n;
    if (!window && (args.length === 1 || ctx.addrSpec)) {
      const hit = t.symbolAt(a);
      if (hit && hit.offset === 0n && hit.sym.kind === SYMKIND_FUNC) {
        if (hit.sym.size !== 0n) end = a + hit.sym.size;
      } else window = true;
    }
    if (ctx.loop) window = false;
    if (opts.n !== undefined && opts.n > MAX_COUNT) throw new MdbError(`-n ${opts.n}: more instructions than ::dis prints (${MAX_COUNT})`);
    let n = opts.n ?? 10n;
    if (opts.n !== undefined) end = 0n;
    const src = codeSource(t);
    const lines: Line[] = [];
    let failed: bigint | undefined;
    const one = (pc: bigint, target: boolean): bigint | undefined => {
      const d = insnAt(src, pc);
      if (!d) {
        failed = pc;
        return undefined;
      }
      lines.push({ addr: pc, symbol: t.formatAddr(pc), text: d.text, target });
      return pc + BigInt(d.len);
    };
    if (!window) {
      n++;
      while ((end === 0n && n-- !== 0n) || a < end) {
        // a symbol size from the dump bounds nothing by itself: stop at MAX_COUNT lines
        if (BigInt(lines.length) >= MAX_COUNT) break;
        const next = one(a, false);
        if (next === undefined) break;
        a = next;
      }
    } else {
      for (const pc of prevInsns(src, a, Number(n))) one(pc, false);
      let next = one(a, true);
      if (next !== undefined) {
        a = next;
        for (; n-- !== 0n; ) {
          next = one(a, false);
          if (next === undefined) break;
          a = next;
        }
      }
    }
    if (failed === undefined) ctx.setDot(a);
    const ps = ctx.pointerSize * 2;
    const raw = (v: bigint): string => `0x${v.toString(16)}`;
    const render = (l: Line, bold: boolean): string => {
      const lead = opts.a ? col(raw(l.addr), 32) : opts.b ? `${raw(l.addr).padEnd(ps)}  ${col(`${l.symbol}:`, 32, Math.max(ps, raw(l.addr).length) + 2)}` : col(`${l.symbol}:`, 32);
      const s = `${lead}${l.text}`;
      return bold && l.target ? `\x1b[1m${s}\x1b[0m\n` : `${s}\n`;
    };
    if (lines.length > 0) {
      yield text(lines.map((l) => render(l, false)).join(''), {
        data: { instructions: lines.map((l) => ({ addr: l.addr, symbol: l.symbol, instruction: l.text.replace(/\s+$/, ''), ...(l.target ? { target: true } : {}) })) },
        colorText: lines.map((l) => render(l, true)).join(''),
      });
    }
    if (failed !== undefined) throw new MdbError(`failed to read instruction at 0x${failed.toString(16)}`);
  },
});
