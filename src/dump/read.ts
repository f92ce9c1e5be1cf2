/*
 * Opening a dump, as mdb opens a vmcore: read-only. The file is read whole
 * (one readFileSync; columns then become views on it or on their inflated
 * bytes) and never written, so a debugging session cannot damage the evidence.
 *
 * The CRC, the directory, the header, the types and the catalog are checked
 * here; each column is decompressed and checked on its first read (codec.ts),
 * unless `eager` asks for all of them now.
 */
import fs from 'node:fs';
import type { DumpModel } from './format.js';
import { decodeDump, validateAll, type DecodeOptions } from './codec.js';
import { DumpError, fsReason } from './errors.js';
import { DUMP_MAGIC, DUMP_MIN_VERSION, DUMP_VERSION } from './format.js';
import { PREFIX_SIZE } from './sections.js';

export { validateAll };
export type ReadOptions = DecodeOptions;

/**
 * The largest dump mddb opens: the file is read whole into one buffer, and a
 * Node Buffer holds at most 4 GiB. A million-buffer kernel is about 50 MB.
 */
export const MAX_DUMP_BYTES = 2 ** 32 - 1;

/** What a path that is not a regular file is, for the one-line refusal. */
function fileKind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Reads into `buf` from file offset `from` until it is full or the file ends; returns the bytes now in it. */
function readFully(fd: number, buf: Buffer, from: number): number {
  let at = from;
  while (at < buf.length) {
    const n = fs.readSync(fd, buf, at, buf.length - at, at);
    if (n === 0) break;
    at += n;
  }
  return at;
}

/**
 * The checked model in the dump file at `path`; every problem is a one-line
 * DumpError. Only a regular file is read (a FIFO would block forever and
 * /dev/zero never ends), and only as many bytes as fstat reported, after the
 * fixed prefix agreed on the length: a file is never read past what its own
 * header declares.
 */
export function readDump(path: string, opts: ReadOptions = {}): DumpModel {
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not block before fstat can refuse it
    fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new DumpError(`${fileKind(st)}, not a dump file`, path, 'open');
    if (st.size > MAX_DUMP_BYTES) throw new DumpError(`${st.size} bytes is larger than any dump mddb can open (${MAX_DUMP_BYTES})`, path, 'open');
    // the fixed prefix first: a file that is no dump, or whose header declares
    // another length, is refused before anything the size of the file is allocated
    const prefix = Buffer.alloc(Math.min(st.size, PREFIX_SIZE));
    const got = readFully(fd, prefix, 0);
    if (got < PREFIX_SIZE || !prefix.subarray(0, 8).equals(Buffer.from(DUMP_MAGIC, 'latin1'))) {
      bytes = prefix.subarray(0, got);
    } else {
      const declared = prefix.readUInt32LE(16) + prefix.readUInt32LE(20) * 2 ** 32;
      if (declared < st.size && declared >= PREFIX_SIZE && prefix.readUInt32LE(8) >= DUMP_MIN_VERSION && prefix.readUInt32LE(8) <= DUMP_VERSION)
        throw new DumpError(`${st.size - declared} unexpected bytes after the end of the dump (${declared} bytes)`, path, 'open');
      bytes = Buffer.alloc(st.size);
      prefix.copy(bytes);
      const at = readFully(fd, bytes, got);
      if (at < st.size) bytes = bytes.subarray(0, at);
    }
  } catch (e) {
    if (e instanceof DumpError) throw e;
    throw new DumpError(fsReason(e), path, 'open');
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  return decodeDump(bytes, path, opts);
}
