/*
 * ::panicinfo — the panic as the kernel recorded it (genunix.c): the CPU,
 * the thread and the message, each under a 16-wide right-aligned label.
 * mdb then lists the registers vpanic() saved (panic_reg), one per line
 * under the same labels.
 */
import { defineDcmd, text } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { hx } from '../thread/helpers.js';
import { readPanic } from './helpers.js';
import { panicRegs } from '../../kvm/regs.js';

/** the labels panicinfo gives the saved registers, in its order, and their struct regs members */
const PANICINFO_REGS: ReadonlyArray<[string, string]> = [
  ['rdi', 'r_rdi'], ['rsi', 'r_rsi'], ['rdx', 'r_rdx'], ['rcx', 'r_rcx'], ['r8', 'r_r8'], ['r9', 'r_r9'], ['rax', 'r_rax'],
  ['rbx', 'r_rbx'], ['rbp', 'r_rbp'], ['r10', 'r_r10'], ['r11', 'r_r11'], ['r12', 'r_r12'], ['r13', 'r_r13'], ['r14', 'r_r14'],
  ['r15', 'r_r15'], ['fsbase', '__r_fsbase'], ['gsbase', '__r_gsbase'], ['ds', 'r_ds'], ['es', 'r_es'], ['fs', 'r_fs'],
  ['gs', 'r_gs'], ['trapno', 'r_trapno'], ['err', 'r_err'], ['rip', 'r_rip'], ['cs', 'r_cs'], ['rflags', 'r_rfl'],
  ['rsp', 'r_rsp'], ['ss', 'r_ss'],
];

export default defineDcmd({
  name: 'panicinfo',
  synopsis: '',
  address: 'none',
  summary: 'print panic information',
  help: `Prints the panicking CPU, the panic thread and the panic message, each
after a right-aligned label, then the registers vpanic() saved for the
panicking CPU (the general registers, the segment selectors, %rip, %rflags
and %rsp). On a live dump there is no panic to show.

EXAMPLES
  > ::panicinfo
               cpu                2
            thread ffffff01c0aa1120
           message assertion failed: rc == -1, file: ../../common/os/kmem.c, line: 2598
               rdi fffffffffbe05280
               rsi ffffff0008b7c020
               rdx fffffffffbe05240
               rcx              a26
                r8                0
                r9                0
               rax                0
               rbx                0
               rbp ffffff0008b7c050
               r10                0
               r11                0
               r12                0
               r13                0
               r14                0
               r15                0
            fsbase                0
            gsbase fffffffffbe02700
                ds               4b
                es               4b
                fs                0
                gs              1c3
            trapno                0
               err                0
               rip fffffffffb802770
                cs               30
            rflags              246
               rsp ffffff0008b7bf90
                ss               38`,
  options: {},
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const p = readPanic(ctx.target);
    if (!p) throw new DcmdError('panicinfo: no panic recorded: this is a live dump (savecore -L)');
    const w = ctx.pointerSize * 2;
    const label = (l: string) => l.padStart(16);
    const lines = [`${label('cpu')} ${String(p.cpu).padStart(w)}`, `${label('thread')} ${hx(p.thread).padStart(w)}`, `${label('message')} ${p.message}`];
    const regs = panicRegs(ctx.target);
    const registers: Array<{ name: string; value: string }> = [];
    for (const [name, member] of PANICINFO_REGS) {
      const v = regs?.get(member);
      if (v === undefined) continue;
      registers.push({ name, value: `0x${v.toString(16)}` });
      lines.push(`${label(name)} ${v.toString(16).padStart(w)}`);
    }
    return text(lines.map((l) => l + '\n').join(''), { data: { cpu: p.cpu, thread: p.thread, message: p.message, registers } });
  },
});
