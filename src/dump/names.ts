/*
 * Tables keyed by names that come from outside the program (a type or
 * symbol name typed at the prompt, a column name read from a dump, a
 * scenario key) must not see Object.prototype: `table['constructor']` on a
 * plain object is a function, and `table['__proto__'] = x` replaces the
 * prototype. Constant tables are built with nameTable() (no prototype);
 * lookups in objects of unknown origin go through own().
 */

/** A copy of `entries` with a null prototype: only its own keys answer. */
export function nameTable<T>(entries: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  const t = Object.create(null) as Record<string, T>;
  for (const k of Object.keys(entries)) t[k] = entries[k]!;
  return Object.freeze(t);
}

/** An empty null-prototype object to fill with name-keyed entries. */
export function emptyNameTable<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** obj[key] if obj has it as its own property, else undefined (never the prototype chain). */
export function own<T>(obj: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return obj !== undefined && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}
