/*
 * ::ptree (genunix.c ptree(), ptree_walk(), ptree_ancestors()): the process
 * tree, each proc_t and its command indented five spaces per ancestor. With
 * an address, that process's ancestors first, then its subtree.
 */
import { defineDcmd, text } from '../../../dcmd.js';
import { UsageError } from '../../../errors.js';
import { nproc, procRoot, readProc, walkProcs, type ProcRec } from './helpers.js';

export default defineDcmd({
  name: 'ptree',
  synopsis: '?',
  address: 'optional',
  summary: 'print process tree',
  help: `Prints every process from p0 down, depth first: the proc_t and
u_comm, indented five spaces for each ancestor (counted through p_parent).
Given a proc_t, prints its ancestors from p0 down, then the process and its
descendants.

EXAMPLES
  > ::ptree
  fffffffffbe00000  sched
       ffffff01c0a831a0  pageout
       ffffff01c0a83008  init
            ffffff01c0a9c808  ld
            ffffff01c0a9c670  ld
  ...`,
  options: {},
  input: 'proc_t',
  run(ctx, addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const target = ctx.target;
    const ps = ctx.pointerSize;
    const max = nproc(target);
    // the depth of a process: its ancestors through p_parent, bounded by
    // nproc and stopped where the chain comes back on itself (an address
    // that is not a proc_t reads words that need not end at p0)
    const depth = (p: ProcRec): number => {
      let n = 0;
      let a = p.parent;
      const seen = new Set<bigint>([p.addr]);
      while (a !== 0n && n < max && !seen.has(a)) {
        n++;
        seen.add(a);
        try {
          a = readProc(target, a).parent;
        } catch {
          break;
        }
      }
      return n;
    };
    const rows: Array<{ addr: bigint; name: string; depth: number }> = [];
    const emit = (p: ProcRec): void => {
      rows.push({ addr: p.addr, name: p.comm, depth: depth(p) });
    };
    if (addr !== undefined) {
      const chain: ProcRec[] = [];
      let a = readProc(target, addr).parent;
      const seen = new Set<bigint>([addr]);
      while (a !== 0n && chain.length < max && !seen.has(a)) {
        seen.add(a);
        const p = readProc(target, a);
        chain.unshift(p);
        a = p.parent;
      }
      chain.forEach(emit);
    }
    for (const p of walkProcs(target, addr ?? procRoot(target))) emit(p);
    const out = rows.map((r) => `${' '.repeat(r.depth * 5)}${r.addr.toString(16).padStart(ps * 2, '0')}  ${r.name}\n`).join('');
    return text(out, { data: rows, addresses: rows.map((r) => r.addr), addressType: 'proc_t' });
  },
});
