/*
 * The dcmd and walker tables, built from an explicit module list (mdb's
 * module loading, without side effects): Registry.from(modules, target). Each
 * module's static dcmds and walkers are added, then what its init(target)
 * returns. A name (or alias) defined twice is an error, as in mdb
 * ("dcmd name already in use"), and so is a synopsis whose ?/: prefix
 * disagrees with the declared address mode.
 */
import type { AnyDcmd, Module, Walker } from './dcmd.js';
import type { Target } from './target.js';

export class RegistryError extends Error {
  override name = 'RegistryError';
}

export interface Registered<T> {
  item: T;
  module: string;
}

export class Registry {
  private readonly dcmdMap = new Map<string, Registered<AnyDcmd>>();
  private readonly walkerMap = new Map<string, Registered<Walker>>();
  private readonly byType = new Map<string, Walker[]>();
  readonly modules: readonly string[];

  private constructor(modules: readonly string[]) {
    this.modules = modules;
  }

  static from(modules: readonly Module[], target: Target): Registry {
    const r = new Registry(modules.map((m) => m.name));
    for (const m of modules) {
      for (const d of m.dcmds) r.addDcmd(d, m.name);
      for (const w of m.walkers) r.addWalker(w, m.name);
    }
    for (const m of modules) {
      const extra = m.init?.(target);
      if (!extra) continue;
      for (const d of extra.dcmds ?? []) r.addDcmd(d, m.name);
      for (const w of extra.walkers ?? []) r.addWalker(w, m.name);
    }
    return r;
  }

  private addDcmd(d: AnyDcmd, module: string): void {
    checkSynopsis(d);
    for (const name of [d.name, ...(d.aliases ?? [])]) {
      const prev = this.dcmdMap.get(name);
      if (prev) throw new RegistryError(`dcmd name already in use: '${name}' (modules ${prev.module} and ${module})`);
      this.dcmdMap.set(name, { item: d, module });
    }
  }

  private addWalker(w: Walker, module: string): void {
    const prev = this.walkerMap.get(w.name);
    if (prev) throw new RegistryError(`walk name already in use: '${w.name}' (modules ${prev.module} and ${module})`);
    this.walkerMap.set(w.name, { item: w, module });
    if (w.inputType) this.byType.set(w.inputType, [...(this.byType.get(w.inputType) ?? []), w]);
  }

  /** A dcmd by name or alias; `module`name` picks a module's definition. */
  dcmd(name: string): AnyDcmd | undefined {
    const tick = name.indexOf('`');
    if (tick >= 0) {
      const hit = this.dcmdMap.get(name.slice(tick + 1));
      return hit && hit.module === name.slice(0, tick) ? hit.item : undefined;
    }
    return this.dcmdMap.get(name)?.item;
  }

  walker(name: string): Walker | undefined {
    const tick = name.indexOf('`');
    if (tick >= 0) {
      const hit = this.walkerMap.get(name.slice(tick + 1));
      return hit && hit.module === name.slice(0, tick) ? hit.item : undefined;
    }
    return this.walkerMap.get(name)?.item;
  }

  /** The module that provides a dcmd or walker name (::whence). */
  moduleOf(name: string): string | undefined {
    return this.dcmdMap.get(name)?.module ?? this.walkerMap.get(name)?.module;
  }

  /** Walkers that take a starting address of this type. */
  walkersFor(type: string): readonly Walker[] {
    return this.byType.get(type) ?? [];
  }

  /** Every dcmd name (aliases included) with its dcmd, sorted by name. */
  dcmdNames(): Array<[string, AnyDcmd]> {
    return [...this.dcmdMap.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, r]) => [n, r.item]);
  }

  /** Every walker, sorted by name. */
  walkers(): Walker[] {
    return [...this.walkerMap.values()].map((r) => r.item).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

function checkSynopsis(d: AnyDcmd): void {
  const c = d.synopsis[0];
  const want = d.address === 'required' ? ':' : d.address === 'optional' ? '?' : '';
  if ((c === ':' || c === '?') && c !== want)
    throw new RegistryError(`dcmd '${d.name}': synopsis '${d.synopsis}' does not match address '${d.address}'`);
}

/** The synopsis without its ?/: prefix. */
export function bareSynopsis(d: AnyDcmd): string {
  return d.synopsis.replace(/^[?:]/, '').trim();
}

/** mdb's usage line: "[address]::kmem_slabs [-v] [-n cache]". */
export function usageLine(d: AnyDcmd): string {
  const prefix = d.address === 'required' ? 'address::' : d.address === 'optional' ? '[address]::' : '::';
  const syn = bareSynopsis(d);
  return `${prefix}${d.name}${syn ? ' ' + syn : ''}`;
}

/**
 * A usage error of a command typed in ddb's grammar: ddb's own one line,
 * "usage: show vmem addr" (the command's first ddb words and its ddb
 * synopsis, as subr_vmem.c's db_printf("usage: show vmem <addr>") says
 * it), not mdb_dcmd_usage()'s "address::vmem_summ" that the user did not
 * type. Undefined for a dcmd ddb has no words for.
 */
export function ddbUsageLines(d: AnyDcmd): string[] | undefined {
  if (!d.ddb || d.ddb.words.length === 0) return undefined;
  const syn = d.ddb.synopsis;
  return [`usage: ${d.ddb.words[0]}${syn ? ' ' + syn : ''}`];
}

/**
 * mdb_dcmd_usage(): "Usage: " then the address prefix the usage string's
 * leading ':' or '?' asks for ("address::", "[address]::"; "address" and
 * "[address]" for a `$` or `:` verb), the dcmd's name and its usage, then
 * "mdb: try '::help NAME' for more information" (every dcmd here has help).
 * `typed` is the verb as the user typed it ($c reaches the stack dcmd).
 */
export function usageLines(d: AnyDcmd, typed = d.name): string[] {
  const adb = typed.startsWith('$') || typed.startsWith(':');
  const verb = adb ? typed : d.name;
  const sep = adb ? '' : '::';
  const prefix = d.address === 'required' ? `address${sep}` : d.address === 'optional' ? `[address]${sep}` : '';
  return [`Usage: ${prefix}${verb} ${bareSynopsis(d)}`, `mdb: try '::help ${verb}' for more information`];
}
