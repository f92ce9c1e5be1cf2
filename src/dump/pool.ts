/*
 * String columns on disk: a per-column pool of the distinct strings and one
 * u32 pool index per row. Kernel string columns repeat a few values (cache
 * names, module names) over many rows, so the pool is small and the indices
 * compress well.
 *
 * Pool bytes (little-endian):
 *   +0          u32 M            number of strings
 *   +4          u32 ends[M]      end of string i in the text, in UTF-16 code
 *                                units (string i is text[ends[i-1] .. ends[i]))
 *   +4 + 4M     text             the M strings concatenated, UTF-8
 *
 * Ends are counted in UTF-16 units, not bytes, so the reader decodes the text
 * with one call and cuts it with String.prototype.slice, instead of decoding
 * M small byte ranges.
 */
import { DumpError } from './errors.js';
import { bytesOf, viewOf } from './kinds.js';

/** A strict UTF-8 decoder: invalid bytes are an error, and a leading U+FEFF is text. */
export const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

type WellFormed = { isWellFormed(): boolean };

/** Split a string column into pool indices and pool bytes. `where` names the column for errors. */
export function encodePool(values: readonly string[], where: string): { indices: Uint32Array; pool: Uint8Array } {
  const ids = new Map<string, number>();
  const uniq: string[] = [];
  const indices = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = values[i]!;
    let k = ids.get(s);
    if (k === undefined) {
      // UTF-8 cannot carry a lone surrogate: it would come back as U+FFFD.
      if (!(s as unknown as WellFormed).isWellFormed())
        throw new DumpError(`${where} row ${i} is not well-formed UTF-16 (a lone surrogate)`);
      k = uniq.length;
      ids.set(s, k);
      uniq.push(s);
    }
    indices[i] = k;
  }
  const m = uniq.length;
  const text = Buffer.from(uniq.join(''), 'utf8');
  const pool = new Uint8Array(4 + 4 * m + text.length);
  const head = new Uint32Array(m + 1);
  head[0] = m;
  let end = 0;
  for (let i = 0; i < m; i++) head[i + 1] = end += uniq[i]!.length;
  pool.set(bytesOf(head), 0);
  pool.set(text, 4 + 4 * m);
  return { indices, pool };
}

/** The strings of a pool section; throws a DumpError naming `where` if the bytes are not a pool. */
export function decodePool(bytes: Uint8Array, where: string): string[] {
  if (bytes.length < 4) throw new DumpError(`${where} string pool is ${bytes.length} bytes, too short`);
  const m = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  if (4 + 4 * m > bytes.length)
    throw new DumpError(`${where} string pool claims ${m} strings but is only ${bytes.length} bytes`);
  const ends = viewOf('u32', bytes.subarray(4, 4 + 4 * m), m) as Uint32Array;
  let text: string;
  try {
    text = UTF8.decode(bytes.subarray(4 + 4 * m));
  } catch {
    throw new DumpError(`${where} string pool is not valid UTF-8`);
  }
  const out = new Array<string>(m);
  let prev = 0;
  for (let i = 0; i < m; i++) {
    const e = ends[i]!;
    if (e < prev || e > text.length) throw new DumpError(`${where} string pool entry ${i} ends at ${e}, out of order`);
    out[i] = text.slice(prev, e);
    prev = e;
  }
  if (prev !== text.length)
    throw new DumpError(`${where} string pool text is ${text.length} units long, its strings cover ${prev}`);
  return out;
}
