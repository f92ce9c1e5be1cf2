/*
 * The kernel's symbol table: every simulated function and global has an
 * address and a size in a realistic amd64 layout, so a stack frame's pc prints
 * as `kmem_cache_alloc+0x324` and ::nm lists the kernel.
 *
 * Functions are declared once, at the top level of the module that models
 * them (`const kmem_cache_alloc = func('genunix', 'kmem_cache_alloc', 0x3a0)`).
 * At boot the table lays them out module by module, in a fixed order, so every
 * run of every scenario sees the same addresses. Call-site offsets inside a
 * function are a pure function of (caller, callee): the same call always
 * returns to the same pc, as in a compiled kernel.
 */
import type { Kva } from './platform.js';
import { NO_VARIANT, SLOT, SLOT_BASE, slotCount, writtenCallSite, type TextVariant } from './text.js';

export interface FuncSym {
  /** call-site offsets by callee, memoised (callSiteOffset is pure) */
  sites?: Map<FuncSym, number>;
  module: string;
  name: string;
  /** size of the function's text in bytes */
  size: number;
  /** stack frame size in bytes (for frame pointers) */
  frameSize: number;
  /** assigned at layout */
  addr: Kva;
  /** the size was given, not derived from the name */
  sized: boolean;
  /** laid out only on a machine whose personality names this feature (Personality.features) */
  feature?: string;
}

export interface ObjSym {
  module: string;
  name: string;
  size: number;
  addr: Kva;
}

const funcs: FuncSym[] = [];
/** by kernel (illumos or freebsd, from the module) and name: both kernels have a panic() */
const funcByName = new Map<string, FuncSym>();

/**
 * FreeBSD's kernel is one module, "kernel"; the 2020 kernel's functions are
 * declared in "kernel.2020" so that they neither move the 2004 kernel's
 * layout nor clash with its names. Every other module name is illumos's.
 */
const kernelOf = (module: string): string => (module === 'kernel' ? 'freebsd' : module === 'kernel.2020' ? 'freebsd2020' : 'illumos');
const funcKey = (module: string, name: string): string => `${kernelOf(module)}:${name}`;

/** FNV-1a, for deterministic per-name layout choices */
export function hashName(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Declare a kernel function. Size defaults to a plausible value derived from
 * the name. A `feature` keeps it out of the text of machines that do not
 * name that feature (code added for one scenario leaves older dumps as they were).
 */
export function func(module: string, name: string, size?: number, feature?: string): FuncSym {
  const existing = funcByName.get(funcKey(module, name));
  if (existing) {
    // Several modelled files may name the same kernel function; the layout
    // must not depend on which was imported first, so sizes must agree.
    if (existing.module !== module) throw new Error(`symbol ${name} declared in modules ${existing.module} and ${module}`);
    if (size !== undefined) {
      if (existing.sized && existing.size !== size) throw new Error(`symbol ${name} declared with sizes ${existing.size} and ${size}`);
      existing.size = size;
      existing.sized = true;
    }
    return existing;
  }
  const h = hashName(name);
  const sym: FuncSym = {
    module,
    name,
    size: size ?? 0x80 + (h % 0x300),
    frameSize: 0x20 + ((h >>> 12) % 12) * 0x10,
    addr: 0,
    sized: size !== undefined,
    ...(feature !== undefined ? { feature } : {}),
  };
  funcs.push(sym);
  funcByName.set(funcKey(module, name), sym);
  return sym;
}

/** A declared illumos function by name (constructor and destructor symbols of caches); `module` picks the kernel. */
export function lookupFunc(name: string, module = 'genunix'): FuncSym | undefined {
  return funcByName.get(funcKey(module, name));
}

/**
 * The offset of the return address in `caller` after its call to `callee`.
 * A function with written code (text.ts) has it from its instructions, the
 * callee's arguments choosing among several calls to one function; any other
 * function's is a pure function of (caller, callee).
 */
export function callSiteOffset(caller: FuncSym, callee: FuncSym, args: readonly number[] = [], v: TextVariant = NO_VARIANT): number {
  const w = writtenCallSite(caller, callee, args, v);
  if (w !== undefined) return w;
  let m = caller.sites;
  if (!m) m = caller.sites = new Map();
  let off = m.get(callee);
  if (off === undefined) m.set(callee, (off = computeCallSite(caller, callee)));
  return off;
}

/**
 * A frame's pc offset as a dump or a console trace gives it: the call site
 * in a caller; in the innermost frame, where the thread stopped, which the
 * model places at one fixed offset in the function.
 */
export function framePcOff(f: { fn: FuncSym; pcOff: number }): number {
  return f.pcOff !== 0 ? f.pcOff : callSiteOffset(f.fn, f.fn);
}

function computeCallSite(caller: FuncSym, callee: FuncSym): number {
  const h = hashName(caller.name + '>' + callee.name);
  // illumos functions get generated text (text.ts): a call ends on one of its 8-byte slots
  const n = slotCount(caller.size);
  if (kernelOf(caller.module) === 'illumos' && n > 0) return SLOT_BASE + SLOT * (1 + (h % n));
  // somewhere past the prologue and before the end of the function
  const lo = Math.min(0x8, caller.size - 1);
  return lo + (h % Math.max(1, caller.size - lo - 0x8));
}

export class SymbolTable {
  readonly funcs: FuncSym[];
  readonly objects: ObjSym[] = [];
  private dataNext: Kva;

  /**
   * Lays out the functions of one kernel: those declared in `modules`, in
   * that order (a process may have both kernels' code loaded; an illumos
   * dump must not list FreeBSD's functions, nor move because they exist).
   */
  constructor(textBase: Kva, dataBase: Kva, modules: readonly string[], features: readonly string[] = []) {
    const order = (m: string): number => modules.indexOf(m);
    this.funcs = funcs.filter((f) => modules.includes(f.module) && (f.feature === undefined || features.includes(f.feature))).sort(
      (a, b) => order(a.module) - order(b.module) || a.module.localeCompare(b.module) || a.name.localeCompare(b.name),
    );
    let pc = textBase;
    for (const f of this.funcs) {
      f.addr = pc;
      pc += (f.size + 0xf) & ~0xf;
    }
    this.dataNext = dataBase;
  }

  /** Allocate a global in kernel data (e.g. `kmem_flags`, `panicstr`). */
  object(module: string, name: string, size: number): ObjSym {
    const align = size >= 8 ? 8 : size >= 4 ? 4 : 1;
    this.dataNext = Math.ceil(this.dataNext / align) * align;
    const o: ObjSym = { module, name, size, addr: this.dataNext };
    this.dataNext += size;
    this.objects.push(o);
    return o;
  }
}
