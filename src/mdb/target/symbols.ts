/*
 * The kernel symbol table (the dump's `symbols` table), indexed both ways:
 * by name, with mdb's `mod`sym` scoping, and by address, where an address
 * inside a symbol's [value, value + size) reads as "sym+0xoff" (mdb's FUZZY
 * lookup, limited to the symbol's size).
 */
import { SYMKIND_FUNC, TABLE_SYMBOLS, type DumpModel, type Table } from '../../dump/format.js';

export interface Sym {
  name: string;
  module: string;
  addr: bigint;
  size: bigint;
  /** SYMKIND_FUNC or SYMKIND_OBJECT */
  kind: number;
}

export class SymbolTable {
  private sorted: readonly Sym[] | undefined;
  private all: Sym[] | undefined;
  private names: Map<string, Sym> | undefined;
  private scoped: Map<string, Sym> | undefined;

  /** Nothing is read until the first lookup: opening a dump does not pay for its symbols. */
  constructor(private readonly model: DumpModel) {}

  /** symbols sorted by address (ties keep table order) */
  get byAddr(): readonly Sym[] {
    this.sorted ??= this.symbols().slice().sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
    return this.sorted;
  }

  private symbols(): Sym[] {
    if (this.all) return this.all;
    const t = this.model.tables.find((x) => x.name === TABLE_SYMBOLS);
    this.all = t ? readSymbols(t) : [];
    return this.all;
  }

  private nameMaps(): { names: Map<string, Sym>; scoped: Map<string, Sym> } {
    if (!this.names || !this.scoped) {
      const names = new Map<string, Sym>();
      const scoped = new Map<string, Sym>();
      for (const s of this.symbols()) {
        // The first definition of a name wins, as mdb's global lookup does.
        if (!names.has(s.name)) names.set(s.name, s);
        const key = `${s.module}\`${s.name}`;
        if (!scoped.has(key)) scoped.set(key, s);
      }
      this.names = names;
      this.scoped = scoped;
    }
    return { names: this.names, scoped: this.scoped };
  }

  /** A symbol by name, or `module`name`. */
  byName(name: string): Sym | undefined {
    const { names, scoped } = this.nameMaps();
    return name.includes('`') ? scoped.get(name) : names.get(name);
  }

  /** The symbol containing addr (exact match for zero-sized symbols). */
  lookup(addr: bigint): { sym: Sym; offset: bigint } | undefined {
    const a = this.byAddr;
    let lo = 0;
    let hi = a.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]!.addr <= addr) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Walk back over symbols at the same or lower address: a sized symbol
    // further back may still contain addr when the nearest one is zero-sized.
    for (let i = best; i >= 0 && i > best - 8; i--) {
      const s = a[i]!;
      const off = addr - s.addr;
      if (off === 0n || off < s.size) return { sym: s, offset: off };
    }
    return undefined;
  }

  isFunc(s: Sym): boolean {
    return s.kind === SYMKIND_FUNC;
  }
}

function readSymbols(t: Table): Sym[] {
  const name = t.columns['name'];
  const mod = t.columns['module'];
  const addr = t.columns['addr'];
  const size = t.columns['size'];
  const kind = t.columns['kind'];
  const out: Sym[] = [];
  if (!name || name.kind !== 'str' || !addr || addr.kind === 'str' || addr.kind === 'list') return out;
  for (let i = 0; i < t.rowCount; i++) {
    out.push({
      name: name.values[i]!,
      module: mod && mod.kind === 'str' ? mod.values[i]! : '',
      addr: BigInt(addr.values[i]!),
      size: size && size.kind !== 'str' && size.kind !== 'list' ? BigInt(size.values[i]!) : 0n,
      kind: kind && kind.kind !== 'str' && kind.kind !== 'list' ? Number(kind.values[i]!) : 0,
    });
  }
  return out;
}
