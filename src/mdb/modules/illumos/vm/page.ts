/*
 * ::page (memory.c's page()): a page_t as "PAGE VNODE OFFSET SELOCK LCT COW
 * IO FS ST"; without an address, every page of the page walk.
 */
import { addresses, defineDcmd, text } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { StructView } from '../kmem/struct-view.js';

export const page = defineDcmd({
  name: 'page',
  synopsis: '?',
  address: 'optional',
  summary: 'display a summarized page_t',
  help: `Prints a page_t: its address, p_vnode, p_offset, p_selock, p_lckcnt,
p_cowcnt, p_iolock_state, p_fsdata and p_state (0x80, P_FREE: on the
freelist or the cachelist). Without an address, every page the page walker
visits (every named page).

EXAMPLES
  > fffffe0000000000::page
              PAGE            VNODE           OFFSET   SELOCK LCT COW IO FS ST
  fffffe0000000000 fffffffffbc12e80 fffffffffb800000        0   0   0  0  0  0`,
  options: {},
  input: 'page_t',
  walker: 'page',
  run(ctx, addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    if (addr === undefined) throw new DcmdError("can't walk pages");
    if (ctx.pipedInto) return addresses([addr], 'page_t');
    const ps = ctx.pointerSize * 2;
    // a page_t row's members read from their columns (StructView), not
    // synthesised into bytes: ::page over every page is one call a page
    let v: StructView;
    try {
      v = StructView.read(ctx.target, 'page_t', addr);
    } catch {
      throw new DcmdError(`unable to read page_t at ${addr.toString(16)}`);
    }
    const p = {
      vnode: v.u('p_vnode'),
      offset: v.u('p_offset'),
      selock: Number(v.s('p_selock')),
      lckcnt: v.n('p_lckcnt'),
      cowcnt: v.n('p_cowcnt'),
      iolockState: v.n('p_iolock_state'),
      fsdata: v.n('p_fsdata'),
      state: v.n('p_state'),
    };
    const hex = (v: bigint | number, w: number): string => v.toString(16).padStart(w);
    let out = ctx.first
      ? `${'PAGE'.padStart(ps)} ${'VNODE'.padStart(ps)} ${'OFFSET'.padStart(16)} ${'SELOCK'.padStart(8)} ${'LCT'.padStart(3)} ${'COW'.padStart(3)} ${'IO'.padStart(2)} ${'FS'.padStart(2)} ${'ST'.padStart(2)}\n`
      : '';
    out += `${addr.toString(16).padStart(ps, '0')} ${hex(p.vnode, ps)} ${hex(p.offset, 16)} ${hex(p.selock >>> 0, 8)} ${p.lckcnt.toString().padStart(3)} ${p.cowcnt.toString().padStart(3)} ${hex(p.iolockState, 2)} ${hex(p.fsdata, 2)} ${hex(p.state, 2)}\n`;
    return text(out, {
      // page_t's member names: p_offset is a kernel address for kvp's and zvp's pages, so it stays hex
      data: { addr, p_vnode: p.vnode, p_offset: p.offset, p_selock: p.selock, p_lckcnt: p.lckcnt, p_cowcnt: p.cowcnt, p_iolock_state: p.iolockState, p_fsdata: p.fsdata, p_state: p.state },
      addresses: [addr],
      addressType: 'page_t',
    });
  },
});
