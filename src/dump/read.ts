/*
 * Opening a dump, as mdb opens a vmcore: read-only. The file is read whole
 * (one readFileSync; columns then become views on it or on their inflated
 * bytes) and never written, so a debugging session cannot damage the evidence.
 */
import fs from 'node:fs';
import type { DumpModel } from './format.js';
import { decodeDump } from './codec.js';
import { DumpError, fsReason } from './errors.js';

/** The checked model in the dump file at `path`; every problem is a one-line DumpError. */
export function readDump(path: string): DumpModel {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new DumpError(fsReason(e), path, 'open');
  }
  return decodeDump(bytes, path);
}
