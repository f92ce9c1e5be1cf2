/*
 * C type strings, as the dump's `types` spell them ("uint64_t", "char [32]",
 * "struct kmem_cpu_cache *", "void *[15]", "int (*)(void *, void *, int)"),
 * sorted into the kinds ::print and the memory synthesiser treat differently.
 * CTF would give us kinds directly; the dump gives us names, so this is the
 * small amount of C declarator syntax needed to recover them.
 */

export type CType =
  | { kind: 'int'; name: string; signed: boolean }
  | { kind: 'char'; name: string }
  | { kind: 'bool'; name: string }
  | { kind: 'float'; name: string }
  | { kind: 'ptr'; name: string; target: string; func: boolean; charPtr: boolean }
  | { kind: 'array'; name: string; elem: string; count: number }
  | { kind: 'struct'; name: string };

const SIGNED = new Set([
  'char', 'signed char', 'short', 'int', 'long', 'long long', 'int8_t', 'int16_t', 'int32_t', 'int64_t',
  'ssize_t', 'intptr_t', 'off_t', 'hrtime_t', 'time_t', 'clock_t', 'pid_t', 'id_t', 'pri_t', 'processorid_t',
  'offset_t', 'longlong_t', 'spgcnt_t', 'ptrdiff_t', 'int_t',
]);

const FLOATS = new Set(['float', 'double', 'long double']);

/** Splits "T [n]..." into element type and count (the first dimension). */
export function parseArray(type: string): { elem: string; count: number } | undefined {
  const m = /^(.*?)\s*\[(\d+)\]((?:\s*\[\d+\])*)$/.exec(type.trim());
  if (!m) return undefined;
  const rest = m[3]!.replace(/\s+/g, '');
  const base = m[1]!.trim();
  return { elem: rest ? `${base} ${rest}` : base, count: Number(m[2]) };
}

/**
 * The kind of a C type string. `isStruct` says whether a bare name is a
 * struct or union known to the dump (a typedef such as "kmem_maglist_t").
 */
export function classify(type: string, isStruct: (name: string) => boolean): CType {
  const name = type.trim().replace(/\s+/g, ' ');
  const arr = parseArray(name);
  if (arr) return { kind: 'array', name, elem: arr.elem, count: arr.count };
  if (name.includes('(*)')) return { kind: 'ptr', name, target: name, func: true, charPtr: false };
  if (name.endsWith('*')) {
    const target = name.slice(0, -1).trim();
    const charPtr = /^(const )?(char|signed char|unsigned char)$/.test(target);
    return { kind: 'ptr', name, target, func: false, charPtr };
  }
  if (name === 'char' || name === 'signed char') return { kind: 'char', name };
  if (name === 'boolean_t' || name === '_Bool' || name === 'bool') return { kind: 'bool', name };
  if (FLOATS.has(name)) return { kind: 'float', name };
  if (isStruct(name)) return { kind: 'struct', name };
  return { kind: 'int', name, signed: SIGNED.has(name) };
}
