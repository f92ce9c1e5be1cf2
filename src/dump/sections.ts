/*
 * The container under a dump: fixed prefix, section directory and sections,
 * with the CRC and the length that make a damaged or foreign file fail
 * early. It knows nothing of tables; codec.ts puts the model into sections
 * and describes the whole layout byte by byte.
 */
import zlib from 'node:zlib';
import { constants as bufferConstants } from 'node:buffer';
import { DUMP_MAGIC, DUMP_MIN_VERSION, DUMP_VERSION } from './format.js';
import { DumpError } from './errors.js';
import { UTF8 } from './pool.js';
import { q } from './validate.js';

export const PREFIX_SIZE = 24;
const DIRECTORY_START = 32;
const ENTRY_SIZE = 28;
export const CODEC_STORED = 0;
export const CODEC_DEFLATE = 1;
/**
 * A deflate segment (version 2): a raw deflate stream that ends in a sync
 * flush rather than a final block, written for the chunks of a column. Each
 * inflates alone, and a column's segments put end to end are one stream,
 * so reading the column whole is one inflate into one buffer.
 */
export const CODEC_SEGMENT = 2;
const MAGIC = Buffer.from(DUMP_MAGIC, 'latin1');
/** sections smaller than this are not worth a deflate stream */
const MIN_DEFLATE = 64;

/** A directory entry. */
export interface Entry {
  name: string;
  offset: number;
  stored: number;
  raw: number;
  codec: number;
}

const align8 = (n: number): number => (n + 7) & ~7;

function fail(reason: string): never {
  throw new DumpError(reason);
}

// ---- writing ---------------------------------------------------------------

/** A section's bytes as they go into the file: deflated when that saves a tenth, else stored. */
function pack(raw: Uint8Array, level: number, segment: boolean): { codec: number; bytes: Uint8Array } {
  if (level <= 0 || raw.length < MIN_DEFLATE) return { codec: CODEC_STORED, bytes: raw };
  // One output chunk about the input's size avoids zlib's 16 KiB chunks and their concatenation.
  const z = zlib.deflateRawSync(raw, {
    level,
    chunkSize: Math.min(raw.length + 1024, 8 << 20),
    ...(segment ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {}),
  });
  return z.length * 10 < raw.length * 9 ? { codec: segment ? CODEC_SEGMENT : CODEC_DEFLATE, bytes: z } : { codec: CODEC_STORED, bytes: raw };
}

/**
 * The file holding `sections` (raw bytes, compressed here at zlib `level`),
 * CRC included; a section marked `segment` (a chunk of a column) is
 * deflated as a segment (CODEC_SEGMENT).
 */
export function assemble(sections: Array<{ name: string; raw: Uint8Array; segment?: boolean }>, level: number): Buffer {
  const stored = sections.map((s) => pack(s.raw, level, s.segment === true));
  const nameBytes = sections.map((s) => Buffer.from(s.name, 'utf8'));
  const dirLen = nameBytes.reduce((sum, nb) => sum + ENTRY_SIZE + nb.length, 0);
  const offsets: number[] = [];
  let end = DIRECTORY_START + dirLen;
  for (const s of stored) {
    const offset = align8(end);
    offsets.push(offset);
    end = offset + s.bytes.length;
  }
  const file = Buffer.alloc(end);
  MAGIC.copy(file, 0);
  file.writeUInt32LE(DUMP_VERSION, 8);
  file.writeBigUInt64LE(BigInt(end), 16);
  file.writeUInt32LE(sections.length, 24);
  file.writeUInt32LE(dirLen, 28);
  let at = DIRECTORY_START;
  sections.forEach((s, i) => {
    const { codec, bytes } = stored[i]!;
    const name = nameBytes[i]!;
    file.writeBigUInt64LE(BigInt(offsets[i]!), at);
    file.writeBigUInt64LE(BigInt(bytes.length), at + 8);
    file.writeBigUInt64LE(BigInt(s.raw.length), at + 16);
    file.writeUInt8(codec, at + 24);
    file.writeUInt16LE(name.length, at + 26);
    file.set(name, at + ENTRY_SIZE);
    at += ENTRY_SIZE + name.length;
    file.set(bytes, offsets[i]!);
  });
  file.writeUInt32LE(zlib.crc32(file.subarray(PREFIX_SIZE)), 12);
  return file;
}

// ---- reading ---------------------------------------------------------------

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** A u64 byte count, which must fit a JS number exactly. */
function u64(b: Uint8Array, at: number, what: string): number {
  const v = u32(b, at) + u32(b, at + 4) * 2 ** 32;
  if (!Number.isSafeInteger(v)) fail(`${what} is ${v}, too large`);
  return v;
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Checks the fixed prefix, the length and the CRC; returns the format version. */
export function checkPrefix(b: Uint8Array): number {
  const have = b.length;
  if (have === 0) fail('empty file (not an mddb dump)');
  const m = Math.min(have, MAGIC.length);
  for (let i = 0; i < m; i++) if (b[i] !== MAGIC[i]) fail('bad magic (not an mddb dump)');
  if (have < PREFIX_SIZE) fail(`truncated: file has ${have} bytes, the fixed prefix alone is ${PREFIX_SIZE}`);
  const version = u32(b, 8);
  if (version < DUMP_MIN_VERSION || version > DUMP_VERSION)
    fail(`unsupported dump format version ${version} (this mddb reads versions ${DUMP_MIN_VERSION} to ${DUMP_VERSION})`);
  const length = u32(b, 16) + u32(b, 20) * 2 ** 32;
  if (have < length) fail(truncation(b, length));
  if (have > length) fail(`${have - length} unexpected bytes after the end of the dump (${length} bytes)`);
  const stored = u32(b, 12);
  const computed = zlib.crc32(b.subarray(PREFIX_SIZE));
  if (stored !== computed) fail(`checksum mismatch (stored ${hex32(stored)}, computed ${hex32(computed)})`);
  return version;
}

/** Say what a short file is missing: the first section that does not fit, when the directory survived. */
function truncation(b: Uint8Array, length: number): string {
  const have = b.length;
  if (have >= DIRECTORY_START) {
    const n = u32(b, 24);
    const dirLen = u32(b, 28);
    if (DIRECTORY_START + dirLen > have)
      return `truncated: the section directory needs ${dirLen} bytes at offset ${DIRECTORY_START}, file has ${have}`;
    let at = DIRECTORY_START;
    for (let i = 0; i < n && at + ENTRY_SIZE <= DIRECTORY_START + dirLen; i++) {
      const offset = u32(b, at) + u32(b, at + 4) * 2 ** 32;
      const stored = u32(b, at + 8) + u32(b, at + 12) * 2 ** 32;
      const len = b[at + 26]! | (b[at + 27]! << 8);
      const name = Buffer.from(b.buffer, b.byteOffset + at + ENTRY_SIZE, Math.min(len, 200, have - at - ENTRY_SIZE));
      if (offset + stored > have)
        return `truncated: section '${name.toString('utf8')}' needs ${stored} bytes at offset ${offset}, file has ${have}`;
      at += ENTRY_SIZE + len;
    }
  }
  return `truncated: the dump is ${length} bytes, file has ${have}`;
}

export function readDirectory(b: Uint8Array, version = DUMP_VERSION): Entry[] {
  const n = u32(b, 24);
  const dirLen = u32(b, 28);
  const dirEnd = DIRECTORY_START + dirLen;
  if (n < 3) fail(`corrupt section directory: ${n} sections, expected at least 3`);
  if (dirEnd > b.length) fail(`corrupt section directory: ${dirLen} bytes, past the end of the file`);
  const entries: Entry[] = [];
  let at = DIRECTORY_START;
  let minOffset = align8(dirEnd);
  for (let i = 0; i < n; i++) {
    if (at + ENTRY_SIZE > dirEnd) fail(`corrupt section directory: entry ${i} lies past its end`);
    const len = b[at + 26]! | (b[at + 27]! << 8);
    if (at + ENTRY_SIZE + len > dirEnd) fail(`corrupt section directory: entry ${i}'s name lies past its end`);
    let name: string;
    try {
      name = UTF8.decode(b.subarray(at + ENTRY_SIZE, at + ENTRY_SIZE + len));
    } catch {
      fail(`corrupt section directory: entry ${i}'s name is not UTF-8`);
    }
    const e: Entry = {
      name,
      offset: u64(b, at, `section ${q(name)} offset`),
      stored: u64(b, at + 8, `section ${q(name)} length`),
      raw: u64(b, at + 16, `section ${q(name)} raw length`),
      codec: b[at + 24]!,
    };
    const where = `section ${q(name)}`;
    if (b[at + 25] !== 0) fail(`corrupt section directory: ${where} has a nonzero reserved byte`);
    if (e.codec !== CODEC_STORED && e.codec !== CODEC_DEFLATE && !(e.codec === CODEC_SEGMENT && version >= 2)) fail(`${where} has unknown codec ${e.codec}`);
    if (e.codec === CODEC_STORED && e.raw !== e.stored) fail(`${where} is stored but its lengths differ`);
    if (e.raw > bufferConstants.MAX_LENGTH) fail(`${where} is ${e.raw} bytes, more than this node can hold`);
    // deflate cannot expand more than ~1032:1; a larger claim is corruption, and
    // believing it would allocate the claimed size before inflating
    if (e.codec !== CODEC_STORED && e.raw > e.stored * 1100 + 64)
      fail(`${where} claims ${e.raw} bytes from ${e.stored} compressed bytes`);
    if (e.offset % 8 !== 0 || e.offset < minOffset)
      fail(`${where} starts at offset ${e.offset}, expected a multiple of 8 from ${minOffset}`);
    if (e.offset + e.stored > b.length)
      fail(`${where} needs ${e.stored} bytes at offset ${e.offset}, file has ${b.length}`);
    minOffset = align8(e.offset + e.stored);
    entries.push(e);
    at += ENTRY_SIZE + len;
  }
  if (at !== dirEnd) fail(`corrupt section directory: ${dirEnd - at} bytes after its ${n} entries`);
  const last = entries[n - 1]!;
  if (last.offset + last.stored !== b.length) fail('corrupt section directory: the last section does not end the file');
  return entries;
}

/** Decompressed section bytes on demand, each once (list offsets may be shared). */
export class Sections {
  private readonly cache: Array<Uint8Array | undefined> = [];
  constructor(
    private readonly b: Uint8Array,
    readonly entries: Entry[],
  ) {}

  name(i: number): string {
    return this.entries[i]!.name;
  }

  bytes(i: number): Uint8Array {
    const hit = this.cache[i];
    if (hit) return hit;
    const e = this.entries[i]!;
    const stored = this.b.subarray(e.offset, e.offset + e.stored);
    let out: Uint8Array;
    if (e.codec === CODEC_STORED) out = stored;
    else {
      try {
        // one chunk a little larger than the output: no concatenation copy, and zlib's
        // maxOutputLength stops a stream that inflates past the length the directory promises
        out = zlib.inflateRawSync(stored, {
          chunkSize: Math.max(64, e.raw + 64),
          maxOutputLength: Math.max(1, e.raw),
          // a segment has no final block; its length is checked below
          ...(e.codec === CODEC_SEGMENT ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {}),
        });
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
          fail(`section ${q(e.name)} decompresses to more than the ${e.raw} bytes the directory says`);
        fail(`section ${q(e.name)} does not decompress (${err instanceof Error ? err.message : String(err)})`);
      }
      if (out.length !== e.raw) fail(`section ${q(e.name)} decompresses to ${out.length} bytes, expected ${e.raw}`);
    }
    this.cache[i] = out;
    return out;
  }

  /**
   * Sections `list` (the chunks of one column, in order) inflated as one
   * stream into one buffer of `raw` bytes, when every one is a segment and
   * the whole comes out at that length; else undefined (the caller then
   * reads them one by one, which names a damaged one).
   */
  joined(list: readonly number[], raw: number): Uint8Array | undefined {
    const parts: Uint8Array[] = [];
    for (const i of list) {
      const e = this.entries[i]!;
      if (e.codec !== CODEC_SEGMENT) return undefined;
      parts.push(this.b.subarray(e.offset, e.offset + e.stored));
    }
    try {
      const out = zlib.inflateRawSync(Buffer.concat(parts), {
        chunkSize: Math.max(64, raw + 64),
        maxOutputLength: Math.max(1, raw),
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
      });
      return out.length === raw ? out : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether bytes(i) is memory of its own (inflated), which its reader may change, rather than a view of the file. */
  owned(i: number): boolean {
    return this.entries[i]!.codec !== CODEC_STORED;
  }

  /** Forgets section i's decompressed bytes (its reader keeps what it needs): the next bytes(i) inflates again. */
  drop(i: number): void {
    this.cache[i] = undefined;
  }

  json(i: number): unknown {
    const name = this.name(i);
    let text: string;
    try {
      text = UTF8.decode(this.bytes(i));
    } catch (err) {
      if (err instanceof DumpError) throw err;
      fail(`section ${q(name)} is not valid UTF-8`);
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      fail(`section ${q(name)} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  }
}
