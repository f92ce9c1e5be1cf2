/*
 * The target: a read-only view of one dump, built once when it is opened.
 * It answers what mdb's kvm target answers — symbols by name and address,
 * type layouts, and memory reads — from the dump's tables (see
 * target/memory.ts for how bytes are made from rows). Dcmds that scan whole
 * tables should read columns directly (table()); reads are for following
 * pointers and for the format verbs.
 */
import type { DumpHeader, DumpModel, Table } from '../dump/format.js';
import { UnknownSymbolError } from './errors.js';
import { numtostr } from './render/number.js';
import { ObjectMemory, uintLE, type ObjectRef } from './target/memory.js';
import { SymbolTable, type Sym } from './target/symbols.js';
import { TypeTable } from './target/types.js';

export type { ObjectRef } from './target/memory.js';
export type { Sym } from './target/symbols.js';

/** Addresses whose %a text a target keeps. */
const FORMATTED_ADDRESSES = 8192;

/** ddb/db_sym.c: "unsigned int db_maxoff = 0x10000", the farthest an address may be past a symbol and still be named by it */
const DB_MAXOFF = 0x10000n;

export class Target {
  readonly header: DumpHeader;
  readonly pointerSize: 4 | 8;
  readonly types: TypeTable;
  readonly symbols: SymbolTable;
  readonly memory: ObjectMemory;
  private readonly tables: Map<string, Table>;

  constructor(readonly model: DumpModel) {
    this.header = model.header;
    this.pointerSize = model.header.pointerSize === 4 ? 4 : 8;
    this.tables = new Map(model.tables.map((t) => [t.name, t]));
    this.types = new TypeTable(model.types, this.pointerSize);
    this.symbols = new SymbolTable(model);
    this.memory = new ObjectMemory(model, this.types, this.pointerSize);
  }

  /** A table by name (a C type name or one of format.ts's TABLE_*). */
  table(name: string): Table | undefined {
    return this.tables.get(name);
  }

  /** A symbol by name or `mod`name`. */
  lookupSymbol(name: string): Sym | undefined {
    return this.symbols.byName(name);
  }

  /** A symbol's address, failing as mdb does for an unknown name. */
  symbolAddr(name: string): bigint {
    const s = this.symbols.byName(name);
    if (!s) throw new UnknownSymbolError(name);
    return s.addr;
  }

  /** The symbol containing addr and the offset into it. */
  symbolAt(addr: bigint): { sym: Sym; offset: bigint } | undefined {
    return this.symbols.lookup(BigInt.asUintN(64, addr));
  }

  /** An address as mdb's %a prints it: "sym", "sym+0x10", or "0xffffff01d6e2a008". */
  formatAddr(addr: bigint): string {
    const a = BigInt.asUintN(64, addr);
    // stacks repeat their pcs (every audit record of a cache shares a few call sites): each is named once
    let s = this.formatted.get(a);
    if (s !== undefined) return s;
    const hit = this.symbols.lookup(a);
    if (!hit) s = numtostr(a, 16, { unsigned: true, showbase: true });
    else if (hit.offset === 0n) s = hit.sym.name;
    else s = hit.sym.name + numtostr(hit.offset, 16, { signpos: true, showbase: true });
    if (this.formatted.size >= FORMATTED_ADDRESSES) this.formatted.delete(this.formatted.keys().next().value!);
    this.formatted.set(a, s);
    return s;
  }

  /**
   * An address as ddb's db_printsym(addr, DB_STGY_ANY) prints it: "sym",
   * "sym+0x8" (kvprintf's "+%+#lr": 0x even on a small offset, where mdb's
   * %a says "+8"), or the number itself ("0xc1400100", "0") when no symbol
   * starts within db_maxoff (0x10000) below it.
   */
  formatAddrDdb(addr: bigint): string {
    const a = BigInt.asUintN(64, addr);
    const hit = this.symbols.lookup(a);
    if (!hit || hit.offset >= DB_MAXOFF) return a === 0n ? '0' : `0x${a.toString(16)}`;
    return hit.offset === 0n ? hit.sym.name : `${hit.sym.name}+0x${hit.offset.toString(16)}`;
  }

  /** formatAddr's answers, the oldest forgotten first past FORMATTED_ADDRESSES */
  private readonly formatted = new Map<bigint, string>();

  /** n bytes at addr (MemoryError: "failed to read n bytes at addr: no mapping for address"). */
  readBytes(addr: bigint, n: number): Uint8Array {
    return this.memory.read(BigInt.asUintN(64, addr), n);
  }

  /** readBytes into out (ObjectMemory.readInto): filled, or a MemoryError. */
  readInto(addr: bigint, out: Uint8Array): Uint8Array {
    return this.memory.readInto(BigInt.asUintN(64, addr), out);
  }

  /**
   * readBytes for many reads at nearby addresses (the format verbs' items):
   * the same bytes and errors, with lookups shared (ObjectMemory.reader).
   */
  reader(): (addr: bigint, n: number) => Uint8Array {
    const read = this.memory.reader();
    return (addr, n) => read(BigInt.asUintN(64, addr), n);
  }

  /** An unsigned little-endian integer of `size` bytes (1..8) at addr. */
  readUint(addr: bigint, size: number): bigint {
    return uintLE(this.readBytes(addr, size), 0, size);
  }

  readU8(addr: bigint): number {
    return this.readBytes(addr, 1)[0]!;
  }
  readU16(addr: bigint): number {
    return Number(this.readUint(addr, 2));
  }
  readU32(addr: bigint): number {
    return Number(this.readUint(addr, 4));
  }
  readU64(addr: bigint): bigint {
    return this.readUint(addr, 8);
  }

  /** A pointer-sized value (what `*addr` reads). */
  readPtr(addr: bigint): bigint {
    return this.readUint(addr, this.pointerSize);
  }

  /** A NUL-terminated string of at most max bytes. */
  readString(addr: bigint, max = 256): string {
    return this.memory.readString(BigInt.asUintN(64, addr), max);
  }

  /** The innermost object containing addr (a struct row, else a buffer). */
  objectAt(addr: bigint): ObjectRef | undefined {
    return this.memory.objectAt(BigInt.asUintN(64, addr));
  }

  /** All objects containing addr, innermost first. */
  objectsAt(addr: bigint): ObjectRef[] {
    return this.memory.objectsAt(BigInt.asUintN(64, addr));
  }

  /** The C type of the struct that starts exactly at addr, if one does. */
  typeAt(addr: bigint): string | undefined {
    for (const o of this.objectsAt(addr)) if (o.base === BigInt.asUintN(64, addr) && this.types.get(o.table)) return o.table;
    return undefined;
  }
}
