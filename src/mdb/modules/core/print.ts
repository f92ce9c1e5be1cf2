/*
 * ::print — a structure at an address, laid out from the dump's types
 * (printer.ts), or a type's layout when no address is given. Members may be
 * named with C syntax: `cache_full.ml_total`, `bc_stack[2]`,
 * `t_procp->p_user.u_comm`. The type may be left out when it is known: the
 * previous stage of a pipe was a typed walk, or a struct of that type starts
 * at the address. Piped onward, it passes the member's value (pointers and
 * integers) or address (structs, arrays).
 */
import { isFlagKey } from '../../render/json.js';
import { addresses, defineDcmd, flag, text, uint, type DcmdArg, type DcmdContext } from '../../dcmd.js';
import { MdbError, MemoryError, UsageError } from '../../errors.js';
import { hex } from '../../render/number.js';
import { parseUint } from '../../options.js';
import { DEFAULT_PRINT, Printer, type PrintOptions } from './printer.js';

interface Located {
  /** address of the member (or object) */
  addr: bigint;
  type: string;
  size: number;
}

/** Follows a member path from an object of `type` at `addr`, reading pointers at each `->`. */
function locate(ctx: DcmdContext, type: string, addr: bigint, path: string): Located {
  const types = ctx.target.types;
  const segs = path.split('->');
  let cur: Located = { addr, type, size: types.sizeOf(type) ?? 0 };
  segs.forEach((seg, i) => {
    if (i > 0) {
      const ct = types.classify(cur.type);
      if (ct.kind !== 'ptr') throw new MdbError(`${cur.type} is not a pointer type`);
      const target = ct.target.replace(/^const /, '');
      const p = ctx.target.readPtr(cur.addr);
      cur = { addr: p, type: target, size: types.sizeOf(target) ?? 0 };
    }
    const s = seg.trim();
    if (s === '') return;
    const def = types.get(cur.type);
    if (!def) throw new MdbError(`${cur.type} is not a struct or union type`);
    const m = types.resolve(def, s.replace(/^\./, ''));
    cur = { addr: cur.addr + BigInt(m.offset), type: m.type, size: m.size };
  });
  return cur;
}

/** The type name at the front of the arguments (`struct kmem_cache` is two words) and what follows. */
function typeName(args: DcmdArg[]): { name: string; rest: DcmdArg[] } {
  const [a, b] = args;
  if (typeof a === 'string' && typeof b === 'string' && /^(struct|union|enum)$/.test(a)) return { name: `${a} ${b}`, rest: args.slice(2) };
  return { name: String(a), rest: args.slice(1) };
}

function readObject(ctx: DcmdContext, addr: bigint, size: number, type?: string): Uint8Array {
  try {
    const bytes = ctx.target.readBytes(addr, size);
    if (type) overlayMembers(ctx, type, addr, bytes, 0, 0);
    return bytes;
  } catch (e) {
    if (e instanceof MemoryError) throw new MdbError(`failed to read ${size} bytes at ${hex(addr)}: no mapping for address`);
    throw e;
  }
}

/**
 * An object's embedded structs may be objects of their own in the dump
 * (kmem_cache_t's cache_cpu[] are kmem_cpu_cache_t rows inside it): one read
 * of the outer object gives only its own members, so each embedded struct,
 * and each struct element of an embedded array, is read again at its own
 * address, as `::print kmem_cache_t cache_cpu` reads it.
 */
function overlayMembers(ctx: DcmdContext, type: string, addr: bigint, bytes: Uint8Array, off: number, depth: number): void {
  const def = ctx.target.types.get(type);
  if (!def || depth > 4) return;
  for (const m of def.members) {
    const arr = /^(.*\S)\s*\[(\d+)\]$/.exec(m.type);
    const elemType = arr ? arr[1]! : m.type;
    if (!ctx.target.types.get(elemType)) continue;
    const count = arr ? Number(arr[2]) : 1;
    const esize = count > 0 ? m.size / count : 0;
    for (let i = 0; i < count; i++) {
      const eoff = off + m.offset + i * esize;
      const at = addr + BigInt(m.offset + i * esize);
      try {
        bytes.set(ctx.target.readBytes(at, esize), eoff);
      } catch {
        continue;
      }
      overlayMembers(ctx, elemType, at, bytes, eoff, depth + 1);
    }
  }
}

export default defineDcmd({
  name: 'print',
  synopsis: '?[-aCdLnTtx] [-c lim] [-l lim] [-s depth] [type] [member ...]',
  address: 'optional',
  summary: 'print the contents of a data structure',
  help: `Prints the object at the address as the given C type, member by member,
nested structures indented by four. Without an address, prints the type's
layout. With member names, prints only those members; members may use C
syntax: a.b for a nested member, a[2] for an array element, a->b to follow
a pointer.

The type may be omitted when a struct of a known type starts at the address,
or when the addresses come from a typed walker (::walk kmem_cache | ::print);
then the arguments are all member names. Piped onward, ::print passes the
value of a pointer or integer member, or the address of a struct or array
member (-a: always the address).

EXAMPLES
  > rootnex_state::print
  {
      r_dip = 0xffffff01c0a88000
      r_dmahdl_cache = 0xffffff01c0aab380
      r_active_hdls = 0
      r_noresources = 0x25
  }
  > *panic_thread::print -t kthread_t t_state t_pri t_procp
  uint_t t_state = 4
  pri_t t_pri = 0x3b
  struct proc *t_procp = 0xffffff01c0a9c808
  > ::walk kmem_cache | ::print kmem_cache_t cache_name
  cache_name = [ "kmem_magazine_1" ]
  cache_name = [ "kmem_magazine_3" ]
  ...`,
  options: {
    a: flag('show the address of each member'),
    C: flag('do not limit the length of character arrays'),
    c: uint('lim', 'limit the length of character arrays'),
    d: flag('print integers in decimal'),
    L: flag('do not limit the length of other arrays'),
    l: uint('lim', 'limit the number of array elements (default 32)'),
    n: flag('print pointers as numbers, not symbol+offset'),
    s: uint('depth', 'limit how deep nested structures are expanded'),
    T: flag('show the type of each member (same as -t)'),
    t: flag('show the type of each member'),
    x: flag('print integers in hexadecimal (the default)'),
  },
  run(ctx, addr, opts, args) {
    const po: PrintOptions = {
      ...DEFAULT_PRINT,
      showType: opts.t || opts.T,
      showAddr: opts.a,
      decimal: opts.d && !opts.x,
      noSymbolic: opts.n,
      arrayLimit: opts.L ? Infinity : opts.l !== undefined ? Number(opts.l) : DEFAULT_PRINT.arrayLimit,
      strLimit: opts.C ? Infinity : opts.c !== undefined ? Number(opts.c) : DEFAULT_PRINT.strLimit,
      maxDepth: opts.s !== undefined ? Number(opts.s) : Infinity,
    };
    let type: string;
    let members: DcmdArg[];
    const inferred = ctx.inputType ?? (addr !== undefined ? ctx.target.typeAt(addr) : undefined);
    if (args.length > 0 && typeof args[0] === 'string' && !(inferred && namesMember(ctx, inferred, args[0]))) {
      if (/^[+-]/.test(args[0])) throw new UsageError();
      const t = typeName(args);
      type = t.name;
      members = t.rest;
    } else {
      // No type given: the type of the piped addresses, or of the struct at addr.
      members = args;
      if (addr === undefined) throw new UsageError();
      if (!inferred) throw new MdbError(`no symbol information for ${ctx.target.formatAddr(addr)}`);
      type = inferred;
    }
    const size = ctx.target.types.sizeOf(type);
    if (size === undefined) throw new MdbError(`failed to look up type ${type}: unknown type name`);
    // `::print struct uma_keg c1000100`: with no address given, a first
    // argument that names no member but reads as a number is the address
    if (addr === undefined && typeof members[0] === 'string' && !namesMember(ctx, type, members[0])) {
      const a = parseUint(members[0], ctx.radix);
      if (a !== undefined) {
        addr = a;
        members = members.slice(1);
      }
    }
    const showValues = addr !== undefined;
    const base = addr ?? 0n;

    const targets: Array<Located & { label?: string }> = [];
    if (members.length === 0) targets.push({ addr: base, type, size });
    for (const m of members) {
      if (typeof m === 'bigint') {
        const def = ctx.target.types.need(type);
        const hit = def.members.find((x) => BigInt(x.offset) <= m && m < BigInt(x.offset + x.size));
        if (!hit) throw new MdbError(`invalid offset ${hex(m)}`);
        targets.push({ addr: base + BigInt(hit.offset), type: hit.type, size: hit.size, label: hit.name });
      } else targets.push({ ...(showValues ? locate(ctx, type, base, m) : locateLayout(ctx, type, m)), label: m });
    }

    if (ctx.pipedInto) {
      const out: bigint[] = [];
      for (const t of targets) {
        if (opts.a) out.push(t.addr);
        else {
          const ct = ctx.target.types.classify(t.type);
          const scalar = ct.kind === 'ptr' || ct.kind === 'int' || ct.kind === 'bool' || ct.kind === 'char';
          out.push(scalar ? ctx.target.readUint(t.addr, Math.min(8, t.size)) : t.addr);
        }
      }
      ctx.setDot(base + BigInt(size));
      return addresses(out, pipedType(ctx, targets, members.length === 0 ? type : undefined));
    }

    const p = new Printer(ctx.target, po, showValues);
    // --json: each object printed as typed data (printer.ts valueData)
    const data: Array<{ address: bigint; type: string; member?: string; value?: unknown }> = [];
    for (const t of targets) {
      const bytes = showValues ? readObject(ctx, t.addr, t.size, t.type) : new Uint8Array(t.size);
      p.value(t.type, t.size, t.addr, bytes, 0, t.label ?? '', 0, t.label !== undefined);
      let value = showValues ? p.valueData(t.type, t.size, bytes, 0, 0) : undefined;
      // a flag word is hex in --json wherever it appears (render/json.ts isFlagKey)
      if (typeof value === 'number' && t.label !== undefined && isFlagKey(t.label.split(/\.|->/).pop()!.replace(/\[.*$/, ''))) value = BigInt.asUintN(64, BigInt(value));
      data.push({ address: t.addr, type: t.type, ...(t.label !== undefined ? { member: t.label } : {}), ...(showValues ? { value } : {}) });
    }
    if (showValues) ctx.setDot(base + BigInt(size));
    return text(p.text(), { data: { objects: data } });
  },
});

/** The C type of what a piped ::print passes on: the struct itself, or what a struct pointer member points to. */
function pipedType(ctx: DcmdContext, targets: Located[], whole: string | undefined): string | undefined {
  if (whole !== undefined) return whole;
  if (targets.length !== 1) return undefined;
  const ct = ctx.target.types.classify(targets[0]!.type);
  return ct.kind === 'ptr' ? ctx.target.types.get(ct.target.replace(/^const /, ''))?.name : undefined;
}

/** Whether `arg` is a member path of `type` rather than a type name (when the type is known). */
function namesMember(ctx: DcmdContext, type: string, arg: string): boolean {
  if (ctx.target.types.sizeOf(arg) !== undefined || /^(struct|union|enum)$/.test(arg)) return false;
  const def = ctx.target.types.get(type);
  const first = arg.split(/->|\.|\[/)[0]!;
  return def !== undefined && ctx.target.types.member(def, first) !== undefined;
}

/** A member's type and size without reading memory (layout-only ::print). */
function locateLayout(ctx: DcmdContext, type: string, path: string): Located {
  if (path.includes('->')) throw new UsageError('-> needs an address');
  const def = ctx.target.types.need(type);
  const m = ctx.target.types.resolve(def, path);
  return { addr: BigInt(m.offset), type: m.type, size: m.size };
}
