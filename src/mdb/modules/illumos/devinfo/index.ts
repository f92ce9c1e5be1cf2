/*
 * The device tree (genunix devinfo.c): ::prtconf, ::devinfo and the
 * devinfo, devinfo_children and devinfo_parents walkers.
 *
 * ::prtconf prints a node per line, indented four columns per level below
 * the walk's root: the dev_info's address, its binding name, ", instance #N"
 * when it has an instance, and "(driver name: X)" from devnamesp[devi_major]
 * once the node is attached, "(driver not attached)" before. Without an
 * address it walks the whole tree from top_devinfo; with one, the node's
 * parents then its children (-p only the parents, -c only the children).
 * ::devinfo prints one node that way (with its property lists), or with -s
 * mdb's three-line summary: major, open count, node@unit-address and node
 * state; instance, circular count, binding name and devi_state's bits; the
 * busy thread and devi_flags' bits.
 */
import { defineDcmd, defineWalker, flag, text, type DcmdContext, type Module } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import type { Target } from '../../../target.js';
import {
  bitNames,
  childrenOf,
  DEVI_FLAG_BITS,
  DEVI_STATE_BITS,
  devinfoAt,
  devinfoTree,
  devString,
  DS_ATTACHED,
  majorToName,
  parentsOf,
  stateName,
  topDevinfo,
  type DevinfoStep,
} from './helpers.js';

const hx = (v: bigint): string => v.toString(16);

interface NodeLine {
  addr: bigint;
  depth: number;
  bindingName: string;
  instance: number;
  driver: string | null;
  attached: boolean;
}

/** devinfo_print(): one node's line (no property lists: the model has none) */
function nodeLine(target: Target, step: DevinfoStep): NodeLine {
  const d = devinfoAt(target, step.addr);
  const binding = d.bindingName === 0n ? undefined : devString(target, d.bindingName);
  if (binding === undefined) throw new DcmdError(`failed to read binding_name at ${hx(d.bindingName)}`);
  const attached = d.nodeState >= DS_ATTACHED;
  return { addr: step.addr, depth: step.depth, bindingName: binding, instance: d.instance, attached, driver: attached ? (majorToName(target, d.major) ?? null) : null };
}

function renderLine(n: NodeLine, ps: number): string {
  let s = `${' '.repeat(n.depth * 4)}${hx(n.addr).padStart(ps * 2, '0')} ${n.bindingName}`;
  if (n.instance >= 0) s += `, instance #${n.instance}`;
  if (!n.attached) s += ' (driver not attached)';
  else if (n.driver === null) s += ' (could not determine driver name)';
  else s += ` (driver name: ${n.driver})`;
  return s + '\n';
}

const lineData = (n: NodeLine) => ({ addr: n.addr, depth: n.depth, bindingName: n.bindingName, instance: n.instance, attached: n.attached, driver: n.driver });

export const prtconf = defineDcmd({
  name: 'prtconf',
  synopsis: '?[-vpc]',
  address: 'optional',
  summary: 'print devinfo tree',
  help: `Prints the device tree: one dev_info per line, indented four columns per
level, with its binding name, its instance number and the driver attached
to it (named from devnamesp[devi_major]; "(driver not attached)" before
attach). Without an address, the whole tree from top_devinfo; with the
address of a dev_info, that node's parents, the node, and all its children.

OPTIONS
  -v  also print each node's property lists (the simulated kernel's nodes
      have none)
  -p  only the parents of the node (and the node)
  -c  only the node and its children

EXAMPLES
  > ::prtconf
  DEVINFO          NAME
  ffffff01c0a88000 i86pc (driver name: rootnex)
      ffffff01c0a88100 pseudo, instance #0 (driver name: pseudo)
      ffffff01c0a88200 pci, instance #0 (driver name: pci)
          ffffff01c0a88300 pci1af4,2, instance #0 (driver name: vioblk)
              ffffff01c0a88400 blkdev, instance #0 (driver name: blkdev)
          ffffff01c0a88500 pci1af4,2, instance #1 (driver name: vioblk)
              ffffff01c0a88600 blkdev, instance #1 (driver name: blkdev)`,
  options: {
    v: flag('be verbose: print device property lists'),
    p: flag('only print the ancestors of the given node'),
    c: flag('only print the children of the given node'),
  },
  input: 'dev_info_t',
  run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const target = ctx.target;
    const root = topDevinfo(target);
    const base = addr ?? root;
    // -p clears the children, -c the parents; both: only the node itself
    const parents = !opts.c;
    const children = !opts.p;
    let steps: Iterable<DevinfoStep>;
    if (parents && children) steps = devinfoTree(target, base);
    else if (parents) steps = parentsOf(target, base);
    else if (children) steps = childrenOf(target, base);
    else steps = [{ addr: base, depth: 0 }];
    const lines: NodeLine[] = [];
    for (const s of steps) {
      ctx.checkInterrupt();
      lines.push(nodeLine(target, s));
    }
    const ps = ctx.pointerSize;
    const out = `${'DEVINFO'.padEnd(ps * 2)} NAME\n` + lines.map((n) => renderLine(n, ps)).join('');
    return text(out, { data: { base, nodes: lines.map(lineData) }, addresses: lines.map((n) => n.addr), addressType: 'dev_info_t' });
  },
});

function pad(s: string, w: number, right = false): string {
  return right ? s.padStart(w) : s.padEnd(w);
}

export const devinfo = defineDcmd({
  name: 'devinfo',
  synopsis: ':[-qs]',
  address: 'required',
  summary: 'detailed devinfo of one node',
  help: `Prints one dev_info as ::prtconf does (its binding name, instance and
driver, then its property lists), or with -s a three-line summary under a
three-line header: the node's address, its driver's major number, its open
count (devi_ref), node name@unit address and node state (DS_PROTO ...
DS_READY); its instance, circular count, binding name and devi_state's bits;
the thread holding it busy and devi_flags' bits. It gives no global
information: start from ::prtconf, or from a driver's soft state (a bd_t's
d_dip).

OPTIONS
  -q  be quiet: no property lists
  -s  print the summary of the dev_info structure

EXAMPLES
  > ***bd_state::print bd_t d_dip | ::devinfo -s
  DEVINFO            MAJ           REFCNT NODENAME             NODESTATE
                    INST         CIRCULAR BINDNAME             STATE
                                   THREAD                      FLAGS
  ffffff01c0a88400     9                1 blkdev@0             DS_READY
                       0                0 blkdev               <>
                                        0                      <>`,
  options: {
    q: flag("be quiet - don't print device property lists"),
    s: flag('print summary of dev_info structures'),
  },
  input: 'dev_info_t',
  run(ctx: DcmdContext, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    // (the registry requires the address its usage string asks for: without
    // one this is a usage error, where mdb's devinfo() warns "devinfo
    // doesn't give global information (try prtconf)")
    if (addr === undefined) throw new UsageError();
    const target = ctx.target;
    const ps = ctx.pointerSize;
    const w = ps * 2;
    let d;
    try {
      d = devinfoAt(target, addr);
    } catch {
      throw new DcmdError('failed to read device');
    }
    if (!opts.s) {
      const n = nodeLine(target, { addr, depth: 0 });
      return text(renderLine(n, ps), { data: lineData(n) });
    }
    const node = devString(target, d.nodeName) ?? '';
    const unit = d.unitAddr !== 0n ? devString(target, d.unitAddr) : undefined;
    const nodename = unit !== undefined && unit !== '' ? `${node}@${unit}` : node;
    const bindname = devString(target, d.bindingName) ?? '';
    const state = stateName(d.nodeState);
    const stateBits = bitNames(d.state, DEVI_STATE_BITS);
    const flagBits = bitNames(d.flags, DEVI_FLAG_BITS);
    let out = '';
    if (!ctx.loop || ctx.first) {
      out += `${pad('DEVINFO', w)} ${pad('MAJ', 5, true)} ${pad('REFCNT', w, true)} ${pad('NODENAME', 20)} NODESTATE\n`;
      out += `${pad('', w)} ${pad('INST', 5, true)} ${pad('CIRCULAR', w, true)} ${pad('BINDNAME', 20)} STATE\n`;
      out += `${pad('', w)} ${pad('', 5, true)} ${pad('THREAD', w, true)} ${pad('', 20)} FLAGS\n`;
    }
    out += `${hx(addr).padStart(w, '0')} ${pad(String(d.major | 0), 5, true)} ${pad(String(d.ref), w, true)} ${pad(nodename, 20)} ${state}\n`;
    out += `${pad('', w)} ${pad(String(d.instance), 5, true)} ${pad(String(d.circular), w, true)} ${pad(bindname, 20)} <${stateBits}>\n`;
    out += `${pad('', w)} ${pad('', 5, true)} ${pad(hx(d.busyThread), w, true)} ${pad('', 20)} <${flagBits}>\n\n`;
    return text(out, {
      data: {
        addr,
        major: d.major | 0,
        ref: d.ref,
        nodeName: nodename,
        nodeState: state,
        instance: d.instance,
        circular: d.circular,
        bindingName: bindname,
        state: `0x${d.state.toString(16)}`,
        stateBits: stateBits === '' ? [] : stateBits.split(','),
        busyThread: d.busyThread,
        flags: `0x${d.flags.toString(16)}`,
        flagBits: flagBits === '' ? [] : flagBits.split(','),
      },
    });
  },
});

const devinfoWalker = defineWalker({
  name: 'devinfo',
  description: 'walk devinfo tree or subtree',
  inputType: 'dev_info_t',
  outputType: 'dev_info_t',
  *walk(ctx, addr) {
    for (const s of devinfoTree(ctx.target, addr ?? topDevinfo(ctx.target))) yield s.addr;
  },
});

const devinfoParentsWalker = defineWalker({
  name: 'devinfo_parents',
  description: 'walk ancestors of devinfo node',
  inputType: 'dev_info_t',
  outputType: 'dev_info_t',
  *walk(ctx, addr) {
    for (const s of parentsOf(ctx.target, addr ?? topDevinfo(ctx.target))) yield s.addr;
  },
});

const devinfoChildrenWalker = defineWalker({
  name: 'devinfo_children',
  description: 'walk children of devinfo node',
  inputType: 'dev_info_t',
  outputType: 'dev_info_t',
  *walk(ctx, addr) {
    for (const s of childrenOf(ctx.target, addr ?? topDevinfo(ctx.target))) yield s.addr;
  },
});

export const devinfoModule: Module = {
  name: 'genunix',
  dcmds: [prtconf, devinfo],
  walkers: [devinfoWalker, devinfoChildrenWalker, devinfoParentsWalker],
};
