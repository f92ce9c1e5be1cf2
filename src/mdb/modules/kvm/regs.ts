/*
 * ::regs ($r) — the registers the kvm target holds for the dump: on a crash
 * dump, the panicking CPU's registers as panic() saved them in panicbuf
 * (mdb_kvm's kt_regs). An mddb dump saves no registers, so there is nothing
 * to print; rather than show a register file of zeros, ::regs says so in
 * mdb's words for a missing register set (EMDB_NOREGS). The panic thread's
 * frames, with their frame pointers, are what $C prints.
 */
import { defineDcmd } from '../../dcmd.js';
import { DcmdError, UsageError } from '../../errors.js';

export default defineDcmd({
  name: 'regs',
  synopsis: '',
  address: 'none',
  summary: 'print general-purpose registers',
  help: `Prints the general-purpose registers of the representative thread: on a
crash dump, those saved when the kernel panicked. mddb dumps save no
registers, so ::regs fails with mdb's message for a missing register set;
$C shows the panic thread's frames with their frame pointers instead.
$r is the same command.

EXAMPLES
  > $r
  mdb: no register set available for thread: this dump saves no registers`,
  options: {},
  run(_ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    throw new DcmdError('no register set available for thread: this dump saves no registers');
  },
});
