/*
 * Saving a dump, as savecore does: the file appears whole or not at all. The
 * bytes go to a temporary file beside the target (same directory, so the same
 * file system), are fsynced, and only then take the target's name. A crash or
 * a full disk midway leaves the old dump, if any, untouched and no partial
 * file under the real name.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import type { DumpModel } from './format.js';
import { encodeDump } from './codec.js';
import { DumpError, fsReason, toDumpError } from './errors.js';

export interface WriteOptions {
  /** replace an existing file */
  force?: boolean;
  /** zlib level for the sections (default 1) */
  level?: number;
}

/** The temporary name writeDump uses for `path`: `.<name>.<pid>.tmp` in the same directory. */
export function tempPathFor(path: string): string {
  return nodePath.join(nodePath.dirname(path), `.${nodePath.basename(path)}.${process.pid}.tmp`);
}

/** Whether `path` names anything; an unreadable parent counts as "no", and the write then reports why. */
function exists(path: string): boolean {
  try {
    return fs.lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

const EXISTS = 'file exists (use --force to replace it)';

/** Write `model` to `path` atomically; refuses to replace a file unless `force`. */
export function writeDump(path: string, model: DumpModel, opts: WriteOptions = {}): void {
  let bytes: Buffer;
  try {
    bytes = encodeDump(model, opts.level === undefined ? {} : { level: opts.level });
  } catch (e) {
    throw toDumpError(e, path, 'write');
  }
  if (!opts.force && exists(path)) throw new DumpError(EXISTS, path, 'write');
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  try {
    fd = openExclusive(tmp);
    for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    if (opts.force) fs.renameSync(tmp, path);
    else publishNew(tmp, path);
    syncDirectory(nodePath.dirname(path));
  } catch (e) {
    if (fd !== undefined) closeQuietly(fd);
    removeQuietly(tmp);
    if (e instanceof DumpError) throw e;
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT' && !exists(nodePath.dirname(path)))
      throw new DumpError(`directory ${nodePath.dirname(path)} does not exist`, path, 'write');
    throw new DumpError(fsReason(e), path, 'write');
  }
}

/** Create `tmp`; a leftover from a crashed process that had our pid is removed first. */
function openExclusive(tmp: string): number {
  try {
    return fs.openSync(tmp, 'wx', 0o644);
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'EEXIST') throw e;
    fs.unlinkSync(tmp);
    return fs.openSync(tmp, 'wx', 0o644);
  }
}

/**
 * Give `tmp` the name `path` only if `path` does not exist. link(2) fails with
 * EEXIST rather than replacing, which closes the gap between the existence
 * check and the rename; file systems without hard links get the rename.
 */
function publishNew(tmp: string, path: string): void {
  try {
    fs.linkSync(tmp, path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'EEXIST') throw new DumpError(EXISTS, path, 'write');
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    if (exists(path)) throw new DumpError(EXISTS, path, 'write');
    fs.renameSync(tmp, path);
    return;
  }
  fs.unlinkSync(tmp);
}

/** Make the new directory entry durable; not every platform lets a directory be fsynced. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already failing; the first error is the one to report
  }
}

function removeQuietly(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch {
    // it may never have been created
  }
}
