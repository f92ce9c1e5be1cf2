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

export { validateAll };
export type ReadOptions = DecodeOptions;

/** The checked model in the dump file at `path`; every problem is a one-line DumpError. */
export function readDump(path: string, opts: ReadOptions = {}): DumpModel {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new DumpError(fsReason(e), path, 'open');
  }
  return decodeDump(bytes, path, opts);
}
