/*
 * ::regs ($r) — the registers the kvm target holds for the dump: on a crash
 * dump, the panicking CPU's registers as vpanic() saved them, which
 * panicsys() points panic_reg at (mdb_kvm's kt_regs). Printed as mdb's
 * amd64 register display does (mdb_amd64_printregs()). A dump without a
 * saved register set (a live dump, or a kernel that saves none) gets mdb's
 * message for a missing register set (EMDB_NOREGS).
 */
import { defineDcmd, text } from '../../dcmd.js';
import { DcmdError, UsageError } from '../../errors.js';
import type { Target } from '../../target.js';
import { StructView } from '../illumos/kmem/struct-view.js';

/** The struct regs panic_reg points at, by member, or undefined when the dump saves none. */
export function panicRegs(target: Target): Map<string, bigint> | undefined {
  const sym = target.lookupSymbol('panic_reg');
  if (!sym || !target.types.get('struct regs')) return undefined;
  let at: bigint;
  try {
    at = target.readPtr(sym.addr);
  } catch {
    return undefined;
  }
  if (at === 0n) return undefined;
  const v = StructView.read(target, 'struct regs', at, 'panic registers');
  return new Map(v.def.members.map((m) => [m.name, v.u(m.name)]));
}

const hex16 = (v: bigint): string => '0x' + v.toString(16).padStart(16, '0');
const hex4 = (v: bigint): string => '0x' + v.toString(16).padStart(4, '0');

/** a value's symbol, when it points into one (mdb's %A) */
function sym(target: Target, v: bigint): string {
  const hit = target.symbolAt(v);
  return hit && hit.offset < (hit.sym.size || 1n) ? target.formatAddr(v) : '';
}

/** rflags decoded as mdb does: the system bits, then the status flags upper-cased when set */
function rflags(f: bigint): string[] {
  const b = (n: number): number => Number((f >> BigInt(n)) & 1n);
  const st = [
    ['of', 11], ['df', 10], ['if', 9], ['tf', 8], ['sf', 7], ['zf', 6], ['af', 4], ['pf', 2], ['cf', 0],
  ].map(([n, bit]) => (b(bit as number) ? (n as string).toUpperCase() : (n as string)));
  return [
    `  id=${b(21)} vip=${b(20)} vif=${b(19)} ac=${b(18)} vm=${b(17)} rf=${b(16)} nt=${b(14)} iopl=0x${((f >> 12n) & 3n).toString(16)}`,
    `  status=<${st.join(',')}>`,
  ];
}

export function formatRegs(target: Target, r: Map<string, bigint>): string {
  const g = (m: string): bigint => r.get(m) ?? 0n;
  const left = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8'];
  const right = ['r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
  const lines: string[] = [];
  for (let i = 0; i < left.length; i++) {
    const l = left[i]!;
    const rr = right[i]!;
    lines.push(`%${l.padEnd(3)} = ${hex16(g(`r_${l}`))} ${sym(target, g(`r_${l}`)).padEnd(15)} %${rr.padEnd(3)} = ${hex16(g(`r_${rr}`))} ${sym(target, g(`r_${rr}`))}`.trimEnd());
  }
  lines.push('');
  lines.push(`%rip = ${hex16(g('r_rip'))} ${sym(target, g('r_rip'))}`.trimEnd());
  lines.push(`%rbp = ${hex16(g('r_rbp'))} ${sym(target, g('r_rbp'))}`.trimEnd());
  lines.push(`%rsp = ${hex16(g('r_rsp'))} ${sym(target, g('r_rsp'))}`.trimEnd());
  lines.push(`%rflags = 0x${g('r_rfl').toString(16).padStart(8, '0')}`);
  lines.push(...rflags(g('r_rfl')));
  lines.push('');
  lines.push(`                        %cs = ${hex4(g('r_cs'))}    %ds = ${hex4(g('r_ds'))}    %es = ${hex4(g('r_es'))}`);
  lines.push(`%trapno = 0x${g('r_trapno').toString(16)}             %fs = ${hex4(g('r_fs'))}    %gs = ${hex4(g('r_gs'))}`);
  lines.push(`   %err = 0x${g('r_err').toString(16)}`);
  return lines.map((l) => l + '\n').join('');
}

export default defineDcmd({
  name: 'regs',
  synopsis: '',
  address: 'none',
  summary: 'print general-purpose registers',
  help: `Prints the general-purpose registers of the representative thread: on a
crash dump, those vpanic() saved when the kernel panicked (panic_reg),
with the value's symbol where it points into one, the decoded %rflags and
the segment selectors. A dump with no saved register set (a live dump)
fails with mdb's message for a missing register set. $r is the same
command.

EXAMPLES
  > $r
  %rax = 0x0000000000000000                 %r9  = 0x0000000000000000
  %rbx = 0x0000000000000000                 %r10 = 0x0000000000000000
  %rcx = 0x0000000000000a26                 %r11 = 0x0000000000000000
  ...`,
  options: {},
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const r = panicRegs(ctx.target);
    if (!r) throw new DcmdError('no register set available for thread: this dump saves no registers');
    return text(formatRegs(ctx.target, r), { data: Object.fromEntries([...r].map(([k, v]) => [k, `0x${v.toString(16)}`])) });
  },
});
